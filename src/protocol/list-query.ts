import { summaryKeyProblem } from './summary-keys.js';
import { ValidationError } from './validate.js';

/**
 * The executions list as a query (`GET /api/executions`, DESIGN.md "Query API additions"), parsed and printed in one place
 * for the server, the studio and the tests:
 * - `sort`: `name`, `startedAt`, `duration`, `summary.<path>` or `label.<key>`, a leading `-` for descending;
 * - `label=k:v` (repeatable): the label `k` has the value `v` (split at the first `:`; `k:` matches an empty value);
 * - `where=summary.<path><op><number>` (repeatable), `op` one of `< <= > >= =`: the summary value at `path` is a number
 *   that compares so. Executions without a number there never match.
 */

export const SORT_FIELDS = ['name', 'startedAt', 'duration'] as const;
export type SortField = (typeof SORT_FIELDS)[number] | 'summary' | 'label';

export interface ListSort {
  field: SortField;
  /** The summary path (`field` summary) or the label key (`field` label). */
  path?: string;
  desc: boolean;
}

/** The default order of the list: newest first. */
export const DEFAULT_SORT: ListSort = { field: 'startedAt', desc: true };

export const WHERE_OPS = ['<=', '>=', '<', '>', '='] as const;
export type WhereOp = (typeof WHERE_OPS)[number];

export interface WhereClause {
  path: string;
  op: WhereOp;
  value: number;
}

export interface LabelFilter {
  key: string;
  value: string;
}

const SUMMARY_PREFIX = 'summary.';
const LABEL_PREFIX = 'label.';
/** As the longest label key an execution may have (LIMITS.maxLabelLength). */
const LABEL_KEY_MAX = 200;

function summaryPath(text: string, field: string): string {
  const problem = summaryKeyProblem(text);
  if (problem) throw new ValidationError(field, `summary path "${text}": ${problem}`);
  return text;
}

/** `-summary.acc` → `{ field: 'summary', path: 'acc', desc: true }`; a `ValidationError` on `sort` naming the rule otherwise. */
export function parseSort(text: string): ListSort {
  const desc = text.startsWith('-');
  const name = desc ? text.slice(1) : text;
  if ((SORT_FIELDS as readonly string[]).includes(name)) return { field: name as SortField, desc };
  if (name.startsWith(SUMMARY_PREFIX)) return { field: 'summary', path: summaryPath(name.slice(SUMMARY_PREFIX.length), 'sort'), desc };
  if (name.startsWith(LABEL_PREFIX)) {
    const key = name.slice(LABEL_PREFIX.length);
    if (key === '' || key.length > LABEL_KEY_MAX) throw new ValidationError('sort', `label.<key> needs a key of 1 to ${LABEL_KEY_MAX} characters (got "${text}")`);
    return { field: 'label', path: key, desc };
  }
  throw new ValidationError('sort', `must be one of ${SORT_FIELDS.join(', ')}, summary.<path> or label.<key>, with a leading "-" for descending (got "${text}")`);
}

export function formatSort(s: ListSort): string {
  const field = s.field === 'summary' ? `${SUMMARY_PREFIX}${s.path}` : s.field === 'label' ? `${LABEL_PREFIX}${s.path}` : s.field;
  return `${s.desc ? '-' : ''}${field}`;
}

export function sameSort(a: ListSort, b: ListSort): boolean {
  return formatSort(a) === formatSort(b);
}

/** `model:resnet50` → `{ key: 'model', value: 'resnet50' }`. */
export function parseLabelFilter(text: string): LabelFilter {
  const colon = text.indexOf(':');
  if (colon <= 0) throw new ValidationError('label', `must be key:value (got "${text}")`);
  return { key: text.slice(0, colon), value: text.slice(colon + 1) };
}

export function formatLabelFilter(f: LabelFilter): string {
  return `${f.key}:${f.value}`;
}

const WHERE = /^summary\.([^<>=]+?)\s*(<=|>=|<|>|=)\s*([^<>=].*)$/;

/** `summary.acc>=0.9` → `{ path: 'acc', op: '>=', value: 0.9 }`. */
export function parseWhere(text: string): WhereClause {
  const m = WHERE.exec(text.trim());
  if (!m) throw new ValidationError('where', `must be summary.<path><op><number> with op one of ${WHERE_OPS.join(' ')} (got "${text}")`);
  const value = Number(m[3]);
  if (m[3]!.trim() === '' || !Number.isFinite(value)) throw new ValidationError('where', `the value compared with must be a finite number (got "${m[3]}")`);
  return { path: summaryPath(m[1]!, 'where'), op: m[2] as WhereOp, value };
}

export function formatWhere(w: WhereClause): string {
  return `${SUMMARY_PREFIX}${w.path}${w.op}${w.value}`;
}

/** Whether a number satisfies a clause (the reference semantics every backend implements). */
export function compareWhere(v: number, op: WhereOp, target: number): boolean {
  switch (op) {
    case '<': return v < target;
    case '<=': return v <= target;
    case '>': return v > target;
    case '>=': return v >= target;
    case '=': return v === target;
  }
}
