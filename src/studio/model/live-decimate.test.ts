import { describe, expect, it } from 'vitest';
import { M4 } from '../../protocol/downsample.js';
import { boundHeldPoints } from './decimate.js';
import { decimateLive, GRID_SLACK, KEPT_PER_BUCKET, keepRun, liveDecimation, liveLineBound, staggeredSlack } from './live-decimate.js';
import { appendPoints, emptySeries, seriesFrom, truncateFrom } from './series-buffer.js';

/** What M4 keeps of `s` over the grid a reduction state holds (its edges are exact here: dyadic from and width). */
function m4Over(s: { x: Float64Array; y: Float64Array; length: number }, from: number, width: number, buckets: number) {
  const m4 = new M4(from, from + width * buckets, buckets);
  m4.addPoints(s.x, s.y, 0, s.length);
  return m4.result();
}

/** Points at x = 0.25, 0.75, … (never on an edge of the grids below), values with spikes, NaN and ±Infinity. */
function values(n: number): { x: number[]; y: number[] } {
  const x = Array.from({ length: n }, (_, i) => i * 0.5 + 0.25);
  const y = x.map((_, i) => (i % 97 === 13 ? NaN : i % 89 === 7 ? Infinity : i % 83 === 5 ? -Infinity : i % 41 === 3 ? 50 : Math.sin(i / 7) * (i % 5)));
  return { x, y };
}

describe('decimateLive', () => {
  it('keeps per bucket what M4 keeps, and reduces only the open bucket as points are appended', () => {
    const { x, y } = values(6000);
    const s = emptySeries(8192);
    const state = liveDecimation();
    // 128 buckets over [0, 1024 · GRID_SLACK = 1152]: 9 x units each.
    appendPoints(s, x.slice(0, 2048), y.slice(0, 2048));
    let out = decimateLive(s, 0, 1024, 128, state);
    expect(state.width).toBe(9);
    expect({ x: Array.from(out.x), y: Array.from(out.y) }).toEqual(m4Over(s, 0, 9, 128));
    let consumed = state.consumed;
    for (let n = 2048; n < 2300; n += 7) {
      appendPoints(s, x.slice(n, n + 7), y.slice(n, n + 7));
      out = decimateLive(s, 0, s.x[s.length - 1]!, 128, state);
      expect(state.width).toBe(9);
      expect(state.consumed).toBeGreaterThanOrEqual(consumed);
      consumed = state.consumed;
      expect({ x: Array.from(out.x), y: Array.from(out.y) }).toEqual(m4Over(s, 0, 9, 128));
    }
    expect(out.length).toBeLessThan(128 * 5);
    expect(out.downsampled).toBe(true);
  });

  it('lays the grid anew when the window outgrows it, the width changes or the held points are edited', () => {
    const { x, y } = values(4000);
    const s = seriesFrom(x.slice(0, 2048), y.slice(0, 2048));
    const state = liveDecimation();
    decimateLive(s, 0, 1024, 128, state);
    expect(state.width).toBe(9);
    // The window reaches past the grid (1152): a grid over 1280 · GRID_SLACK = 1440, 11.25 a bucket.
    appendPoints(s, x.slice(2048, 2560), y.slice(2048, 2560));
    let out = decimateLive(s, 0, 1280, 128, state);
    expect(state.width).toBe((1280 * GRID_SLACK) / 128);
    expect({ x: Array.from(out.x), y: Array.from(out.y) }).toEqual(m4Over(s, 0, 11.25, 128));
    // Another width.
    out = decimateLive(s, 0, 1280, 256, state);
    expect(state.buckets).toBe(256);
    expect({ x: Array.from(out.x), y: Array.from(out.y) }).toEqual(m4Over(s, 0, 1440 / 256, 256));
    // A rewind, then other points appended where the old ones were.
    truncateFrom(s, 1000);
    appendPoints(s, x.slice(2000, 2400).map((v) => v + 0.125), y.slice(0, 400));
    out = decimateLive(s, 0, 1280, 256, state);
    expect({ x: Array.from(out.x), y: Array.from(out.y) }).toEqual(m4Over(s, 0, 1440 / 256, 256));
    // The older half reduced in place (the live window's bound): same buffers, other points.
    boundHeldPoints(s, 2048, 1000);
    out = decimateLive(s, 0, 1280, 256, state);
    expect({ x: Array.from(out.x), y: Array.from(out.y) }).toEqual(m4Over(s, 0, 1440 / 256, 256));
  });

  it('allocates its kept points whole at the first live draw, and never again as the window fills and the grid is laid anew', () => {
    const { x, y } = values(8192);
    const s = emptySeries(8192);
    const state = liveDecimation();
    // A few points, far from 4 a pixel: passed through, but the buffers for the whole window are there already.
    appendPoints(s, x.slice(0, 10), y.slice(0, 10));
    expect(decimateLive(s, 0, s.x[s.length - 1]!, 128, state)).toBe(s);
    const buffers = [state.x, state.y];
    expect(state.x.length).toBe(KEPT_PER_BUCKET * 128);
    // Spikes and NaN everywhere: up to KEPT_PER_BUCKET points a bucket.
    for (let n = 10; n < 8192; n += 37) {
      appendPoints(s, x.slice(n, n + 37), y.slice(n, n + 37));
      const out = decimateLive(s, 0, s.x[s.length - 1]!, 128, state);
      expect(out.length).toBeLessThanOrEqual(liveLineBound(s.x.length, 128));
    }
    expect(state.width).toBeGreaterThan(0);
    expect(state.x === buffers[0] && state.y === buffers[1]).toBe(true);
    // Buffers that hold no more than 4 points a pixel are never reduced: nothing is allocated for them.
    const small = liveDecimation();
    decimateLive(seriesFrom(x.slice(0, 100), y.slice(0, 100)), 0, 50, 128, small);
    expect(small.x.length).toBe(0);
    // A wider chart: allocated once more, at the new size.
    decimateLive(s, 0, s.x[s.length - 1]!, 256, state);
    expect(state.x.length).toBe(KEPT_PER_BUCKET * 256);
  });

  it('passes a series through while it holds at most 4 points per pixel', () => {
    const { x, y } = values(512);
    const s = seriesFrom(x, y);
    expect(decimateLive(s, 0, 256, 128, liveDecimation())).toBe(s);
  });
});

