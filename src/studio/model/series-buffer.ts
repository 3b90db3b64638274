import { gridColumns } from './grid-columns.js';

/**
 * A live series held as growable columnar Float64Arrays (uPlot's own data model), plus the merge rules of the live view:
 * x strictly increases within a series, so a streamed point whose x is at or below the last held x is dropped — that is what
 * makes "subscribe, buffer, fetch history, apply the buffer" free of both gaps and duplicates.
 */
export interface SeriesBuffer {
  x: Float64Array;
  y: Float64Array;
  length: number;
  /** Points the server holds for this series (≥ length when history was downsampled). */
  total: number;
  /** Some held stretch is a per-bucket first/min/max/last reduction of the real points. */
  downsampled: boolean;
  /** Bumped by every change made in place (append, truncate, bound): a chart redraws only series whose rev moved. */
  rev?: number;
  /**
   * Bumped by every change made in place other than an append (truncate, bound): while it holds, the points held up to
   * any length seen are still held as they were (what a chart reduced of them can be kept; live-decimate.ts).
   */
  edits?: number;
}

/** Marks an in-place change of `s` (see `rev`). */
export function touched(s: SeriesBuffer): void {
  s.rev = (s.rev ?? 0) + 1;
}

/** Marks an in-place change of `s` that is not an append (see `edits`; it is `touched` too). */
export function edited(s: SeriesBuffer): void {
  s.edits = (s.edits ?? 0) + 1;
  touched(s);
}

export function emptySeries(capacity = 64): SeriesBuffer {
  return { x: new Float64Array(capacity), y: new Float64Array(capacity), length: 0, total: 0, downsampled: false };
}

export function seriesFrom(x: ArrayLike<number>, y: ArrayLike<number>, total = x.length, downsampled = false): SeriesBuffer {
  if (x.length !== y.length) throw new Error(`series x and y differ in length (${x.length} vs ${y.length})`);
  const s = emptySeries(Math.max(64, x.length));
  s.x.set(x);
  s.y.set(y);
  s.length = x.length;
  s.total = total;
  s.downsampled = downsampled;
  return s;
}

export function lastX(s: SeriesBuffer): number | null {
  return s.length > 0 ? s.x[s.length - 1]! : null;
}

export function lastY(s: SeriesBuffer): number | null {
  return s.length > 0 ? s.y[s.length - 1]! : null;
}

/**
 * Grows `s` to hold `needed` points: doubling (amortised O(1) per appended point), but never past `limit` while `needed`
 * fits in it — a buffer bounded at `limit` points (a live series) then ends at exactly that capacity instead of the next
 * power of two, and is not copied again.
 */
function ensureCapacity(s: SeriesBuffer, needed: number, limit = Infinity): void {
  if (needed <= s.x.length) return;
  let cap = s.x.length || 64;
  while (cap < needed) cap *= 2;
  if (needed <= limit) cap = Math.min(cap, limit);
  regrow(s, s.length, cap);
}

/** Gives `columns` new x and y buffers of `size` values holding their first `keep` values. */
export function regrow(columns: { x: Float64Array; y: Float64Array }, keep: number, size: number): void {
  const x = new Float64Array(size);
  const y = new Float64Array(size);
  x.set(columns.x.subarray(0, keep));
  y.set(columns.y.subarray(0, keep));
  columns.x = x;
  columns.y = y;
}

/** Grows `s`'s buffers to hold `capacity` points (once; no-op when they already do), keeping what is held. */
export function reserveCapacity(s: SeriesBuffer, capacity: number): void {
  ensureCapacity(s, capacity, capacity);
}

/**
 * Appends in place the points whose x is above the last held x (amortised O(1) per point); returns how many were kept.
 * `limit`: the most points the buffer is meant to hold (its capacity grows to at most that while the points fit).
 */
export function appendPoints(s: SeriesBuffer, xs: ArrayLike<number>, ys: ArrayLike<number>, limit = Infinity): number {
  ensureCapacity(s, s.length + xs.length, limit);
  let last = s.length > 0 ? s.x[s.length - 1]! : -Infinity;
  let kept = 0;
  for (let i = 0; i < xs.length; i++) {
    const x = xs[i]!;
    if (!(x > last)) continue;
    s.x[s.length] = x;
    s.y[s.length] = ys[i]!;
    s.length++;
    last = x;
    kept++;
  }
  s.total += kept;
  if (kept > 0) touched(s);
  return kept;
}

