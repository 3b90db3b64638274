import { DEFAULT_SORT, formatSort } from '../../protocol/index.js';
import { decodeListCursor, encodeListCursor, type ListPosition } from './list-cursor.js';
import type { ListQuery } from './list-query.js';

/**
 * The executions list as SQL, for every SQL backend: keyset paging on (sort value, id) over the `executions` table and two
 * side tables every backend keeps in step with it, `summary_numbers (execution_id, path, value)` (every number of every
 * summary, by dotted path) and `execution_labels (execution_id, key, value)`. Each common sort reads an index in order
 * (`(path, value, execution_id)`, `(name_lower, id)`, `(duration expression, id)`, `(started_at, id)`), so a page costs the
 * same at any depth, and rows inserted meanwhile never shift a page. A summary (label) sort lists the rows with a number at
 * the path (that label) first, in the asked direction, then those without, newest first. Text compares byte-wise on every
 * backend.
 */

/** How a backend spells what differs. */
export interface SqlDialect {
  /** The n-th (1-based) parameter: `?` or `$n`. */
  param(n: number): string;
  /** `column` contains `param` as a substring. */
  contains(column: string, param: string): string;
  /** A text expression compared byte-wise (PostgreSQL: `COLLATE "C"`; SQLite's default already is). */
  bytes(expr: string): string;
}

export const SQLITE_DIALECT: SqlDialect = {
  param: () => '?',
  contains: (column, param) => `instr(${column}, ${param}) > 0`,
  bytes: (expr) => expr,
};

export const POSTGRES_DIALECT: SqlDialect = {
  param: (n) => `$${n}`,
  contains: (column, param) => `strpos(${column}, ${param}) > 0`,
  bytes: (expr) => `(${expr} COLLATE "C")`,
};

/** The duration of an execution in ms as the list sorts it (running: until last heard from). Indexed as written. */
export const DURATION_SQL = '(COALESCE(e.ended_at, e.last_seen_at) - e.started_at)';

export interface Sql {
  sql: string;
  params: unknown[];
}

/** The side table a summary or label sort reads in order, and its column naming the path or key. */
const SIDE_TABLES = {
  summary: { table: 'summary_numbers', key: 'path' },
  label: { table: 'execution_labels', key: 'key' },
} as const;

/** A row of a page: every `executions` column, plus the value it was sorted by. */
export type RankedRow = Record<string, unknown> & { id: string; sort_value: number | string };

class Builder {
  readonly params: unknown[] = [];
  constructor(readonly d: SqlDialect) {}
  p(v: unknown): string {
    this.params.push(v);
    return this.d.param(this.params.length);
  }
}

/** Filter conditions on `e` (status, name, labels, summary numbers), in the order their parameters are added. */
function filters(b: Builder, q: ListQuery): string[] {
  const where: string[] = [];
  if (q.status?.length) where.push(`e.status IN (${q.status.map((s) => b.p(s)).join(', ')})`);
  if (q.q) where.push(b.d.contains('e.name_lower', b.p(q.q.toLowerCase())));
  for (const l of q.labels ?? []) {
    where.push(`EXISTS (SELECT 1 FROM execution_labels l WHERE l.execution_id = e.id AND l.key = ${b.p(l.key)} AND l.value = ${b.p(l.value)})`);
  }
  for (const w of q.where ?? []) {
    // `op` is one of the five parsed operators, never client text.
    where.push(`EXISTS (SELECT 1 FROM summary_numbers w WHERE w.execution_id = e.id AND w.path = ${b.p(w.path)} AND w.value ${w.op} ${b.p(w.value)})`);
  }
  return where;
}

function whereOf(conditions: string[]): string {
  return conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : '';
}

