import { useLive } from '../live/react.js';
import { formatTimestamp } from '../model/format.js';
import { useOfflineSince } from './use-offline.js';

/** While the live stream is lost: a banner on every page saying since when, and that what is shown is as of then. */
export function OfflineBanner() {
  const state = useLive((s) => s.connection);
  const since = useOfflineSince();
  if (since === null) return null;
  const at = formatTimestamp(since).replace(/^.*, /, '');
  return (
    <div className={`offline-banner offline-banner-${state}`} role="alert">
      <strong>{state === 'offline' ? 'Offline' : 'Connection lost'}</strong> since {at} — the server cannot be reached. Data and
      durations shown are as of then; the page reconnects by itself.
    </div>
  );
}
