import type Database from 'better-sqlite3';
import { DEFAULT_SORT, formatSort, type ExecutionFields, type Labels, type SummaryObject } from '../../protocol/index.js';
import { decodeListCursor, encodeListCursor, type ListPosition } from '../list/list-cursor.js';
import type { ListQuery } from '../list/list-query.js';
import { summaryNumbers } from '../list/summary-numbers.js';

/**
 * The executions list as an indexed query on SQLite. Two side tables make filters and sorts index lookups rather than
 * JSON scans: `summary_numbers` (every number of every summary by dotted path) and `execution_labels`. Sorting is keyset
 * paging on (sort value, id), each common sort backed by an index, so a page costs the same at row 50 or 99,950 and
 * rows inserted meanwhile never shift a page (no duplicates, no skips). A summary sort lists the rows with a number at
 * that path first (in the asked direction), then those without one, newest first.
 */
const SCHEMA = `
CREATE TABLE IF NOT EXISTS summary_numbers (
  execution_id TEXT NOT NULL,
  path TEXT NOT NULL,
  value REAL NOT NULL,
  PRIMARY KEY (execution_id, path)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS summary_numbers_sorted ON summary_numbers (path, value, execution_id);
CREATE TABLE IF NOT EXISTS execution_labels (
  execution_id TEXT NOT NULL,
  key TEXT NOT NULL,
  value TEXT NOT NULL,
  PRIMARY KEY (execution_id, key)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS execution_labels_by_value ON execution_labels (key, value, execution_id);
CREATE INDEX IF NOT EXISTS executions_by_name ON executions (name_lower, id);
CREATE INDEX IF NOT EXISTS executions_by_duration ON executions ((COALESCE(ended_at, last_seen_at) - started_at), id);
`;

/** SQL of each plain sort's value (the duration expression is the indexed one, written the same way). */
const SORT_COLUMNS = {
  startedAt: 'e.started_at',
  name: 'e.name_lower',
  duration: '(COALESCE(e.ended_at, e.last_seen_at) - e.started_at)',
} as const;

/** The fields of an execution the list indexes read. */
export interface IndexedExecution {
  id: string;
  labels: Labels;
  summary: SummaryObject;
}

/** Label values listed per key by `fields()`. */
const VALUES_PER_LABEL = 50;
/** `fields()` is recomputed at most this often while executions keep changing. */
const FIELDS_TTL_MS = 5000;

export class SqliteListIndex {
  private readonly statements = new Map<string, Database.Statement<unknown[], Record<string, unknown>>>();
  private fieldsCache: { at: number; fields: ExecutionFields } | null = null;
  private readonly sql;

  constructor(private readonly db: Database.Database) {
    const existed = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'summary_numbers'").get() !== undefined;
    db.exec(SCHEMA);
    const columns = db.prepare<[], { name: string }>('PRAGMA table_info(executions)').all().map((c) => c.name);
    if (!columns.includes('note')) db.exec('ALTER TABLE executions ADD COLUMN note TEXT');
    this.sql = {
      clearNumbers: db.prepare<[string]>('DELETE FROM summary_numbers WHERE execution_id = ?'),
      addNumber: db.prepare<[string, string, number]>('INSERT INTO summary_numbers (execution_id, path, value) VALUES (?, ?, ?)'),
      clearLabels: db.prepare<[string]>('DELETE FROM execution_labels WHERE execution_id = ?'),
      addLabel: db.prepare<[string, string, string]>('INSERT INTO execution_labels (execution_id, key, value) VALUES (?, ?, ?)'),
      labelValues: db.prepare<[], { key: string; value: string; n: number }>(
        'SELECT key, value, COUNT(*) AS n FROM execution_labels GROUP BY key, value ORDER BY key, n DESC, value'),
      paths: db.prepare<[], { path: string }>('SELECT DISTINCT path FROM summary_numbers ORDER BY path'),
    };
    // A store written before these tables existed: index what it holds, once.
    if (!existed) {
      db.transaction(() => {
        const rows = db.prepare<[], { id: string; labels: string; summary: string }>('SELECT id, labels, summary FROM executions').iterate();
        for (const r of rows) this.index({ id: r.id, labels: JSON.parse(r.labels) as Labels, summary: JSON.parse(r.summary) as SummaryObject }, true, true);
      })();
    }
  }

