import { describe, expect, it } from 'vitest';
import { FollowingRead, type ReadClock } from './following-read.js';

/** A clock whose timers run when the test advances it. */
function manualClock() {
  let now = 0;
  let id = 0;
  const timers = new Map<number, { at: number; f: () => void }>();
  const clock: ReadClock = {
    now: () => now,
    setTimeout: (f, ms) => (timers.set(++id, { at: now + ms, f }), id),
    clearTimeout: (t) => void timers.delete(t as number),
  };
  const advance = async (ms: number) => {
    now += ms;
    for (const [k, t] of [...timers].sort((a, b) => a[1].at - b[1].at)) {
      if (t.at > now) continue;
      timers.delete(k);
      t.f();
    }
    await Promise.resolve();
    await Promise.resolve();
  };
  return { clock, advance };
}

/** A read that answers when the test says, recording what it read (the total current when it started). */
function slowReads(current: () => number) {
  const started: number[] = [];
  const aborted: number[] = [];
  const pending: Array<() => void> = [];
  const applied: number[] = [];
  const read = (signal: AbortSignal) => new Promise<void>((resolve) => {
    const total = current();
    started.push(total);
    signal.addEventListener('abort', () => aborted.push(total));
    pending.push(() => {
      if (!signal.aborted) applied.push(total);
      resolve();
    });
  });
  return { read, started, aborted, applied, answer: () => pending.shift()!() };
}

describe('FollowingRead', () => {
  it('growth while a read is in flight never aborts it: the read finishes, then one read of what is current follows', async () => {
    // The fault: a smoothing read of a long live series was aborted by each live batch (its total changed) and never
    // finished while the run streamed.
    let total = 30_000;
    const { clock, advance } = manualClock();
    const r = slowReads(() => total);
    const reader = new FollowingRead(r.read, 1000, clock);
    reader.want();
    await advance(0);
    expect(r.started).toEqual([30_000]);
    for (let batch = 0; batch < 20; batch++) {
      total += 200;
      reader.want();
      await advance(50);
    }
    expect(r.aborted).toEqual([]);
    expect(r.started).toEqual([30_000]);
    r.answer();
    await advance(0);
    expect(r.applied).toEqual([30_000]);
    // The growth asked for meanwhile is read once, with the total current then (its start was over 1 s ago).
    await advance(0);
    expect(r.started).toEqual([30_000, 34_000]);
    r.answer();
    await advance(0);
    expect(r.applied).toEqual([30_000, 34_000]);
    // Nothing more was asked: no read.
    await advance(5000);
    expect(r.started).toHaveLength(2);
  });

  it('reads start at least the interval apart, the first after `since`', async () => {
    const { clock, advance } = manualClock();
    let total = 1;
    const r = slowReads(() => total);
    const reader = new FollowingRead(r.read, 250, clock, 0);
    reader.want();
    await advance(100);
    expect(r.started).toEqual([]);
    await advance(150);
    expect(r.started).toEqual([1]);
    r.answer();
    total = 2;
    reader.want();
    await advance(100);
    expect(r.started).toEqual([1]);
    await advance(150);
    expect(r.started).toEqual([1, 2]);
    expect(reader.lastStart).toBe(500);
  });

  it('dispose aborts the read in flight and drops one asked for', async () => {
    const { clock, advance } = manualClock();
    const r = slowReads(() => 7);
    const reader = new FollowingRead(r.read, 100, clock);
    reader.want();
    await advance(0);
    reader.want();
    reader.dispose();
    expect(r.aborted).toEqual([7]);
    r.answer();
    await advance(1000);
    expect(r.applied).toEqual([]);
    expect(r.started).toEqual([7]);
    reader.want();
    await advance(1000);
    expect(r.started).toEqual([7]);
  });

  it('a failed read is tried again when asked', async () => {
    const { clock, advance } = manualClock();
    let fail = true;
    const started: number[] = [];
    const reader = new FollowingRead(async () => {
      started.push(clock.now());
      if (fail) throw new Error('offline');
    }, 100, clock);
    reader.want();
    await advance(0);
    fail = false;
    reader.want();
    await advance(100);
    expect(started).toEqual([0, 100]);
  });
});
