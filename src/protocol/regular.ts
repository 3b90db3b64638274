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
