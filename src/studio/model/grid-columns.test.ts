import { describe, expect, it } from 'vitest';
import { mulberry32 as random } from '../../../test/helpers/rng.js';
import { gridColumns, type TableColumns } from './grid-columns.js';
import { valueAtOrBefore } from './readout.js';
import { alignSeries, mergeColumns, seriesFrom, type SeriesBuffer } from './series-buffer.js';

/** What every table must be: x strictly increasing; each point in a column of its own series, in order; each column
 *  within one cell of its members and at or after them, so the value at or before a column's x is the member's own. */
function expectTable(series: readonly SeriesBuffer[], snap: number, t: TableColumns): void {
  for (let i = 1; i < t.x.length; i++) expect(t.x[i]!).toBeGreaterThan(t.x[i - 1]!);
  const used = new Uint8Array(t.x.length);
  series.forEach((s, j) => {
    const at = t.column[j]!;
    expect(at.length).toBe(s.length);
    for (let i = 0; i < s.length; i++) {
      const col = at[i]!;
      if (i > 0) expect(col).toBeGreaterThan(at[i - 1]!);
      const x = t.x[col]!;
      expect(x).toBeGreaterThanOrEqual(s.x[i]!);
      expect(x - s.x[i]!).toBeLessThan(snap);
      expect(valueAtOrBefore(s, x)).toBe(s.y[i]);
      used[col] = 1;
    }
  });
  // No empty column.
  expect(used.every((u) => u === 1)).toBe(true);
}

const tick = 50;

/** `k` series recorded together every `tick` ms, each with its own clock reading `spread(i, j)` ms after the tick. */
function together(k: number, n: number, spread: (i: number, j: number) => number, base = 1.7e12): SeriesBuffer[] {
  return Array.from({ length: k }, (_, j) => seriesFrom(
    Array.from({ length: n }, (_, i) => base + i * tick + spread(i, j)),
    Array.from({ length: n }, (_, i) => Math.sin(i / 10 + j)),
  ));
}

describe('gridColumns', () => {
  it('puts series stamped microseconds apart in one column per tick, even after a tick whose readings spread past the snap', () => {
    // 50 series, 2 s of them on a chart 2,500 px wide (the snap, a quarter pixel, is 0.2 ms); at tick 20 the recording
    // client stalled: the last 25 readings came 1.2 ms late.
    const series = together(50, 40, (i, j) => j * 0.002 + (i === 20 && j >= 25 ? 1.2 : 0));
    const t = gridColumns(series, 0.2)!;
    expectTable(series, 0.2, t);
    // One column a tick, and the stalled tick in two (early and late readings): not one column per point.
    expect(t.x.length).toBe(41);
    const aligned = alignSeries(series, 0.2);
    expect(aligned.x.length).toBe(41);
    expect(aligned.ys[0]!.length).toBe(41);
    // The heap merge made the same 41 columns, at O(points · log series).
    expect(Array.from(aligned.x)).toEqual(Array.from(mergeColumns(series, 0.2).x));
  });

  it('keeps a column per distinct x in a crowded cell (a series denser than the snap), shared where x are equal', () => {
    const dense = seriesFrom([0, 0.1, 0.2, 0.3, 1.05], [1, 2, 3, 4, 5]);
    const sparse = seriesFrom([0.1, 0.25, 1.1], [6, 7, 8]);
    const t = gridColumns([dense, sparse], 1)!;
    expectTable([dense, sparse], 1, t);
    expect(Array.from(t.x)).toEqual([0, 0.1, 0.2, 0.25, 0.3, 1.1]);
    expect(Array.from(t.column[0]!)).toEqual([0, 1, 2, 4, 5]);
    expect(Array.from(t.column[1]!)).toEqual([1, 3, 5]);
  });

  it('makes a valid table from random series (dense, sparse, offset, negative, near 2^53) for any snap', () => {
    const rnd = random(20261201);
    let tables = 0;
    for (let round = 0; round < 300; round++) {
      const k = 1 + Math.floor(rnd() * 8);
      const base = [0, -1e6, 2 ** 53 - 1e6, -(2 ** 53) + 10, 1.7e12][round % 5]!;
      const step = [0.001, 1, 50, 1e-3 * (1 + rnd())][round % 4]!;
      const series = Array.from({ length: k }, () => {
        const n = Math.floor(rnd() * 60);
        const x: number[] = [];
        let v = base + rnd() * step * 3;
        for (let i = 0; i < n; i++) {
          // Near 2^53 a small step may not move x: held x are unique, so such a point is not recorded.
          if (x.length === 0 || v > x[x.length - 1]!) x.push(v);
          v += rnd() < 0.2 ? step * 10 * rnd() : step * (0.5 + rnd());
        }
        return seriesFrom(x, x.map((_, i) => (rnd() < 0.05 ? NaN : i)));
      });
      const snap = step * [0.01, 0.25, 1, 7][round % 4]!;
      const t = gridColumns(series, snap);
      if (!t) continue;
      tables++;
      expectTable(series, snap, t);
      // The aligned table holds every point once, at its column, and the gaps as null.
      const aligned = alignSeries(series, snap);
      series.forEach((s, j) => {
        const values = aligned.ys[j]!.filter((v) => v !== undefined);
        expect(values).toEqual(Array.from(s.y.subarray(0, s.length), (v) => (Number.isFinite(v) ? v : null)));
      });
    }
    expect(tables).toBeGreaterThan(250);
  });

  it('gives no table when the x range holds far more cells than points (the merge then aligns)', () => {
    const series = [seriesFrom([0, 1e9], [1, 2]), seriesFrom([5e8], [3])];
    expect(gridColumns(series, 1e9 / 1000)).not.toBeNull();
    expect(gridColumns(series, 1)).toBeNull();
    expect(Array.from(alignSeries(series, 1).x)).toEqual(Array.from(mergeColumns(series, 1).x));
  });

  it('handles empty series', () => {
    expect(gridColumns([seriesFrom([], []), seriesFrom([], [])], 1)!.x.length).toBe(0);
    const t = gridColumns([seriesFrom([], []), seriesFrom([3, 4], [1, 2])], 1)!;
    expect(Array.from(t.x)).toEqual([3, 4]);
    expect(t.column.map((c) => Array.from(c))).toEqual([[], [0, 1]]);
  });
});