/** Index of the first x ≥ v (binary search over the held points). */
export function lowerBound(s: SeriesBuffer, v: number): number {
  let lo = 0;
  let hi = s.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (s.x[mid]! < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Removes the held points at or beyond `x` (a rewind of the execution); returns how many. `total` loses them too, which is
 * exact unless the series is downsampled (then the caller re-reads its history).
 */
export function truncateFrom(s: SeriesBuffer, x: number): number {
  const keep = lowerBound(s, x);
  const removed = s.length - keep;
  s.length = keep;
  s.total = Math.max(keep, s.total - removed);
  if (removed > 0) edited(s);
  return removed;
}

/**
 * A new buffer whose points within [from, to] are replaced by a finer read of that range (zoom refinement):
 * held points before `from` and after `to` stay as they are. `total` is kept; `downsampled` stays true when any part still is.
 */
export function spliceRange(s: SeriesBuffer, from: number, to: number, xs: ArrayLike<number>, ys: ArrayLike<number>, fineIsDownsampled: boolean): SeriesBuffer {
  const a = lowerBound(s, from);
  let b = lowerBound(s, to);
  if (b < s.length && s.x[b] === to) b++;
  const outsideDownsampled = s.downsampled && (a > 0 || b < s.length);
  const out = emptySeries(a + xs.length + (s.length - b));
  out.x.set(s.x.subarray(0, a));
  out.y.set(s.y.subarray(0, a));
  out.length = a;
  let last = a > 0 ? s.x[a - 1]! : -Infinity;
  for (let i = 0; i < xs.length; i++) {
    const x = xs[i]!;
    if (!(x > last) || x < from || x > to) continue;
    out.x[out.length] = x;
    out.y[out.length] = ys[i]!;
    out.length++;
    last = x;
  }
  for (let i = b; i < s.length; i++) {
    if (!(s.x[i]! > last)) continue;
    out.x[out.length] = s.x[i]!;
    out.y[out.length] = s.y[i]!;
    out.length++;
  }
  out.total = s.total;
  out.downsampled = outsideDownsampled || fineIsDownsampled;
  return out;
}

/** Aligned chart data for one panel: one shared x column, y per series with `null` for a non-finite value (a gap) and
 *  `undefined` where a series has no point at that x (spanned); `odd` lists the x of every non-finite value per series. */
export interface AlignedColumns {
  x: Float64Array;
  ys: (number | null | undefined)[][];
  odd: number[][];
}

/**
 * Aligns several series (each sorted, unique x) into uPlot's layout: one shared x column, each series writing only its
 * own points (the rest of its column stays empty, which reads as undefined).
 *
 * `snap` (x units, default 0): x closer than about `snap` share a column as long as no series has two points in it, so
 * series recorded at nearly the same x (each stamped with its own clock reading, microseconds apart) share columns instead
 * of each adding its own, and the table is series × points rather than series × (series · points) — what every redraw and
 * uPlot's path building iterate over. A chart passes a fraction of a pixel, so no point moves visibly. A shared column's x
 * is the largest of its members: the value "at or before" it (`valueAtOrBefore`, the tooltip and legend) is then each
 * member's own point.
 *
 * Which table, all in O(points) but the last: series sharing one x column; series laid out by index (every i-th point
 * before every (i+1)-th: `mergeByIndex`), as the merge would make it; otherwise, with `snap` > 0, `gridColumns` (cells
 * `snap` wide: series held a tick apart or reduced per pixel never cost a merge); with `snap` 0, or x too sparse for the
 * grid, the heap merge (`mergeColumns`, O(points · log series)).
 *
 * `sampled` (with `snap` > 0), once a series holds more points than cells `snap` wide: a table of at most one column per
 * cell, each series in it with one point of each cell (`gridColumns`); the other points are not in the table, though
 * their non-finite values are still listed in `odd`. For a chart whose lines are drawn from every point elsewhere and whose
 * table serves only the cursor.
 */
export function alignSeries(series: readonly SeriesBuffer[], snap = 0, sampled = false): AlignedColumns {
  const table = sampled && snap > 0 && denserThan(series, snap) ? gridColumns(series, snap, true) : null;
  if (table) return layOut(series, table.x, table.column);
  if (series.length > 1 && sameX(series)) return alignSameX(series);
  const byIndex = series.length > 1 ? mergeByIndex(series, snap) : null;
  if (byIndex) return byIndex;
  const grid = series.length > 1 && snap > 0 ? gridColumns(series, snap) : null;
  if (grid) return layOut(series, grid.x, grid.column);
  return mergeColumns(series, snap);
}

/**
 * The heap merge (exported so tests can compare the fast paths with it): a binary heap picks the next x in O(log series).
 * With `snap`, x within `snap` of a column's first x join that column while no series has a point in it yet.
 */
export function mergeColumns(series: readonly SeriesBuffer[], snap = 0): AlignedColumns {
  const k = series.length;
  const pos = new Int32Array(k);
  /** Per series, the column of each of its points (filled by the merge, read when the value columns are laid out). */
  const column = series.map((s) => new Int32Array(s.length));
  const columns = new SnapColumns(k, series, snap);
  // A binary min-heap of series indices by their next x (kept beside them, so a comparison reads no buffer).
  const heap = new Int32Array(k);
  const heapX = new Float64Array(k);
  let size = 0;
  const siftDown = (i: number) => {
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < size && heapX[l]! < heapX[m]!) m = l;
      if (r < size && heapX[r]! < heapX[m]!) m = r;
      if (m === i) return;
      const j = heap[i]!;
      const v = heapX[i]!;
      heap[i] = heap[m]!;
      heapX[i] = heapX[m]!;
      heap[m] = j;
      heapX[m] = v;
      i = m;
    }
  };
  for (let j = 0; j < k; j++) {
    if (series[j]!.length === 0) continue;
    heap[size] = j;
    heapX[size] = series[j]!.x[0]!;
    size++;
  }
  for (let i = (size >> 1) - 1; i >= 0; i--) siftDown(i);
  while (size > 0) {
    const j = heap[0]!;
    const s = series[j]!;
    const p = pos[j]!;
    column[j]![p] = columns.add(j, heapX[0]!);
    pos[j] = p + 1;
    if (p + 1 < s.length) heapX[0] = s.x[p + 1]!;
    else {
      size--;
      heap[0] = heap[size]!;
      heapX[0] = heapX[size]!;
    }
    if (size > 0) siftDown(0);
  }
  return layOut(series, columns.x.subarray(0, columns.length), column);
}

