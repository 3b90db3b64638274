import type { SettledPrefix } from './live-plot.js';
import { regrow, type SeriesBuffer } from './series-buffer.js';

/**
 * The per-pixel reduction of a live chart's series, kept from redraw to redraw. `decimateForDisplay` reduces every held
 * point on every redraw (first/min/max/last per pixel-wide bucket of the window, the M4 reduction): the window grows
 * with each point, every bucket edge moves, and nothing can be kept — at the 8,192-point live window, 50 series cost
 * about 12 ms of CPU and 3 MB of new arrays per redraw. Here the buckets are laid over a span a little wider than the
 * window (`GRID_SLACK`), so they stay put while the window grows into it: the buckets before the one holding the newest
 * point are closed, their kept points are stored, and a redraw reduces only the points of the open bucket. The grid is
 * laid anew when the window outgrows it, the chart's width changes, or the held points change other than by an append
 * (`SeriesBuffer.edits`). The kept points' buffers are allocated whole at the chart's first live draw (KEPT_PER_BUCKET
 * points a bucket, or the series' capacity if less), so a live tab holds as much from its first minute as at its last.
 *
 * A bucket is then up to GRID_SLACK (`staggeredSlack`: a ninth more) of a pixel wide, rather than exactly one: the kept points are real points at their
 * real x and every spike and NaN is kept, so what is drawn differs from the exact reduction by less than a pixel. The
 * live chart uses it only while it follows the newest data with its lines drawn by the line layer; a still chart is
 * reduced exactly, as before.
 */

/** The grid spans the window times this when laid: it holds until the window has grown by an eighth. */
export const GRID_SLACK = 1.125;

/**
 * The slack of line `index`'s grid in a chart (GRID_SLACK and up to a ninth more): lines laid together (a chart's first
 * live redraw) outgrow their grids at different redraws, so laying them again — every held point reduced anew — is
 * spread over about 8 redraws rather than all lines in one.
 */
export function staggeredSlack(index: number): number {
  return GRID_SLACK * (1 + (index % 8) / 72);
}

/** Points a bucket keeps at most: its first, lowest, highest and last, and its first NaN, +Infinity and −Infinity (as M4). */
export const KEPT_PER_BUCKET = 7;

/**
 * The points a live chart draws of a series at most, whatever it will hold: its points (at most `capacity`, its buffers'
 * size: a followed series' whole live window is allocated at its first live batch) while they are at most 4 per pixel,
 * else at most KEPT_PER_BUCKET per pixel-wide bucket; plus a neighbour beyond each edge of the window when zoomed.
 */
export function liveLineBound(capacity: number, pixels: number): number {
  return Math.min(capacity, KEPT_PER_BUCKET * Math.max(1, Math.floor(pixels))) + 2;
}

/** What is kept of one series between redraws. */
export interface LiveDecimation {
  /** The series and its `edits` the points were reduced from. */
  source: SeriesBuffer | null;
  edits: number;
  /** The grid spans the window times this when laid (GRID_SLACK, or `staggeredSlack`). */
  slack: number;
  /** Grids laid so far (the kept points change only when a grid is laid). */
  layouts: number;
  /** The grid: its left edge, bucket width and bucket count. */
  from: number;
  width: number;
  buckets: number;
  /** Points [0, consumed) are in closed buckets, whose kept points are x[0, closed), y[0, closed). */
  consumed: number;
  closed: number;
  x: Float64Array;
  y: Float64Array;
}

/** An empty reduction, to keep per series, whose grids span the window times `slack` when laid. */
export function liveDecimation(slack = GRID_SLACK): LiveDecimation {
  return { source: null, edits: 0, slack, layouts: 0, from: NaN, width: NaN, buckets: 0, consumed: 0, closed: 0, x: new Float64Array(0), y: new Float64Array(0) };
}

/**
 * What a live chart draws of `s`, whose points all lie within [from, to] (the window of a chart following the newest
 * data): `s` itself while it holds at most 4 points per pixel (as `decimateForDisplay`), else its first, lowest, highest
 * and last point (and first non-finite one) per bucket of the grid kept in `state` (laid anew when it no longer fits).
 * The result's arrays are `state`'s own: they hold until the next call with `state`.
 */
