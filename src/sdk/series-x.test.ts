import { describe, expect, it } from 'vitest';
import { nextUp, nextX } from './series-x.js';

describe('nextUp', () => {
  it('returns the next representable double, also where 1e-9 would vanish', () => {
    for (const x of [0, 1, -1, 0.5, 1e9, 1e15, -1e-300]) {
      const up = nextUp(x);
      expect(up).toBeGreaterThan(x);
      expect((x + up) / 2 === x || (x + up) / 2 === up).toBe(true);
    }
    expect(1e9 + 1e-9).toBe(1e9);
  });
});

describe('nextX', () => {
  it('uses the elapsed time when no at is given', () => {
    expect(nextX(-Infinity, undefined, 0.25)).toBe(0.25);
    expect(nextX(0.1, undefined, 0.25)).toBe(0.25);
  });

  it('keeps default x increasing when the clock has not moved or at ran ahead', () => {
    expect(nextX(0.25, undefined, 0.25)).toBeGreaterThan(0.25);
    expect(nextX(100, undefined, 0.3)).toBeGreaterThan(100);
    expect(nextX(1e9, undefined, 3)).toBeGreaterThan(1e9);
  });

  it('takes at when it increases and refuses it otherwise', () => {
    expect(nextX(-Infinity, 0, 5)).toBe(0);
    expect(nextX(1, 2, 5)).toBe(2);
    expect(nextX(2, 2, 5)).toBeNull();
    expect(nextX(2, 1, 5)).toBeNull();
  });
});