describe('keepRun', () => {
  it('keeps first, lowest, highest and last in x order, each once, and the first NaN, +∞ and −∞ unless one of that kind is kept', () => {
    const run = (ys: number[]) => {
      const x = Float64Array.from(ys, (_, i) => i);
      const outX = new Float64Array(8);
      const outY = new Float64Array(8);
      const n = keepRun(x, Float64Array.from(ys), 0, ys.length, outX, outY, 1);
      return Array.from(outX.subarray(1, n));
    };
    expect(run([5, 1, 9, 3])).toEqual([0, 1, 2, 3]);
    expect(run([5, 9, 1, 3])).toEqual([0, 1, 2, 3]);
    expect(run([1, 5, 9])).toEqual([0, 2]);
    expect(run([7])).toEqual([0]);
    // Ties: the earliest lowest and highest.
    expect(run([2, 1, 1, 3, 3, 2])).toEqual([0, 1, 3, 5]);
    // A NaN inside is kept; one at an end already is.
    expect(run([2, NaN, 1, 3, 2])).toEqual([0, 1, 2, 3, 4]);
    // The first NaN, +Infinity and −Infinity each, unless an end already is of that kind: a NaN first no longer hides a
    // +Infinity (its ▲ was lost in a bulk run's full view).
    expect(run([NaN, 2, Infinity, 1, 3])).toEqual([0, 2, 3, 4]);
    expect(run([2, NaN, Infinity, -Infinity, NaN, Infinity, 1, 3])).toEqual([0, 1, 2, 3, 6, 7]);
    expect(run([Infinity, 2, Infinity, -Infinity, 3])).toEqual([0, 1, 3, 4]);
    expect(run([NaN, NaN])).toEqual([0, 1]);
  });
});

describe('staggeredSlack', () => {
  it('lays the grids of lines laid together again at different redraws when their slack is staggered', () => {
    const lines = 16;
    const held = Array.from({ length: lines }, () => emptySeries(1 << 16));
    const states = Array.from({ length: lines }, (_, i) => liveDecimation(staggeredSlack(i)));
    const laidAt = new Map<number, number>();
    for (let step = 0; step < 600; step++) {
      const x = Array.from({ length: 20 }, (_, k) => step * 20 + k);
      for (const s of held) appendPoints(s, x, x.map(Math.sin));
      if (step < 100) continue;
      const to = held[0]!.x[held[0]!.length - 1]!;
      states.forEach((state, i) => {
        const before = state.layouts;
        decimateLive(held[i]!, 0, to, 100, state);
        if (step > 100 && state.layouts > before) laidAt.set(step, (laidAt.get(step) ?? 0) + 1);
      });
    }
    // Each line was laid again several times, never more than a quarter of them at one redraw (all at once unstaggered).
    expect([...laidAt.values()].reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(3 * lines);
    expect(Math.max(...laidAt.values())).toBeLessThanOrEqual(lines / 4);
    expect(states.every((s) => s.slack >= GRID_SLACK && s.slack < GRID_SLACK * 1.112)).toBe(true);
  });
});
