import { integerParam } from '../http-util.js';
import {
  EXECUTION_STATUSES, MAX_LIST_SUMMARY_PATHS, parseLabelFilter, parseSort, parseWhere, quote, ValidationError,
  type ExecutionStatus, type LabelFilter, type ListSort, type WhereClause,
} from '../../protocol/index.js';

/** `GET /api/executions` as a query every store backend answers (DESIGN.md "Query API additions"). */
export interface ListQuery {
  status?: ExecutionStatus[];
  /** Case-insensitive substring of the name. */
  q?: string;
  /** Every label filter must match exactly. */
  labels?: LabelFilter[];
  /** Every condition must hold for a number at its summary path. */
  where?: WhereClause[];
  /** Default: newest first (`-startedAt`). */
  sort?: ListSort;
  limit: number;
  /** `nextCursor` of the previous page (of the same filters and sort). */
  cursor?: string;
}

const MAX_SUMMARY_PATH_LENGTH = 1000;

/**
 * The summary paths a list request asks to carry (`summary=<path>`, repeatable: the runs table's summary columns), or
 * null when it names none (each execution then carries its summary preview). An empty `summary=` asks for none at all.
 */
export function parseListSummaryPaths(params: URLSearchParams): string[] | null {
  if (!params.has('summary')) return null;
  const paths = [...new Set(all(params, 'summary'))];
  if (paths.length > MAX_LIST_SUMMARY_PATHS) {
    throw new ValidationError('summary', `query parameter may name at most ${MAX_LIST_SUMMARY_PATHS} summary paths (got ${paths.length})`);
  }
  // Paths come from the table's columns, which name nested values too (deeper and freer than recorded keys): only bounded.
  for (const p of paths) {
    if (p.length > MAX_SUMMARY_PATH_LENGTH) throw new ValidationError('summary', `summary path ${quote(p)} must be at most ${MAX_SUMMARY_PATH_LENGTH} characters`);
  }
  return paths;
}

export const MAX_LIST_LIMIT = 1000;
export const DEFAULT_LIST_LIMIT = 50;
/** More conditions than anyone writes by hand; bounds the SQL a request can build. */
const MAX_CONDITIONS = 20;

function all(params: URLSearchParams, name: string): string[] {
  return params.getAll(name).filter((v) => v !== '');
}

/** Reads the list query from URL parameters; a `ValidationError` names the parameter and the rule. */
export function parseListQuery(params: URLSearchParams): ListQuery {
  const status = params.getAll('status').flatMap((v) => v.split(',')).map((v) => v.trim()).filter((v) => v !== '');
  for (const s of status) {
    if (!(EXECUTION_STATUSES as readonly string[]).includes(s)) {
      throw new ValidationError('status', `query parameter must be one of ${EXECUTION_STATUSES.join(', ')} (got "${s}")`);
    }
  }
  const limit = integerParam(params, 'limit', 1, MAX_LIST_LIMIT) ?? DEFAULT_LIST_LIMIT;
  const labels = all(params, 'label').map(parseLabelFilter);
  const where = all(params, 'where').map(parseWhere);
  if (labels.length > MAX_CONDITIONS) throw new ValidationError('label', `at most ${MAX_CONDITIONS} label filters`);
  if (where.length > MAX_CONDITIONS) throw new ValidationError('where', `at most ${MAX_CONDITIONS} conditions`);
  const sortText = params.get('sort');
  const q = params.get('q') ?? '';
  const cursor = params.get('cursor') ?? '';
  return {
    limit,
    ...(status.length > 0 && { status: [...new Set(status)] as ExecutionStatus[] }),
    ...(q !== '' && { q }),
    ...(labels.length > 0 && { labels }),
    ...(where.length > 0 && { where }),
    ...(sortText && { sort: parseSort(sortText) }),
    ...(cursor !== '' && { cursor }),
  };
}
