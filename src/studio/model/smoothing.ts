/**
 * TensorBoard's debiased exponential moving average (tensorboard/plugins/scalar/…/vz_line_chart2 `resmoothDataset`):
 * `last = last·w + (1 − w)·y`, divided by the debias weight `1 − w^n` (n = finite values seen so far), so the first points
 * are not pulled toward 0. A non-finite value (NaN, ±Infinity) is passed through as it is and does not move the average:
 * a NaN gap stays a gap. `weight` 0 returns the values unchanged; it is clamped to [0, 0.999].
 * Feed it full-resolution points (never a per-pixel downsampled view: min/max buckets bias the average).
 */
export function debiasedEma(values: ArrayLike<number>, weight: number): Float64Array {
  const w = Math.min(0.999, Math.max(0, Number.isFinite(weight) ? weight : 0));
  const out = new Float64Array(values.length);
  let last = 0;
  let n = 0;
  for (let i = 0; i < values.length; i++) {
    const y = values[i]!;
    if (!Number.isFinite(y) || w === 0) {
      out[i] = y;
      continue;
    }
    last = last * w + (1 - w) * y;
    n++;
    out[i] = last / (1 - w ** n);
  }
  return out;
}
