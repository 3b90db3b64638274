import { useState } from 'react';
import type { Execution, Labels } from '../../../protocol/index.js';
import { patchExecution } from '../../api/client.js';

interface Props {
  execution: Execution;
}

type Row = { key: string; value: string };

function rowsOf(labels: Labels): Row[] {
  return Object.entries(labels).map(([key, value]) => ({ key, value }));
}

/**
 * The execution's note, and an editor for its labels and note (`PATCH /api/executions/:id`). The saved execution comes
 * back on the stream, so every open page shows the change.
 */
export function InfoEditor({ execution }: Props) {
  const [editing, setEditing] = useState(false);
  const [rows, setRows] = useState<Row[]>([]);
  const [note, setNote] = useState('');
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const open = () => {
    setRows([...rowsOf(execution.labels), { key: '', value: '' }]);
    setNote(execution.note ?? '');
    setError(null);
    setEditing(true);
  };
  const save = async () => {
    const labels: Labels = {};
    for (const r of rows) {
      const key = r.key.trim();
      if (key === '') continue;
      if (key in labels) {
        setError(`label "${key}" is given twice`);
        return;
      }
      labels[key] = r.value;
    }
    setSaving(true);
    try {
      await patchExecution(execution.id, { labels, note: note.trim() === '' ? null : note });
      setEditing(false);
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setSaving(false);
    }
  };
  const setRow = (i: number, change: Partial<Row>) => setRows((rs) => rs.map((r, j) => (j === i ? { ...r, ...change } : r)));

  if (!editing) {
    return (
      <div className="exec-info">
        {execution.note && <p className="exec-note" aria-label="Note">{execution.note}</p>}
        <button type="button" className="link-button" onClick={open}>Edit labels and note</button>
      </div>
    );
  }
  return (
    <form
      className="info-editor"
      aria-label="Edit labels and note"
      onSubmit={(e) => {
        e.preventDefault();
        void save();
      }}
    >
      <fieldset>
        <legend>Labels</legend>
        {rows.map((r, i) => (
          <div key={i} className="label-row">
            <input aria-label={`Label ${i + 1} key`} placeholder="key" value={r.key} onChange={(e) => setRow(i, { key: e.target.value })} />
            <input aria-label={`Label ${i + 1} value`} placeholder="value" value={r.value} onChange={(e) => setRow(i, { value: e.target.value })} />
            <button type="button" className="chip" aria-label={`Remove label ${r.key || i + 1}`} onClick={() => setRows((rs) => rs.filter((_, j) => j !== i))}>✕</button>
          </div>
        ))}
        <button type="button" className="link-button" onClick={() => setRows((rs) => [...rs, { key: '', value: '' }])}>Add label</button>
      </fieldset>
      <label className="note-field">
        Note
        <textarea rows={3} value={note} onChange={(e) => setNote(e.target.value)} placeholder="What was this run about? What did you learn?" />
      </label>
      {error && <div className="error-box" role="alert">{error}</div>}
      <div className="confirm-actions">
        <button type="button" className="button" disabled={saving} onClick={() => setEditing(false)}>Cancel</button>
        <button type="submit" className="button primary" disabled={saving}>{saving ? 'Saving…' : 'Save'}</button>
      </div>
    </form>
  );
}
