import type pg from 'pg';
import { UNPACKED_SEALED } from './common.js';

/**
 * The PostgreSQL layout: the same per-series chunk layout as SQLite (schema.ts). One row per run of consecutive points of one
 * series, with its per-block summary tier (`blocks`) and its encoded x and y columns as bytea; the columns are stored out of
 * line without compression (they are encoded already, and reads cut blocks out of them), so a downsampled read scans small
 * rows. `summary` is the whole chunk's first/min/max/last (+ first non-finite), 10 little-endian Float64: a downsampled
 * read over many chunks needs the block tier only of chunks that a bucket edge falls into. `feed` and `feed_head` number
 * committed stream events for every replica (see pg-feed.ts). Non-finite `last_y` is a float8 NaN/±Infinity.
 *
 * Each entry of MIGRATIONS moves the schema one version forward; a database is brought from its `schema_version` to the
 * latest on start, in one transaction, under an advisory lock so that replicas starting together do it once.
 */
const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE executions (
    id text PRIMARY KEY,
    name text NOT NULL,
    name_lower text NOT NULL,
    labels text NOT NULL,
    status text NOT NULL,
    started_at float8 NOT NULL,
    ended_at float8,
    last_seen_at float8 NOT NULL,
    error text,
    summary text NOT NULL
  );
  CREATE INDEX executions_newest ON executions (started_at DESC, id DESC);
  CREATE INDEX executions_status ON executions (status, last_seen_at);
  CREATE TABLE definitions (
    execution_id text NOT NULL,
    key text NOT NULL,
    def text NOT NULL,
    seq bigserial,
    PRIMARY KEY (execution_id, key)
  );
  CREATE TABLE series (
    id bigserial PRIMARY KEY,
    execution_id text NOT NULL,
    key text NOT NULL,
    count bigint NOT NULL,
    min_x float8 NOT NULL,
    last_x float8 NOT NULL,
    last_y float8 NOT NULL,
    UNIQUE (execution_id, key)
  );
  CREATE TABLE chunks (
    id bigserial PRIMARY KEY,
    series_id bigint NOT NULL,
    first_x float8 NOT NULL,
    last_x float8 NOT NULL,
    count integer NOT NULL,
    summary bytea NOT NULL,
    blocks bytea NOT NULL,
    xs bytea NOT NULL,
    ys bytea NOT NULL
  );
  ALTER TABLE chunks ALTER COLUMN xs SET STORAGE EXTERNAL, ALTER COLUMN ys SET STORAGE EXTERNAL;
  CREATE INDEX chunks_by_series ON chunks (series_id, last_x);
  CREATE INDEX chunks_small ON chunks (series_id) WHERE count < 512;
  CREATE TABLE batches (
    batch_id text PRIMARY KEY,
    at float8 NOT NULL,
    points integer NOT NULL
  );
  CREATE INDEX batches_by_age ON batches (at);
  CREATE TABLE feed_head (
    one boolean PRIMARY KEY DEFAULT true CHECK (one),
    epoch text NOT NULL,
    last_seq bigint NOT NULL
  );
  INSERT INTO feed_head (epoch, last_seq) VALUES (md5(random()::text || clock_timestamp()::text), 0);
  CREATE TABLE feed (
    seq_start bigint PRIMARY KEY,
    n integer NOT NULL,
    at float8 NOT NULL,
    events text NOT NULL
  );
  `,
  // 2: what the producer's SDK did not send, per metric key (JSON), as reported on end; NULL when nothing.
  `ALTER TABLE executions ADD COLUMN discarded text;`,
  // 3: the executions list as a query (server/list/list-sql.ts): side tables of summary numbers and labels, a note, and
  // an index per common sort, text compared byte-wise as on SQLite.
  `
  ALTER TABLE executions ADD COLUMN note text;
  CREATE TABLE summary_numbers (
    execution_id text NOT NULL,
    path text NOT NULL,
    value float8 NOT NULL,
    PRIMARY KEY (execution_id, path)
  );
  CREATE INDEX summary_numbers_sorted ON summary_numbers (path, value, (execution_id COLLATE "C"));
  CREATE TABLE execution_labels (
    execution_id text NOT NULL,
    key text NOT NULL,
    value text NOT NULL,
    PRIMARY KEY (execution_id, key)
  );
  CREATE INDEX execution_labels_by_value ON execution_labels (key, (value COLLATE "C"), (execution_id COLLATE "C"));
  CREATE INDEX executions_by_start ON executions (started_at, (id COLLATE "C"));
  CREATE INDEX executions_by_name ON executions ((name_lower COLLATE "C"), (id COLLATE "C"));
  CREATE INDEX executions_by_duration ON executions ((COALESCE(ended_at, last_seen_at) - started_at), (id COLLATE "C"));
  INSERT INTO execution_labels (execution_id, key, value)
    SELECT e.id, l.key, l.value FROM executions e, jsonb_each_text(e.labels::jsonb) l;
  INSERT INTO summary_numbers (execution_id, path, value)
    WITH RECURSIVE t(id, path, v) AS (
      SELECT e.id, j.key, j.value FROM executions e, jsonb_each(e.summary::jsonb) j
      UNION ALL
      SELECT t.id, t.path || '.' || j.key, j.value FROM t, jsonb_each(t.v) j WHERE jsonb_typeof(t.v) = 'object'
    )
    SELECT id, path, (v #>> '{}')::float8 FROM t WHERE jsonb_typeof(v) = 'number';
  `,
  // 4: a batch id's content fingerprint: a reused id with different content is refused (409) instead of acknowledged and dropped.
  'ALTER TABLE batches ADD COLUMN hash text;',
  // 5: chunks packed by compaction in the compact block encodings (chunk.ts packChunk); older rows read as unpacked and
  // are packed by the next compaction.
  `
  ALTER TABLE chunks ADD COLUMN packed smallint NOT NULL DEFAULT 0;
  CREATE INDEX chunks_unpacked ON chunks (id) WHERE ${UNPACKED_SEALED};
  `,
  // 6: record times of points recorded with `at` (protocol/time-marks.ts): at most two marks per appended item.
  'CREATE TABLE time_marks (series_id bigint NOT NULL, x float8 NOT NULL, t float8 NOT NULL, PRIMARY KEY (series_id, x));',
];

export const SCHEMA_VERSION = MIGRATIONS.length;

/** A stable advisory lock key for schema changes in `schema` (the first 8 bytes of its name's md5, as PostgreSQL computes it). */
const LOCK_SQL = "SELECT pg_advisory_lock(('x' || substr(md5('plotline-schema:' || $1), 1, 16))::bit(64)::bigint)";
const UNLOCK_SQL = "SELECT pg_advisory_unlock(('x' || substr(md5('plotline-schema:' || $1), 1, 16))::bit(64)::bigint)";

/** Creates `schema` and its tables when missing and applies the migrations it lacks. */
export async function migrate(client: pg.ClientBase, schema: string): Promise<void> {
  const q = quoteIdent(schema);
  await client.query(LOCK_SQL, [schema]);
  try {
    await client.query('BEGIN');
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${q}`);
    await client.query(`CREATE TABLE IF NOT EXISTS ${q}.schema_version (version integer NOT NULL)`);
    const row = (await client.query<{ version: number }>(`SELECT version FROM ${q}.schema_version`)).rows[0];
    const from = row?.version ?? 0;
    if (from > SCHEMA_VERSION) {
      throw new Error(`database schema "${schema}" is at version ${from}, newer than this Plotline (${SCHEMA_VERSION}): upgrade Plotline`);
    }
    await client.query(`SET LOCAL search_path TO ${q}`);
    for (let v = from; v < SCHEMA_VERSION; v++) await client.query(MIGRATIONS[v]!);
    if (!row) await client.query(`INSERT INTO ${q}.schema_version (version) VALUES ($1)`, [SCHEMA_VERSION]);
    else if (from < SCHEMA_VERSION) await client.query(`UPDATE ${q}.schema_version SET version = $1`, [SCHEMA_VERSION]);
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    await client.query(UNLOCK_SQL, [schema]);
  }
}

export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
