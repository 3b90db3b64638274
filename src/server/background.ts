import type { Store } from './store/store.js';
import type { StreamHub } from './stream-hub.js';

export interface BackgroundOptions {
  /** An execution that sends nothing for this long without ending is marked `lost`. */
  lostAfterMs: number;
  /** Batch ids are remembered this long (a client retries for seconds, not hours). Default one hour. */
  batchIdTtlMs?: number;
}

const COMPACT_EVERY_MS = 2000;
/** Each compaction pass stops after this long, so ingest is never held up for more than a moment. */
const COMPACT_BUDGET_MS = 50;
/** A pass only bothers with series that collected this many small chunks (close() takes them all). */
const COMPACT_MIN_SMALL = 8;
const FORGET_EVERY_MS = 60_000;
export const DEFAULT_BATCH_ID_TTL_MS = 3600_000;

/**
 * The server's periodic work on the store: marking silent executions `lost` (and streaming the change), merging small
 * chunks, forgetting old batch ids. A task never overlaps itself; a failure is logged and the task runs again next time.
 * Returns a stop function that resolves once no task is running.
 */
export function startBackground(store: Store, hub: StreamHub, opts: BackgroundOptions): () => Promise<void> {
  const running = new Set<Promise<void>>();
  const timers: NodeJS.Timeout[] = [];
  const every = (ms: number, name: string, task: () => Promise<void>) => {
    let busy = false;
    const timer = setInterval(() => {
      if (busy) return;
      busy = true;
      const p = task().catch((err: unknown) => console.error(`plotline: ${name} failed`, err)).finally(() => {
        busy = false;
        running.delete(p);
      });
      running.add(p);
    }, ms);
    timer.unref();
    timers.push(timer);
  };
  every(Math.max(50, Math.min(5_000, opts.lostAfterMs / 4)), 'marking lost executions', async () => {
    const lost = await store.markLost(Date.now() - opts.lostAfterMs);
    if (!store.feed) for (const execution of lost) hub.publish({ type: 'execution', execution });
  });
  every(COMPACT_EVERY_MS, 'compaction', () => store.compact({ minSmallChunks: COMPACT_MIN_SMALL, budgetMs: COMPACT_BUDGET_MS }));
  const ttl = opts.batchIdTtlMs ?? DEFAULT_BATCH_ID_TTL_MS;
  every(FORGET_EVERY_MS, 'forgetting old batch ids', async () => {
    await store.forgetBatchIds(Date.now() - ttl);
  });
  return async () => {
    for (const t of timers) clearInterval(t);
    await Promise.all(running);
  };
}
