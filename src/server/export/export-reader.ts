import { fromWireArray, type ExecutionDetail, type SeriesData, type TimeMarks } from '../../protocol/index.js';
import { DomainError } from '../domain-error.js';
import type { Store } from '../store/store.js';

/** About how many points (of all its series together) a window reads: bounds what an export holds in memory at once. */
export const EXPORT_WINDOW_POINTS = 10_000;

/** Points per series a window may hold at least, so an export of thousands of sparse series does not crawl in tiny windows. */
const MIN_WINDOW_POINTS_PER_SERIES = 20;

/** One window of an export: the points of each asked-for series with x in it (full resolution, y decoded). */
export interface ExportWindow {
  /** `times`: the series' record-time marks around the window (when it has any). */
  series: Array<{ key: string; x: Float64Array; y: Float64Array; times?: TimeMarks }>;
}

/** One execution's part of an export: its series `keys`, and its detail when the caller has read it already. */
export interface ExportSource {
  executionId: string;
  keys: readonly string[];
  known?: Pick<ExecutionDetail, 'series'> | undefined;
}

/**
 * Reads every stored point of `keys` with x in [from, to] at full resolution, window by window in x order: the one-execution
 * form of `readSourcesWindows` (`known`: the execution's detail when the caller has read it already, so an export of many
 * series one at a time reads it once). A missing execution is a `not_found` DomainError on `id` (raised before the first window).
 */
export function readExportWindows(
  store: Store, executionId: string, keys: readonly string[], from = -Infinity, to = Infinity, target = EXPORT_WINDOW_POINTS,
  known?: Pick<ExecutionDetail, 'series'>,
): AsyncGenerator<ExportWindow> {
  return readSourcesWindows(store, [{ executionId, keys, known }], from, to, target);
}

/**
 * Reads every stored point of each source's keys (one or several executions) with x in [from, to] at full resolution,
 * window by window in x order, through the store's ordinary range read (`readSeries` with no budget, per execution per
 * window), so any backend exports alike and no more than about `max(target, 20 × series)` points of all series together
 * are held at once (thousands of series export alike). A window's `series` lists the sources' series in order (each
 * source's keys in its order). Window widths start from the series' extents and point counts and adapt to the density met
 * (narrowed when a window was too full, widened when sparse). A point exactly on a window edge is read twice and kept once.
 * A missing execution is a `not_found` DomainError on `id` (raised before the first window).
 */
export async function* readSourcesWindows(
  store: Store, sources: readonly ExportSource[], from = -Infinity, to = Infinity, target = EXPORT_WINDOW_POINTS,
): AsyncGenerator<ExportWindow> {
  const present: Array<{ count: number; minX: number; maxX: number }> = [];
  for (const source of sources) {
    const detail = source.known ?? await store.getExecution(source.executionId);
    if (!detail) throw new DomainError('not_found', 'id', `no execution "${source.executionId}"`);
    const asked = new Set(source.keys);
    for (const s of detail.series) {
      if (asked.has(s.key) && s.count > 0 && s.minX !== null && s.maxX !== null) present.push({ count: s.count, minX: s.minX, maxX: s.maxX });
    }
  }
  if (present.length === 0) return;
  let lo = Math.max(from, Math.min(...present.map((s) => s.minX)));
  const hi = Math.min(to, Math.max(...present.map((s) => s.maxX)));
  if (!(lo <= hi)) return;
  // A series of one x (a single point) has no density: counted by the others, it cannot make the first window 0 wide
  // (and every later one, crawling forward by ulps).
  const spread = present.filter((s) => s.maxX > s.minX);
  const density = spread.reduce((sum, s) => sum + s.count / (s.maxX - s.minX), 0);
  const aim = Math.max(target, MIN_WINDOW_POINTS_PER_SERIES * present.length);
  let width = density > 0 ? aim / density : hi - lo;
  let after = -Infinity; // points with x ≤ after were written by the previous window
  for (;;) {
    let end = lo + width;
    if (!(end > lo)) end = lo + Math.max(Math.abs(lo) * 2 ** -50, Number.MIN_VALUE);
    if (end >= hi) end = hi;
    const read: SeriesData[] = [];
    for (const source of sources) read.push(...await store.readSeries(source.executionId, [...source.keys], { from: lo, to: end }));
    let held = 0;
    const series = read.map((s) => {
      let start = 0;
      while (start < s.x.length && s.x[start]! <= after) start++;
      held += s.x.length - start;
      return { key: s.key, x: Float64Array.from(s.x.slice(start)), y: fromWireArray(s.y.slice(start)), ...(s.times && { times: s.times }) };
    });
    if (held > 0) yield { series };
    if (end >= hi) return;
    after = end;
    lo = end;
    // Aim the next window at `aim` points in all, changing the width at most fourfold a step.
    width = held === 0 ? width * 4 : width * Math.min(4, Math.max(0.25, aim / held));
  }
}
