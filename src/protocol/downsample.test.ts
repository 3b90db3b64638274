import { describe, expect, it } from 'vitest';
import { bucketsForBudget, M4, type PointSummary } from './downsample.js';

function m4Of(x: number[], y: number[], buckets: number): { x: number[]; y: number[] } {
  const m = new M4(x[0]!, x[x.length - 1]!, buckets);
  m.addPoints(x, y);
  return m.result();
}

function summarize(x: number[], y: number[]): PointSummary {
  const s: PointSummary = { firstX: x[0]!, firstY: y[0]!, lastX: x.at(-1)!, lastY: y.at(-1)!, minX: NaN, minY: NaN, maxX: NaN, maxY: NaN, oddX: NaN, oddY: NaN };
  x.forEach((xi, i) => {
    const v = y[i]!;
    if (!Number.isFinite(v)) {
      if (Number.isNaN(s.oddX)) [s.oddX, s.oddY] = [xi, v];
      return;
    }
    if (Number.isNaN(s.minX) || v < s.minY) [s.minX, s.minY] = [xi, v];
    if (Number.isNaN(s.maxX) || v > s.maxY) [s.maxX, s.maxY] = [xi, v];
  });
  return s;
}

describe('M4 downsampling', () => {
  it('keeps first, min, max and last of each bucket, in x order, with real x values', () => {
    const x = [0, 1, 2, 3, 4, 5, 6, 7];
    const y = [5, 1, 9, 4, 2, 8, 3, 6];
    // Two buckets: [0, 3.5) and [3.5, 7].
    expect(m4Of(x, y, 2)).toEqual({ x: [0, 1, 2, 3, 4, 5, 7], y: [5, 1, 9, 4, 2, 8, 6] });
  });

  it('does not repeat a point that is both first and min', () => {
    expect(m4Of([0, 1, 2], [0, 5, 3], 1)).toEqual({ x: [0, 1, 2], y: [0, 5, 3] });
    expect(m4Of([10], [1], 4)).toEqual({ x: [10], y: [1] });
  });

  it('keeps a single spike among 1,000,000 points at a budget of 1000', () => {
    const n = 1_000_000;
    const x = Array.from({ length: n }, (_, i) => i);
    const y = x.map((i) => Math.sin(i / 1000));
    y[765_432] = 50;
    y[123_456] = -50;
    const out = m4Of(x, y, bucketsForBudget(1000));
    expect(out.x.length).toBeLessThanOrEqual(1000);
    expect(out.y).toContain(50);
    expect(out.y).toContain(-50);
    expect(out.x[out.y.indexOf(50)]).toBe(765_432);
    expect(out.x[0]).toBe(0);
    expect(out.x.at(-1)).toBe(n - 1);
  });

  it('keeps NaN and infinities, and min/max ignore NaN', () => {
    const x = Array.from({ length: 100 }, (_, i) => i);
    const y = x.map((i) => i % 10);
    y[42] = NaN;
    y[77] = Infinity;
    const out = m4Of(x, y, 4);
    expect(out.x).toContain(42);
    expect(Number.isNaN(out.y[out.x.indexOf(42)]!)).toBe(true);
    expect(out.y).toContain(Infinity);
    // min/max of the bucket holding the NaN are still the finite 0 and 9.
    expect(out.y.slice(0, out.x.indexOf(42) + 1).filter(Number.isFinite)).toEqual(expect.arrayContaining([0, 9]));
  });

  it('keeps the first NaN, +Inf and −Inf of a bucket each: a NaN before a +Inf no longer hides its ▲ (tester: bulk run)', () => {
    // One bucket of 1,200 points with a NaN at 100, +Inf at 600 and 900, −Inf at 1,000 (as the bulk run's specials 991 apart).
    const x = Array.from({ length: 1200 }, (_, i) => i);
    const y = x.map((i) => (i === 100 ? NaN : i === 600 || i === 900 ? Infinity : i === 1000 ? -Infinity : Math.sin(i)));
    for (const out of [m4Of(x, y, 1), (() => {
      const m = new M4(0, 1199, 1);
      x.forEach((xi, i) => m.add(xi, y[i]!));
      return m.result();
    })()]) {
      expect(out.x.filter((_, k) => !Number.isFinite(out.y[k]!))).toEqual([100, 600, 1000]);
    }
    // A kind a kept point already shows is not added again: a bucket starting with NaN keeps no second NaN.
    const nanFirst = m4Of([0, 1, 2, 3], [NaN, 1, NaN, 2], 1);
    expect(nanFirst.x).toEqual([0, 1, 3]);
  });

  it('keeps a bucket made only of NaN as one point at least', () => {
    const out = m4Of([0, 1, 2, 3], [NaN, NaN, NaN, NaN], 1);
    expect(out.x).toEqual([0, 3]);
    expect(out.y.every(Number.isNaN)).toBe(true);
  });

  it('gives the same result from block summaries as from the points when blocks lie inside buckets', () => {
    let seed = 7;
    const rand = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
    const x = Array.from({ length: 4096 }, (_, i) => i * 0.5);
    const y = x.map(() => (rand() < 0.01 ? NaN : rand() * 100 - 50));
    const buckets = 16; // 256 points a bucket: each 64-point block lies in one bucket.
    const fromPoints = m4Of(x, y, buckets);
    const m = new M4(x[0]!, x.at(-1)!, buckets);
    for (let b = 0; b < x.length; b += 64) m.addSummary(summarize(x.slice(b, b + 64), y.slice(b, b + 64)));
    expect(m.result()).toEqual(fromPoints);
  });

  it('adds runs of points exactly as one by one: ties, repeats, NaN and ±Infinity, in pieces', () => {
    let seed = 11;
    const rand = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
    for (let round = 0; round < 50; round++) {
      const n = 1 + Math.floor(rand() * 3000);
      const x = Array.from({ length: n }, (_, i) => i * 0.25 + (i % 3) * 0.01);
      const y = x.map(() => {
        const r = rand();
        return r < 0.02 ? NaN : r < 0.03 ? Infinity : r < 0.04 ? -Infinity : r < 0.5 ? Math.floor(r * 10) : r * 100;
      });
      const buckets = 1 + Math.floor(rand() * 400);
      const one = new M4(x[0]!, x.at(-1)!, buckets);
      x.forEach((v, i) => one.add(v, y[i]!));
      const runs = new M4(x[0]!, x.at(-1)!, buckets);
      const cut = Math.floor(rand() * n);
      runs.addPoints(x, y, 0, cut);
      runs.addPoints(x, y, cut);
      expect(runs.result()).toEqual(one.result());
    }
  });

  it('adds runs exactly as one by one at bucket edges, large offsets and outside [from, to]', () => {
    for (const [offset, step, from, to, buckets] of [[0, 0.1, 0.3, 99.7, 7], [1.7e12, 1, 1.7e12 + 10, 1.7e12 + 9010, 900], [1e15, 2, 1e15, 1e15 + 3000, 1000], [-50, 1 / 3, -40, 40, 13]] as const) {
      const x = Array.from({ length: 5000 }, (_, i) => offset + i * step);
      const y = x.map((_, i) => Math.sin(i) * 10);
      const one = new M4(from, to, buckets);
      x.forEach((v, i) => one.add(v, y[i]!));
      const runs = new M4(from, to, buckets);
      runs.addPoints(x, y);
      expect(runs.result()).toEqual(one.result());
    }
  });

  it('puts points outside [from, to] into the edge buckets and copes with from === to', () => {
    const m = new M4(5, 5, 10);
    m.add(5, 1);
    expect(m.result()).toEqual({ x: [5], y: [1] });
    expect(new M4(0, 10, 10).bucketOf(-3)).toBe(0);
    expect(new M4(0, 10, 10).bucketOf(10)).toBe(9);
  });

  it('turns a budget into buckets of four points', () => {
    expect(bucketsForBudget(2000)).toBe(500);
    expect(bucketsForBudget(3)).toBe(1);
  });
});

