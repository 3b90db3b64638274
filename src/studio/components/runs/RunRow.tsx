import type { Execution } from '../../../protocol/index.js';
import { executionSeconds, formatExecutionDuration, formatTimestamp } from '../../model/format.js';
import { columnKind, columnTitle, type ColumnId } from '../../model/list-view.js';
import { formatSummaryValue, getSummaryPath } from '../../model/summary-tree.js';
import { executionPath } from '../../model/url-state.js';
import { Link } from '../../router.js';
import { StatusBadge } from '../badges.js';

export type SortableColumn = 'name' | 'startedAt' | 'duration' | ColumnId;

/** A failed run's error is shown in its row up to this many characters; the whole text is on hover. */
const ERROR_CHARS = 90;

interface Props {
  e: Execution;
  /** The short id that tells this run apart from the others shown (`shortIds`). */
  short: string;
  now: number;
  columns: readonly ColumnId[];
  selected: boolean;
  onSelect: () => void;
  onLabel: (key: string, value: string) => void;
}

/** A label as a chip that filters the table by it. */
export function LabelChip({ k, v, onClick, valueOnly = false }: { k: string; v: string; onClick: (key: string, value: string) => void; valueOnly?: boolean }) {
  return (
    <button
      type="button"
      className="label-chip clickable"
      title={`Show only runs labelled ${k}: ${v}`}
      aria-label={`${k} ${v}`}
      onClick={() => onClick(k, v)}
    >
      {valueOnly ? <span className="label-only">{v === '' ? '(empty)' : v}</span> : (
        <>
          <span className="label-key">{k}</span>
          {v !== '' && <span className="label-value">{v}</span>}
        </>
      )}
    </button>
  );
}

/** One execution in the runs table. Its name is told apart from runs of the same name by its short id (and start time). */
export function RunRow({ e, short, now, columns, selected, onSelect, onLabel }: Props) {
  const error = e.error ?? '';
  return (
    <tr className={selected ? 'selected' : undefined}>
      <td className="select-col">
        <input type="checkbox" aria-label={`Select ${e.name} #${short}`} checked={selected} onChange={onSelect} />
      </td>
      <td className="name-cell">
        <Link href={executionPath(e.id)}>
          <StatusBadge status={e.status} /> <span className="exec-name">{e.name}</span>
        </Link>
        <span className="run-id mono" title={e.id}>#{short}</span>
        {error !== '' && (
          <div className="row-error" title={error}>
            {error.length > ERROR_CHARS ? `${error.slice(0, ERROR_CHARS)}…` : error}
          </div>
        )}
      </td>
      <td>
        <span className="labels">
          {Object.entries(e.labels).map(([k, v]) => <LabelChip key={k} k={k} v={v} onClick={onLabel} />)}
        </span>
      </td>
      <td className="muted nowrap">{formatTimestamp(e.startedAt, now)}</td>
      <td className="num nowrap">{formatExecutionDuration(executionSeconds(e, now))}</td>
      <td className="num">{e.metricCount}</td>
      {columns.map((c) => {
        if (columnKind(c) === 'label') {
          const v = e.labels[columnTitle(c)];
          return <td key={c}>{v === undefined ? '' : <LabelChip k={columnTitle(c)} v={v} onClick={onLabel} valueOnly />}</td>;
        }
        const v = getSummaryPath(e.summary, columnTitle(c));
        return <td key={c} className="num">{v === undefined ? '' : formatSummaryValue(v)}</td>;
      })}
    </tr>
  );
}
