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

/** The unit a number that is not a plausible time in milliseconds most likely is, as a hint (or ''). */
function unitHint(v: number, now: number): string {
  for (const [factor, unit] of [[1e-3, 'seconds'], [1e3, 'microseconds'], [1e6, 'nanoseconds']] as const) {
    const ms = v / factor;
    if (ms >= EARLIEST_TIME_MS && ms <= now + MAX_TIME_AHEAD_MS) return `; it looks like ${unit}`;
  }
  return '';
}

/** The rule `ms` breaks as a time in milliseconds (`now` is the clock in ms), or null when it is plausible. */
export function timeProblem(ms: number, now: number): string | null {
  const rule = 'must be a time in milliseconds since the Unix epoch';
  if (!Number.isFinite(ms) || Math.abs(ms) > MAX_DATE_MS) return `${rule} (got ${ms}, outside the range of dates${unitHint(ms, now)})`;
  if (ms < EARLIEST_TIME_MS) return `${rule}, not before 2000 (got ${ms}${unitHint(ms, now)})`;
  if (ms > now + MAX_TIME_AHEAD_MS) return `${rule}, at most a day ahead of the server clock (got ${ms}${unitHint(ms, now)})`;
  return null;
}

/** True when `ms` is a plausible time in milliseconds (see `timeProblem`). */
export function isPlausibleTime(ms: number, now: number): boolean {
  return timeProblem(ms, now) === null;
}

/**
 * How long an execution ran, in seconds: until it ended; a `lost` one until it was last seen; a running one until `now` (ms),
 * which the caller stops while the studio is offline. Null when a time it needs is not a plausible time.
 */
export function executionSeconds(
  e: { startedAt: number; endedAt: number | null; lastSeenAt?: number; status?: string },
  now: number,
): number | null {
  const end = e.endedAt ?? (e.status === 'lost' && e.lastSeenAt !== undefined ? e.lastSeenAt : now);
  if (!isPlausibleTime(e.startedAt, now) || !isPlausibleTime(end, Math.max(now, end))) return null;
  return Math.max(0, (end - e.startedAt) / 1000);
}
