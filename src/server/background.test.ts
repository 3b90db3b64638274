import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startBackground } from './background.js';
import { openStore } from './store/index.js';
import type { Store } from './store/store.js';
import { StreamHub } from './stream-hub.js';
import { LoopLoad } from './loop-load.js';

/** A real SQLite store whose compact() calls are timed (ms after `t0`), with the answer the store gave. */
async function timedStore(dir: string, t0: number): Promise<{ store: Store; passes: number[] }> {
  const store = await openStore(join(dir, 'bg.db'));
  const passes: number[] = [];
  const compact = store.compact.bind(store);
  store.compact = (opts) => {
    passes.push(Date.now() - t0);
    return compact(opts);
  };
  return { store, passes };
}

describe('background compaction stands aside for a saturated event loop', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('takes no pass while the loop is busy until busyDeferMs have passed, then one, then waits again', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'plotline-bg-'));
    dirs.push(dir);
    const t0 = Date.now();
    const { store, passes } = await timedStore(dir, t0);
    const hub = new StreamHub();
    const stop = startBackground(store, hub, { lostAfterMs: 60_000, loopBusy: () => true, busyDeferMs: 600, compactEveryMs: 50 });
    await new Promise((r) => setTimeout(r, 1500));
    await stop();
    await store.close();
    hub.close();
    // Every 50 ms the loop is asked; a pass only once 600 ms passed since the previous one (or the start).
    expect(passes.length).toBeGreaterThanOrEqual(1);
    expect(passes.length).toBeLessThanOrEqual(2);
    expect(passes[0]).toBeGreaterThanOrEqual(600);
    if (passes.length === 2) expect(passes[1]! - passes[0]!).toBeGreaterThanOrEqual(600);
  });

  it('takes a pass every compactEveryMs while the loop is not busy', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'plotline-bg-'));
    dirs.push(dir);
    const t0 = Date.now();
    const { store, passes } = await timedStore(dir, t0);
    const hub = new StreamHub();
    const stop = startBackground(store, hub, { lostAfterMs: 60_000, loopBusy: () => false, busyDeferMs: 600, compactEveryMs: 50 });
    await new Promise((r) => setTimeout(r, 500));
    await stop();
    await store.close();
    hub.close();
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
