import type { ExecutionStatus } from '../../protocol/index.js';
import type { ConnectionState } from '../live/connection.js';
import { useLive } from '../live/react.js';
import { runsWithLabelPath } from '../model/list-view.js';
import { Link } from '../router.js';

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

/** An execution's labels as chips, each a link to the runs table filtered by that label. */
export function Labels({ labels }: { labels: Record<string, string> }) {
  const entries = Object.entries(labels);
  if (entries.length === 0) return null;
  return (
    <span className="labels">
      {entries.map(([k, v]) => (
        <Link key={k} href={runsWithLabelPath(k, v)} className="label-chip" title={`All runs labelled ${k}: ${v}`} aria-label={`Runs labelled ${k}: ${v}`}>
          <span className="label-key">{k}</span>
          {v !== '' && <span className="label-value">{v}</span>}
        </Link>
      ))}
    </span>
  );
}
