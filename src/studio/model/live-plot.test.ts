import { describe, expect, it } from 'vitest';
import { mulberry32 as random } from '../../../test/helpers/rng.js';
import { boundHeldPoints } from './decimate.js';
import { decimateLive, liveDecimation, settledPoints, staggeredSlack, type LiveDecimation } from './live-decimate.js';
import { LivePlot, PLOT_LIMIT, type TableGrid } from './live-plot.js';
import type { AxisModel, LineSeriesModel } from './panels.js';
import { plotData, type PlotData } from './plot-frame.js';
import { appendPoints, emptySeries, truncateFrom, type SeriesBuffer } from './series-buffer.js';

const lines: LineSeriesModel[] = Array.from({ length: 5 }, (_, j) => ({ key: `s${j}`, label: `s${j}`, short: `s${j}`, scale: j < 3 ? 'y' : 'y2', color: j }) as unknown as LineSeriesModel);
const axes = [{ scale: 'y', side: 'left' }, { scale: 'y2', side: 'right' }] as unknown as AxisModel[];

/** The sampled table made from scratch on `grid`: per cell with points, a column at the largest x shown; each line shows its last finite point of the cell, else its last. */
function tableOn(grid: TableGrid, drawn: readonly SeriesBuffer[], clamp: (j: number, v: number) => number): { x: number[]; ys: (number | null | undefined)[][] } {
  const cellOf = (x: number) => Math.min(grid.cells - 1, Math.max(0, Math.floor((x - grid.from) / grid.width)));
  const picks = drawn.map((s) => {
    const at = new Map<number, number>();
    for (let i = 0; i < s.length; i++) {
      const c = cellOf(s.x[i]!);
      const p = at.get(c);
      if (p === undefined || Number.isFinite(s.y[i]!) || !Number.isFinite(s.y[p]!)) at.set(c, i);
    }
    return at;
  });
  const cells = [...new Set(picks.flatMap((at) => [...at.keys()]))].sort((a, b) => a - b);
  const x = cells.map((c) => Math.max(...drawn.map((s, j) => (picks[j]!.has(c) ? s.x[picks[j]!.get(c)!]! : -Infinity))));
  const ys = drawn.map((s, j) => cells.map((c) => {
    const p = picks[j]!.get(c);
    if (p === undefined) return undefined;
    return Number.isFinite(s.y[p]!) ? clamp(j, s.y[p]!) : null;
  }));
  return { x, ys };
}

/** x of the finite points of `s` with no finite neighbour. */
function isolatedX(s: SeriesBuffer): number[] {
  const out: number[] = [];
  const f = (i: number) => Number.isFinite(s.y[i]!);
  for (let i = 0; i < s.length; i++) if (f(i) && (i === 0 || !f(i - 1)) && (i === s.length - 1 || !f(i + 1))) out.push(s.x[i]!);
  return out;
}

