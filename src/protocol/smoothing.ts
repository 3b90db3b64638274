/**
 * Smoothing of one series for drawing (DESIGN.md "Panel options", issue #17): pure functions over full-resolution points
 * (x increasing), shared by the server (smoothed reads, `smooth=`) and the studio (held points). Every algorithm takes a
 * weight in [0, 0.99] (0: off, values unchanged), passes non-finite values (NaN, ±Infinity) through untouched without
 * letting them move the average — a NaN gap stays a gap — and never pulls the first points toward 0.
 * Never feed them a per-pixel downsampled view: its min/max/first/last buckets bias any average.
 */

export const SMOOTHING_ALGORITHMS = ['ema', 'twema', 'gaussian'] as const;
/** `ema`: TensorBoard's debiased EMA (by index); `twema`: W&B's time-weighted EMA (by x); `gaussian`: a Gaussian kernel in x. */
export type SmoothingAlgorithm = (typeof SMOOTHING_ALGORITHMS)[number];
export const MAX_SMOOTHING_WEIGHT = 0.99;

const clampWeight = (weight: number, max = 0.999) => Math.min(max, Math.max(0, Number.isFinite(weight) ? weight : 0));

/**
 * Where a smoothing writes its `n` values: the first `n` of `out` when given (a buffer kept between calls, so moving a slider
 * over a long series allocates nothing), else a new array. Throws when `out` is too short.
 */
function target(n: number, out?: Float64Array): Float64Array {
  if (!out) return new Float64Array(n);
  if (out.length < n) throw new RangeError(`smoothing: out holds ${out.length} values, ${n} needed`);
  return out.length === n ? out : out.subarray(0, n);
}

/**
 * TensorBoard's debiased exponential moving average (tensorboard/plugins/scalar/…/vz_line_chart2 `resmoothDataset`):
 * `last = last·w + (1 − w)·y`, divided by the debias weight `1 − w^n` (n = finite values seen so far), so the first points
 * are not pulled toward 0. `weight` is clamped to [0, 0.999]. `out`: see `target`.
 */
export function debiasedEma(values: ArrayLike<number>, weight: number, out?: Float64Array): Float64Array {
  const w = clampWeight(weight);
  out = target(values.length, out);
  let last = 0;
  let wn = 1; // w^n, n = finite values seen so far (a running product: no pow per point)
  for (let i = 0; i < values.length; i++) {
    const y = values[i]!;
    if (!Number.isFinite(y) || w === 0) {
      out[i] = y;
      continue;
    }
    last = last * w + (1 - w) * y;
    // Below 2^-54, 1 − w^n is exactly 1: stop there, or w^n sinks into subnormals, where it sticks at the smallest one
    // (0.9 × 5e-324 rounds back to 5e-324) and every later multiply runs ~10× slower.
    wn = wn < 1e-17 ? 0 : wn * w;
    out[i] = last / (1 - wn);
  }
  return out;
}

/** How many steps of the TWEMA decay the whole x range of a series spans (W&B's `VIEWPORT_SCALE`). */
export const TWEMA_SCALE = 1000;

/**
 * Time-weighted EMA, as Weights & Biases documents its default smoothing (docs.wandb.ai, "Smooth line plots"): the decay
 * between neighbouring points depends on how far apart they are in x, so uneven x (and lines of different density) smooth
 * alike. With `s = min(√weight, 0.999)` and `Δ = (x_i − x_{i−1}) / (x_last − x_first) · TWEMA_SCALE`:
 * `a = s^Δ; last = last·a + y; debias = debias·a + 1; out = last / debias`. `range` is the x extent the decay is scaled to
 * (default: the extent of `x`); pass the whole series' extent when smoothing part of it, so a zoom does not change it.
 * `out`: see `target`.
 */
