import { describe, expect, it } from 'vitest';
import { decimateForDisplay } from './decimate.js';
import { seriesFrom } from './series-buffer.js';

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
