import { SqliteStore } from './sqlite-store.js';
import type { Store } from './store.js';

export type {
  Store, StoreHandle, ListQuery, RangeQuery, CompactOptions, BatchRequest, BatchState, BatchWrite, CommitResult, ExecutionRecord,
} from './store.js';

/**
 * Opens the store `--db` names: a SQLite file path (created with its directory when missing), `:memory:` for a throwaway
 * SQLite store, or a `postgres://` / `postgresql://` URL.
 */
export async function openStore(url: string): Promise<Store> {
  if (/^postgres(ql)?:\/\//i.test(url)) throw new Error(`--db ${url}: the PostgreSQL backend is not available yet`);
  return new SqliteStore(url);
}