  /** Keeps the indexes of one execution in step with its row; call inside the transaction that writes the row. */
  index(row: IndexedExecution, labelsChanged: boolean, summaryChanged: boolean): void {
    if (labelsChanged) {
      this.sql.clearLabels.run(row.id);
      for (const [k, v] of Object.entries(row.labels)) this.sql.addLabel.run(row.id, k, v);
    }
    if (summaryChanged) {
      this.sql.clearNumbers.run(row.id);
      for (const [path, value] of summaryNumbers(row.summary)) this.sql.addNumber.run(row.id, path, value);
    }
    if (labelsChanged || summaryChanged) this.fieldsCache = null;
  }

  /** Forgets an execution's index entries (its row is deleted by the caller). */
  forget(id: string): void {
    this.sql.clearLabels.run(id);
    this.sql.clearNumbers.run(id);
    this.fieldsCache = null;
  }

  /** Rows of one page (each with every `executions` column) and the cursor of the next. */
  list<Row>(q: ListQuery): { rows: Row[]; nextCursor: string | null } {
    const { sortText, pos } = this.position(q);
    const want = q.limit + 1;
    const ordered = this.orderedSql(q, pos);
    let rows: (Ranked & { phase: 'v' | 'm' })[] = pos?.phase === 'm' ? [] : this.all<Ranked>(ordered.sql, [...ordered.params, want]).map((r) => ({ ...r, phase: 'v' as const }));
    const missing = this.missingSql(q, pos);
    if (missing && rows.length < want) {
      rows = [...rows, ...this.all<Ranked>(missing.sql, [...missing.params, want - rows.length]).map((r) => ({ ...r, phase: 'm' as const }))];
    }
    const page = rows.slice(0, q.limit);
    const last = page[page.length - 1];
    return {
      rows: page as unknown as Row[],
      nextCursor: rows.length > q.limit && last ? encodeListCursor({ phase: last.phase, value: last.sort_value, id: last.id, sort: sortText }) : null,
    };
  }

  /** SQLite's plan of each statement a page of `q` runs (for tests and benchmarks: no full scan, no sort step). */
  explain(q: ListQuery): string[][] {
    const { pos } = this.position(q);
    const statements = [this.orderedSql(q, pos), this.missingSql(q, pos)].filter((s): s is Sql => s !== null);
    return statements.map((s) => this.db.prepare<unknown[], { detail: string }>(`EXPLAIN QUERY PLAN ${s.sql}`).all(...s.params, 1).map((r) => r.detail));
  }

  private position(q: ListQuery): { sortText: string; pos: ListPosition | null } {
    const sortText = formatSort(q.sort ?? DEFAULT_SORT);
    return { sortText, pos: q.cursor ? decodeListCursor(q.cursor, sortText) : null };
  }

  /** The rows with a sort value, in the sort's order, after the cursor. The caller appends the LIMIT parameter. */
  private orderedSql(q: ListQuery, pos: ListPosition | null): Sql {
    const sort = q.sort ?? DEFAULT_SORT;
    const { where: filterSql, params: filterParams } = this.filters(q);
    const dir = sort.desc ? 'DESC' : 'ASC';
    const cmp = sort.desc ? '<' : '>';
    const after = pos?.phase === 'v' ? [pos.value, pos.id] : [];
    if (sort.field !== 'summary') {
      const col = SORT_COLUMNS[sort.field];
      return {
        sql: `SELECT e.*, ${col} AS sort_value FROM executions e ${whereOf([...(pos ? [`(${col}, e.id) ${cmp} (?, ?)`] : []), ...filterSql])}
          ORDER BY ${col} ${dir}, e.id ${dir} LIMIT ?`,
        params: [...after, ...filterParams],
      };
    }
    return {
      sql: `SELECT e.*, s.value AS sort_value FROM summary_numbers s JOIN executions e ON e.id = s.execution_id
        ${whereOf(['s.path = ?', ...(pos ? [`(s.value, s.execution_id) ${cmp} (?, ?)`] : []), ...filterSql])}
        ORDER BY s.value ${dir}, s.execution_id ${dir} LIMIT ?`,
      params: [sort.path!, ...after, ...filterParams],
    };
  }

