import { SqliteStore, type StoreOptions } from './sqlite-store.js';
import type { Store } from './store.js';

export type { Store, ApplyResult, ListQuery, RangeQuery } from './store.js';
export type { StoreOptions } from './sqlite-store.js';

/** Opens (creating it and its directory if needed) the embedded store; ':memory:' for a throwaway one. */
export function openStore(path: string, opts?: StoreOptions): Store {
  return new SqliteStore(path, opts);
}
