import { describe, expect, it } from 'vitest';
import { formatLogTick, logAxisTicks } from './ticks.js';

/** Labelled ticks are at least `spacePx` apart along the axis. */
function expectNoOverlap(t: ReturnType<typeof logAxisTicks>, lo: number, hi: number, lengthPx: number, spacePx: number) {
  const px = t.positions.filter((_, i) => t.labels[i] !== '').map((p) => ((p - lo) / (hi - lo)) * lengthPx);
  for (let i = 1; i < px.length; i++) expect(px[i]! - px[i - 1]!).toBeGreaterThanOrEqual(spacePx - 1e-6);
  for (const p of t.positions) {
    expect(p).toBeGreaterThanOrEqual(lo - 1e-9);
    expect(p).toBeLessThanOrEqual(hi + 1e-9);
  }
  expect(t.positions.length).toBeLessThanOrEqual(120);
}

describe('logAxisTicks', () => {
  it('labels each power of ten and marks 2…9 as minor ticks when decades are wide', () => {
    // 1…1000 over 300 px: 100 px a decade.
    const t = logAxisTicks(0, 3, { lengthPx: 300, spacePx: 30 });
    expect(t.values.slice(0, 10)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(t.values.at(-1)).toBe(1000);
    expect(t.positions).toHaveLength(28);
    // Labels need 30 px: 5 and then 2 fit between the powers (2 is 30.1 px from 1 and 39.8 from 5); 3 would be 17.6 from 2.
    expect(t.labels.filter(Boolean)).toEqual(['1', '2', '5', '10', '20', '50', '100', '200', '500', '1000']);
    expectNoOverlap(t, 0, 3, 300, 30);
  });

  it('labels every k-th decade when decades are narrow, the rest become minor ticks', () => {
    // 1e-12…1e12 over 200 px: 8.3 px a decade, 30 px per label → every 4th decade.
    const t = logAxisTicks(-12, 12, { lengthPx: 200, spacePx: 30 });
    expect(t.labels.filter(Boolean)).toEqual(['1e-12', '1e-8', '1e-4', '1', '10000', '1e8', '1e12']);
    expect(t.values).toHaveLength(25);
    expectNoOverlap(t, -12, 12, 200, 30);
  });

  it('fills a window inside one decade with labelled minors, never overlapping', () => {
    // 2…8: 0.6 of a decade over 240 px.
    const lo = Math.log10(2);
    const hi = Math.log10(8);
    const t = logAxisTicks(lo, hi, { lengthPx: 240, spacePx: 30 });
    expect(t.values).toEqual([2, 3, 4, 5, 6, 7, 8]);
    expect(t.labels.filter(Boolean).length).toBeGreaterThanOrEqual(4);
    expectNoOverlap(t, lo, hi, 240, 30);
  });

  it('stays bounded and readable across extreme magnitudes', () => {
    const t = logAxisTicks(-300, 300, { lengthPx: 400, spacePx: 40 });
    expectNoOverlap(t, -300, 300, 400, 40);
    expect(t.labels.filter(Boolean).length).toBeGreaterThanOrEqual(2);
    expect(t.labels.filter(Boolean).length).toBeLessThanOrEqual(400 / 40 + 1);
    expect(logAxisTicks(1, 1, { lengthPx: 100, spacePx: 30 }).positions).toEqual([]);
    expect(logAxisTicks(NaN, 2, { lengthPx: 100, spacePx: 30 }).positions).toEqual([]);
  });

  it('writes values exactly', () => {
    expect(formatLogTick(1, -3)).toBe('0.001');
    expect(formatLogTick(2, 5)).toBe('200000');
    expect(formatLogTick(5, -7)).toBe('5e-7');
    expect(formatLogTick(1, 12)).toBe('1e12');
    expect(logAxisTicks(-3.5, -2.5, { lengthPx: 300, spacePx: 30 }).values).toContain(0.001);
  });
});
