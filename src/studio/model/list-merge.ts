import { compareWhere, type Execution, type ExecutionStatus, type LabelFilter, type WhereClause } from '../../protocol/index.js';
import { getSummaryPath } from './summary-tree.js';

export interface ListFilter {
  q: string;
  status: readonly ExecutionStatus[];
  labels?: readonly LabelFilter[];
  where?: readonly WhereClause[];
}

/**
 * The server's filter, applied to executions that arrive on the stream: name contains q (any case), status in the set,
 * every label filter matches exactly, every summary condition holds for a number at its path.
 */
export function matchesFilter(e: Execution, f: ListFilter): boolean {
  if (f.status.length > 0 && !f.status.includes(e.status)) return false;
  if (f.q !== '' && !e.name.toLowerCase().includes(f.q.toLowerCase())) return false;
  for (const l of f.labels ?? []) if (e.labels[l.key] !== l.value) return false;
  for (const w of f.where ?? []) {
    const v = getSummaryPath(e.summary, w.path);
    if (typeof v !== 'number' || !compareWhere(v, w.op, w.value)) return false;
  }
  return true;
}

function newer(a: Execution, b: Execution): Execution {
  return b.lastSeenAt > a.lastSeenAt || (b.lastSeenAt === a.lastSeenAt && b.status !== 'running' && a.status === 'running') ? b : a;
}

/**
 * The rows of the list: the fetched pages with each execution replaced by its newest streamed version, plus streamed
 * executions the pages do not hold yet (new ones) when they match the filter and are not older than the loaded pages reach.
 * Newest first (by start time, then id). Deleted executions are left out.
 */
export function mergeExecutions(
  pages: readonly Execution[],
  streamed: Readonly<Record<string, Execution>>,
  filter: ListFilter,
  complete: boolean,
  deleted: Readonly<Record<string, true>> = {},
): Execution[] {
  const byId = new Map<string, Execution>();
  for (const e of pages) byId.set(e.id, streamed[e.id] ? newer(e, streamed[e.id]!) : e);
  let oldest = Infinity;
  for (const e of pages) oldest = Math.min(oldest, e.startedAt);
  for (const e of Object.values(streamed)) {
    if (byId.has(e.id) || !matchesFilter(e, filter)) continue;
    if (!complete && e.startedAt < oldest) continue;
    byId.set(e.id, e);
  }
  return [...byId.values()]
    .filter((e) => !deleted[e.id] && matchesFilter(e, filter))
    .sort((a, b) => b.startedAt - a.startedAt || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
}

/**
 * A page in any other order (sorted by the server, or not the first page): rows keep the server's order, each replaced by
 * its newest streamed version; deleted rows and rows that no longer match go. New executions are not inserted (their place
 * in the order is the server's to say: the next read puts them there).
 */
export function refreshPage(
  page: readonly Execution[],
  streamed: Readonly<Record<string, Execution>>,
  filter: ListFilter,
  deleted: Readonly<Record<string, true>> = {},
): Execution[] {
  return page
    .filter((e) => !deleted[e.id])
    .map((e) => (streamed[e.id] ? newer(e, streamed[e.id]!) : e))
    .filter((e) => matchesFilter(e, filter));
}
