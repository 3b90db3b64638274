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