export function twema(x: ArrayLike<number>, values: ArrayLike<number>, weight: number, range?: number, out?: Float64Array): Float64Array {
  const s = Math.min(Math.sqrt(clampWeight(weight)), 0.999);
  out = target(values.length, out);
  const n = values.length;
  const span = range ?? (n > 1 ? x[n - 1]! - x[0]! : 0);
  let last = 0;
  let debias = 0;
  let prevX = NaN;
  let lastDx = NaN;
  let a = 1;
  for (let i = 0; i < n; i++) {
    const y = values[i]!;
    if (!Number.isFinite(y) || s === 0) {
      out[i] = y;
      continue;
    }
    const dx = Number.isNaN(prevX) || !(span > 0) ? 0 : ((x[i]! - prevX) / span) * TWEMA_SCALE;
    // Evenly spaced x (the common case) reuse the decay: one pow per distinct spacing, not per point.
    if (dx !== lastDx) {
      a = s ** dx;
      lastDx = dx;
    }
    last = last * a + y;
    debias = debias * a + 1;
    out[i] = last / debias;
    prevX = x[i]!;
  }
  return out;
}

/** The Gaussian's standard deviation in x at a weight: a tenth of the series' x extent at 1, in proportion below. */
export function gaussianSigma(weight: number, range: number): number {
  return (clampWeight(weight, MAX_SMOOTHING_WEIGHT) * range) / 10;
}

/**
 * Gaussian kernel smoothing in x (as W&B's "Gaussian"): each point becomes an average of the points around it, before and
 * after, weighted by a Gaussian of their x distance with standard deviation `gaussianSigma(weight, range)`. Computed as
 * three successive moving averages over x windows of width 2σ (the sum of three uniform distributions of variance
 * (2σ)²/12 each has variance σ² and is within about 3% of the Gaussian — W. M. Wells, "Efficient synthesis of Gaussian
 * filters by cascaded uniform filters", IEEE PAMI 8(2), 1986; P. Kovesi, "Fast almost-Gaussian filtering", DICTA 2010),
 * each an O(n) two-pointer pass keeping a running sum of the values centred on their mean, so the cost does not depend on
 * σ. Windows are centred on each point's x and average the finite values in them. `out`: see `target`; when given, the
 * passes' scratch columns are kept with it (see `scratchFor`), so re-smoothing into the same buffer allocates nothing.
 */
export function gaussianSmooth(x: ArrayLike<number>, values: ArrayLike<number>, weight: number, range?: number, out?: Float64Array): Float64Array {
  const n = values.length;
  const span = range ?? (n > 1 ? x[n - 1]! - x[0]! : 0);
  const sigma = gaussianSigma(weight, span);
  const owner = out;
  out = target(n, out);
  let m = 0;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const v = values[i]!;
    if (Number.isFinite(v)) {
      m++;
      sum += v;
    }
  }
  if (!(sigma > 0) || n < 2 || m === 0) {
    if (out !== values) out.set(values);
    return out;
  }
  // Centred on the mean: the running sums then stay near 0, whatever offset the values have (10 + 1e-9 noise keeps its digits).
  const mean = sum / m;
  const scratch = scratchFor(owner, n);
  const [a, b] = scratch.columns;
  if (m === n && x instanceof Float64Array && values instanceof Float64Array && out !== values) {
    // No gaps (the common case): values → a → b → out, the mean taken off in the first pass and put back in the last.
    const h = evenHalfWidth(x, sigma);
    if (h >= 0) {
      // Evenly spaced x (steps): the window is ±h indices, so the passes read no x at all (half the memory traffic).
      boxPassEven(values, h, a, mean, 0);
      boxPassEven(a, h, b, 0, 0);
      boxPassEven(b, h, out, 0, mean);
      return out;
    }
    boxPass(x, values, sigma, a, mean, 0);
    boxPass(x, a, sigma, b, 0, 0);
    boxPass(x, b, sigma, out, 0, mean);
    return out;
  }
  // Gaps or plain arrays: the finite points into columns (xs, ys) first, their indices in `finite`, then scattered back.
  const [, , xs, ys] = withGapColumns(scratch, n).columns;
  const finite = scratch.finite;
  for (let i = 0, k = 0; i < n; i++) {
    const v = values[i]!;
    if (!Number.isFinite(v)) continue;
    finite[k] = i;
    xs[k] = x[i]!;
    ys[k++] = v;
  }
  const fx = xs.subarray(0, m);
  boxPass(fx, ys.subarray(0, m), sigma, a, mean, 0);
  boxPass(fx, a, sigma, b, 0, 0);
  boxPass(fx, b, sigma, a, 0, mean);
  if (out !== values) out.set(values);
  for (let k = 0; k < m; k++) out[finite[k]!] = a[k]!;
  return out;
}

