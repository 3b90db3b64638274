import type { Execution, SummaryObject, SummaryValue } from '../../protocol/index.js';
import { formatNumber } from './format.js';

/** Arrays longer than this are shown inline as their first items and a count of the rest. */
export const INLINE_ARRAY_ITEMS = 8;

export function isSummaryObject(v: SummaryValue | undefined): v is SummaryObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A leaf value as one line of text: numbers formatted, strings quoted, arrays inline up to INLINE_ARRAY_ITEMS. */
export function formatSummaryValue(v: SummaryValue, maxItems = INLINE_ARRAY_ITEMS): string {
  if (typeof v === 'number') return formatNumber(v);
  if (typeof v === 'boolean') return String(v);
  if (typeof v === 'string') return JSON.stringify(v);
  if (Array.isArray(v)) {
    const shown = v.slice(0, maxItems).map((item) => formatSummaryValue(item, 3));
    const more = v.length > maxItems ? `, … ${v.length - maxItems} more` : '';
    return `[${shown.join(', ')}${more}]`;
  }
  const keys = Object.keys(v);
  return `{${keys.length} ${keys.length === 1 ? 'key' : 'keys'}}`;
}

export function getSummaryPath(summary: SummaryObject, path: string): SummaryValue | undefined {
  let v: SummaryValue | undefined = summary;
  for (const seg of path.split('.')) {
    if (!isSummaryObject(v)) return undefined;
    v = v[seg];
  }
  return v;
}

/** Dotted paths of every non-object value in a summary, in key order (`timing.inference`, `token_count`, …). */
export function summaryLeafPaths(summary: SummaryObject, prefix = ''): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(summary)) {
    const path = prefix ? `${prefix}.${k}` : k;
    if (isSummaryObject(v)) out.push(...summaryLeafPaths(v, path));
    else out.push(path);
  }
  return out;
}

/** Summary keys offered as list columns: the leaf paths seen in any listed execution, most common first, then by name. */
export function summaryColumnKeys(executions: readonly Pick<Execution, 'summary'>[]): string[] {
  const counts = new Map<string, number>();
  for (const e of executions) for (const p of summaryLeafPaths(e.summary)) counts.set(p, (counts.get(p) ?? 0) + 1);
  return [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([k]) => k);
}

/** Orders values of a summary column: numbers numerically, then other values as text, missing values last. */
export function compareSummaryValues(a: SummaryValue | undefined, b: SummaryValue | undefined): number {
  if (a === undefined || b === undefined) return a === b ? 0 : a === undefined ? 1 : -1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'number') return -1;
  if (typeof b === 'number') return 1;
  return formatSummaryValue(a).localeCompare(formatSummaryValue(b));
}
