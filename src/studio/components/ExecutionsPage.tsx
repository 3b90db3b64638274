import { useInfiniteQuery } from '@tanstack/react-query';
import { useEffect, useMemo, useRef, useState } from 'react';
import { EXECUTION_STATUSES, type Execution, type ExecutionStatus } from '../../protocol/index.js';
import { listExecutions } from '../api/client.js';
import { useLive } from '../live/live-store.js';
import { executionSeconds, formatExecutionDuration, formatTimestamp } from '../model/format.js';
import { mergeExecutions } from '../model/list-merge.js';
import { compareSummaryValues, formatSummaryValue, getSummaryPath, summaryColumnKeys } from '../model/summary-tree.js';
import { executionPath } from '../model/url-state.js';
import { Link } from '../router.js';
import { Labels, StatusBadge } from './badges.js';
import { EmptyState } from './EmptyState.js';
import { useClock } from './use-now.js';

const PAGE_SIZE = 50;
const COLUMNS_KEY = 'plotline.summaryColumns';

interface Sort {
  /** A summary path, or null for the default order (newest first). */
  column: string | null;
  desc: boolean;
}

function loadColumns(): string[] {
  try {
    const v = JSON.parse(localStorage.getItem(COLUMNS_KEY) ?? '[]') as unknown;
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
  } catch {
    return [];
  }
}

