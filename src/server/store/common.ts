import type { HubEvent } from '../hub-event.js';

/** Largest chunk written; bigger writes are cut. */
export const MAX_CHUNK = 2048;
/** Chunks below this many points (small live batches) are merged with their neighbours by compaction. */
export const SMALL_CHUNK = 512;

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
