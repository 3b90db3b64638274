/**
 * The store contract's part about record times (time marks, protocol/time-marks.ts): points recorded with `at` keep when
 * they were recorded, through appends, range reads, budgets, rewinds and deletes. Registered by `describeStore`.
 */
import { describe, expect, it } from 'vitest';
import { timeAtX } from '../../src/protocol/index.js';
import type { Store } from '../../src/server/store/index.js';
import { apply, T0 } from './store-contract.js';

const steps = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

export function describeTimeMarksContract(store: () => Store): void {
  describe('record times', () => {
    /** Steps 1…300 in three items recorded 10 s apart, each over 2 s; a plain series without times beside them. */
    const seed = async () => {
      await apply(store(), { executions: [{ id: 'tm', start: { name: 'steps', startedAt: T0 } }] }, T0);
      for (let b = 0; b < 3; b++) {
        const x = steps(b * 100 + 1, b * 100 + 100);
        await apply(store(), { executions: [{ id: 'tm', points: [
          { key: 'loss', x, y: x.map((v) => 1 / v), t: [T0 + b * 10_000, T0 + b * 10_000 + 2000] },
          { key: 'plain', x, y: x },
        ] }] }, T0 + b * 10_000 + 2000);
      }
    };

    it('are kept as two marks per item and read back with the series', async () => {
      await seed();
      const [loss, plain] = await store().readSeries('tm', ['loss', 'plain'], {});
      expect(loss!.times).toEqual({ x: [1, 100, 101, 200, 201, 300], t: [T0, T0 + 2000, T0 + 10_000, T0 + 12_000, T0 + 20_000, T0 + 22_000] });
      expect(plain!.times).toBeUndefined();
      // Step 150 was recorded halfway through the second item: 11 s after the start, to the ms here.
      expect(timeAtX(loss!.times!, 150.5)).toBe(T0 + 11_000);
    });

    it('a range read answers the marks in range and the nearest on each side; a budget thins them', async () => {
      await seed();
      const [zoom] = await store().readSeries('tm', ['loss'], { from: 120, to: 180 });
      expect(zoom!.times).toEqual({ x: [101, 200], t: [T0 + 10_000, T0 + 12_000] });
      const [inner] = await store().readSeries('tm', ['loss'], { from: 100, to: 201 });
      expect(inner!.times!.x).toEqual([1, 100, 101, 200, 201, 300]);
      const [thin] = await store().readSeries('tm', ['loss'], { budget: 3 });
      expect(thin!.times!.x).toEqual([1, 200, 300]);
    });

    it('a single point keeps one mark; [t] stands for all the item\'s points', async () => {
      await apply(store(), { executions: [{ id: 'one', start: { name: 'one', startedAt: T0 }, points: [{ key: 'k', x: [7], y: [1], t: [T0 + 5, T0 + 9] }] }] }, T0 + 10);
      await apply(store(), { executions: [{ id: 'one', points: [{ key: 'k', x: [8, 9], y: [1, 2], t: [T0 + 20] }] }] }, T0 + 30);
      const [k] = await store().readSeries('one', ['k'], {});
      expect(k!.times).toEqual({ x: [7, 8, 9], t: [T0 + 9, T0 + 20, T0 + 20] });
    });

    it('a rewind removes the marks at or beyond its x; a delete removes them all', async () => {
      await seed();
      await apply(store(), { executions: [{ id: 'tm', rewind: { x: 150 }, points: [{ key: 'loss', x: [150, 151], y: [1, 1], t: [T0 + 50_000, T0 + 51_000] }] }] }, T0 + 51_000);
      const [loss] = await store().readSeries('tm', ['loss'], {});
      expect(loss!.times).toEqual({ x: [1, 100, 101, 150, 151], t: [T0, T0 + 2000, T0 + 10_000, T0 + 50_000, T0 + 51_000] });
      await apply(store(), { executions: [{ id: 'tm', rewind: { x: 0 } }] }, T0 + 52_000);
      await apply(store(), { executions: [{ id: 'tm', points: [{ key: 'loss', x: [1], y: [1] }] }] }, T0 + 53_000);
      expect((await store().readSeries('tm', ['loss'], {}))[0]!.times).toBeUndefined();
      await apply(store(), { executions: [{ id: 'tm', points: [{ key: 'loss', x: [2], y: [1], t: [T0 + 54_000] }] }] }, T0 + 54_000);
      expect(await store().deleteExecution('tm')).toBe(true);
      await apply(store(), { executions: [{ id: 'tm', start: { name: 'again', startedAt: T0 }, points: [{ key: 'loss', x: [2], y: [1] }] }] }, T0 + 55_000);
      expect((await store().readSeries('tm', ['loss'], {}))[0]!.times).toBeUndefined();
    });

    it('survive compaction of the series\' chunks', async () => {
      await seed();
      const before = await store().readSeries('tm', ['loss'], {});
      await store().compact();
      expect(await store().readSeries('tm', ['loss'], {})).toEqual(before);
    });
  });
}
