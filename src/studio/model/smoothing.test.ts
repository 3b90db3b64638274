import { describe, expect, it } from 'vitest';
import { debiasedEma } from './smoothing.js';

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
