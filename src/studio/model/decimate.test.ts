import { describe, expect, it } from 'vitest';
import { boundHeldPoints, decimateForDisplay } from './decimate.js';
import { appendPoints, seriesFrom } from './series-buffer.js';

function series(n: number, f: (i: number) => number) {
  const x = Array.from({ length: n }, (_, i) => i);
  return seriesFrom(x, x.map(f));
}

describe('decimateForDisplay', () => {
  it('returns the series itself when it is small', () => {
    const s = series(100, (i) => i);
    expect(decimateForDisplay(s, 0, 99, 100)).toBe(s);
  });

  it('bounds the points to about five per pixel and keeps every spike and NaN', () => {
    const s = series(1_000_000, (i) => (i === 123_457 ? 1000 : i === 765_431 ? -1000 : i === 500_001 ? NaN : Math.sin(i / 1000)));
    const d = decimateForDisplay(s, 0, 999_999, 500);
    expect(d.length).toBeLessThanOrEqual(500 * 5 + 2);
    const ys = Array.from(d.y.subarray(0, d.length));
    expect(ys).toContain(1000);
    expect(ys).toContain(-1000);
    expect(ys.some(Number.isNaN)).toBe(true);
    expect(d.x[0]).toBe(0);
    expect(d.x[d.length - 1]).toBe(999_999);
    for (let i = 1; i < d.length; i++) expect(d.x[i]!).toBeGreaterThan(d.x[i - 1]!);
    expect(d.downsampled).toBe(true);
  });

  it('keeps one neighbour outside a zoomed range so lines reach the edges', () => {
    const s = series(100_000, (i) => i);
    const d = decimateForDisplay(s, 50_000.5, 50_100.5, 400);
    expect(d.x[0]).toBe(50_000);
    expect(d.x[d.length - 1]).toBe(50_101);
    expect(d.length).toBe(102);
  });
});

describe('boundHeldPoints', () => {
  it('leaves a series within the bound alone', () => {
    const s = series(1000, (i) => i);
    expect(boundHeldPoints(s, 8192)).toBe(false);
    expect(s.length).toBe(1000);
  });

  it('keeps the newest half exact, reduces the older half, keeps spikes and marks the series downsampled', () => {
    const s = series(20_000, (i) => (i === 777 ? 1e6 : i % 2));
    expect(boundHeldPoints(s, 8192)).toBe(true);
    expect(s.length).toBeLessThanOrEqual(8192);
    expect(s.downsampled).toBe(true);
    expect(s.total).toBe(20_000);
    const xs = Array.from(s.x.subarray(0, s.length));
    expect(xs.slice(-4096)).toEqual(Array.from({ length: 4096 }, (_, i) => 20_000 - 4096 + i));
    expect(Array.from(s.y.subarray(0, s.length))).toContain(1e6);
    for (let i = 1; i < xs.length; i++) expect(xs[i]!).toBeGreaterThan(xs[i - 1]!);
  });

  it('stays bounded as points keep arriving', () => {
    const s = series(0, (i) => i);
    for (let i = 0; i < 100_000; i += 100) {
      appendPoints(s, Array.from({ length: 100 }, (_, k) => i + k), Array.from({ length: 100 }, (_, k) => Math.sin(i + k)));
      boundHeldPoints(s, 8192);
      expect(s.length).toBeLessThanOrEqual(8192);
    }
    expect(s.total).toBe(100_000);
    expect(s.x[s.length - 1]).toBe(99_999);
  });

  it('makes room for an append in place: once at the bound, the buffers are exactly max long and never reallocated', () => {
    const max = 8192;
    const s = series(0, (i) => i);
    let buffers: [Float64Array, Float64Array] | null = null;
    let reductions = 0;
    for (let i = 0; i < 100_000; i += 7) {
      const xs = Array.from({ length: 7 }, (_, k) => i + k);
      if (boundHeldPoints(s, max, xs.length)) reductions++;
      appendPoints(s, xs, xs.map((v) => (v === 50_001 ? 1e9 : Math.sin(v))), max);
      expect(s.length).toBeLessThanOrEqual(max);
      expect(s.x.length).toBeLessThanOrEqual(max);
      if (reductions > 0) {
        buffers ??= [s.x, s.y];
        expect(s.x).toBe(buffers[0]);
        expect(s.y).toBe(buffers[1]);
      }
    }
    expect(reductions).toBeGreaterThan(10);
    expect(s.x.length).toBe(max);
    // The last batch starts at 99,995 (the largest multiple of 7 below 100,000).
    expect(s.total).toBe(100_002);
    const xs = Array.from(s.x.subarray(0, s.length));
    for (let i = 1; i < xs.length; i++) expect(xs[i]!).toBeGreaterThan(xs[i - 1]!);
    // The newest max / 2 points are exact and end at the last appended x; the spike survives every in-place reduction.
    expect(xs.at(-1)).toBe(s.total - 1);
    expect(xs.slice(-max / 2)).toEqual(Array.from({ length: max / 2 }, (_, k) => s.total - max / 2 + k));
    expect(Array.from(s.y.subarray(0, s.length))).toContain(1e9);
  });

  it('reallocates to exactly max a buffer of another size (a history read), and falls back when the append is larger than max / 4', () => {
    const s = series(10_000, (i) => i);
    expect(s.x.length).toBe(10_000);
    expect(boundHeldPoints(s, 8192, 10)).toBe(true);
    expect(s.x.length).toBe(8192);
    expect(s.length + 10).toBeLessThanOrEqual(8192);
    const t = series(8000, (i) => i);
    expect(boundHeldPoints(t, 8192, 5000)).toBe(true);
    appendPoints(t, Array.from({ length: 5000 }, (_, k) => 8000 + k), Array.from({ length: 5000 }, (_, k) => 8000 + k), 8192);
    expect(t.length).toBeGreaterThan(8192);
    boundHeldPoints(t, 8192);
    expect(t.length).toBeLessThanOrEqual(8192);
    expect(t.x.length).toBe(8192);
    expect(t.x[t.length - 1]).toBe(12_999);
  });
});
