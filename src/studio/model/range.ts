/**
 * The window an axis shows for the data it holds. Whatever the data — one value, float noise around a constant, values
 * from ±1e-300 to ±1.8e308, no finite value at all — the result is two finite numbers lo < hi whose difference is well
 * above the float resolution of their magnitude, so ticks can be placed and told apart (see ticks.ts).
 */

/** A range no wider than this fraction of its magnitude (64 units in the last place) is float noise: drawn as a flat line. */
export const NOISE_WIDTH = 2 ** -46;
/** Half the window opened around a flat line: this fraction of its value… */
const FLAT_HALF_FRACTION = 0.1;
/** …but never less than this (a flat line at 0, or at a subnormal value). */
const MIN_HALF_WIDTH = 1e-305;

export interface RangeOptions {
  /** Fixed ends (a scale's or group's lower/upper); a missing one follows the data. */
  lower?: number | undefined;
  upper?: number | undefined;
  /** Headroom added to each free end, as a fraction of the data's spread (0.05 for y, 0 for x). */
  pad?: number;
}

const clampFinite = (v: number) => Math.max(-Number.MAX_VALUE, Math.min(Number.MAX_VALUE, v));

/** True when lo…hi is too narrow to be told apart from one value at its magnitude. */
export function isFlat(lo: number, hi: number): boolean {
  const mag = Math.max(Math.abs(lo), Math.abs(hi));
  return !(hi - lo > mag * NOISE_WIDTH) || hi - lo < MIN_HALF_WIDTH;
}

/**
 * The shown range for data spanning `dataMin`…`dataMax` (null or non-finite: no data). Fixed ends are kept as given; a flat
 * or noise-wide range becomes a window of ±10% around its value (±1 around 0); free ends get `pad` headroom. Never
 * overflows: ends stay within ±Number.MAX_VALUE (their difference may not, which is why y is drawn in tick units).
 */
export function safeRange(dataMin: number | null | undefined, dataMax: number | null | undefined, opts: RangeOptions = {}): [number, number] {
  const { lower, upper, pad = 0 } = opts;
  const hasMin = typeof dataMin === 'number' && Number.isFinite(dataMin);
  const hasMax = typeof dataMax === 'number' && Number.isFinite(dataMax);
  let lo: number;
  let hi: number;
  if (hasMin && hasMax) [lo, hi] = dataMin <= dataMax ? [dataMin, dataMax] : [dataMax, dataMin];
  else if (hasMin || hasMax) lo = hi = (hasMin ? dataMin : dataMax) as number;
  else [lo, hi] = lower !== undefined && upper !== undefined ? [lower, upper] : lower !== undefined ? [lower, lower + 1] : upper !== undefined ? [upper - 1, upper] : [0, 1];
  const dataSpanHalf = hi / 2 - lo / 2;

  if (lower !== undefined) lo = lower;
  if (upper !== undefined) hi = upper;
  if (lower !== undefined && upper !== undefined && hi > lo && !isFlat(lo, hi)) return [lo, hi];

  if (!(hi > lo) || isFlat(lo, hi)) {
    // One value (or values the data cannot tell apart): a window around it, keeping a fixed end when there is one.
    const center = lower !== undefined ? lower : upper !== undefined ? upper : lo / 2 + hi / 2;
    let half = Math.abs(center) * FLAT_HALF_FRACTION;
    if (!(half >= MIN_HALF_WIDTH)) half = center === 0 ? 1 : MIN_HALF_WIDTH;
    if (lower !== undefined && upper === undefined) return [lower, clampFinite(lower + 2 * half)];
    if (upper !== undefined && lower === undefined) return [clampFinite(upper - 2 * half), upper];
    return [clampFinite(center - half), clampFinite(center + half)];
  }
  // Headroom relative to the data's own spread, so a fixed 0 floor does not inflate the free end.
  const spanHalf = Math.min(dataSpanHalf > 0 ? dataSpanHalf : Infinity, hi / 2 - lo / 2);
  const room = spanHalf * 2 * pad;
  return [lower ?? clampFinite(lo - room), upper ?? clampFinite(hi + room)];
}