/**
 * The snapped columns of the merge, fed the x of every point in increasing order: a column takes points within `snap`
 * of its first x (or at its x) while no series has a point in it yet; its x is its largest member.
 */
class SnapColumns {
  readonly x: Float64Array;
  length = 0;
  private start = 0;
  /** Per series, the last column it wrote. */
  private readonly last: Int32Array;

  constructor(k: number, series: readonly SeriesBuffer[], private readonly snap: number) {
    let upper = 0;
    for (const s of series) upper += s.length;
    this.x = new Float64Array(upper);
    this.last = new Int32Array(k).fill(-1);
  }

  /** Puts series `j`'s point at `xv` in a column; returns the column. */
  add(j: number, xv: number): number {
    const n = this.length - 1;
    if (n >= 0 && (this.x[n] === xv || (xv - this.start <= this.snap && this.last[j] !== n))) {
      this.x[n] = xv;
      this.last[j] = n;
      return n;
    }
    this.x[n + 1] = xv;
    this.start = xv;
    this.last[j] = n + 1;
    this.length++;
    return n + 1;
  }
}

/**
 * The value columns of an aligned table: series j's i-th point in column `column[j][i]` (−1: not in the table), NaN and
 * ±Infinity as null (listed in `odd`, in the table or not).
 */
function layOut(series: readonly SeriesBuffer[], x: Float64Array, column: readonly Int32Array[]): AlignedColumns {
  const odd = series.map(() => [] as number[]);
  const ys = series.map((s, j) => {
    const col = new Array<number | null | undefined>(x.length);
    const at = column[j]!;
    const xs = s.x;
    const values = s.y;
    for (let i = 0; i < s.length; i++) {
      const v = values[i]!;
      const c = at[i]!;
      if (Number.isFinite(v)) {
        if (c >= 0) col[c] = v;
      } else {
        if (c >= 0) col[c] = null;
        odd[j]!.push(xs[i]!);
      }
    }
    return col;
  });
  return { x, ys, odd };
}

/** Whether some series has more points than cells `snap` wide over its x range: sampling it would shrink the table. */
export function denserThan(series: readonly SeriesBuffer[], snap: number): boolean {
  return series.some((s) => s.length > 1 && s.length > (s.x[s.length - 1]! - s.x[0]!) / snap + 1);
}