/** The statements one page runs: rows with a sort value after the cursor, and (summary sorts) rows without one. */
export function listStatements(q: ListQuery, d: SqlDialect): { ordered: Sql | null; missing: Sql | null; pos: ListPosition | null; sortText: string } {
  const sort = q.sort ?? DEFAULT_SORT;
  const sortText = formatSort(sort);
  const pos = q.cursor ? decodeListCursor(q.cursor, sortText) : null;
  const dir = sort.desc ? 'DESC' : 'ASC';
  const cmp = sort.desc ? '<' : '>';
  const id = d.bytes('e.id');
  const want = q.limit + 1;
  let ordered: Sql | null = null;
  if (pos?.phase !== 'm') {
    const b = new Builder(d);
    if (sort.field !== 'summary' && sort.field !== 'label') {
      const col = sort.field === 'name' ? d.bytes('e.name_lower') : sort.field === 'duration' ? DURATION_SQL : 'e.started_at';
      const after = pos ? [`(${col}, ${id}) ${cmp} (${b.p(pos.value)}, ${b.p(pos.id)})`] : [];
      const where = whereOf([...after, ...filters(b, q)]);
      ordered = { sql: `SELECT e.*, ${col} AS sort_value FROM executions e ${where} ORDER BY ${col} ${dir}, ${id} ${dir} LIMIT ${b.p(want)}`, params: b.params };
    } else {
      const side = SIDE_TABLES[sort.field];
      const sid = d.bytes('s.execution_id');
      const value = sort.field === 'label' ? d.bytes('s.value') : 's.value';
      const conditions = [`s.${side.key} = ${b.p(sort.path)}`];
      if (pos) conditions.push(`(${value}, ${sid}) ${cmp} (${b.p(pos.value)}, ${b.p(pos.id)})`);
      const where = whereOf([...conditions, ...filters(b, q)]);
      ordered = {
        sql: `SELECT e.*, s.value AS sort_value FROM ${side.table} s JOIN executions e ON e.id = s.execution_id ${where}
          ORDER BY ${value} ${dir}, ${sid} ${dir} LIMIT ${b.p(want)}`,
        params: b.params,
      };
    }
  }
  let missing: Sql | null = null;
  if (sort.field === 'summary' || sort.field === 'label') {
    const side = SIDE_TABLES[sort.field];
    const b = new Builder(d);
    const conditions = [`NOT EXISTS (SELECT 1 FROM ${side.table} s WHERE s.execution_id = e.id AND s.${side.key} = ${b.p(sort.path)})`];
    if (pos?.phase === 'm') conditions.push(`(e.started_at, ${id}) < (${b.p(pos.value)}, ${b.p(pos.id)})`);
    const where = whereOf([...conditions, ...filters(b, q)]);
    // The LIMIT is the caller's: what the first statement left of the page.
    missing = { sql: `SELECT e.*, e.started_at AS sort_value FROM executions e ${where} ORDER BY e.started_at DESC, ${id} DESC LIMIT ${b.p(want)}`, params: b.params };
  }
  return { ordered, missing, pos, sortText };
}

/**
 * One page of `q`, running the statements with `run` (rows as the backend returns them). The second statement runs only
 * when the first did not fill the page; its LIMIT parameter (the last) is lowered to what is left.
 */
export async function listPage<Row>(q: ListQuery, d: SqlDialect, run: (s: Sql) => Promise<RankedRow[]> | RankedRow[]): Promise<{ rows: Row[]; nextCursor: string | null }> {
  const { ordered, missing, sortText } = listStatements(q, d);
  const want = q.limit + 1;
  let rows: (RankedRow & { phase: 'v' | 'm' })[] = ordered ? (await run(ordered)).map((r) => ({ ...r, phase: 'v' as const })) : [];
  if (missing && rows.length < want) {
    const params = [...missing.params.slice(0, -1), want - rows.length];
    rows = [...rows, ...(await run({ sql: missing.sql, params })).map((r) => ({ ...r, phase: 'm' as const }))];
  }
  const page = rows.slice(0, q.limit);
  const last = page[page.length - 1];
  return {
    rows: page as unknown as Row[],
    nextCursor: rows.length > q.limit && last
      ? encodeListCursor({ phase: last.phase, value: typeof last.sort_value === 'string' ? last.sort_value : Number(last.sort_value), id: last.id, sort: sortText })
      : null,
  };
}
