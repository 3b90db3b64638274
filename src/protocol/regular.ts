/**
 * The step of a column whose values are exactly `v[0] + step · i` (bit for bit, in double arithmetic), or null.
 * Steps, epochs and evenly spaced times are; such a column is stored, and sent, as two numbers.
 */
export function regularStep(v: ArrayLike<number>): number | null {
  const n = v.length;
  if (n === 0) return null;
  const start = v[0]!;
  // Every NaN is Object.is-equal to every other: start + step · i would lose a NaN's payload bits.
  if (Number.isNaN(start)) return null;
  const step = n === 1 ? 0 : (v[n - 1]! - start) / (n - 1);
  for (let i = 0; i < n; i++) if (!Object.is(start + step * i, v[i])) return null;
  return step;
}

/** Columns made as whole numbers `start + step · i` (see `markWholeStep`), with their step. */
const wholeSteps = new WeakMap<Float64Array, number>();

/**
 * Records that `x` was made as `start + step · i` with `start` and `step` whole numbers and every value within ±2^53, so
 * that the arithmetic was exact: `x` and every part of it (`x.subarray(a, b)`) is `part[0] + step · i` bit for bit, and
 * `regularStep` need not scan it again. A decoded binary batch's regular x (`xStart`/`xStep`) is marked this way.
 */
export function markWholeStep(x: Float64Array, step: number): void {
  wholeSteps.set(x, step);
}

/** The step `markWholeStep` recorded for exactly this array (not for another view of its memory), or undefined. */
export function wholeStepOf(x: Float64Array): number | undefined {
  return wholeSteps.get(x);
}

/** The exponent of the lowest set bit of a finite non-zero double: `v` is an odd integer times 2^that. */
function lowBitExponent(v: number): number {
  let a = Math.abs(v);
  let e = 0;
  // Halving an integer and doubling a non-integer are exact (a non-integer double is below 2^52, so never overflows).
  if (Number.isInteger(a)) for (; Number.isInteger(a / 2); a /= 2) e++;
  else for (; !Number.isInteger(a); a *= 2) e--;
  return e;
}

const TWO_53 = 2n ** 53n;
const abs = (v: bigint) => (v < 0n ? -v : v);

/** `v` · 2^`q` as text: a decimal integer when `q` ≥ 0, else `v × 2^q`. */
function scaledText(v: bigint, q: number): string {
  return q >= 0 ? String(v << BigInt(q)) : `${v} × 2^${q}`;
}

/**
 * Why `xStart + xStep · i` for i < n (a regular x, see `binary-batch.ts`) would not be the exact value in double
 * arithmetic, naming the field to blame; null when every value is exact. Exact when, in units of the finest bit of xStart
 * and xStep (2^q), xStart, xStep · (n − 1) and xStart + xStep · (n − 1) are each at most 2^53 units: every product and
 * sum is then an integer of at most 53 bits times 2^q, which a double holds. For odd whole numbers (q = 0) that is
 * |xStart|, |xStep · (n − 1)|, |xStart + xStep · (n − 1)| ≤ 2^53. Otherwise a product or a sum rounds somewhere
 * (xStart = −2^53, xStep = 2^52 + 1: xStep · 3 = 3 · 2^52 + 3 reads as 3 · 2^52 + 4), and the x stored would not be
 * the x meant. Only increasing x (`step` > 0, n > 1) is checked: any other is refused by x order anyway.
 */
export function regularXProblem(start: number, step: number, n: number): { field: 'xStart' | 'xStep'; rule: string } | null {
  if (!(n > 1 && step > 0)) return null;
  // Whole numbers far from 2^53 (steps, epochs): exact (rounding is monotone: a double sum below 2^52 is a true one).
  if (Number.isInteger(start) && Number.isInteger(step) && Math.abs(start) + step * (n - 1) < 2 ** 52) return null;
  const q = start === 0 ? lowBitExponent(step) : Math.min(lowBitExponent(start), lowBitExponent(step));
  const unit = 2 ** q;
  const units = q === 0 ? '2^53' : `2^53 × 2^${q} (2^53 times the finest bit of xStart and xStep)`;
  const rule = (what: string) => `${what} is beyond ${units}, so xStart + xStep · i (i < n) is not exact in doubles: send this series' x column instead`;
  // start / unit and step / unit are integers; below 2^53 they are exact doubles (a power-of-two scaling is exact).
  if (Math.abs(start / unit) > 2 ** 53) return { field: 'xStart', rule: rule(`xStart (${start}) at the precision of xStep (${step})`) };
  if (step / unit > 2 ** 53) return { field: 'xStep', rule: rule(`xStep (${step}) at the precision of xStart (${start})`) };
  const s = BigInt(start / unit), d = BigInt(step / unit);
  const span = d * BigInt(n - 1);
  if (span > TWO_53) return { field: 'xStep', rule: rule(`xStep · ${n - 1} = ${scaledText(span, q)}`) };
  if (abs(s + span) > TWO_53) return { field: 'xStart', rule: rule(`xStart + xStep · ${n - 1} = ${scaledText(s + span, q)}`) };
  return null;
}