/** The Gaussian's working columns for `n` points: four Float64 columns and the finite points' indices. */
interface GaussianScratch {
  columns: [Float64Array, Float64Array, Float64Array, Float64Array];
  finite: Uint32Array;
}
const scratchOf = new WeakMap<Float64Array, GaussianScratch>();

/**
 * Working columns for `n` points: kept with the caller's `out` buffer (dropped with it) and regrown only when too short; a
 * call without `out` (the server's one-off smoothed read) gets fresh ones. The gap path's columns (2, 3 and `finite`) are
 * allocated only when a series has gaps.
 */
function scratchFor(owner: Float64Array | undefined, n: number): GaussianScratch {
  const kept = owner && scratchOf.get(owner);
  if (kept && kept.columns[0].length >= n) return kept;
  const empty = new Float64Array(0);
  const scratch: GaussianScratch = { columns: [new Float64Array(n), new Float64Array(n), empty, empty], finite: new Uint32Array(0) };
  if (owner) scratchOf.set(owner, scratch);
  return scratch;
}

/** `scratch` with its gap-path columns (2, 3 and `finite`) at least `n` long, made on first use. */
function withGapColumns(scratch: GaussianScratch, n: number): GaussianScratch {
  if (scratch.columns[2].length < n) {
    scratch.columns[2] = new Float64Array(n);
    scratch.columns[3] = new Float64Array(n);
    scratch.finite = new Uint32Array(n);
  }
  return scratch;
}

/**
 * When `x` is evenly spaced (x_i = x_0 + i·Δ exactly, as steps are), the number of neighbours on each side that
 * [x − half, x + half] holds; else −1.
 */
function evenHalfWidth(x: Float64Array, half: number): number {
  const n = x.length;
  const x0 = x[0]!;
  const dx = (x[n - 1]! - x0) / (n - 1);
  if (!(dx > 0)) return -1;
  for (let i = 1; i < n; i++) if (x[i] !== x0 + i * dx) return -1;
  return Math.min(n, Math.floor(half / dx + 1e-9));
}

/** `boxPass` over evenly spaced x: the window of point i is indices [i − h, i + h] (cut at the ends). */
function boxPassEven(y: Float64Array, h: number, out: Float64Array, shift: number, add: number): void {
  const n = y.length;
  let lo = 0;
  let hi = 0;
  let sum = 0;
  for (; hi < n && hi <= h; hi++) sum += y[hi]! - shift;
  for (let i = 0; i < n; i++) {
    out[i] = sum / (hi - lo) + add;
    if (hi < n) sum += y[hi++]! - shift;
    if (i >= h) sum -= y[lo++]! - shift;
  }
}

/**
 * One moving average over [x − half, x + half] of every point into `out`, in one pass: two pointers over x and a running
 * sum of `y − shift`; `add` is added to each average written.
 */
function boxPass(x: Float64Array, y: Float64Array, half: number, out: Float64Array, shift: number, add: number): void {
  const n = x.length;
  let lo = 0;
  let hi = 0;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const xi = x[i]!;
    const top = xi + half;
    while (hi < n && x[hi]! <= top) sum += y[hi++]! - shift;
    const bottom = xi - half;
    while (x[lo]! < bottom) sum -= y[lo++]! - shift;
    out[i] = sum / (hi - lo) + add;
  }
}

/**
 * Smooths with the chosen algorithm (weight 0: a copy of the values). `range`: the x extent of the whole series; `out`: a
 * buffer of at least `values.length` to write into (its first values are returned), else a new array.
 */
export function smoothSeries(
  algorithm: SmoothingAlgorithm, x: ArrayLike<number>, values: ArrayLike<number>, weight: number, range?: number, out?: Float64Array,
): Float64Array {
  switch (algorithm) {
    case 'twema':
      return twema(x, values, weight, range, out);
    case 'gaussian':
      return gaussianSmooth(x, values, weight, range, out);
    default:
      return debiasedEma(values, weight, out);
  }
}
