/** x sequencing of one series: x must strictly increase, as the server requires. Pure. */

const f64 = new Float64Array(1);
const i64 = new BigInt64Array(f64.buffer);

/** The smallest double greater than `x` (for finite x). */
export function nextUp(x: number): number {
  if (x === 0) return Number.MIN_VALUE;
  f64[0] = x;
  i64[0]! += x > 0 ? 1n : -1n;
  return f64[0]!;
}

/**
 * The x of a new point, or null when an explicit `at` does not increase (the caller drops it and warns).
 * Without `at`, x is the elapsed time, nudged just above `lastX` when the clock has not advanced (or `at` ran ahead of it).
 */
export function nextX(lastX: number, at: number | undefined, elapsedSeconds: number): number | null {
  if (at !== undefined) return at > lastX ? at : null;
  return elapsedSeconds > lastX ? elapsedSeconds : nextUp(lastX);
}
