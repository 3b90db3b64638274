import { PgRollups } from './pg-rollups.js';
import type { RollupStore } from './rollup-store.js';
import { SqliteRollups } from './sqlite-rollups.js';

/** The rollup store beside the execution store: PostgreSQL for a `postgres://` URL, else SQLite (a file or ':memory:'). */
export function openRollups(db: string): RollupStore {
  return /^postgres(ql)?:\/\//i.test(db) ? new PgRollups(db) : new SqliteRollups(db);
}
