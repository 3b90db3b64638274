import type { Store } from './store/store.js';
import type { StreamHub } from './stream-hub.js';

/** Periodically marks executions that stopped sending without ending as `lost`, and streams the change. */
export function startLostSweeper(store: Store, hub: StreamHub, lostAfterMs: number): () => void {
  const every = Math.max(50, Math.min(5_000, lostAfterMs / 4));
  const timer = setInterval(() => {
    for (const execution of store.markLost(Date.now() - lostAfterMs)) hub.publish({ type: 'execution', execution });
  }, every);
  timer.unref();
  return () => clearInterval(timer);
}
