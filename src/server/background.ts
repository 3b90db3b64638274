import type { Store } from './store/store.js';
import type { StreamHub } from './stream-hub.js';

export interface BackgroundOptions {
  /** An execution that sends nothing for this long without ending is marked `lost`. */
  lostAfterMs: number;
  /** Batch ids are remembered this long (a client retries for seconds, not hours). Default one hour. */
  batchIdTtlMs?: number;
  /** History reads are being answered: compaction waits (at most COMPACT_MAX_DEFER_MS in a row). */
  readsBusy?: () => boolean;
  /**
   * The event loop was saturated since the previous call (ingest arriving as fast as it can be stored): compaction waits,
   * at most `busyDeferMs` in a row, so a burst of ingest is not slowed by packing that can as well run once it is over.
   */
  loopBusy?: () => boolean;
  /** How long compaction stands aside for a busy loop before it takes one pass anyway (default COMPACT_MAX_BUSY_DEFER_MS). */
  busyDeferMs?: number;
  /** The period of compaction passes (default COMPACT_EVERY_MS; tests shorten it). */
  compactEveryMs?: number;
}

const COMPACT_EVERY_MS = 2000;
/**
 * With work left (chunks to pack after a burst of ingest) and nothing published since the last pass, the next pass comes
 * this soon: packing catches up while the server is quiet, and takes at most COMPACT_BUDGET_MS every COMPACT_EVERY_MS
 * from a server that is busy ingesting.
 */
const COMPACT_AGAIN_MS = 100;
/** Each compaction pass stops after this long, so ingest is never held up for more than a moment. */
const COMPACT_BUDGET_MS = 50;
/** A pass only bothers with series that collected this many small chunks (close() takes them all). */
const COMPACT_MIN_SMALL = 8;
/** Compaction stands aside while history reads are answered (`readsBusy`), but never for longer than this in a row. */
const COMPACT_MAX_DEFER_MS = 3000;
/**
 * Compaction stands aside for a saturated event loop (`loopBusy`) for at most this long in a row: sustained ingest then
 * pays one 50 ms pass every 10 s (0.5 % of the loop) instead of one every 2 s, and packing catches up when it slows.
 */
export const COMPACT_MAX_BUSY_DEFER_MS = 10_000;
/** Event-loop utilisation above which the loop counts as saturated (see LoopLoad). */
export const LOOP_BUSY_UTILIZATION = 0.5;
const FORGET_EVERY_MS = 60_000;
export const DEFAULT_BATCH_ID_TTL_MS = 3600_000;

/**
 * The server's periodic work on the store: marking silent executions `lost` (and streaming the change), merging small
 * chunks and packing sealed ones (compression, kept off the write path), forgetting old batch ids. A task never overlaps
 * itself; a failure is logged and the task runs again next time.
 * Returns a stop function that resolves once no task is running.
 */
export function startBackground(store: Store, hub: StreamHub, opts: BackgroundOptions): () => Promise<void> {
  const running = new Set<Promise<void>>();
  const timers = new Set<NodeJS.Timeout>();
  let stopped = false;
  /** Runs `task` every `ms`, or after the delay it returns; a run never overlaps the previous one. */
  const every = (ms: number, name: string, task: () => Promise<number | void>) => {
    const schedule = (delay: number) => {
      if (stopped) return;
      const timer = setTimeout(() => {
        timers.delete(timer);
        let next = ms;
        const p = task().then((d) => {
          if (typeof d === 'number') next = d;
        }, (err: unknown) => console.error(`plotline: ${name} failed`, err)).finally(() => {
          running.delete(p);
          schedule(next);
        });
        running.add(p);
      }, delay);
      timer.unref();
      timers.add(timer);
    };
    schedule(ms);
  };
  every(Math.max(50, Math.min(5_000, opts.lostAfterMs / 4)), 'marking lost executions', async () => {
    const lost = await store.markLost(Date.now() - opts.lostAfterMs);
    if (!store.feed) for (const execution of lost) hub.publish({ type: 'execution', execution });
  });
  let seqAtLastPass = hub.lastSeq;
  let deferredSince: number | null = null;
  let lastPass = Date.now();
  const compactEvery = opts.compactEveryMs ?? COMPACT_EVERY_MS;
  every(compactEvery, 'compaction', async () => {
    const now = Date.now();
    if (opts.readsBusy?.()) {
      deferredSince ??= now;
      if (now - deferredSince < COMPACT_MAX_DEFER_MS) return COMPACT_AGAIN_MS;
    }
    // Asked on every pass so that each answer covers the span since the previous one.
    const loopBusy = opts.loopBusy?.() ?? false;
    if (loopBusy && now - lastPass < (opts.busyDeferMs ?? COMPACT_MAX_BUSY_DEFER_MS)) return compactEvery;
    deferredSince = null;
    lastPass = now;
    const more = await store.compact({ minSmallChunks: COMPACT_MIN_SMALL, budgetMs: COMPACT_BUDGET_MS });
    const quiet = hub.lastSeq === seqAtLastPass;
    seqAtLastPass = hub.lastSeq;
    return more && quiet ? COMPACT_AGAIN_MS : compactEvery;
  });
  const ttl = opts.batchIdTtlMs ?? DEFAULT_BATCH_ID_TTL_MS;
  every(FORGET_EVERY_MS, 'forgetting old batch ids', async () => {
    await store.forgetBatchIds(Date.now() - ttl);
  });
  return async () => {
    stopped = true;
    for (const t of timers) clearTimeout(t);
    await Promise.all(running);
  };
}
