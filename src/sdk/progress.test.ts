import { describe, expect, it } from 'vitest';
import type { ExecutionUpdate, SeriesColumns } from '../protocol/index.js';
import { ExecutionHandle, type Outbox } from './execution.js';
import { PendingBatches } from './pending.js';
import { knownLength, progress } from './progress.js';

/** An execution whose batches stay in memory (the sending side is tested end to end in test/sdk-*.test.ts). */
function localExecution() {
  const outbox: Outbox = { pending: new PendingBatches(1_000_000), changed: () => {}, flush: async () => {} };
  const execution = new ExecutionHandle(outbox, 'local', {}, (m) => { throw new Error(`unexpected warning: ${m}`); });
  const taken = (): ExecutionUpdate<SeriesColumns> => {
    execution.releaseThrottled();
    return outbox.pending.take()[0]!;
  };
  const values = (key: string) => {
    const y = taken().points?.find((p) => p.key === key)?.y;
    return y && Array.from(y);
  };
  return { execution, taken, values };
}

describe('progress', () => {
  it('records 0, then the count after each item, with upper = length for arrays', () => {
    const { execution, taken } = localExecution();
    const seen: number[] = [];
    execution.run(() => { for (const item of progress([10, 20, 30], { key: 'items', group: 'work' })) seen.push(item); });
    const u = taken();
    expect(seen).toEqual([10, 20, 30]);
    expect(u.definitions).toEqual([{ key: 'items', group: { name: 'work' }, scale: { progress: true, upper: 3 } }]);
    // The default throttle (10/s) keeps the leading 0 and the latest value, which flush delivers.
    expect(u.points).toEqual([{ key: 'items', x: expect.any(Float64Array), y: Float64Array.of(0, 3) }]);
  });

  it('records every count without throttling in between when items are slow enough', async () => {
    const { execution, values } = localExecution();
    async function* slow() {
      for (let i = 0; i < 3; i++) {
        await new Promise((r) => setTimeout(r, 120));
        yield i;
      }
    }
    await execution.run(async () => { for await (const _ of progress(slow())) { /* consume */ } });
    expect(values('progress')).toEqual([0, 1, 2, 3]);
  });

  it('records the final count on break, on a throw in the loop body, and not again when the source throws', () => {
    const cases: Array<[string, (run: (fn: () => void) => void) => void, number]> = [
      ['break', (run) => run(() => { for (const item of progress([1, 2, 3, 4], { key: 'k' })) if (item === 2) break; }), 2],
      ['throw', (run) => run(() => { try { for (const item of progress([1, 2, 3], { key: 'k' })) if (item === 3) throw new Error('x'); } catch { /* expected */ } }), 3],
      ['source throws', (run) => run(() => {
        function* failing() { yield 1; throw new Error('source'); }
        try { for (const _ of progress(failing(), { key: 'k' })) { /* consume */ } } catch { /* expected */ }
      }), 1],
      ['complete', (run) => run(() => { for (const _ of progress(new Map([[1, 1], [2, 2]]), { key: 'k' })) { /* consume */ } }), 2],
    ];
    for (const [name, scenario, final] of cases) {
      const { execution, values } = localExecution();
      scenario((fn) => execution.run(fn));
      expect(values('k')?.at(-1), name).toBe(final);
    }
  });

  it('works on async iterables, with break', async () => {
    const { execution, taken } = localExecution();
    async function* agen() { yield 1; yield 2; yield 3; }
    await execution.run(async () => { for await (const item of progress(agen(), { key: 'async' })) if (item === 2) break; });
    const u = taken();
    expect(u.definitions).toEqual([{ key: 'async', scale: { progress: true } }]);
    expect(u.points?.[0]?.y.at(-1)).toBe(2);
  });

  it('throws outside an execution, and on input that is not iterable', () => {
    expect(() => { for (const _ of progress([1])) { /* consume */ } }).toThrow(/outside an execution/);
    expect(() => progress(42 as never)).toThrow(/must be an array, an iterable or an async iterable/);
  });
});

describe('knownLength', () => {
  it('reads length or size, else undefined', () => {
    expect(knownLength([1, 2])).toBe(2);
    expect(knownLength(new Set([1]))).toBe(1);
    expect(knownLength(new Map())).toBe(0);
    expect(knownLength({ length: 7, [Symbol.iterator]: () => [][Symbol.iterator]() })).toBe(7);
    expect(knownLength((function* () { yield 1; })())).toBeUndefined();
  });
});
