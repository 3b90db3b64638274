import type { Execution, ExecutionStatus } from '../../protocol/index.js';

export interface ListFilter {
  q: string;
  status: readonly ExecutionStatus[];
}

/** The server's filter, applied to executions that arrive on the stream: name contains q (any case), status in the set. */
export function matchesFilter(e: Execution, f: ListFilter): boolean {
  if (f.status.length > 0 && !f.status.includes(e.status)) return false;
  return f.q === '' || e.name.toLowerCase().includes(f.q.toLowerCase());
}

function newer(a: Execution, b: Execution): Execution {
  return b.lastSeenAt > a.lastSeenAt || (b.lastSeenAt === a.lastSeenAt && b.status !== 'running' && a.status === 'running') ? b : a;
}

/**
 * The rows of the list: the fetched pages with each execution replaced by its newest streamed version, plus streamed
 * executions the pages do not hold yet (new ones) when they match the filter and are not older than the loaded pages reach.
 * Newest first (by start time, then id).
 */
export function mergeExecutions(pages: readonly Execution[], streamed: Readonly<Record<string, Execution>>, filter: ListFilter, complete: boolean): Execution[] {
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
    .filter((e) => matchesFilter(e, filter))
    .sort((a, b) => b.startedAt - a.startedAt || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
}