describe('gridColumns, sampled', () => {
  it('puts one point of each series per cell in the table (its last finite one, else its last); the rest get −1', () => {
    // Cells 1 wide: a has 3 points in cell 0 (the last a NaN), 1 in cell 2; b has NaN, NaN in cell 1.
    const a = seriesFrom([0, 0.3, 0.6, 2.5], [1, 2, NaN, 4]);
    const b = seriesFrom([1.2, 1.7], [NaN, NaN]);
    const t = gridColumns([a, b], 1, true)!;
    expect(Array.from(t.x)).toEqual([0.3, 1.7, 2.5]);
    expect(Array.from(t.column[0]!)).toEqual([-1, 0, -1, 2]);
    expect(Array.from(t.column[1]!)).toEqual([-1, 1]);
    // In the aligned table the NaN not in it is still a listed gap.
    const aligned = alignSeries([a, b], 1, true);
    expect(aligned.ys).toEqual([[2, undefined, 4], [undefined, null, undefined]]);
    expect(aligned.odd).toEqual([[0.6], [1.2, 1.7]]);
  });

  it('bounds the table by the cells whatever the number of points (a full live window of 50 series per pixel)', () => {
    // 50 series × 8,192 points on 1,400 pixels, each reduced differently (not laid out by index): one column a pixel.
    const rnd = random(7);
    const series = Array.from({ length: 50 }, (_, j) => {
      const x: number[] = [];
      for (let i = 0, v = j * 0.01; i < 8192; i++) x.push((v += 25 + rnd() * 50));
      return seriesFrom(x, x.map((_, i) => Math.sin(i / 50 + j)));
    });
    const span = Math.max(...series.map((s) => s.x[s.length - 1]!)) - Math.min(...series.map((s) => s.x[0]!));
    const snap = span / 1400;
    const aligned = alignSeries(series, snap, true);
    expect(aligned.x.length).toBeLessThanOrEqual(1401);
    for (let i = 1; i < aligned.x.length; i++) expect(aligned.x[i]!).toBeGreaterThan(aligned.x[i - 1]!);
    // Each series' value in a column is its last point at or before the column's x (the cursor reads the real values).
    for (const [j, s] of series.entries()) {
      for (let c = 0; c < aligned.x.length; c += 97) {
        const v = aligned.ys[j]![c];
        if (v !== undefined) expect(v).toBe(valueAtOrBefore(s, aligned.x[c]!));
      }
    }
    // Unsampled, the same series make a column for nearly every point.
    expect(alignSeries(series, snap / 4).x.length).toBeGreaterThan(20_000);
  });
});