export function decimateLive(s: SeriesBuffer, from: number, to: number, pixels: number, state: LiveDecimation): SeriesBuffer {
  const buckets = Math.max(1, Math.floor(pixels));
  // The kept points' buffers are allocated once, at the first live draw, at their final size: for as many points as the
  // buckets keep at most, or the series' buffers can hold (then nothing grows as the live window fills, and a redraw
  // allocates nothing). A series whose buffers never hold more than 4 points a pixel is never reduced.
  const size = s.x.length > buckets * 4 ? Math.min(s.x.length, KEPT_PER_BUCKET * buckets) : 0;
  if (state.x.length < size) regrow(state, state.source === s ? state.closed : 0, size);
  if (s.length <= buckets * 4 || !(to > from)) return s;
  const fits = state.source === s && state.edits === (s.edits ?? 0) && state.buckets === buckets && state.from === from
    && from + state.width * buckets >= to && s.length >= state.consumed;
  if (!fits) {
    state.source = s;
    state.edits = s.edits ?? 0;
    state.layouts++;
    state.buckets = buckets;
    state.from = from;
    state.width = ((to - from) * state.slack) / buckets;
    state.consumed = 0;
    state.closed = 0;
  }
  const { x: xs, y: ys } = s;
  const width = state.width;
  const bucketOf = (v: number) => Math.min(buckets - 1, Math.max(0, Math.floor((v - from) / width)));
  // Room for the kept points of the buckets from the first unreduced point's on (at most KEPT_PER_BUCKET each, one per
  // point): never more than `size` above, as x increases within a series.
  const open = state.consumed < s.length ? bucketOf(xs[state.consumed]!) : buckets;
  const room = state.closed + Math.min(s.length - state.consumed, KEPT_PER_BUCKET * (buckets - open));
  if (state.x.length < room) regrow(state, state.closed, Math.max(room, size));
  let k = state.closed;
  let i = state.consumed;
  while (i < s.length) {
    const b = bucketOf(xs[i]!);
    let j = i + 1;
    while (j < s.length && bucketOf(xs[j]!) === b) j++;
    k = keepRun(xs, ys, i, j, state.x, state.y, k);
    if (j < s.length) {
      // Closed: a later point lies in a later bucket, and points only come after the newest.
      state.consumed = j;
      state.closed = k;
    }
    i = j;
  }
  return { x: state.x.subarray(0, k), y: state.y.subarray(0, k), length: k, total: s.total, downsampled: true };
}

/** The middle points of one bucket being written (lowest, highest, first NaN, +Infinity, −Infinity), sorted: reused. */
const middle = new Int32Array(5);

/** Inserts index `c` (none when < 0) into the `n` sorted ones of `middle`; returns how many it holds. */
function insertSorted(n: number, c: number): number {
  if (c < 0) return n;
  let q = n;
  while (q > 0 && middle[q - 1]! > c) {
    middle[q] = middle[q - 1]!;
    q--;
  }
  middle[q] = c;
  return n + 1;
}

/**
 * Writes the kept points of the run [i, j) of one bucket into `outX`/`outY` at `k` and returns the new end: its first,
 * lowest and highest finite (the earliest on ties), and last point, in x order, each once, and its first NaN, +Infinity
 * and −Infinity each when neither its first nor its last point is of that kind — what M4 (src/protocol/downsample.ts)
 * keeps of a bucket.
 */
export function keepRun(x: Float64Array, y: Float64Array, i: number, j: number, outX: Float64Array, outY: Float64Array, k: number): number {
  let minI = -1;
  let maxI = -1;
  let nanI = -1;
  let posI = -1;
  let negI = -1;
  for (let p = i; p < j; p++) {
    const v = y[p]!;
    if (v - v !== 0) {
      if (v > 0) {
        if (posI < 0) posI = p;
      } else if (v < 0) {
        if (negI < 0) negI = p;
      } else if (nanI < 0) nanI = p;
    } else {
      if (minI < 0 || v < y[minI]!) minI = p;
      if (maxI < 0 || v > y[maxI]!) maxI = p;
    }
  }
  const last = j - 1;
  const first = y[i]!;
  const end = y[last]!;
  // M4 adds the first point of a non-finite kind only when none of the points it keeps is of that kind (min and max are
  // finite). Indices in increasing order are points in x order: the first, the others sorted, the last; each once
  // (KEPT_PER_BUCKET at most). Sorted by insertion into a reused array, no closures: this runs per bucket.
  let n = insertSorted(0, minI);
  n = insertSorted(n, maxI);
  if (first === first && end === end) n = insertSorted(n, nanI);
  if (first !== Infinity && end !== Infinity) n = insertSorted(n, posI);
  if (first !== -Infinity && end !== -Infinity) n = insertSorted(n, negI);
  outX[k] = x[i]!;
  outY[k] = y[i]!;
  k++;
  let prev = i;
  for (let q = 0; q < n; q++) {
    const c = middle[q]!;
    if (c === prev) continue;
    outX[k] = x[c]!;
    outY[k] = y[c]!;
    k++;
    prev = c;
  }
  if (last !== prev) { outX[k] = x[last]!; outY[k] = y[last]!; k++; }
  return k;
}

/**
 * Which points of `drawn` (what `decimateLive(s, …, state)` returned) later calls leave as they are (live-plot.ts): all
 * of `s` until it is edited, when it was drawn as it is; else the kept points of closed buckets, until a grid is laid.
 */
export function settledPoints(s: SeriesBuffer, drawn: SeriesBuffer, state: LiveDecimation): SettledPrefix {
  return drawn === s ? { token: s, generation: s.edits ?? 0, settled: s.length } : { token: state, generation: state.layouts, settled: state.closed };
}
