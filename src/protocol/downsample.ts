/**
 * M4 downsampling: [from, to] is cut into equal-width x buckets and each bucket keeps its first, min, max and last point,
 * so spikes survive any zoom level. min/max look at finite values only; a bucket holding NaN, +Inf or −Inf also keeps its
 * first point of each of these kinds unless one of its kept points already is of that kind, so gaps and infinities never
 * silently vanish (a NaN earlier in the bucket no longer hides a +Inf's ▲ marker).
 * Points must be added in increasing x. Output: real x values, x order, no duplicate x.
 */

/** A run of consecutive points already reduced to first/min/max/last (+ first non-finite), all inside one bucket. */
export interface PointSummary {
  firstX: number; firstY: number;
  lastX: number; lastY: number;
  /** NaN x when the run has no finite value. */
  minX: number; minY: number;
  maxX: number; maxY: number;
  /** NaN x when every value is finite. */
  oddX: number; oddY: number;
}

/** Buckets for a point budget: each bucket contributes up to 4 points. */
export function bucketsForBudget(budget: number): number {
  return Math.max(1, Math.floor(budget / 4));
}

const FIRST = 0;
const LAST = 1;
const MIN = 2;
const MAX = 3;
/** The first NaN, +Inf and −Inf of a bucket. */
const ODD_NAN = 4;
const ODD_POS = 5;
const ODD_NEG = 6;
const SLOTS = 7;
/** The odd slot of a non-finite value. */
const oddSlot = (y: number) => (y > 0 ? ODD_POS : y < 0 ? ODD_NEG : ODD_NAN);
/** The order kept points are considered in (ties in x keep the first). */
const KEPT_ORDER = [FIRST, MIN, MAX, LAST] as const;

export class M4 {
  readonly buckets: number;
  private width: number;
  /** Per bucket and slot: the x (NaN = empty) and y of the kept point. */
  private readonly xs: Float64Array;
  private readonly ys: Float64Array;
  private readonly picked = new Int32Array(SLOTS);

  constructor(public from: number, public to: number, buckets: number) {
    this.buckets = Math.max(1, Math.floor(buckets));
    this.width = to > from ? (to - from) / this.buckets : 1;
    this.xs = new Float64Array(this.buckets * SLOTS).fill(NaN);
    this.ys = new Float64Array(this.buckets * SLOTS);
  }

  /**
   * Empties every bucket for a reduction of [from, to] with the same number of buckets, in the same buffers: a caller
   * reducing on every redraw (the studio's per-pixel view) allocates none.
   */
  reset(from: number, to: number): this {
    this.from = from;
    this.to = to;
    this.width = to > from ? (to - from) / this.buckets : 1;
    this.xs.fill(NaN);
    return this;
  }

  bucketOf(x: number): number {
    const b = Math.floor((x - this.from) / this.width);
    return b < 0 ? 0 : b >= this.buckets ? this.buckets - 1 : b;
  }

  add(x: number, y: number): void {
    const o = this.bucketOf(x) * SLOTS;
    if (Number.isNaN(this.xs[o + FIRST]!)) this.set(o + FIRST, x, y);
    this.set(o + LAST, x, y);
    if (!Number.isFinite(y)) {
      const slot = o + oddSlot(y);
      if (Number.isNaN(this.xs[slot]!)) this.set(slot, x, y);
      return;
    }
    if (Number.isNaN(this.xs[o + MIN]!) || y < this.ys[o + MIN]!) this.set(o + MIN, x, y);
    if (Number.isNaN(this.xs[o + MAX]!) || y > this.ys[o + MAX]!) this.set(o + MAX, x, y);
  }

  /**
   * Adds points start..end-1 (x increasing), exactly as `add` one by one would: each run of points in one bucket is
   * reduced in locals first (earliest min/max on ties, as `add` keeps them) and merged into the bucket once.
   */
  addPoints(x: ArrayLike<number>, y: ArrayLike<number>, start = 0, end = x.length): void {
    const xs = this.xs;
    const ys = this.ys;
    let i = start;
    while (i < end) {
      const b = this.bucketOf(x[i]!);
      // Below `safe` a point is surely still in bucket b (x increases and bucketOf is monotone; the margin exceeds the
      // rounding of bucketOf's arithmetic), so only points near the bucket's upper edge pay for bucketOf.
      const edge = b === this.buckets - 1 ? Infinity : this.from + (b + 1) * this.width;
      const safe = edge - (1e-12 * (Math.abs(edge) + Math.abs(this.from)) + 1e-9 * this.width);
      let minI = -1;
      let maxI = -1;
      let nanI = -1;
      let posI = -1;
      let negI = -1;
      let j = i;
      for (; j < end; j++) {
        if (j > i && !(x[j]! < safe) && this.bucketOf(x[j]!) !== b) break;
        const yj = y[j]!;
        if (yj - yj !== 0) {
          if (yj > 0) {
            if (posI < 0) posI = j;
          } else if (yj < 0) {
            if (negI < 0) negI = j;
          } else if (nanI < 0) nanI = j;
        } else {
          if (minI < 0 || yj < y[minI]!) minI = j;
          if (maxI < 0 || yj > y[maxI]!) maxI = j;
        }
      }
      const o = b * SLOTS;
      if (Number.isNaN(xs[o + FIRST]!)) this.set(o + FIRST, x[i]!, y[i]!);
      this.set(o + LAST, x[j - 1]!, y[j - 1]!);
      if (nanI >= 0 && Number.isNaN(xs[o + ODD_NAN]!)) this.set(o + ODD_NAN, x[nanI]!, y[nanI]!);
      if (posI >= 0 && Number.isNaN(xs[o + ODD_POS]!)) this.set(o + ODD_POS, x[posI]!, y[posI]!);
      if (negI >= 0 && Number.isNaN(xs[o + ODD_NEG]!)) this.set(o + ODD_NEG, x[negI]!, y[negI]!);
      if (minI >= 0 && (Number.isNaN(xs[o + MIN]!) || y[minI]! < ys[o + MIN]!)) this.set(o + MIN, x[minI]!, y[minI]!);
      if (maxI >= 0 && (Number.isNaN(xs[o + MAX]!) || y[maxI]! > ys[o + MAX]!)) this.set(o + MAX, x[maxI]!, y[maxI]!);
      i = j;
    }
  }

