import { keepPreviousData, useQuery, useQueryClient } from '@tanstack/react-query';
import { Fragment, useEffect, useMemo, useState } from 'react';
import { DEFAULT_SORT, EXECUTION_STATUSES, formatSort, runsFileName, sameSort, type Execution, type ExecutionStatus, type ListSort } from '../../protocol/index.js';
import { getExecutionFields, listExecutions } from '../api/client.js';
import { useLive } from '../live/react.js';
import { comparePath, MAX_COMPARE_RUNS, shortIds } from '../model/compare.js';
import { mergeExecutions, refreshPage } from '../model/list-merge.js';
import { columnKind, columnSort, columnTitle, decodeListView, encodeListView, filterParams, firstPage, runsCsvUrl, type ColumnId, type ListView } from '../model/list-view.js';
import { navigate, useLocation } from '../router.js';
import { EmptyState } from './EmptyState.js';
import { ColumnMenu } from './runs/ColumnMenu.js';
import { DeleteDialog } from './runs/DeleteDialog.js';
import { FilterBar } from './runs/FilterBar.js';
import { RunRow, type SortableColumn } from './runs/RunRow.js';
import { useClock } from './use-now.js';
import './runs/runs.css';

const PAGE_SIZE = 50;
/** "Select all matching" stops here (the API's largest page). */
const SELECT_ALL_LIMIT = 1000;

/** Where "Previous" goes from a page reached by "Next": cursor of a page → cursor of the page before it. */
const previousCursor = new Map<string, string | null>();

function sortParams(view: ListView): URLSearchParams {
  const p = filterParams(view);
  if (!sameSort(view.sort, DEFAULT_SORT)) p.set('sort', formatSort(view.sort));
  // Only the summary values of the shown columns travel with the list (an empty `summary=` asks for none).
  const paths = view.columns.filter((c) => columnKind(c) === 'summary').map(columnTitle);
  if (paths.length === 0) p.set('summary', '');
  for (const path of paths) p.append('summary', path);
  return p;
}

/**
 * `/`: the runs table as a server-side query. Filters (name, status, label chips, summary conditions), sort by any column
 * and the shown columns are all in the URL; rows are selected with checkboxes to compare or delete them. Streamed changes
 * update rows in place; new executions appear at the top of the default order's first page.
 */
