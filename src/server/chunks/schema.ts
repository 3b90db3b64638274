import type Database from 'better-sqlite3';

export const SCHEMA = `
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
  summary TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS executions_by_start ON executions (started_at DESC, id DESC);
CREATE INDEX IF NOT EXISTS executions_running ON executions (status, last_seen_at);
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
  min_x REAL,
  max_x REAL,
  last_y TEXT,
  UNIQUE (execution_id, key)
);
CREATE TABLE IF NOT EXISTS chunks (
  id INTEGER PRIMARY KEY,
  series_id INTEGER NOT NULL,
  first_x REAL NOT NULL,
  last_x REAL NOT NULL,
  count INTEGER NOT NULL,
  xs BLOB NOT NULL,
  ys BLOB NOT NULL,
  blocks BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS chunks_by_series ON chunks (series_id, first_x);
CREATE TABLE IF NOT EXISTS batches (
  batch_id TEXT PRIMARY KEY,
  at REAL NOT NULL,
  points INTEGER NOT NULL
) WITHOUT ROWID;
`;

export function configure(db: Database.Database, inMemory: boolean): void {
  if (!inMemory) {
    db.pragma('journal_mode = WAL');
    // NORMAL: a commit survives the process being killed (the WAL is in the OS page cache); fsync happens at checkpoints.
    db.pragma('synchronous = NORMAL');
  }
  db.pragma('cache_size = -65536');
  db.pragma('temp_store = MEMORY');
  db.exec(SCHEMA);
}