describe('M4.writeKept', () => {
  it('writes exactly the points result() returns, at an offset, keptCount() of them', () => {
    let seed = 7;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (const n of [0, 1, 5, 1000, 20_000]) {
      const x = Array.from({ length: n }, (_, i) => Math.floor(i / 3) * 0.5 + (i % 3) * 0.1);
      const y = x.map((_, i) => (i % 97 === 5 ? NaN : i % 89 === 3 ? -Infinity : rand() * 10 - 5));
      const m4 = new M4(0, x.at(-1) ?? 1, 300);
      m4.addPoints(x, y);
      const expected = m4.result();
      expect(m4.keptCount()).toBe(expected.x.length);
      const xs = new Float64Array(expected.x.length + 2).fill(-1);
      const ys = new Float64Array(expected.x.length + 2).fill(-1);
      m4.writeKept(xs, ys, 1);
      expect(Array.from(xs.subarray(1, 1 + expected.x.length))).toEqual(expected.x);
      expect(Array.from(ys.subarray(1, 1 + expected.x.length))).toEqual(expected.y);
      expect([xs[0], xs.at(-1)]).toEqual([-1, -1]);
    }
  });

  it('after reset(from, to), reduces as a new M4 over that range would (the buffers reused)', () => {
    const x = Array.from({ length: 5000 }, (_, i) => i * 0.01);
    const y = x.map((v, i) => (i % 211 === 7 ? NaN : Math.sin(v * 3)));
    const reused = new M4(0, 10, 120);
    reused.addPoints(x, y);
    for (const [from, to] of [[0, 49.99], [10, 20], [5, 5]] as const) {
      const fresh = new M4(from, to, 120);
      fresh.addPoints(x, y);
      reused.reset(from, to).addPoints(x, y);
      expect(reused.result()).toEqual(fresh.result());
      expect([reused.from, reused.to, reused.bucketWidth]).toEqual([from, to, fresh.bucketWidth]);
    }
  });
});
