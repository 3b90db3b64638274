import type { HubEvent } from '../hub-event.js';

/** Largest chunk written; bigger writes are cut. */
export const MAX_CHUNK = 2048;
/** Chunks below this many points (small live batches) are merged with their neighbours by compaction. */
export const SMALL_CHUNK = 512;

/**
 * The chunks compaction still has to pack: sealed (big enough that merging never rewrites them) and as ingest wrote them.
 * A literal in SQL, so that both databases match queries to their partial index `chunks_unpacked`.
 */
export const UNPACKED_SEALED = `packed = 0 AND count >= ${SMALL_CHUNK}`;

/** How long closing a store spends packing chunks (a big backlog is left for the next start rather than hold up a stop). */
export const CLOSE_PACK_BUDGET_MS = 2000;

/** Chunks packed per transaction by compaction (about 30,000 points: a few ms of work between budget checks). */
export const PACK_BATCH = 16;

/** Sets `metricCount` of the `execution` events from the committed counts. */
export function setMetricCounts(events: HubEvent[], counts: ReadonlyMap<string, number>): void {
  for (const e of events) if (e.type === 'execution') e.execution.metricCount = counts.get(e.execution.id) ?? 0;
}


/** Index of the last x below `limit` in increasing `x` whose first value is below it. */
export function lastIndexBelow(x: Float64Array, limit: number): number {
  let lo = 0;
  let hi = x.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (x[mid]! < limit) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}
