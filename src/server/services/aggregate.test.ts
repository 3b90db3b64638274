import { describe, expect, it } from 'vitest';
import {
  addCount, addGauge, addMember, addValue, combineEncoded, decodeAggregate, encodeAggregate, mergeEncodedInto, mergeInto, newAggregate, quantile,
} from './aggregate.js';

function dist(values: number[], rate = 1) {
  const a = newAggregate('distribution');
  for (const v of values) addValue(a, v, rate);
  return a;
}

describe('aggregates', () => {
  it('round-trip through their binary form, every kind', () => {
    const c = newAggregate('counter');
    addCount(c, 3, 0.25);
    const g = newAggregate('gauge');
    addGauge(g, 5, 2000);
    addGauge(g, -1, 1000);
    const s = newAggregate('set');
    addMember(s, 'ann');
    addMember(s, 'bøb');
    const d = dist([-3, 0, 0.5, 2, 1e6], 0.3);
    for (const a of [c, g, s, d]) {
      const back = decodeAggregate(encodeAggregate(a));
      expect({ ...back, sketch: null }).toEqual({ ...a, sketch: null });
      if (a.sketch) for (const q of [0, 0.1, 0.5, 0.9, 1]) expect(quantile(back, q)).toBe(quantile(a, q));
    }
    expect(decodeAggregate(encodeAggregate(g))).toMatchObject({ last: 5, min: -1, max: 5, count: 2 });
  });

  it('merge encoded rows exactly as merging the aggregates (negative, zero, float weights)', () => {
    let seed = 3;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let round = 0; round < 50; round++) {
      const xs = Array.from({ length: 1 + Math.floor(rand() * 200) }, () => (rand() < 0.1 ? 0 : (rand() - 0.3) * 10 ** (rand() * 6)));
      const ys = Array.from({ length: 1 + Math.floor(rand() * 200) }, () => (rand() - 0.5) * 10 ** (rand() * 4));
      const a = dist(xs, round % 3 === 0 ? 0.3 : 1), b = dist(ys, round % 2 === 0 ? 0.25 : 1);
      const merged = newAggregate('distribution');
      mergeInto(merged, a);
      mergeInto(merged, b);
      const combined = decodeAggregate(combineEncoded(encodeAggregate(a), encodeAggregate(b)));
      const direct = decodeAggregate(encodeAggregate(a));
      mergeEncodedInto(direct, encodeAggregate(b));
      for (const got of [combined, direct]) {
        expect([got.count, got.min, got.max]).toEqual([merged.count, merged.min, merged.max]);
        expect(got.sum).toBeCloseTo(merged.sum, 6);
        for (const q of [0, 0.01, 0.25, 0.5, 0.75, 0.99, 1]) expect(quantile(got, q)).toBe(quantile(merged, q));
      }
    }
  });

  it('keeps negative values when merging (sketches-js 2.1 merge leaves them out)', () => {
    const a = dist([1, 2]);
    mergeInto(a, dist([-5, -6, -7]));
    expect(quantile(a, 0)).toBeCloseTo(-7, 0);
    expect(a.count).toBe(5);
  });
});
