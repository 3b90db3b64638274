import type pg from 'pg';
import type { ExecutionFields, Labels, SummaryObject } from '../../protocol/index.js';
import { summaryNumbers } from '../list/summary-numbers.js';

/**
 * The executions list's side tables on PostgreSQL (schema migration 2; read by server/list/list-sql.ts): kept in step with
 * the executions inside the transaction that writes them.
 */

export interface IndexedExecution {
  id: string;
  labels: Labels;
  summary: SummaryObject;
}

/** Label values listed per key by `executionFields`. */
const VALUES_PER_LABEL = 50;

/** Replaces the label rows of `labelled` and the summary-number rows of `summarised` (two statements each, whatever their number). */
export async function indexExecutions(c: pg.ClientBase, labelled: readonly IndexedExecution[], summarised: readonly IndexedExecution[]): Promise<void> {
  if (labelled.length > 0) {
    const ids = labelled.map((e) => e.id);
    const rows = labelled.flatMap((e) => Object.entries(e.labels).map(([k, v]) => [e.id, k, v] as const));
    await c.query('DELETE FROM execution_labels WHERE execution_id = ANY($1::text[])', [ids]);
    await c.query('INSERT INTO execution_labels (execution_id, key, value) SELECT * FROM unnest($1::text[], $2::text[], $3::text[])',
      [rows.map((r) => r[0]), rows.map((r) => r[1]), rows.map((r) => r[2])]);
  }
  if (summarised.length > 0) {
    const ids = summarised.map((e) => e.id);
    const rows = summarised.flatMap((e) => summaryNumbers(e.summary).map(([path, value]) => [e.id, path, value] as const));
    await c.query('DELETE FROM summary_numbers WHERE execution_id = ANY($1::text[])', [ids]);
    await c.query('INSERT INTO summary_numbers (execution_id, path, value) SELECT * FROM unnest($1::text[], $2::text[], $3::float8[])',
      [rows.map((r) => r[0]), rows.map((r) => r[1]), rows.map((r) => r[2])]);
  }
}

/** Label keys with their values (most common first) and numeric summary paths, over all executions. */
export async function executionFields(c: pg.Pool | pg.ClientBase): Promise<ExecutionFields> {
  const labels = await c.query<{ key: string; values: string[] }>(
    `SELECT key, (array_agg(value ORDER BY n DESC, value COLLATE "C"))[1:${VALUES_PER_LABEL}] AS values
     FROM (SELECT key, value, count(*) AS n FROM execution_labels GROUP BY key, value) v
     GROUP BY key ORDER BY key COLLATE "C"`);
  const paths = await c.query<{ path: string }>('SELECT path FROM summary_numbers GROUP BY path ORDER BY path COLLATE "C"');
  return { labels: labels.rows, summary: paths.rows.map((r) => r.path) };
}