/** Live redraws of five series streaming in, each compared with a redraw made from scratch of the same lines. */
function stream(seed: number, steps: number, opts: { pixels: number; bound: number; odd: number; far: number }): number {
  const rng = random(seed);
  const held = lines.map(() => emptySeries(64));
  const states: LiveDecimation[] = lines.map((_, j) => liveDecimation(staggeredSlack(j)));
  const live = new LivePlot();
  const next = lines.map((_, j) => j * 0.37 * rng());
  let level = 0;
  let checked = 0;
  for (let step = 0; step < steps; step++) {
    held.forEach((s, j) => {
      const n = Math.floor(rng() * 12);
      const xs: number[] = [];
      const ys: number[] = [];
      for (let i = 0; i < n; i++) {
        next[j] = next[j]! + 0.05 + rng() * (rng() < 0.05 ? 20 : 1);
        xs.push(next[j]!);
        level += (rng() - 0.5) * 0.1;
        const r = rng();
        ys.push(r < opts.odd ? [NaN, Infinity, -Infinity][Math.floor(rng() * 3)]! : r < opts.odd + opts.far ? (rng() < 0.5 ? -1 : 1) * 1e300 : level + j);
      }
      boundHeldPoints(s, opts.bound, xs.length);
      appendPoints(s, xs, ys, opts.bound);
      // Now and then a rewind (an edit of the held points).
      if (rng() < 0.01 && s.length > 4) truncateFrom(s, s.x[s.length - 3]!);
    });
    let from = Infinity;
    let to = -Infinity;
    for (const s of held) if (s.length > 0) { from = Math.min(from, s.x[0]!); to = Math.max(to, s.x[s.length - 1]!); }
    if (!(to > from)) continue;
    const drawn = held.map((s, j) => decimateLive(s, from, to, opts.pixels, states[j]!));
    const settled = held.map((s, j) => settledPoints(s, drawn[j]!, states[j]!));
    const snap = (to - from) / opts.pixels;
    const frameOpts = { heightPx: 200, snap, sampled: true };
    const got: PlotData = plotData(drawn, lines, axes, { ...frameOpts, live: { plot: live, settled } });
    const want: PlotData = plotData(drawn, lines, axes, frameOpts);
    const framing = (d: PlotData) => [...d.frames].map(([k, f]) => [k, f.origin, f.unit, f.plotMin, f.plotMax, f.plotTicks, f.ticks.labels]);
    expect(framing(got)).toEqual(framing(want));
    expect(got.odd).toEqual(drawn.map((s) => Array.from(s.x.subarray(0, s.length)).filter((_, i) => !Number.isFinite(s.y[i]!))));
    const grid = live.tableGrid;
    if (grid === null) {
      // Lines no denser than a pixel are aligned as before.
      expect(got.ys).toEqual(want.ys);
      continue;
    }
    checked++;
    const wrong: string[] = [];
    got.lines.forEach((l, j) => {
      const w = want.lines[j]!;
      for (let i = 0; i < l.length; i++) {
        const [a, b] = [l.y[i]!, w.y[i]!];
        // The table and the line layer clamp to the window; the kept plot units only to ±PLOT_LIMIT.
        const far = Number.isFinite(b) && Math.abs(b) >= 1e5 && Math.abs(a) >= Math.abs(b) && Math.abs(a) <= PLOT_LIMIT;
        if (!far && !Object.is(a, b)) wrong.push(`line ${j} point ${i}: ${a} for ${b}`);
      }
    });
    expect(wrong).toEqual([]);
    const clampOf = (j: number, v: number) => {
      const f = got.frames.get(lines[j]!.scale)!;
      const span = f.plotMax - f.plotMin;
      return Math.max(f.plotMin - 1e6 * span, Math.min(f.plotMax + 1e6 * span, v));
    };
    const table = tableOn(grid, got.lines, clampOf);
    expect(Array.from(got.x)).toEqual(table.x);
    expect(got.ys).toEqual(table.ys);
    // Each isolated point's index is that of the first column at or after its x.
    expect(got.isolated).toEqual(drawn.map((s) => isolatedX(s).map((x) => table.x.findIndex((c) => c >= x)).map((i) => (i < 0 ? table.x.length : i))));
  }
  return checked;
}

describe('LivePlot', () => {
  it('gives each live redraw what a redraw from scratch gives: frames, plot units, gaps, isolated points and the sampled table', () => {
    for (let seed = 1; seed <= 6; seed++) expect(stream(seed, 220, { pixels: 40, bound: 600, odd: 0.03, far: 0.002 })).toBeGreaterThan(50);
  });

  it('holds with sparse odd values, no far values, a wider plot and bounded held points being reduced', () => {
    for (let seed = 11; seed <= 14; seed++) expect(stream(seed, 300, { pixels: 120, bound: 256, odd: 0.002, far: 0 })).toBeGreaterThan(50);
  });

  it('holds when most values are NaN or ±Infinity (isolated points everywhere)', () => {
    for (let seed = 21; seed <= 23; seed++) expect(stream(seed, 200, { pixels: 30, bound: 1000, odd: 0.6, far: 0.05 })).toBeGreaterThan(30);
  });

  it('keeps each line\'s plot units in one array while its reduction grows (not a new one every redraw), also when first drawn already reduced', () => {
    const s = emptySeries(8192);
    const state = liveDecimation();
    const live = new LivePlot();
    const one = lines.slice(0, 1);
    const arrays = new Set<Float64Array>();
    let x = 0;
    for (let redraw = 0; redraw < 300; redraw++) {
      const xs = Array.from({ length: 20 }, () => (x += 1));
      appendPoints(s, xs, xs.map((v) => Math.sin(v / 50)));
      const drawn = decimateLive(s, 1, x, 100, state);
      // The chart comes live on a series already held reduced (a long run opened while it streams).
      if (redraw < 50) continue;
      const d = plotData([drawn], one, axes, { heightPx: 200, snap: (x - 1) / 100, sampled: true, live: { plot: live, settled: [settledPoints(s, drawn, state)] } });
      if (drawn !== s) arrays.add(d.lines[0]!.y);
    }
    expect(state.layouts).toBeGreaterThan(3);
    expect(arrays.size).toBeLessThanOrEqual(2);
  });
});
