import type { ServerResponse } from 'node:http';
import { setImmediate as nextTurn } from 'node:timers/promises';

/**
 * Writes a streamed download with backpressure: waits for `drain` when the client is slower than the store, otherwise
 * yields a turn so other requests run between windows. Throws once the client is gone. The listeners of each wait are
 * removed after it (waiting with `events.once` on both would leave one behind per wait: a leak over a long export).
 */
export function streamWriter(res: ServerResponse, what: string): (text: string) => Promise<void> {
  return async (text: string) => {
    if (text && !res.write(text)) {
      await new Promise<void>((resolve) => {
        const done = () => {
          res.off('drain', done);
          res.off('close', done);
          resolve();
        };
        res.on('drain', done);
        res.on('close', done);
      });
    } else {
      await nextTurn();
    }
    if (res.destroyed) throw new Error(`${what}: client went away`);
  };
}
