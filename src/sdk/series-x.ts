/** x sequencing of one series: x must strictly increase, as the server requires. Pure. */
import { LIMITS } from '../protocol/limits.js';

const f64 = new Float64Array(1);
const i64 = new BigInt64Array(f64.buffer);

/** The largest |x| a point may have (2^53): the server refuses larger ones by name, so the SDK refuses and counts them. */
export const MAX_ABS_X = LIMITS.maxAbsX;

/** Why an explicit `at` can never be an x, or null when it can: not finite, or beyond ±2^53. */
export function badX(at: number): string | null {
  if (!Number.isFinite(at)) return 'is not a finite number';
  return Math.abs(at) > MAX_ABS_X ? 'is beyond ±2^53, where integers lose precision' : null;
}

/** The largest double smaller than `x` (for finite x). */
export function nextDown(x: number): number {
  return -nextUp(-x);
}

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
