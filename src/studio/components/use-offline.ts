import { useLive } from '../live/react.js';

/** When the live stream was lost (ms); one module-level record, so every component agrees on the moment. */
let lostAt: number | null = null;

/** Since when the live stream has been lost (ms), or null while it is connected (or still connecting the first time). */
export function useOfflineSince(): number | null {
  const state = useLive((s) => s.connection);
  const lost = state === 'reconnecting' || state === 'offline';
  if (!lost) lostAt = null;
  else lostAt ??= Date.now();
  return lostAt;
}
