import { useEffect, useState } from 'react';
import { useLive } from '../live/react.js';
import { useOfflineSince } from './use-offline.js';

/** The current time, refreshed every `ms` while `active` (durations of running executions tick). */
export function useNow(active: boolean, ms = 1000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!active) return;
    setNow(Date.now());
    const t = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(t);
  }, [active, ms]);
  return now;
}

/**
 * The time durations of running executions are measured to: `useNow` while the live stream is connected; while it is
 * not, the moment it was lost — what the page shows is as of then, so a ticking duration would pretend to be live.
 */
export function useClock(active: boolean): number {
  const since = useOfflineSince();
  const connected = useLive((s) => s.connection === 'live');
  const now = useNow(active && since === null && connected);
  return since ?? now;
}
