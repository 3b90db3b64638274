import { describe, expect, it } from 'vitest';
import { FullResolutionCache, smoothedSeries } from './full-resolution.js';
import { seriesFrom } from './series-buffer.js';
import { smoothSeries } from './smoothing.js';

const frame = (from: number, to: number) => {
  const x = Array.from({ length: to - from + 1 }, (_, i) => from + i);
  return { x, y: x.map((v) => v * 10) };
};

describe('FullResolutionCache', () => {
  it('reads a series once, then only its growth from the last held x, and drops the repeated edge point', () => {
    const c = new FullResolutionCache(100);
    expect(c.need('e', 'k', 5)).toEqual({});
    c.add('e', 'k', [frame(1, 3), frame(3, 5)], 5); // x = 3 twice (a window edge): kept once
    expect(c.get('e', 'k')!.length).toBe(5);
    expect(c.need('e', 'k', 5)).toBeNull();
    expect(c.need('e', 'k', 8)).toEqual({ from: 5 });
    c.add('e', 'k', [frame(5, 8)], 8);
    const s = c.get('e', 'k')!;
    expect([...s.x.subarray(0, s.length)]).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect([...s.y.subarray(0, s.length)]).toEqual([10, 20, 30, 40, 50, 60, 70, 80]);
  });

  it('reads everything again after a rewind (fewer stored points than held)', () => {
    const c = new FullResolutionCache(100);
    c.add('e', 'k', [frame(1, 10)], 10);
    expect(c.need('e', 'k', 4)).toEqual({});
    expect(c.get('e', 'k')).toBeUndefined();
  });

  it('drops the least recently used series past its bound, never the one just added', () => {
    const c = new FullResolutionCache(25);
    c.add('e', 'a', [frame(1, 10)], 10);
    c.add('e', 'b', [frame(1, 10)], 10);
    c.get('e', 'a'); // a is now the most recently used
    c.add('e', 'c', [frame(1, 10)], 10);
    expect(c.get('e', 'b')).toBeUndefined();
    expect(c.get('e', 'a')?.length).toBe(10);
    expect(c.held()).toBe(20);
    c.add('e', 'big', [frame(1, 30)], 30);
    expect(c.held()).toBe(30);
    expect(c.get('e', 'big')?.length).toBe(30);
  });
});

describe('smoothedSeries', () => {
  it('is the algorithm over the whole series, computed again only when the series or the smoothing changes', () => {
    const s = seriesFrom([1, 2, 4, 8, 9], [3, 1, 4, 1, 5]);
    const a = smoothedSeries(s, 'twema', 0.8);
    expect([...a.y.subarray(0, a.length)]).toEqual([...smoothSeries('twema', [1, 2, 4, 8, 9], [3, 1, 4, 1, 5], 0.8, 8)]);
    expect(smoothedSeries(s, 'twema', 0.8)).toBe(a);
    const b = smoothedSeries(s, 'ema', 0.5);
    expect([...b.y.subarray(0, b.length)]).toEqual([...smoothSeries('ema', [], [3, 1, 4, 1, 5], 0.5)]);
    expect(b.y.buffer).toBe(a.y.buffer); // one buffer per series, reused
  });
});
