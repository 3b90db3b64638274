import { describe, expect, it } from 'vitest';
import { valueAtOrBefore } from './readout.js';
import { alignSeries, appendPoints, mergeByIndex, mergeColumns, emptySeries, lastX, lastY, lowerBound, seriesFrom, spliceRange, truncateFrom } from './series-buffer.js';

const xs = (s: { x: Float64Array; length: number }) => Array.from(s.x.subarray(0, s.length));
const ysOf = (s: { y: Float64Array; length: number }) => Array.from(s.y.subarray(0, s.length));

describe('appendPoints', () => {
  it('grows past its capacity and keeps order', () => {
    const s = emptySeries(2);
    const x = Array.from({ length: 1000 }, (_, i) => i);
    expect(appendPoints(s, x, x.map((v) => v * 2))).toBe(1000);
    expect(s.length).toBe(1000);
    expect(lastX(s)).toBe(999);
    expect(lastY(s)).toBe(1998);
    expect(s.x.length).toBeGreaterThanOrEqual(1000);
  });

  it('grows by doubling to exactly its limit, and past it only when the points do not fit', () => {
    const s = emptySeries();
    const capacities: number[] = [];
    for (let i = 0; i < 5000; i += 10) {
      const x = Array.from({ length: 10 }, (_, k) => i + k);
      appendPoints(s, x, x, 5000);
      if (capacities.at(-1) !== s.x.length) capacities.push(s.x.length);
    }
    expect(capacities).toEqual([64, 128, 256, 512, 1024, 2048, 4096, 5000]);
    expect(s.y.length).toBe(5000);
    appendPoints(s, [5000], [1], 5000);
    expect(s.x.length).toBe(10_000);
    expect(s.length).toBe(5001);
  });

  it('drops points at or below the last held x (replayed or overlapping with history)', () => {
    const s = seriesFrom([1, 2, 3], [10, 20, 30]);
    expect(appendPoints(s, [2, 3, 4, 4, 5], [0, 0, 40, 41, 50])).toBe(2);
    expect(xs(s)).toEqual([1, 2, 3, 4, 5]);
    expect(ysOf(s)).toEqual([10, 20, 30, 40, 50]);
    expect(s.total).toBe(5);
  });

  it('keeps NaN and infinities as values', () => {
    const s = emptySeries();
    appendPoints(s, [1, 2, 3], [NaN, Infinity, -Infinity]);
    expect(ysOf(s)).toEqual([NaN, Infinity, -Infinity]);
  });

  it('reports empty series as null', () => {
    expect(lastX(emptySeries())).toBeNull();
    expect(lastY(emptySeries())).toBeNull();
  });
});

describe('spliceRange', () => {
  it('replaces the held points inside the range with the finer read and keeps the rest', () => {
    const coarse = seriesFrom([0, 10, 20, 30, 40], [0, 1, 2, 3, 4], 1000, true);
    const fine = spliceRange(coarse, 10, 20, [10, 12, 15, 18, 20], [1, 9, -9, 5, 2], false);
    expect(xs(fine)).toEqual([0, 10, 12, 15, 18, 20, 30, 40]);
    expect(ysOf(fine)).toEqual([0, 1, 9, -9, 5, 2, 3, 4]);
    expect(fine.total).toBe(1000);
    expect(fine.downsampled).toBe(true);
    expect(xs(coarse)).toEqual([0, 10, 20, 30, 40]);
  });

  it('is no longer downsampled when the whole series was refined at full resolution', () => {
    const coarse = seriesFrom([0, 5, 10], [1, 2, 3], 4, true);
    expect(spliceRange(coarse, 0, 10, [0, 4, 5, 10], [1, 7, 2, 3], false).downsampled).toBe(false);
  });

  it('ignores refined points outside the range or out of order', () => {
    const coarse = seriesFrom([0, 10, 20], [0, 1, 2], 3, true);
    expect(xs(spliceRange(coarse, 5, 15, [3, 6, 6, 9, 16], [0, 0, 0, 0, 0], false))).toEqual([0, 6, 9, 20]);
  });
});

describe('lowerBound', () => {
  it('finds the first x at or above a value', () => {
    const s = seriesFrom([1, 3, 5], [0, 0, 0]);
    expect([0, 1, 2, 3, 6].map((v) => lowerBound(s, v))).toEqual([0, 0, 1, 1, 3]);
  });
});

