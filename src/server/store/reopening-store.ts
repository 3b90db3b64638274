import { isDiskFull } from '../disk-full.js';
import { SqliteStore } from './sqlite-store.js';
import type { Store } from './store.js';

/** How often a store opened read-only tries to become writable again. */
export const REOPEN_EVERY_MS = 5_000;

/**
 * A SQLite store opened on a full disk: it starts read-only (reads and streams work, writes answer 507) and tries every few
 * seconds to open the file for writing; once space is back it swaps to a writable store, so ingest resumes by itself.
 */
export class ReopeningStore implements Store {
  readonly feed = null;
  private inner: SqliteStore;
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly path: string, private readonly log: (message: string) => void = console.warn, everyMs = REOPEN_EVERY_MS) {
    this.inner = new SqliteStore(path, { readOnly: true });
    this.timer = setInterval(() => this.tryWritable(), everyMs);
    this.timer.unref();
  }

  get readOnly(): boolean {
    return this.inner.readOnly;
  }

  get handle() {
    return this.inner.handle;
  }

  /** The file is held exclusively, so the read-only store is closed first and reopened if writing is still refused. */
  private tryWritable(): void {
    void this.inner.close().then(() => {
      try {
        this.inner = new SqliteStore(this.path);
      } catch (err) {
        this.inner = new SqliteStore(this.path, { readOnly: true });
        if (!isDiskFull(err) && !String((err as { code?: string }).code).startsWith('SQLITE_IOERR')) {
          this.log(`plotline: reopening ${this.path} for writing failed: ${(err as Error).message}`);
        }
        return;
      }
      clearInterval(this.timer);
      this.log(`plotline: space is back on the disk holding ${this.path}: the store is writable again, ingest resumes.`);
    });
  }

  commitBatch: Store['commitBatch'] = (request, decide) => this.inner.commitBatch(request, decide);
  listExecutions: Store['listExecutions'] = (query) => this.inner.listExecutions(query);
  getExecution: Store['getExecution'] = (id) => this.inner.getExecution(id);
  readSeries: Store['readSeries'] = (id, keys, range) => this.inner.readSeries(id, keys, range);
  markLost: Store['markLost'] = (before) => this.inner.markLost(before);
  forgetBatchIds: Store['forgetBatchIds'] = (before) => this.inner.forgetBatchIds(before);
  compact: Store['compact'] = (opts) => this.inner.compact(opts);
  executionFields: Store['executionFields'] = () => this.inner.executionFields();
  deleteExecution: Store['deleteExecution'] = (id) => this.inner.deleteExecution(id);
  patchExecution: Store['patchExecution'] = (id, patch) => this.inner.patchExecution(id, patch);

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.inner.close();
  }
}
