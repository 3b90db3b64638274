import { describe, expect, it } from 'vitest';
import { progressState } from './progress.js';
import { seriesFrom } from './series-buffer.js';

describe('progressState', () => {
  it('gives fraction, rate and ETA for a bounded bar', () => {
    const s = seriesFrom([0, 1, 2, 3, 4], [0, 2, 4, 6, 8]);
    expect(progressState({ key: 'p', lower: 0, upper: 20 }, s)).toEqual({ count: 8, lower: 0, upper: 20, fraction: 0.4, rate: 2, etaSeconds: 6 });
  });

  it('is indeterminate without an upper bound: count and rate only', () => {
    const st = progressState({ key: 'p', lower: 0 }, seriesFrom([0, 2], [0, 10]));
    expect(st).toEqual({ count: 10, lower: 0, rate: 5, etaSeconds: null });
    expect(st.fraction).toBeUndefined();
  });

  it('measures the rate since the count last restarted (a new progress loop)', () => {
    const s = seriesFrom([0, 1, 2, 3, 4, 5], [0, 10, 20, 0, 1, 2]);
    expect(progressState({ key: 'p', lower: 0, upper: 20 }, s).rate).toBe(1);
  });

  it('only looks at the recent window', () => {
    const s = seriesFrom([0, 100, 101, 102], [0, 1, 11, 21]);
    expect(progressState({ key: 'p', lower: 0 }, s, 10).rate).toBe(10);
  });

  it('clamps the fraction and honours a non-zero lower bound', () => {
    expect(progressState({ key: 'p', lower: 10, upper: 20 }, seriesFrom([0], [15])).fraction).toBe(0.5);
    expect(progressState({ key: 'p', lower: 0, upper: 10 }, seriesFrom([0, 1], [0, 30])).fraction).toBe(1);
  });

  it('starts empty at zero with no rate', () => {
    expect(progressState({ key: 'p', lower: 0, upper: 5 }, undefined)).toEqual({ count: null, lower: 0, upper: 5, fraction: 0, rate: null, etaSeconds: null });
    expect(progressState({ key: 'p', lower: 0, upper: 5 }, seriesFrom([1], [1])).rate).toBeNull();
  });

  it('reports ETA 0 when done', () => {
    expect(progressState({ key: 'p', lower: 0, upper: 5 }, seriesFrom([0, 1], [5, 5])).etaSeconds).toBe(0);
  });
});