describe('alignSeries', () => {
  it('merges x columns; a missing point is undefined (spanned), a non-finite one null (a gap) and listed', () => {
    const a = seriesFrom([1, 2, 4], [10, NaN, 40]);
    const b = seriesFrom([2, 3, 4], [200, Infinity, 400]);
    const out = alignSeries([a, b]);
    expect(Array.from(out.x)).toEqual([1, 2, 3, 4]);
    expect(out.ys).toEqual([[10, null, undefined, 40], [undefined, 200, null, 400]]);
    expect(out.odd).toEqual([[2], [3]]);
  });

  it('gives series sharing one x column (runs read at the same buckets) the layout the merge gives', () => {
    const x = [0, 256, 512, 768];
    const same = [seriesFrom(x, [1, NaN, 3, 4]), seriesFrom(x, [5, 6, -Infinity, 8]), seriesFrom(x, [9, 10, 11, 12])];
    const out = alignSeries(same);
    expect(Array.from(out.x)).toEqual(x);
    expect(out.ys).toEqual([[1, null, 3, 4], [5, 6, null, 8], [9, 10, 11, 12]]);
    expect(out.odd).toEqual([[256], [512], []]);
    // One x apart: merged, and the rest of each column is undefined.
    const apart = alignSeries([seriesFrom(x, [1, 2, 3, 4]), seriesFrom([0, 256, 512, 769], [5, 6, 7, 8])]);
    expect(Array.from(apart.x)).toEqual([0, 256, 512, 768, 769]);
    expect(apart.ys).toEqual([[1, 2, 3, 4, undefined], [5, 6, 7, undefined, 8]]);
  });

  it('snaps x within `snap` of a column into it (series stamped microseconds apart share columns; x is the largest member)', () => {
    // Three series recorded one after another at each tick of 50 ms, each with its own clock reading.
    const ticks = [0, 0.05, 0.1, 0.15];
    const at = (offset: number) => ticks.map((t) => t + offset * 1e-6);
    const series = [seriesFrom(at(1), [1, 2, 3, 4]), seriesFrom(at(2), [5, 6, NaN, 8]), seriesFrom(at(3), [9, 10, 11, 12])];
    expect(alignSeries(series).x.length).toBe(12);
    const out = alignSeries(series, 0.001);
    expect(Array.from(out.x)).toEqual(at(3));
    expect(out.ys).toEqual([[1, 2, 3, 4], [5, 6, null, 8], [9, 10, 11, 12]]);
    // Gap markers keep the real x.
    expect(out.odd).toEqual([[], [at(2)[2]], []]);
    // The value at or before a column's x is each member's own point.
    for (const [j, s] of series.entries()) expect(out.x.map((x) => valueAtOrBefore(s, x)!)).toEqual(s.y.subarray(0, s.length));
  });

  it('never puts two points of one series in a snapped column, and a column spans at most `snap` from its first x', () => {
    const a = seriesFrom([0, 1, 2, 3], [1, 2, 3, 4]);
    const b = seriesFrom([0.5, 2.6, 3.95], [5, 6, 7]);
    const out = alignSeries([a, b], 0.9);
    // 0 and 0.5 share a column; 1 is a's again → a new one; 2 and 2.6 share one; 3 starts one that 3.95 (0.95 past it) leaves.
    expect(Array.from(out.x)).toEqual([0.5, 1, 2.6, 3, 3.95]);
    expect(out.ys).toEqual([[1, 2, 3, 4, undefined], [5, undefined, 6, undefined, 7]]);
    // Every point of every series is in the table exactly once.
    const random = Array.from({ length: 7 }, (_, j) => {
      const xs: number[] = [];
      let x = j * 0.001;
      for (let i = 0; i < 200; i++) xs.push((x += 0.001 + Math.random() * 0.1));
      return seriesFrom(xs, xs.map((v) => v * j));
    });
    const snapped = alignSeries(random, 0.02);
    // Series recorded together (the i-th points within snap of each other) are aligned by index: the same table the merge makes.
    const together = Array.from({ length: 5 }, (_, j) => seriesFrom(Array.from({ length: 50 }, (_, i) => i * 0.05 + Math.random() * 1e-4), Array.from({ length: 50 }, (_, i) => (i === 7 && j === 2 ? NaN : i * j))));
    const merged = mergeColumns(together, 0.001).ys;
    const byIndex = alignSeries(together, 0.001);
    expect(byIndex.ys).toEqual(merged);
    expect(byIndex.odd[2]).toEqual([together[2]!.x[7]]);
    expect(Array.from(byIndex.x)).toEqual(Array.from({ length: 50 }, (_, i) => Math.max(...together.map((s) => s.x[i]!))));
    for (const [j, s] of random.entries()) {
      expect(snapped.ys[j]!.filter((v) => v !== undefined)).toEqual(Array.from(s.y.subarray(0, s.length)));
    }
    for (let i = 1; i < snapped.x.length; i++) expect(snapped.x[i]!).toBeGreaterThan(snapped.x[i - 1]!);
  });

  it('aligns by index series recorded together when some are a point or two ahead (as the merge would)', () => {
    const lengths = [50, 49, 50, 48, 0, 50];
    const series = lengths.map((n, j) => seriesFrom(
      Array.from({ length: n }, (_, i) => i * 0.05 + ((i * 7 + j * 3) % 10) * 1e-5),
      Array.from({ length: n }, (_, i) => (i === 3 && j === 1 ? NaN : i * j)),
    ));
    const fast = alignSeries(series, 0.001);
    const merged = mergeColumns(series, 0.001);
    expect(Array.from(fast.x)).toEqual(Array.from(merged.x));
    expect(fast.ys).toEqual(merged.ys);
    expect(fast.odd).toEqual(merged.odd);
    // The short series leave their last columns empty (spanned), not null (a gap).
    expect(fast.ys[3]!.slice(48)).toEqual([undefined, undefined]);
    expect(fast.ys[1]![3]).toBeNull();
    // Series whose i-th points are not within snap, or overlap the next ones, are merged as always.
    const apart = [seriesFrom([0, 1, 2], [1, 2, 3]), seriesFrom([0.5, 1.5], [4, 5])];
    expect(Array.from(alignSeries(apart, 0.1).x)).toEqual([0, 0.5, 1, 1.5, 2]);
    const identical = [seriesFrom([1, 2, 3], [1, 2, 3]), seriesFrom([1, 2], [4, 5])];
    expect(alignSeries(identical).ys).toEqual([[1, 2, 3], [4, 5, undefined]]);
  });

  it('gives series recorded together the merge\'s table when a tick\'s readings spread wider than the snap', () => {
    // 50 series read off the clock one after another each tick: their spread (here 1.2 ms, a 50 ms tick) exceeds a snap
    // of a few tenths of a ms while the window is a few seconds wide, and a late tick spreads over 20 ms.
    const tick = (i: number) => i * 0.05 + (i === 30 ? 0.02 : 0);
    const spread = (i: number) => (i === 30 ? 0.02 : 0.0012);
    const make = (order: (j: number) => number, lengths: (j: number) => number) => Array.from({ length: 50 }, (_, j) => {
      const n = lengths(j);
      return seriesFrom(
        Array.from({ length: n }, (_, i) => tick(i) + (order(j) / 49) * spread(i) + ((i * 13 + j * 7) % 5) * 1e-7),
        Array.from({ length: n }, (_, i) => (i === 9 && j === 4 ? NaN : i === 12 && j === 8 ? Infinity : Math.sin(i + j))),
      );
    });
    const shuffled = (j: number) => (j * 17) % 50;
    for (const series of [make((j) => j, () => 60), make((j) => j, (j) => 60 - (j % 3)), make(shuffled, () => 60)]) {
      for (const snap of [0.0002, 0.0005, 0.001, 0.005]) {
        const fast = mergeByIndex(series, snap)!;
        expect(fast).not.toBeNull();
        const merged = mergeColumns(series, snap);
        expect(Array.from(fast.x)).toEqual(Array.from(merged.x));
        expect(fast.ys).toEqual(merged.ys);
        expect(fast.odd).toEqual(merged.odd);
      }
    }
    // A column the last readings of one tick started takes the next tick's first readings when they are within the snap
    // and their series have no point in it yet — as the merge does.
    const edge = [seriesFrom([0, 1.05], [1, 2]), seriesFrom([0.99, 1.2], [3, 4]), seriesFrom([1, 1.3], [5, 6])];
    expect(Array.from(mergeByIndex(edge, 0.1)!.x)).toEqual([0, 1.05, 1.2, 1.3]);
    expect(mergeByIndex(edge, 0.1)!.ys).toEqual(mergeColumns(edge, 0.1).ys);
    expect(Array.from(mergeColumns(edge, 0.1).x)).toEqual([0, 1.05, 1.2, 1.3]);
    // Series not laid out by index (here the second starts a tick late) are left to the heap merge.
    expect(mergeByIndex([seriesFrom([0, 1, 2], [1, 2, 3]), seriesFrom([1, 2], [4, 5])], 0.1)).toBeNull();
  });

  it('passes a single series through', () => {
    const out = alignSeries([seriesFrom([1, 2], [3, 4])]);
    expect(Array.from(out.x)).toEqual([1, 2]);
    expect(out.ys).toEqual([[3, 4]]);
  });

  it('handles no series and empty series', () => {
    expect(Array.from(alignSeries([]).x)).toEqual([]);
    expect(alignSeries([emptySeries(), seriesFrom([5], [1])]).ys).toEqual([[undefined], [1]]);
  });
});

describe('truncateFrom', () => {
  it('drops the held points at or beyond x (a rewind) and counts them out of the total', () => {
    const s = seriesFrom([1, 2, 3, 4, 5], [1, 2, 3, 4, 5]);
    expect(truncateFrom(s, 3.5)).toBe(2);
    expect(Array.from(s.x.subarray(0, s.length))).toEqual([1, 2, 3]);
    expect(s.total).toBe(3);
    expect(truncateFrom(s, 10)).toBe(0);
    expect(truncateFrom(s, -1)).toBe(3);
    expect(s.length).toBe(0);
  });
});
