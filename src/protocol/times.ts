/**
 * Times on the wire (`startedAt`, `endedAt`) are milliseconds since the Unix epoch. A value that is not a plausible time in
 * milliseconds — before 2000, more than a day ahead of the clock, or outside JavaScript's date range — is most often seconds
 * or nanoseconds sent by mistake; the server refuses it and the studio shows one an older store still holds as invalid.
 */

/** 2000-01-01T00:00:00Z in milliseconds. */
export const EARLIEST_TIME_MS = Date.UTC(2000, 0, 1);
/** How far ahead of the clock a time may be (clock skew between machines). */
export const MAX_TIME_AHEAD_MS = 24 * 3600 * 1000;
/** The largest |ms| a JavaScript Date can hold (±100,000,000 days). */
export const MAX_DATE_MS = 8.64e15;

/** The rule `ms` breaks as a time in milliseconds (`now` is the clock in ms), or null when it is plausible. */
export function timeProblem(ms: number, now: number): string | null {
  if (!Number.isFinite(ms) || Math.abs(ms) > MAX_DATE_MS) return `must be a time in milliseconds since the Unix epoch (got ${ms}, outside the range of dates)`;
  if (ms < EARLIEST_TIME_MS) {
    const hint = ms > 0 && ms * 1000 >= EARLIEST_TIME_MS ? '; it looks like seconds' : '';
    return `must be a time in milliseconds since the Unix epoch, not before 2000 (got ${ms}${hint})`;
  }
  if (ms > now + MAX_TIME_AHEAD_MS) {
    const hint = ms / 1e6 <= now + MAX_TIME_AHEAD_MS && ms / 1e6 >= EARLIEST_TIME_MS ? '; it looks like nanoseconds' : ms / 1e3 <= now + MAX_TIME_AHEAD_MS && ms / 1e3 >= EARLIEST_TIME_MS ? '; it looks like microseconds' : '';
    return `must be a time in milliseconds since the Unix epoch, at most a day ahead of the server clock (got ${ms}${hint})`;
  }
  return null;
}

/** True when `ms` is a plausible time in milliseconds (see `timeProblem`). */
export function isPlausibleTime(ms: number, now: number): boolean {
  return timeProblem(ms, now) === null;
}
