import { useEffect, useRef, useState } from 'react';
import type { Execution } from '../../../protocol/index.js';
import { deleteExecution } from '../../api/client.js';

interface Props {
  executions: Execution[];
  onClose: (deletedIds: string[]) => void;
}

const NAMED = 5;

/**
 * Confirms a delete, saying exactly what goes: how many executions, the first few by name, and that their metrics, points
 * and summaries go with them. Deletes one by one and reports any that failed.
 */
export function DeleteDialog({ executions, onClose }: Props) {
  const ref = useRef<HTMLDialogElement>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    ref.current?.showModal();
  }, []);
  const n = executions.length;
  const what = `${n} execution${n === 1 ? '' : 's'}`;
  const run = async () => {
    setBusy(true);
    const done: string[] = [];
    const failed: string[] = [];
    for (const e of executions) {
      try {
        await deleteExecution(e.id);
        done.push(e.id);
      } catch (err) {
        failed.push(`${e.name}: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    setBusy(false);
    if (failed.length === 0) onClose(done);
    else setError(`${done.length} deleted; ${failed.length} could not be deleted — ${failed.join('; ')}`);
  };
  return (
    <dialog ref={ref} className="confirm-dialog" aria-label={`Delete ${what}`} onCancel={(e) => { e.preventDefault(); if (!busy) onClose([]); }}>
      <h2>Delete {what}?</h2>
      <p>
        This removes {n === 1 ? 'it' : 'them'} for good, with every metric, point and summary value recorded in {n === 1 ? 'it' : 'them'}:
      </p>
      <ul className="confirm-list">
        {executions.slice(0, NAMED).map((e) => (
          <li key={e.id}><strong>{e.name}</strong> <span className="muted mono">#{e.id}</span></li>
        ))}
        {n > NAMED && <li className="muted">and {n - NAMED} more</li>}
      </ul>
      {error && <div className="error-box" role="alert">{error}</div>}
      <div className="confirm-actions">
        <button type="button" className="button" disabled={busy} onClick={() => onClose([])}>Cancel</button>
        <button type="button" className="button danger" disabled={busy} onClick={() => void run()}>{busy ? 'Deleting…' : `Delete ${what}`}</button>
      </div>
    </dialog>
  );
}
