import type Database from 'better-sqlite3';
import type { ExecutionFields, Labels, SummaryObject } from '../../protocol/index.js';
import { listPage, listStatements, SQLITE_DIALECT, type RankedRow, type Sql } from '../list/list-sql.js';
import type { ListQuery } from '../list/list-query.js';
import { summaryNumbers } from '../list/summary-numbers.js';

/**
 * The executions list on SQLite: the side tables and indexes the list's SQL (server/list/list-sql.ts) reads, kept in step
 * with the executions by the store's write path.
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
  list<Row>(q: ListQuery): Promise<{ rows: Row[]; nextCursor: string | null }> {
    return listPage<Row>(q, SQLITE_DIALECT, (s) => this.all<RankedRow>(s.sql, s.params));
  }

  /** SQLite's plan of each statement a page of `q` runs (for tests and benchmarks: no full scan, no sort step). */
  explain(q: ListQuery): string[][] {
    const { ordered, missing } = listStatements(q, SQLITE_DIALECT);
    return [ordered, missing].filter((s): s is Sql => s !== null)
      .map((s) => this.db.prepare<unknown[], { detail: string }>(`EXPLAIN QUERY PLAN ${s.sql}`).all(...s.params).map((r) => r.detail));
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

  private all<R>(sql: string, params: unknown[]): R[] {
    let stmt = this.statements.get(sql);
    if (!stmt) {
      if (this.statements.size > 500) this.statements.clear();
      this.statements.set(sql, (stmt = this.db.prepare<unknown[], Record<string, unknown>>(sql)));
    }
    return stmt.all(...params) as R[];
  }
}

