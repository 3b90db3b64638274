import {
  DEFAULT_SORT, EXECUTION_STATUSES, formatLabelFilter, formatSort, formatWhere, parseLabelFilter, parseSort, parseWhere,
  type ExecutionStatus, type LabelFilter, type ListSort, type WhereClause,
} from '../../protocol/index.js';

/**
 * The runs table's view, kept whole in the URL so a link reproduces it: filters (name, status, labels, summary
 * conditions), sort, shown columns and page. `?q=train&status=failed&label=model:r50&where=summary.acc>=0.9
 * &sort=-summary.acc&col=label:model&col=summary:acc&after=<cursor>&page=2`.
 */
export interface ListView {
  q: string;
  status: ExecutionStatus[];
  labels: LabelFilter[];
  where: WhereClause[];
  sort: ListSort;
  /** Extra columns: `label:<key>` or `summary:<path>`. */
  columns: ColumnId[];
  /** Cursor of the page shown (null: the first page). */
  after: string | null;
  /** 1-based page number shown next to the pager (the cursor is what selects the page). */
  page: number;
}

export type ColumnId = `label:${string}` | `summary:${string}`;

export const EMPTY_VIEW: ListView = { q: '', status: [], labels: [], where: [], sort: DEFAULT_SORT, columns: [], after: null, page: 1 };

function tryParse<T>(f: () => T): T | null {
  try {
    return f();
  } catch {
    return null;
  }
}

/** Reads the view from a search string; parts that do not parse are left out (a hand-edited link still opens). */
export function decodeListView(search: string): ListView {
  const p = new URLSearchParams(search);
  const status = p.getAll('status').flatMap((s) => s.split(',')).filter((s): s is ExecutionStatus => (EXECUTION_STATUSES as readonly string[]).includes(s));
  const labels = p.getAll('label').map((l) => tryParse(() => parseLabelFilter(l))).filter((l): l is LabelFilter => l !== null);
  const where = p.getAll('where').map((w) => tryParse(() => parseWhere(w))).filter((w): w is WhereClause => w !== null);
  const sortText = p.get('sort');
  const sort = (sortText && tryParse(() => parseSort(sortText))) || DEFAULT_SORT;
  const columns = p.getAll('col').filter((c): c is ColumnId => /^(label|summary):./.test(c));
  const page = Number(p.get('page'));
  const after = p.get('after');
  return {
    q: p.get('q') ?? '',
    status: [...new Set(status)],
    labels,
    where,
    sort,
    columns: [...new Set(columns)],
    after: after || null,
    page: after && Number.isInteger(page) && page > 1 ? page : 1,
  };
}

/** The view as a search string (defaults left out), e.g. `?sort=-summary.acc&col=summary:acc`. */
export function encodeListView(v: ListView): string {
  const p = new URLSearchParams();
  if (v.q) p.set('q', v.q);
  if (v.status.length) p.set('status', v.status.join(','));
  for (const l of v.labels) p.append('label', formatLabelFilter(l));
  for (const w of v.where) p.append('where', formatWhere(w));
  if (formatSort(v.sort) !== formatSort(DEFAULT_SORT)) p.set('sort', formatSort(v.sort));
  for (const c of v.columns) p.append('col', c);
  if (v.after) {
    p.set('after', v.after);
    p.set('page', String(v.page));
  }
  const s = p.toString().replace(/%3A/g, ':').replace(/%2C/g, ',');
  return s ? `?${s}` : '';
}

/** The runs table showing only runs with this label (`/?label=model:r50`): where a label on another page leads. */
export function runsWithLabelPath(key: string, value: string): string {
  return `/${encodeListView({ ...EMPTY_VIEW, labels: [{ key, value }] })}`;
}

/** The same view on its first page: any change of filter or sort starts from the top. */
export function firstPage(v: ListView): ListView {
  return { ...v, after: null, page: 1 };
}

/** The filters of a view, as the API's query parameters (no paging). */
export function filterParams(v: Pick<ListView, 'q' | 'status' | 'labels' | 'where'>): URLSearchParams {
  const p = new URLSearchParams();
  if (v.q.trim()) p.set('q', v.q.trim());
  if (v.status.length) p.set('status', v.status.join(','));
  for (const l of v.labels) p.append('label', formatLabelFilter(l));
  for (const w of v.where) p.append('where', formatWhere(w));
  return p;
}

/** One active filter, as a removable chip shows it. */
export interface FilterChip {
  text: string;
  /** The view without this filter. */
  without: (v: ListView) => ListView;
}

export function filterChips(v: ListView): FilterChip[] {
  const chips: FilterChip[] = [];
  if (v.q.trim()) chips.push({ text: `name contains “${v.q.trim()}”`, without: (x) => ({ ...x, q: '' }) });
  for (const s of v.status) chips.push({ text: `status: ${s}`, without: (x) => ({ ...x, status: x.status.filter((o) => o !== s) }) });
  for (const l of v.labels) {
    chips.push({ text: `${l.key}: ${l.value}`, without: (x) => ({ ...x, labels: x.labels.filter((o) => formatLabelFilter(o) !== formatLabelFilter(l)) }) });
  }
  for (const w of v.where) {
    chips.push({ text: `${w.path} ${w.op} ${w.value}`, without: (x) => ({ ...x, where: x.where.filter((o) => formatWhere(o) !== formatWhere(w)) }) });
  }
  return chips;
}

export function columnTitle(c: ColumnId): string {
  return c.slice(c.indexOf(':') + 1);
}

export function columnKind(c: ColumnId): 'label' | 'summary' {
  return c.startsWith('label:') ? 'label' : 'summary';
}

/** The sort a column header sets: its field, descending first for numbers and times, ascending first for names and labels. */
export function columnSort(column: 'name' | 'startedAt' | 'duration' | ColumnId): ListSort {
  if (column === 'name') return { field: 'name', desc: false };
  if (column === 'startedAt' || column === 'duration') return { field: column, desc: true };
  if (columnKind(column) === 'summary') return { field: 'summary', path: columnTitle(column), desc: true };
  return { field: 'label', path: columnTitle(column), desc: false };
}

/** The runs CSV of a view (`GET /api/executions.csv`): its filters, sort and extra columns, every matching run. */
export function runsCsvUrl(v: ListView): string {
  const p = filterParams(v);
  if (formatSort(v.sort) !== formatSort(DEFAULT_SORT)) p.set('sort', formatSort(v.sort));
  for (const c of v.columns) p.append('col', c);
  const s = p.toString();
  return `/api/executions.csv${s ? `?${s}` : ''}`;
}
