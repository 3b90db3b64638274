import { statfsSync } from 'node:fs';
import { dirname } from 'node:path';
import { isDiskFull } from '../disk-full.js';
import { PgStore } from './pg-store.js';
import { ReopeningStore } from './reopening-store.js';
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
 * SQLite store, or a `postgres://` / `postgresql://` URL. A SQLite file on a full disk opens read-only (said on stderr) and
 * becomes writable by itself once space is freed.
 */
export async function openStore(url: string): Promise<Store> {
  if (isPostgresUrl(url)) return PgStore.open(url);
  try {
    return new SqliteStore(url);
  } catch (err) {
    if (url === ':memory:' || !(isDiskFull(err) || (isIoError(err) && freeBytes(url) < 1024 * 1024))) throw err;
    console.warn(`plotline: the disk holding ${url} is full: the store is open READ-ONLY (the studio, reads and streams work; ingest answers 507). `
      + 'Free some space: writes resume by themselves.');
    return new ReopeningStore(url);
  }
}

/** SQLite reports a failed write while opening (creating the WAL index, …) as a generic I/O error. */
function isIoError(err: unknown): boolean {
  return String((err as { code?: unknown } | null)?.code ?? '').startsWith('SQLITE_IOERR');
}

/** Bytes an unprivileged writer may still use on the file system holding `path`. */
function freeBytes(path: string): number {
  try {
    const s = statfsSync(dirname(path));
    return s.bavail * s.bsize;
  } catch {
    return Infinity;
  }
}
