import { varintSize, zigzag } from './bits.js';
import { MAX_EXP, MAX_SCALED, SCALES, type IntStats } from './codec.js';

/**
 * The smallest decimal exponent e ≤ 6 for which every value is an integer n with n / 10^e === value bit for bit
 * (so no −0, NaN or ±Infinity, and |n| ≤ MAX_SCALED); writes those integers into `ints`. Returns −1 when none fits.
 */
export function fitScale(v: Float64Array, ints: Float64Array): number {
  outer: for (let e = 0; e <= MAX_EXP; e++) {
    const scale = SCALES[e]!;
    for (let i = 0; i < v.length; i++) {
      const x = v[i]!;
      // + 0 turns −0 into 0: the decoder's integer sums are never −0, so a −0 value must not pass.
      const n = Math.round(x * scale) + 0;
      if (!(n <= MAX_SCALED && n >= -MAX_SCALED) || n / scale !== x || (n === 0 && 1 / x < 0)) continue outer;
      ints[i] = n;
    }
    return e;
  }
  return -1;
}

/** Decoded integers back to values: n / 10^exp, the division the encoder checked. */
export function unscale(out: Float64Array, exp: number): void {
  if (exp === 0) return;
  const scale = SCALES[exp]!;
  for (let i = 0; i < out.length; i++) out[i] = out[i]! / scale;
}

/** Fills `out` with what the scaled encodings need to know about `ints` (n ≥ 1), in one pass. */
export function intStats(ints: Float64Array, out: IntStats): IntStats {
  let deltaMin = Infinity;
  let deltaMax = -Infinity;
  let dodMin = Infinity;
  let dodMax = -Infinity;
  let moved = 0;
  let movedMin = Infinity;
  let movedMax = -Infinity;
  let prev = ints[0]!;
  let varintBytes = varintSize(zigzag(prev));
  let runsBytes = varintBytes;
  let runLength = 1;
  let prevDelta = 0;
  for (let i = 1; i < ints.length; i++) {
    const v = ints[i]!;
    const d = v - prev;
    prev = v;
    if (d < deltaMin) deltaMin = d;
    if (d > deltaMax) deltaMax = d;
    if (i >= 2) {
      const dd = d - prevDelta;
      if (dd < dodMin) dodMin = dd;
      if (dd > dodMax) dodMax = dd;
    }
    prevDelta = d;
    const z = zigzag(d);
    varintBytes += z < 128 ? 1 : varintSize(z);
    if (d === 0) runLength++;
    else {
      moved++;
      if (d < movedMin) movedMin = d;
      if (d > movedMax) movedMax = d;
      runsBytes += varintSize(runLength) + (z < 128 ? 1 : varintSize(z));
      runLength = 1;
    }
  }
  runsBytes += varintSize(runLength);
  out.deltaMin = deltaMin === Infinity ? 0 : deltaMin;
  out.deltaMax = deltaMax === -Infinity ? 0 : deltaMax;
  out.dodMin = dodMin === Infinity ? 0 : dodMin;
  out.dodMax = dodMax === -Infinity ? 0 : dodMax;
  out.moved = moved;
  out.movedMin = moved === 0 ? 0 : movedMin;
  out.movedMax = moved === 0 ? 0 : movedMax;
  out.runsBytes = runsBytes;
  out.varintBytes = varintBytes;
  return out;
}
