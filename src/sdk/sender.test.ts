import { describe, expect, it } from 'vitest';
import { backoffMs } from './sender.js';

describe('backoffMs', () => {
  it('doubles from 100 ms up to 5 s, with ±25% jitter', () => {
    expect([0, 1, 2, 3].map((a) => backoffMs(a, 0.5))).toEqual([100, 200, 400, 800]);
    expect(backoffMs(10, 0.5)).toBe(5000);
    expect(backoffMs(0, 0)).toBe(75);
    expect(backoffMs(0, 1)).toBe(125);
    expect(backoffMs(30, 1)).toBe(6250);
  });
});
