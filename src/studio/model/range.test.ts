import { describe, expect, it } from 'vitest';
import { isFlat, safeRange } from './range.js';

describe('safeRange', () => {
  it('pads only the free ends, relative to the data spread', () => {
    expect(safeRange(10, 20, { lower: 0, pad: 0.1 })).toEqual([0, 21]);
    expect(safeRange(10, 20)).toEqual([10, 20]);
    expect(safeRange(3, 5, { lower: 0, upper: 12 })).toEqual([0, 12]);
  });

  it('opens a window around a single value and survives no data', () => {
    expect(safeRange(5, 5, { pad: 0.05 })).toEqual([4.5, 5.5]);
    expect(safeRange(0, 0)).toEqual([-1, 1]);
    expect(safeRange(null, null, { pad: 0.05 })).toEqual([-0.05, 1.05]);
    expect(safeRange(NaN, Infinity)).toEqual([0, 1]);
    expect(safeRange(null, null, { lower: 0, upper: 100 })).toEqual([0, 100]);
  });

  it('treats float noise around a constant as a flat line (1.0 / 1.0000000000000002)', () => {
    const [lo, hi] = safeRange(1, 1.0000000000000002, { pad: 0.05 });
    expect(lo).toBeCloseTo(0.9, 12);
    expect(hi).toBeCloseTo(1.1, 12);
    expect(isFlat(1, 1.0000000000000002)).toBe(true);
    expect(isFlat(10, 10 + 1e-9)).toBe(false);
  });

  it('keeps a real offset (10 + i·1e-9) and extreme ends finite', () => {
    const [lo, hi] = safeRange(10, 10 + 19e-9, { pad: 0.05 });
    expect(hi - lo).toBeCloseTo(19e-9 * 1.1, 14);
    expect(safeRange(-1e308, 1e308, { pad: 0.05 })).toEqual([-Number.MAX_VALUE, Number.MAX_VALUE]);
    expect(safeRange(1e-300, 1e-300)).toEqual([9e-301, 1.1e-300]);
  });

  it('keeps a fixed end when the data lies beyond it', () => {
    expect(safeRange(-5, -1, { lower: 0 })).toEqual([0, 2]);
    expect(safeRange(7, 7, { upper: 5 })).toEqual([4, 5]);
  });
});