export function ExecutionsPage() {
  const [q, setQ] = useState('');
  const [status, setStatus] = useState<ExecutionStatus[]>([]);
  const [columns, setColumns] = useState<string[]>(loadColumns);
  const [sort, setSort] = useState<Sort>({ column: null, desc: true });
  const filter = useMemo(() => ({ q: q.trim(), status }), [q, status]);
  const query = useInfiniteQuery({
    queryKey: ['executions', filter],
    queryFn: ({ pageParam, signal }) => listExecutions({ ...filter, limit: PAGE_SIZE, cursor: pageParam }, signal),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor,
  });
  const streamed = useLive((s) => s.executions);
  const fetched = useMemo(() => query.data?.pages.flatMap((p) => p.executions) ?? [], [query.data]);
  const rows = useMemo(() => {
    const merged = mergeExecutions(fetched, streamed, filter, !query.hasNextPage);
    if (sort.column === null) return merged;
    const col = sort.column;
    const dir = sort.desc ? -1 : 1;
    return [...merged].sort((a, b) => {
      const va = getSummaryPath(a.summary, col);
      const vb = getSummaryPath(b.summary, col);
      // Missing values stay last in both directions.
      if (va === undefined || vb === undefined) return compareSummaryValues(va, vb);
      return dir * compareSummaryValues(va, vb);
    });
  }, [fetched, streamed, filter, query.hasNextPage, sort]);
  const available = useMemo(() => summaryColumnKeys(rows), [rows]);
  const shownColumns = columns.filter((c) => available.includes(c));
  const now = useClock(rows.some((r) => r.status === 'running'));

  const toggleColumn = (c: string) => {
    const next = columns.includes(c) ? columns.filter((x) => x !== c) : [...columns, c];
    setColumns(next);
    localStorage.setItem(COLUMNS_KEY, JSON.stringify(next));
  };
  const toggleStatus = (s: ExecutionStatus) => setStatus((cur) => (cur.includes(s) ? cur.filter((x) => x !== s) : [...cur, s]));
  const sortBy = (column: string | null) =>
    setSort((cur) => (cur.column === column ? { column, desc: !cur.desc } : { column, desc: true }));
  const pickerRef = useRef<HTMLDetailsElement>(null);
  useEffect(() => {
    // The column menu closes on a click anywhere else or on Escape, like a menu.
    const close = (e: MouseEvent) => {
      const picker = pickerRef.current;
      if (picker?.open && !picker.contains(e.target as Node)) picker.open = false;
    };
    const escape = (e: KeyboardEvent) => {
      if (e.key === 'Escape' && pickerRef.current?.open) pickerRef.current.open = false;
    };
    document.addEventListener('mousedown', close);
    document.addEventListener('keydown', escape);
    return () => {
      document.removeEventListener('mousedown', close);
      document.removeEventListener('keydown', escape);
    };
  }, []);
  const filtered = filter.q !== '' || filter.status.length > 0;

  if (query.isSuccess && rows.length === 0 && !filtered) return <EmptyState />;

  return (
    <div className="page">
      <div className="list-head">
        <h1>Executions</h1>
        <div className="filters">
          <input type="search" placeholder="Filter by name…" aria-label="Filter by name" value={q} onChange={(e) => setQ(e.target.value)} />
          <div className="status-filter" role="group" aria-label="Filter by status">
            {EXECUTION_STATUSES.map((s) => (
              <button key={s} type="button" className={`chip${status.includes(s) ? ' on' : ''}`} aria-pressed={status.includes(s)} onClick={() => toggleStatus(s)}>
                {s}
              </button>
            ))}
          </div>
          {available.length > 0 && (
            <details className="column-picker" ref={pickerRef}>
              <summary>Columns{shownColumns.length > 0 ? ` (${shownColumns.length})` : ''}</summary>
              <div className="column-menu" role="group" aria-label="Summary columns">
                {available.map((c) => (
                  <label key={c}>
                    <input type="checkbox" checked={columns.includes(c)} onChange={() => toggleColumn(c)} /> {c}
                  </label>
                ))}
              </div>
            </details>
          )}
        </div>
      </div>
      {query.isError && <div className="error-box" role="alert">Could not load executions: {query.error.message}</div>}
      <div className="table-wrap">
        <table className="executions">
          <thead>
            <tr>
              <th>Name</th>
              <th>Labels</th>
              <th>
                <button type="button" className="th-sort" onClick={() => setSort({ column: null, desc: true })}>
                  Started{sort.column === null ? ' ↓' : ''}
                </button>
              </th>
              <th className="num">Duration</th>
              <th className="num">Metrics</th>
              {shownColumns.map((c) => (
                <th key={c} className="num summary-col" aria-sort={sort.column === c ? (sort.desc ? 'descending' : 'ascending') : 'none'}>
                  <button type="button" className="th-sort" onClick={() => sortBy(c)}>
                    {c}
                    {sort.column === c ? (sort.desc ? ' ↓' : ' ↑') : ''}
                  </button>
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {rows.map((e) => (
              <Row key={e.id} e={e} now={now} columns={shownColumns} />
            ))}
          </tbody>
        </table>
        {query.isPending && <p className="muted pad">Loading…</p>}
        {query.isSuccess && rows.length === 0 && <p className="muted pad">No executions match the filter.</p>}
      </div>
      {query.hasNextPage && (
        <button type="button" className="load-more" disabled={query.isFetchingNextPage} onClick={() => void query.fetchNextPage()}>
          {query.isFetchingNextPage ? 'Loading…' : 'Load more'}
        </button>
      )}
    </div>
  );
}

function Row({ e, now, columns }: { e: Execution; now: number; columns: string[] }) {
  return (
    <tr>
      <td className="name-cell">
        <Link href={executionPath(e.id)}>
          <StatusBadge status={e.status} /> <span className="exec-name">{e.name}</span>
        </Link>
      </td>
      <td><Labels labels={e.labels} /></td>
      <td className="muted nowrap">{formatTimestamp(e.startedAt, now)}</td>
      <td className="num nowrap">{formatExecutionDuration(executionSeconds(e, now))}</td>
      <td className="num">{e.metricCount}</td>
      {columns.map((c) => {
        const v = getSummaryPath(e.summary, c);
        return <td key={c} className="num">{v === undefined ? '' : formatSummaryValue(v)}</td>;
      })}
    </tr>
  );
}
