import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startBackground } from './background.js';
import { openStore } from './store/index.js';
import { StreamHub } from './stream-hub.js';
import { LoopLoad } from './loop-load.js';

/**
 * Runs the background work for `ms` on a real SQLite store whose compact() calls are timed (ms after the start), with
 * compaction asked every 50 ms and standing aside for a busy loop at most 600 ms in a row.
 */
async function compactionPasses(dir: string, loopBusy: boolean, ms: number): Promise<number[]> {
  const t0 = Date.now();
  const store = await openStore(join(dir, 'bg.db'));
  const passes: number[] = [];
  const compact = store.compact.bind(store);
  store.compact = (opts) => {
    passes.push(Date.now() - t0);
    return compact(opts);
  };
  const hub = new StreamHub();
  const stop = startBackground(store, hub, { lostAfterMs: 60_000, loopBusy: () => loopBusy, busyDeferMs: 600, compactEveryMs: 50 });
  await new Promise((r) => setTimeout(r, ms));
  await stop();
  await store.close();
  hub.close();
  return passes;
}

describe('background compaction stands aside for a saturated event loop', () => {
  const dirs: string[] = [];
  const tempDir = () => {
    const d = mkdtempSync(join(tmpdir(), 'plotline-bg-'));
    dirs.push(d);
    return d;
  };
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('takes no pass while the loop is busy until busyDeferMs have passed, then one, then waits again', async () => {
    const passes = await compactionPasses(tempDir(), true, 1500);
    // Every 50 ms the loop is asked; a pass only once 600 ms passed since the previous one (or the start).
    expect(passes.length).toBeGreaterThanOrEqual(1);
    expect(passes.length).toBeLessThanOrEqual(2);
    expect(passes[0]).toBeGreaterThanOrEqual(600);
    if (passes.length === 2) expect(passes[1]! - passes[0]!).toBeGreaterThanOrEqual(600);
  });

  it('takes a pass every compactEveryMs while the loop is not busy', async () => {
    const passes = await compactionPasses(tempDir(), false, 500);
    expect(passes.length).toBeGreaterThanOrEqual(3);
    expect(passes[0]).toBeLessThan(400);
  });
});

describe('LoopLoad', () => {
  it('reports the utilisation of the span since the previous call', async () => {
    const load = new LoopLoad();
    // A busy span: the loop runs one callback for ~120 ms.
    const end = performance.now() + 120;
    while (performance.now() < end) { /* spin */ }
    expect(load.sinceLast()).toBeGreaterThan(0.8);
    // An idle span: the loop waits in the poll phase.
    await new Promise((r) => setTimeout(r, 150));
    expect(load.sinceLast()).toBeLessThan(0.5);
  });
});
