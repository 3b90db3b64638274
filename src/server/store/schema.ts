import type Database from 'better-sqlite3';
import { UNPACKED_SEALED } from './common.js';

/**
 * Points live in chunks: one row per run of consecutive points of one series, its whole-chunk summary and per-block
 * summary tier in `chunks` and its encoded x and y columns in `chunk_points`. `series` keeps what listing a series needs without touching its chunks.
 * Ingest writes chunks in a fast encoding (`packed` 0); compaction re-encodes sealed ones compactly (`packed` 1, found
 * through the partial index `chunks_unpacked`). Reads decode both: each stored column names its own format.
 * `last_y` has no type affinity on purpose: it holds a number, or 'NaN' / 'Infinity' / '-Infinity' (SQLite stores NaN as NULL).
 */
const SCHEMA = `
CREATE TABLE IF NOT EXISTS executions (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  name_lower TEXT NOT NULL,
  labels TEXT NOT NULL,
  status TEXT NOT NULL,
  started_at REAL NOT NULL,
  ended_at REAL,
  last_seen_at REAL NOT NULL,
  error TEXT,
  summary TEXT NOT NULL,
  -- What the producer's SDK did not send, per metric key (JSON), as reported on end; NULL when nothing.
  discarded TEXT
);
CREATE INDEX IF NOT EXISTS executions_newest ON executions (started_at DESC, id DESC);
CREATE INDEX IF NOT EXISTS executions_status ON executions (status, last_seen_at);
CREATE TABLE IF NOT EXISTS definitions (
  execution_id TEXT NOT NULL,
  key TEXT NOT NULL,
  def TEXT NOT NULL,
  PRIMARY KEY (execution_id, key)
);
CREATE TABLE IF NOT EXISTS series (
  id INTEGER PRIMARY KEY,
  execution_id TEXT NOT NULL,
  key TEXT NOT NULL,
  count INTEGER NOT NULL,
  min_x REAL NOT NULL,
  last_x REAL NOT NULL,
  last_y,
  UNIQUE (execution_id, key)
);
CREATE TABLE IF NOT EXISTS chunks (
  id INTEGER PRIMARY KEY,
  series_id INTEGER NOT NULL,
  first_x REAL NOT NULL,
  last_x REAL NOT NULL,
  count INTEGER NOT NULL,
  blocks BLOB NOT NULL,
  -- 1: written by compaction in the compact block encodings (chunk.ts packChunk); 0: as ingest wrote it.
  packed INTEGER NOT NULL DEFAULT 0,
  -- The whole chunk's first/min/max/last (+ first non-finite), 10 little-endian Float64; NULL in rows written before it.
  summary BLOB
);
-- Apart from chunks: a downsampled read scans the small block tier of many chunks and the points of only a few.
CREATE TABLE IF NOT EXISTS chunk_points (
  chunk_id INTEGER PRIMARY KEY,
  xs BLOB NOT NULL,
  ys BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS chunks_by_series ON chunks (series_id, last_x);
-- Record times of points recorded with \`at\` (protocol/time-marks.ts): at most two marks per appended item, not a column per point.
CREATE TABLE IF NOT EXISTS time_marks (
  series_id INTEGER NOT NULL,
  x REAL NOT NULL,
  t REAL NOT NULL,
  PRIMARY KEY (series_id, x)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS batches (
  batch_id TEXT PRIMARY KEY,
  at REAL NOT NULL,
  points INTEGER NOT NULL,
  hash TEXT
);
CREATE INDEX IF NOT EXISTS batches_by_age ON batches (at);
`;

/** Sets up a connection; `readOnly` (a full disk at start) only reads: the file must already hold the schema. */
export function openSchema(db: Database.Database, inMemory: boolean, readOnly = false): void {
  if (readOnly) {
    db.pragma('cache_size = -16384');
    return;
  }
  if (!inMemory) {
    // Must precede the first table: lets compaction hand freed pages back to the file system.
    db.pragma('auto_vacuum = INCREMENTAL');
    db.pragma('journal_mode = WAL');
    // A commit is in the WAL (OS page cache) before the ack: it survives the process being killed; fsync at checkpoints.
    db.pragma('synchronous = NORMAL');
  }
  db.pragma('cache_size = -16384'); // 16 MiB: enough for hot chunks, small enough that RSS levels off early
  db.pragma('temp_store = MEMORY');
  db.exec(SCHEMA);
  // Columns added after the first release: a database made before them gets them here.
  const columns = new Set(db.prepare<[], { name: string }>('SELECT name FROM pragma_table_info(\'executions\')').all().map((c) => c.name));
  if (!columns.has('discarded')) db.exec('ALTER TABLE executions ADD COLUMN discarded TEXT');
  // Batch ids kept before they had a content hash are acknowledged as before, without the content check.
  if (!db.prepare<[], { name: string }>('SELECT name FROM pragma_table_info(\'batches\')').all().some((c) => c.name === 'hash')) {
    db.exec('ALTER TABLE batches ADD COLUMN hash TEXT');
  }
  // Chunks written before compaction packed them read as unpacked, and are packed by the next compaction; before the
  // whole-chunk summary, reads plan from their block tier.
  const chunkColumns = new Set(db.prepare<[], { name: string }>('SELECT name FROM pragma_table_info(\'chunks\')').all().map((c) => c.name));
  if (!chunkColumns.has('packed')) db.exec('ALTER TABLE chunks ADD COLUMN packed INTEGER NOT NULL DEFAULT 0');
  if (!chunkColumns.has('summary')) db.exec('ALTER TABLE chunks ADD COLUMN summary BLOB');
  db.exec(`CREATE INDEX IF NOT EXISTS chunks_unpacked ON chunks (id) WHERE ${UNPACKED_SEALED}`);
}
