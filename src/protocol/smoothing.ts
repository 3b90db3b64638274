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
 * TensorBoard's debiased exponential moving average (tensorboard/plugins/scalar/…/vz_line_chart2 `resmoothDataset`):
 * `last = last·w + (1 − w)·y`, divided by the debias weight `1 − w^n` (n = finite values seen so far), so the first points
 * are not pulled toward 0. `weight` is clamped to [0, 0.999].
 */
export function debiasedEma(values: ArrayLike<number>, weight: number): Float64Array {
  const w = clampWeight(weight);
  const out = new Float64Array(values.length);
  let last = 0;
  let wn = 1; // w^n, n = finite values seen so far (a running product: no pow per point)
  for (let i = 0; i < values.length; i++) {
    const y = values[i]!;
    if (!Number.isFinite(y) || w === 0) {
      out[i] = y;
      continue;
    }
    last = last * w + (1 - w) * y;
    wn *= w;
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
 */
export function twema(x: ArrayLike<number>, values: ArrayLike<number>, weight: number, range?: number): Float64Array {
  const s = Math.min(Math.sqrt(clampWeight(weight)), 0.999);
  const out = new Float64Array(values.length);
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
 * (2σ)²/12 each has variance σ² and is within about 3% of the Gaussian — Wells, "Efficient synthesis of Gaussian filters
 * by cascaded uniform filters", 1986), each an O(n) two-pointer pass over prefix sums of the centred values, so the cost
 * does not depend on σ. Windows are centred on each point's x and average the finite values in them.
 */
export function gaussianSmooth(x: ArrayLike<number>, values: ArrayLike<number>, weight: number, range?: number): Float64Array {
  const n = values.length;
  const span = range ?? (n > 1 ? x[n - 1]! - x[0]! : 0);
  const sigma = gaussianSigma(weight, span);
  const out = Float64Array.from(values as ArrayLike<number>);
  if (!(sigma > 0) || n < 2) return out;
  const finite = new Uint32Array(n);
  let m = 0;
  for (let i = 0; i < n; i++) if (Number.isFinite(out[i]!)) finite[m++] = i;
  const xs = new Float64Array(m);
  let ys = new Float64Array(m);
  let mean = 0;
  for (let k = 0; k < m; k++) {
    xs[k] = x[finite[k]!]!;
    ys[k] = out[finite[k]!]!;
    mean += (ys[k]! - mean) / (k + 1);
  }
  // Centred: the running sums then stay near 0, whatever offset the values have (10 + 1e-9 noise keeps its digits).
  for (let k = 0; k < m; k++) ys[k] = ys[k]! - mean;
  const sums = new Float64Array(m + 1);
  for (let pass = 0; pass < 3; pass++) ys = boxPass(xs, ys, sigma, sums);
  for (let k = 0; k < m; k++) out[finite[k]!] = ys[k]! + mean;
  return out;
}

/** One moving average over [x − σ, x + σ] (width 2σ) of every point: prefix sums (in `sums`) and two pointers. */
function boxPass(x: Float64Array, y: Float64Array, half: number, sums: Float64Array): Float64Array<ArrayBuffer> {
  const n = x.length;
  for (let i = 0; i < n; i++) sums[i + 1] = sums[i]! + y[i]!;
  const out = new Float64Array(n);
  let lo = 0;
  let hi = 0;
  for (let i = 0; i < n; i++) {
    const xi = x[i]!;
    while (hi < n && x[hi]! <= xi + half) hi++;
    while (x[lo]! < xi - half) lo++;
    out[i] = (sums[hi]! - sums[lo]!) / (hi - lo);
  }
  return out;
}

/** Smooths with the chosen algorithm (weight 0: a copy of the values). `range`: the x extent of the whole series. */
export function smoothSeries(
  algorithm: SmoothingAlgorithm, x: ArrayLike<number>, values: ArrayLike<number>, weight: number, range?: number,
): Float64Array {
  switch (algorithm) {
    case 'twema':
      return twema(x, values, weight, range);
    case 'gaussian':
      return gaussianSmooth(x, values, weight, range);
    default:
      return debiasedEma(values, weight);
  }
}