  /** For a summary sort: the executions without a number at the path, newest first, after the cursor; else null. */
  private missingSql(q: ListQuery, pos: ListPosition | null): Sql | null {
    if (q.sort?.field !== 'summary') return null;
    const { where: filterSql, params: filterParams } = this.filters(q);
    const resume = pos?.phase === 'm';
    return {
      sql: `SELECT e.*, e.started_at AS sort_value FROM executions e
        ${whereOf(['NOT EXISTS (SELECT 1 FROM summary_numbers s WHERE s.execution_id = e.id AND s.path = ?)', ...(resume ? ['(e.started_at, e.id) < (?, ?)'] : []), ...filterSql])}
        ORDER BY e.started_at DESC, e.id DESC LIMIT ?`,
      params: [q.sort.path!, ...(resume ? [pos.value, pos.id] : []), ...filterParams],
    };
  }

  /** Label keys with their values, and numeric summary paths, over all executions (cached for a few seconds). */
  fields(now = Date.now()): ExecutionFields {
    if (this.fieldsCache && now - this.fieldsCache.at < FIELDS_TTL_MS) return this.fieldsCache.fields;
    const labels: ExecutionFields['labels'] = [];
    for (const r of this.sql.labelValues.all()) {
      let entry = labels[labels.length - 1];
      if (entry?.key !== r.key) labels.push((entry = { key: r.key, values: [] }));
      if (entry.values.length < VALUES_PER_LABEL) entry.values.push(r.value);
    }
    const fields = { labels, summary: this.sql.paths.all().map((r) => r.path) };
    this.fieldsCache = { at: now, fields };
    return fields;
  }

  private filters(q: ListQuery): { where: string[]; params: unknown[] } {
    const where: string[] = [];
    const params: unknown[] = [];
    if (q.status?.length) {
      where.push(`e.status IN (${q.status.map(() => '?').join(', ')})`);
      params.push(...q.status);
    }
    if (q.q) {
      where.push('instr(e.name_lower, ?) > 0');
      params.push(q.q.toLowerCase());
    }
    for (const l of q.labels ?? []) {
      where.push('EXISTS (SELECT 1 FROM execution_labels l WHERE l.execution_id = e.id AND l.key = ? AND l.value = ?)');
      params.push(l.key, l.value);
    }
    for (const w of q.where ?? []) {
      // `op` is one of the five parsed operators, never client text.
      where.push(`EXISTS (SELECT 1 FROM summary_numbers w WHERE w.execution_id = e.id AND w.path = ? AND w.value ${w.op} ?)`);
      params.push(w.path, w.value);
    }
    return { where, params };
  }

  private all<R>(sql: string, params: unknown[]): R[] {
    let stmt = this.statements.get(sql);
    if (!stmt) {
      if (this.statements.size > 500) this.statements.clear();
      this.statements.set(sql, (stmt = this.db.prepare<unknown[], Record<string, unknown>>(sql)));
    }
    return stmt.all(...params) as R[];
  }
}

interface Sql {
  sql: string;
  params: unknown[];
}

type Ranked = Record<string, unknown> & { id: string; sort_value: number | string };

function whereOf(conditions: string[]): string {
  return conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : '';
}
