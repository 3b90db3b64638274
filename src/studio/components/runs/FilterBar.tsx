import { useState } from 'react';
import { parseWhere, ValidationError } from '../../../protocol/index.js';
import { filterChips, type ListView } from '../../model/list-view.js';

interface Props {
  view: ListView;
  onChange: (view: ListView) => void;
}

/** Every active filter as a removable chip, and a field to add a summary condition (`acc >= 0.9`). */
export function FilterBar({ view, onChange }: Props) {
  const [text, setText] = useState('');
  const [error, setError] = useState<string | null>(null);
  const chips = filterChips(view);
  const add = () => {
    const t = text.trim();
    if (t === '') return;
    try {
      const w = parseWhere(t.startsWith('summary.') ? t : `summary.${t}`);
      onChange({ ...view, where: [...view.where, w] });
      setText('');
      setError(null);
    } catch (e) {
      setError(e instanceof ValidationError ? e.rule : String(e));
    }
  };
  return (
    <div className="filter-bar" role="group" aria-label="Active filters">
      {chips.map((c) => (
        <span key={c.text} className="filter-chip">
          {c.text}
          <button type="button" aria-label={`Remove filter ${c.text}`} title="Remove this filter" onClick={() => onChange(c.without(view))}>✕</button>
        </span>
      ))}
      {chips.length > 1 && (
        <button type="button" className="link-button" onClick={() => onChange({ ...view, q: '', status: [], labels: [], where: [] })}>Clear all</button>
      )}
      <form
        className="where-form"
        onSubmit={(e) => {
          e.preventDefault();
          add();
        }}
      >
        <input
          type="text"
          placeholder="Add condition: acc >= 0.9"
          aria-label="Add a summary condition"
          aria-invalid={error !== null}
          value={text}
          onChange={(e) => setText(e.target.value)}
        />
      </form>
      {error && <span className="filter-error" role="alert">{error}</span>}
    </div>
  );
}