/** Whether every series holds the same x column (runs logged at the same steps and read with the same buckets). */
function sameX(series: readonly SeriesBuffer[]): boolean {
  const first = series[0]!;
  for (let j = 1; j < series.length; j++) {
    const s = series[j]!;
    if (s.length !== first.length) return false;
    for (let i = 0; i < s.length; i++) if (s.x[i] !== first.x[i]) return false;
  }
  return true;
}

/**
 * The merge's table for series laid out by index: every i-th point (of those series that have one) lies before every
 * (i+1)-th — the live case of series recorded together, each with its own clock reading, some of them a point or two
 * ahead of the others (one batch of the stream carries some series' newest point but not yet the others'). The merged
 * order is then each index's points sorted by x, index after index, so the merge's columns come in O(points) without a
 * heap: one column per index when each index's points lie within `snap` (its x the largest), else the same snapped
 * columns `mergeColumns` makes (a tick whose readings spread wider than the snap, e.g. while the window is a few
 * seconds wide). Null when the series are not laid out so, or their order within an index is far from sorted (then
 * the heap merge is cheaper). Exported for tests.
 */
export function mergeByIndex(series: readonly SeriesBuffer[], snap: number): AlignedColumns | null {
  let n = 0;
  for (const s of series) n = Math.max(n, s.length);
  const lo = new Float64Array(n).fill(Infinity);
  const hi = new Float64Array(n).fill(-Infinity);
  for (const s of series) {
    const xs = s.x;
    for (let i = 0; i < s.length; i++) {
      const v = xs[i]!;
      if (v < lo[i]!) lo[i] = v;
      if (v > hi[i]!) hi[i] = v;
    }
  }
  let tight = true;
  for (let i = 0; i < n; i++) {
    if (i + 1 < n && !(lo[i + 1]! > hi[i]!)) return null;
    if (hi[i]! - lo[i]! > snap) tight = false;
  }
  if (tight) return alignSameX(series, hi);
  const k = series.length;
  const column = series.map((s) => new Int32Array(s.length));
  const columns = new SnapColumns(k, series, snap);
  // Each index's series sorted by x, by insertion starting from the previous index's order (the series with an i-th
  // point are among those with an (i-1)-th): series recorded in one loop are read off the clock in the same order every
  // tick, so this moves nothing. Past a few moves per point the heap merge is cheaper.
  const order = Int32Array.from({ length: k }, (_, j) => j);
  let m = k;
  let budget = 4 * columns.x.length + k;
  for (let i = 0; i < n; i++) {
    let kept = 0;
    for (let q = 0; q < m; q++) {
      const j = order[q]!;
      const xs = series[j]!;
      if (i >= xs.length) continue;
      const v = xs.x[i]!;
      let p = kept++;
      while (p > 0 && series[order[p - 1]!]!.x[i]! > v) {
        if (--budget < 0) return null;
        order[p] = order[p - 1]!;
        p--;
      }
      order[p] = j;
    }
    m = kept;
    for (let q = 0; q < m; q++) {
      const j = order[q]!;
      column[j]![i] = columns.add(j, series[j]!.x[i]!);
    }
  }
  return layOut(series, columns.x.subarray(0, columns.length), column);
}

/** `alignSeries` of series sharing one x column (`x`, default the first series' x; each series fills its first columns): no merge to do. */
function alignSameX(series: readonly SeriesBuffer[], shared?: Float64Array): AlignedColumns {
  const x = shared ?? series[0]!.x.slice(0, series[0]!.length);
  const n = x.length;
  const odd = series.map(() => [] as number[]);
  const ys = series.map((s, j) => {
    // A series shorter than the table has no point in its last columns (undefined: spanned, as the merge leaves it).
    const col = new Array<number | null | undefined>(n);
    const values = s.y;
    for (let i = 0; i < s.length; i++) {
      const v = values[i]!;
      if (Number.isFinite(v)) col[i] = v;
      else {
        col[i] = null;
        odd[j]!.push(s.x[i]!);
      }
    }
    return col;
  });
  return { x, ys, odd };
}

const bufferIds = new WeakMap<SeriesBuffer, number>();
let nextBufferId = 1;

/** A number naming buffer `s` for as long as it lives (signatures of what was drawn from which buffers). */
export function bufferId(s: SeriesBuffer): number {
  let id = bufferIds.get(s);
  if (id === undefined) bufferIds.set(s, (id = nextBufferId++));
  return id;
}
