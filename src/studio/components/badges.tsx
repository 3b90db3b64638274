import type { ExecutionStatus } from '../../protocol/index.js';
import type { ConnectionState } from '../live/connection.js';
import { useLive } from '../live/react.js';

export function StatusBadge({ status }: { status: ExecutionStatus }) {
  return <span className={`status status-${status}`}>{status}</span>;
}

const CONNECTION_TEXT: Record<ConnectionState, string> = {
  connecting: 'Connecting…',
  live: 'Live',
  reconnecting: 'Reconnecting…',
  offline: 'Offline',
};

/** The stream's state, always visible: users must know whether what they see is current. */
export function ConnectionBadge() {
  const state = useLive((s) => s.connection);
  return (
    <span className={`connection connection-${state}`} role="status" aria-live="polite" title="Live stream connection">
      <span className="dot" />
      {CONNECTION_TEXT[state]}
    </span>
  );
}

export function Labels({ labels }: { labels: Record<string, string> }) {
  const entries = Object.entries(labels);
  if (entries.length === 0) return null;
  return (
    <span className="labels">
      {entries.map(([k, v]) => (
        <span key={k} className="label-chip">
          <span className="label-key">{k}</span>
          {v !== '' && <span className="label-value">{v}</span>}
        </span>
      ))}
    </span>
  );
}