export function ExecutionsPage() {
  const { search } = useLocation();
  const view = useMemo(() => decodeListView(search), [search]);
  const setView = (v: ListView, replace = false) => navigate(`/${encodeListView(v)}`, { replace });
  const changeFilter = (v: ListView) => setView(firstPage(v));
  const params = useMemo(() => sortParams(view), [view]);
  const paramsKey = params.toString();
  const queryClient = useQueryClient();
  const query = useQuery({
    queryKey: ['executions', paramsKey, view.after],
    queryFn: ({ signal }) => listExecutions(params, { limit: PAGE_SIZE, cursor: view.after }, signal),
    placeholderData: keepPreviousData,
  });
  const fields = useQuery({ queryKey: ['execution-fields'], queryFn: ({ signal }) => getExecutionFields(signal), staleTime: 30_000 });
  const streamed = useLive((s) => s.executions);
  const deleted = useLive((s) => s.deleted);
  const filter = useMemo(() => ({ q: view.q.trim(), status: view.status, labels: view.labels, where: view.where }), [view]);
  const defaultOrder = sameSort(view.sort, DEFAULT_SORT) && view.after === null;
  const rows = useMemo(() => {
    const page = query.data?.executions ?? [];
    return defaultOrder ? mergeExecutions(page, streamed, filter, !query.data?.nextCursor, deleted) : refreshPage(page, streamed, filter, deleted);
  }, [query.data, streamed, deleted, filter, defaultOrder]);
  const now = useClock(rows.some((r) => r.status === 'running'));
  const short = useMemo(() => shortIds(rows.map((r) => r.id)), [rows]);
  const [selected, setSelected] = useState<ReadonlyMap<string, Execution>>(() => new Map());
  const [confirming, setConfirming] = useState<Execution[] | null>(null);
  const [selectingAll, setSelectingAll] = useState(false);
  const [q, setQ] = useState(view.q);
  useEffect(() => setQ(view.q), [view.q]);
  useEffect(() => {
    document.title = 'Executions · Plotline';
  }, []);
  useEffect(() => {
    // Executions deleted elsewhere leave the selection.
    if ([...selected.keys()].some((id) => deleted[id])) setSelected((s) => new Map([...s].filter(([id]) => !deleted[id])));
  }, [deleted, selected]);

  const filtered = filter.q !== '' || filter.status.length > 0 || filter.labels.length > 0 || filter.where.length > 0;
  if (query.isSuccess && rows.length === 0 && !filtered && view.after === null) return <EmptyState />;

  const toggleStatus = (s: ExecutionStatus) =>
    changeFilter({ ...view, status: view.status.includes(s) ? view.status.filter((x) => x !== s) : [...view.status, s] });
  const toggleColumn = (c: ColumnId) =>
    setView({ ...view, columns: view.columns.includes(c) ? view.columns.filter((x) => x !== c) : [...view.columns, c] }, true);
  const sortBy = (column: SortableColumn) => {
    const base = columnSort(column);
    const next: ListSort = sameSort({ ...base, desc: view.sort.desc }, view.sort) ? { ...view.sort, desc: !view.sort.desc } : base;
    setView(firstPage({ ...view, sort: next }));
  };
  const filterByLabel = (key: string, value: string) => {
    if (view.labels.some((l) => l.key === key && l.value === value)) return;
    changeFilter({ ...view, labels: [...view.labels, { key, value }] });
  };
  const toggleRow = (e: Execution) =>
    setSelected((s) => {
      const next = new Map(s);
      if (!next.delete(e.id)) next.set(e.id, e);
      return next;
    });
  const allOnPage = rows.length > 0 && rows.every((r) => selected.has(r.id));
  const togglePage = () =>
    setSelected((s) => {
      const next = new Map(s);
      for (const r of rows) {
        if (allOnPage) next.delete(r.id);
        else next.set(r.id, r);
      }
      return next;
    });
  const selectAllMatching = async () => {
    setSelectingAll(true);
    try {
      const next = new Map(selected);
      let cursor: string | null = null;
      do {
        const page = await listExecutions(params, { limit: SELECT_ALL_LIMIT, cursor });
        for (const e of page.executions) if (next.size < SELECT_ALL_LIMIT || next.has(e.id)) next.set(e.id, e);
        cursor = page.nextCursor;
      } while (cursor && next.size < SELECT_ALL_LIMIT);
      setSelected(next);
    } finally {
      setSelectingAll(false);
    }
  };
  const nextPage = () => {
    const cursor = query.data?.nextCursor;
    if (!cursor) return;
    previousCursor.set(cursor, view.after);
    setView({ ...view, after: cursor, page: view.page + 1 });
  };
  const prevPage = () => {
    const before = view.after ? previousCursor.get(view.after) : undefined;
    setView(before ? { ...view, after: before, page: view.page - 1 } : firstPage(view));
  };
  const headerCell = (column: SortableColumn, text: string, className = '') => {
    const sort = columnSort(column);
    const active = sameSort({ ...sort, desc: view.sort.desc }, view.sort);
    return (
      <th className={className} aria-sort={active ? (view.sort.desc ? 'descending' : 'ascending') : 'none'}>
        <button type="button" className="th-sort" onClick={() => sortBy(column)} title={`Sort by ${text}`}>
          {text}
          {active ? (view.sort.desc ? ' ↓' : ' ↑') : ''}
        </button>
      </th>
    );
  };
  const selectedList = [...selected.values()];

  return (
    <div className="page">
      <div className="list-head">
        <h1>Executions</h1>
        <div className="filters">
          <form onSubmit={(e) => e.preventDefault()}>
            <input
              type="search"
              placeholder="Filter by name…"
              aria-label="Filter by name"
              value={q}
              onChange={(e) => {
                setQ(e.target.value);
                setView(firstPage({ ...view, q: e.target.value }), true);
              }}
            />
          </form>
          <div className="status-filter" role="group" aria-label="Filter by status">
            {EXECUTION_STATUSES.map((s) => (
              <button key={s} type="button" className={`chip${view.status.includes(s) ? ' on' : ''}`} aria-pressed={view.status.includes(s)} onClick={() => toggleStatus(s)}>
                {s}
              </button>
            ))}
          </div>
          <ColumnMenu fields={fields.data} columns={view.columns} onToggle={toggleColumn} />
          <a className="button runs-csv" href={runsCsvUrl(view)} download={runsFileName(view)} title="Every run matching the filters, with the shown columns">
            Download CSV
          </a>
        </div>
      </div>
      <FilterBar view={view} onChange={changeFilter} />
      <div className="selection-bar" role="toolbar" aria-label="Selection">
        <span className="muted">{selected.size === 0 ? 'Select runs to compare or delete them.' : `${selected.size} selected`}</span>
        <button type="button" className="button" disabled={selectingAll || rows.length === 0} onClick={() => void selectAllMatching()}>
          {selectingAll ? 'Selecting…' : 'Select all matching'}
        </button>
        {selected.size > 0 && (
          <>
            <button
              type="button"
              className="button primary"
              disabled={selected.size > MAX_COMPARE_RUNS}
              title={selected.size > MAX_COMPARE_RUNS ? `Compare takes up to ${MAX_COMPARE_RUNS} runs` : 'Overlay the selected runs'}
              onClick={() => navigate(comparePath(selectedList.map((e) => e.id)))}
            >
              Compare
            </button>
            <button type="button" className="button danger" onClick={() => setConfirming(selectedList)}>Delete…</button>
            <button type="button" className="link-button" onClick={() => setSelected(new Map())}>Clear selection</button>
          </>
        )}
      </div>
      {query.isError && <div className="error-box" role="alert">Could not load executions: {query.error.message}</div>}
      <div className="table-wrap">
        <table className="executions">
          <thead>
            <tr>
              <th className="select-col">
                <input type="checkbox" aria-label="Select all on this page" checked={allOnPage} onChange={togglePage} />
              </th>
              {headerCell('name', 'Name')}
              <th>Labels</th>
              {headerCell('startedAt', 'Started')}
              {headerCell('duration', 'Duration', 'num')}
              <th className="num">Metrics</th>
              {view.columns.map((c) => (
                <Fragment key={c}>{headerCell(c, columnTitle(c), columnKind(c) === 'summary' ? 'num summary-col' : 'summary-col')}</Fragment>
              ))}
            </tr>
          </thead>
          <tbody>
            {rows.map((e) => (
              <RunRow key={e.id} e={e} short={short.get(e.id)!} now={now} columns={view.columns} selected={selected.has(e.id)} onSelect={() => toggleRow(e)} onLabel={filterByLabel} />
            ))}
          </tbody>
        </table>
        {query.isPending && <p className="muted pad">Loading…</p>}
        {query.isSuccess && rows.length === 0 && <p className="muted pad">No executions match the filter.</p>}
      </div>
      {(view.after !== null || query.data?.nextCursor) && (
        <nav className="pager" aria-label="Pages">
          <button type="button" className="button" disabled={view.after === null} onClick={prevPage}>← Previous</button>
          <span className="muted">Page {view.page}</span>
          <button type="button" className="button" disabled={!query.data?.nextCursor || query.isFetching} onClick={nextPage}>Next →</button>
        </nav>
      )}
      {confirming && (
        <DeleteDialog
          executions={confirming}
          onClose={(ids) => {
            setConfirming(null);
            if (ids.length === 0) return;
            setSelected((s) => new Map([...s].filter(([id]) => !ids.includes(id))));
            void queryClient.invalidateQueries({ queryKey: ['executions'] });
            void queryClient.invalidateQueries({ queryKey: ['execution-fields'] });
          }}
        />
      )}
    </div>
  );
}
