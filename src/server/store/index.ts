import { PgStore } from './pg-store.js';
import { SqliteStore } from './sqlite-store.js';
import type { Store } from './store.js';

export type {
  Store, StoreFeed, StoreHandle, ListQuery, RangeQuery, CompactOptions, BatchRequest, BatchState, BatchWrite, CommitResult, ExecutionRecord,
} from './store.js';

/** `--db` names a PostgreSQL database (`postgres://` or `postgresql://`; `?schema=name` picks the schema, default plotline). */
export function isPostgresUrl(url: string): boolean {
  return /^postgres(ql)?:\/\//i.test(url);
}

/**
 * Opens the store `--db` names: a SQLite file path (created with its directory when missing), `:memory:` for a throwaway
 * SQLite store, or a `postgres://` / `postgresql://` URL.
 */
export async function openStore(url: string): Promise<Store> {
  if (isPostgresUrl(url)) return PgStore.open(url);
  return new SqliteStore(url);
}
