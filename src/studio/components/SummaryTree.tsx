import { useState, type ReactNode } from 'react';
import type { SummaryObject, SummaryValue } from '../../protocol/index.js';
import { formatSummaryValue, isSummaryObject } from '../model/summary-tree.js';

/**
 * The "Summary" region: the execution's summary object as an expandable tree (each key shown by its full dotted path),
 * and beside it `chart`, the numeric summary values over time.
 */
export function SummaryTree({ summary, chart }: { summary: SummaryObject; chart?: ReactNode }) {
  const entries = Object.entries(summary);
  return (
    <section className={`panel summary${chart ? ' with-chart' : ''}`} role="region" aria-label="Summary">
      <div className="summary-tree-col">
        <header className="panel-head">
          <h3>Summary</h3>
        </header>
        {entries.length === 0 ? <p className="muted">No summary metrics yet.</p> : <SummaryRows entries={entries} prefix="" depth={0} />}
      </div>
      {chart}
    </section>
  );
}

function SummaryRows({ entries, prefix, depth }: { entries: [string, SummaryValue][]; prefix: string; depth: number }) {
  return (
    <ul className="summary-tree" role={depth === 0 ? 'tree' : 'group'}>
      {entries.map(([key, value]) => (
        <SummaryNode key={key} name={key} prefix={prefix} value={value} depth={depth} />
      ))}
    </ul>
  );
}

function SummaryNode({ name, prefix, value, depth }: { name: string; prefix: string; value: SummaryValue; depth: number }) {
  const [open, setOpen] = useState(depth < 2);
  const path = prefix ? `${prefix}.${name}` : name;
  const branch = isSummaryObject(value);
  const label = (
    <span className="summary-path" style={{ paddingLeft: depth * 16 }}>
      <span className="caret" aria-hidden="true">{branch ? (open ? '▾' : '▸') : ''}</span>
      {prefix && <span className="summary-prefix">{prefix}.</span>}
      <span className="summary-name">{name}</span>
    </span>
  );
  if (!isSummaryObject(value)) {
    return (
      <li role="treeitem" className="summary-leaf">
        {label}
        <span className={`summary-value ${typeof value}`}>{formatSummaryValue(value)}</span>
      </li>
    );
  }
  return (
    <li role="treeitem" aria-expanded={open}>
      <button type="button" className="summary-branch" onClick={() => setOpen(!open)}>
        {label}
        {!open && <span className="summary-value muted">{formatSummaryValue(value)}</span>}
      </button>
      {open && <SummaryRows entries={Object.entries(value)} prefix={path} depth={depth + 1} />}
    </li>
  );
}