  /** Width of a bucket in x (1 when the range is a single x). */
  get bucketWidth(): number {
    return this.width;
  }

  /**
   * Adds a pre-reduced run, after everything added so far, to `bucket` (default: the bucket of its first point). The
   * caller guarantees the run lies inside that bucket, or accepts it whole there (a snapped read, see `snapBucket`); the
   * buckets given must not decrease along x.
   */
  addSummary(s: PointSummary, bucket = this.bucketOf(s.firstX)): void {
    const o = bucket * SLOTS;
    if (Number.isNaN(this.xs[o + FIRST]!)) this.set(o + FIRST, s.firstX, s.firstY);
    this.set(o + LAST, s.lastX, s.lastY);
    if (!Number.isNaN(s.oddX) && Number.isNaN(this.xs[o + oddSlot(s.oddY)]!)) this.set(o + oddSlot(s.oddY), s.oddX, s.oddY);
    if (!Number.isNaN(s.minX) && (Number.isNaN(this.xs[o + MIN]!) || s.minY < this.ys[o + MIN]!)) this.set(o + MIN, s.minX, s.minY);
    if (!Number.isNaN(s.maxX) && (Number.isNaN(this.xs[o + MAX]!) || s.maxY > this.ys[o + MAX]!)) this.set(o + MAX, s.maxX, s.maxY);
  }

  /**
   * The one bucket a run of points spanning [firstX, lastX] can be added to whole, or -1 when it must be added point by
   * point. A run inside one bucket goes there. With `snap`, a run spanning at most half a bucket that straddles an edge
   * goes whole to the bucket of its midpoint: the edge moves to the run's boundary, by at most a quarter of a bucket, so
   * every point still counts (no spike is lost, each kept point is a real one at its real x) but no run needs decoding.
   * Runs in x order get non-decreasing buckets either way.
   */
  snapBucket(firstX: number, lastX: number, snap: boolean): number {
    const b = this.bucketOf(firstX);
    if (this.bucketOf(lastX) === b) return b;
    return snap && lastX - firstX <= this.width / 2 ? this.bucketOf((firstX + lastX) / 2) : -1;
  }

  result(): { x: number[]; y: number[] } {
    const n = this.kept(null, null, 0);
    const x = new Float64Array(n);
    const y = new Float64Array(n);
    this.kept(x, y, 0);
    return { x: Array.from(x), y: Array.from(y) };
  }

  /** How many points `result` would return. */
  keptCount(): number {
    return this.kept(null, null, 0);
  }

  /**
   * Writes the points `result` would return into `x` and `y` from `offset` (they must have room for `keptCount()`):
   * a caller reducing on every redraw (the studio's per-pixel view) allocates its columns once, at their exact size,
   * instead of growing arrays point by point.
   */
  writeKept(x: Float64Array, y: Float64Array, offset = 0): void {
    this.kept(x, y, offset);
  }

  /**
   * Each kept point in x order — per bucket its kept slots sorted by x, a point at the x just written skipped — written
   * into `x`/`y` from `offset` when they are given; returns how many. A loop rather than a callback per point: a callback
   * taking the doubles would box two of them per point (about 40 MB/s of garbage in a live chart reducing on every redraw).
   */
  private kept(x: Float64Array | null, y: Float64Array | null, offset: number): number {
    // Slots kept by one bucket (at most 7), sorted by x by insertion: no allocation per bucket, as a read may have 12,500.
    const picked = this.picked;
    const xs = this.xs;
    const ys = this.ys;
    let last = NaN;
    let k = offset;
    for (let b = 0; b < this.buckets; b++) {
      const o = b * SLOTS;
      if (Number.isNaN(xs[o + FIRST]!)) continue;
      let n = 0;
      // Bit per odd kind (1 NaN, 2 +Inf, 4 −Inf) a kept point already shows.
      let oddShown = 0;
      for (let s = 0; s < KEPT_ORDER.length; s++) {
        const i = o + KEPT_ORDER[s]!;
        if (Number.isNaN(xs[i]!)) continue;
        picked[n++] = i;
        const v = ys[i]!;
        if (v - v !== 0) oddShown |= 1 << (oddSlot(v) - ODD_NAN);
      }
      for (let slot = ODD_NAN; slot <= ODD_NEG; slot++) {
        if (!(oddShown & (1 << (slot - ODD_NAN))) && !Number.isNaN(xs[o + slot]!)) picked[n++] = o + slot;
      }
      for (let q = 1; q < n; q++) {
        const v = picked[q]!;
        let j = q - 1;
        while (j >= 0 && xs[picked[j]!]! > xs[v]!) {
          picked[j + 1] = picked[j]!;
          j--;
        }
        picked[j + 1] = v;
      }
      for (let q = 0; q < n; q++) {
        const i = picked[q]!;
        if (xs[i] === last) continue;
        last = xs[i]!;
        if (x && y) {
          x[k] = last;
          y[k] = ys[i]!;
        }
        k++;
      }
    }
    return k - offset;
  }

  private set(i: number, x: number, y: number): void {
    this.xs[i] = x;
    this.ys[i] = y;
  }
}
