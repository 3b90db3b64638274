import { useEffect, useRef, useState } from 'react';
import type { ExecutionFields } from '../../../protocol/index.js';
import type { ColumnId } from '../../model/list-view.js';

interface Props {
  fields: ExecutionFields | undefined;
  columns: readonly ColumnId[];
  onToggle: (column: ColumnId) => void;
}

/** "Columns": a searchable menu of label keys and summary paths (over all executions) to show as table columns. */
export function ColumnMenu({ fields, columns, onToggle }: Props) {
  const ref = useRef<HTMLDetailsElement>(null);
  const [search, setSearch] = useState('');
  useEffect(() => {
    // Closes on a click anywhere else or on Escape, like a menu.
    const close = (e: MouseEvent) => {
      if (ref.current?.open && !ref.current.contains(e.target as Node)) ref.current.open = false;
    };
    const escape = (e: KeyboardEvent) => {
      if (e.key === 'Escape' && ref.current?.open) ref.current.open = false;
    };
    document.addEventListener('mousedown', close);
    document.addEventListener('keydown', escape);
    return () => {
      document.removeEventListener('mousedown', close);
      document.removeEventListener('keydown', escape);
    };
  }, []);
  const needle = search.trim().toLowerCase();
  const options: { id: ColumnId; kind: string; text: string }[] = [
    ...(fields?.labels ?? []).map((l) => ({ id: `label:${l.key}` as ColumnId, kind: 'label', text: l.key })),
    ...(fields?.summary ?? []).map((p) => ({ id: `summary:${p}` as ColumnId, kind: 'summary', text: p })),
  ].filter((o) => needle === '' || o.text.toLowerCase().includes(needle));
  return (
    <details className="column-picker" ref={ref}>
      <summary>Columns{columns.length > 0 ? ` (${columns.length})` : ''}</summary>
      <div className="column-menu" role="group" aria-label="Columns">
        <input type="search" className="column-search" placeholder="Search labels and summary…" aria-label="Search columns" value={search} onChange={(e) => setSearch(e.target.value)} autoFocus />
        {fields === undefined && <p className="muted pad">Loading…</p>}
        {fields !== undefined && options.length === 0 && <p className="muted column-none">No label or summary value matches.</p>}
        {options.map((o) => (
          <label key={o.id}>
            <input type="checkbox" checked={columns.includes(o.id)} onChange={() => onToggle(o.id)} />
            <span className={`column-kind ${o.kind}`}>{o.kind}</span> {o.text}
          </label>
        ))}
      </div>
    </details>
  );
}
