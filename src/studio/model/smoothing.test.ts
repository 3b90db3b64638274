import { describe, expect, it } from 'vitest';
import { debiasedEma, gaussianSmooth, smoothSeries, twema } from './smoothing.js';

describe('debiasedEma (TensorBoard)', () => {
  it('matches values worked by hand from TensorBoard’s formula', () => {
    // w = 0.5 on 1, 2, 3, 4: last = 0.5, 1.25, 2.125, 3.0625; debias 0.5, 0.75, 0.875, 0.9375.
    const s = debiasedEma([1, 2, 3, 4], 0.5);
    [1, 5 / 3, 17 / 7, 49 / 15].forEach((v, i) => expect(s[i]).toBeCloseTo(v, 12));
    // w = 0.9 on 10, 0, 10: last = 1, 0.9, 1.81; debias 0.1, 0.19, 0.271.
    const t = debiasedEma([10, 0, 10], 0.9);
    [10, 0.9 / 0.19, 1.81 / 0.271].forEach((v, i) => expect(t[i]).toBeCloseTo(v, 12));
  });

  it('does not pull the first point toward zero, and leaves a constant series constant', () => {
    expect(debiasedEma([5], 0.99)[0]).toBeCloseTo(5, 12);
    for (const v of debiasedEma([3, 3, 3, 3, 3], 0.95)) expect(v).toBeCloseTo(3, 12);
  });

  it('keeps NaN gaps as gaps and passes ±Infinity through without moving the average', () => {
    const s = debiasedEma([1, NaN, 2, Infinity, 3], 0.5);
    const ref = debiasedEma([1, 2, 3], 0.5);
    expect(Number.isNaN(s[1])).toBe(true);
    expect(s[3]).toBe(Infinity);
    expect([s[0], s[2], s[4]]).toEqual([ref[0], ref[1], ref[2]]);
  });

  it('returns the values unchanged at weight 0', () => {
    expect([...debiasedEma([1, -2, NaN], 0)]).toEqual([1, -2, NaN]);
  });
});

describe('twema (W&B time-weighted EMA)', () => {
  it('matches values worked by hand on uneven x', () => {
    // weight 0.25 → s = 0.5; range 1000 makes Δ = the x step. x 0, 1, 3: a = 1, 0.5, 0.25.
    // last = 1, 2.5, 4.625; debias = 1, 1.5, 1.375.
    const s = twema([0, 1, 3], [1, 2, 4], 0.25, 1000);
    [1, 5 / 3, 37 / 11].forEach((v, i) => expect(s[i]).toBeCloseTo(v, 12));
  });

  it('on evenly spaced x is TensorBoard\'s debiased EMA with weight √w', () => {
    const y = [3, -1, 4, 1, -5, 9, 2, 6];
    const x = y.map((_, i) => i * 7);
    const tw = twema(x, y, 0.81, 7 * 1000);
    const tb = debiasedEma(y, 0.9);
    tb.forEach((v, i) => expect(tw[i]).toBeCloseTo(v, 12));
  });

  it('a point far from the previous one forgets more of the past than a near one', () => {
    const near = twema([0, 1, 2], [0, 0, 10], 0.9, 1000);
    const far = twema([0, 1, 200], [0, 0, 10], 0.9, 1000);
    expect(far[2]!).toBeGreaterThan(near[2]!);
  });

  it('keeps gaps and infinities, and is off at weight 0', () => {
    const s = twema([0, 1, 2, 3], [1, NaN, -Infinity, 3], 0.5);
    expect(Number.isNaN(s[1])).toBe(true);
    expect(s[2]).toBe(-Infinity);
    expect([...twema([0, 1], [1, 2], 0)]).toEqual([1, 2]);
  });
});

describe('gaussianSmooth', () => {
  it('matches the three box passes worked by hand (σ = 1: windows [x − 1, x + 1])', () => {
    // weight 0.5 over a range of 20: σ = 0.5 · 20 / 10 = 1.
    // pass 1: 0, 10/3, 10/3, 10/3, 0; pass 2: 5/3, 20/9, 10/3, 20/9, 5/3; pass 3: 35/18, 65/27, 70/27, 65/27, 35/18.
    const s = gaussianSmooth([0, 1, 2, 3, 4], [0, 0, 10, 0, 0], 0.5, 20);
    [35 / 18, 65 / 27, 70 / 27, 65 / 27, 35 / 18].forEach((v, i) => expect(s[i]).toBeCloseTo(v, 12));
  });

  it('is within 3% of the exact Gaussian kernel: sin x smoothed with σ = 1 is e^(−1/2)·sin x', () => {
    const x = Array.from({ length: 20001 }, (_, i) => i / 100);
    const s = gaussianSmooth(x, x.map(Math.sin), 0.5, 20);
    for (const i of [5000, 7500, 10000, 12345]) expect(Math.abs(s[i]! - Math.exp(-0.5) * Math.sin(x[i]!))).toBeLessThan(0.03 * Math.exp(-0.5));
  });

  it('looks before and after a point (symmetric), keeps NaN gaps, and leaves a constant constant', () => {
    const s = gaussianSmooth([0, 1, 2, 3, 4], [0, 0, 10, NaN, 0], 0.5, 20);
    expect(Number.isNaN(s[3])).toBe(true);
    expect(s[1]).toBeGreaterThan(0);
    for (const v of gaussianSmooth([0, 1, 5, 6, 10], [2, 2, 2, 2, 2], 0.9)) expect(v).toBeCloseTo(2, 12);
  });

  it('gives the same line on evenly spaced x (index windows) as on uneven x (x windows), and re-smoothing into one buffer', () => {
    const n = 2000;
    const even = Float64Array.from({ length: n }, (_, i) => i * 2);
    const uneven = Float64Array.from(even, (v, i) => (i === n - 2 ? v + 1e-6 : v)); // one point off the grid: the x-window path
    const y = Float64Array.from({ length: n }, (_, i) => 5 + Math.sin(i / 40) + ((i * 7919) % 13) / 13);
    const range = even[n - 1]! - even[0]!;
    const out = new Float64Array(n);
    const a = gaussianSmooth(even, y, 0.3, range, out).slice();
    const b = gaussianSmooth(uneven, y, 0.3, range);
    for (let i = 0; i < n; i++) expect(a[i]).toBeCloseTo(b[i]!, 9);
    const gappy = y.slice();
    gappy[100] = NaN;
    const c = gaussianSmooth(even, gappy, 0.3, range, out).slice(); // the same buffer, now on the gap path
    const fresh = gaussianSmooth(Array.from(even), Array.from(gappy), 0.3, range);
    expect(Number.isNaN(c[100])).toBe(true);
    for (let i = 0; i < n; i++) if (i !== 100) expect(c[i]).toBeCloseTo(fresh[i]!, 12);
    expect([...gaussianSmooth(even, y, 0.3, range, out)]).toEqual([...a]); // and back: the kept scratch is reused
  });

  it('smooths a million points (its time is in npm run bench:studio)', () => {
    const n = 1_000_000;
    const x = Float64Array.from({ length: n }, (_, i) => i);
    const y = Float64Array.from({ length: n }, (_, i) => Math.sin(i / 1000) + ((i * 7919) % 13) / 13);
    const s = smoothSeries('gaussian', x, y, 0.99);
    expect(s.length).toBe(n);
  });
});
