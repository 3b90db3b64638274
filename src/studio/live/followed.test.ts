import { describe, expect, it } from 'vitest';
import type { StreamEvent } from '../../protocol/index.js';
import { applyStreamEvent, emptyFollowed, LIVE_POINTS_PER_SERIES, RESERVED_LIVE_WINDOWS } from './followed.js';

/** One streamed batch of `n` points per series from x = `from`, recorded with `at` (record times) when `timed`. */
function batch(keys: readonly string[], from: number, n: number, timed: boolean): StreamEvent {
  const x = Array.from({ length: n }, (_, i) => from + i);
  return {
    type: 'points', executionId: 'e',
    series: keys.map((key) => ({ key, x, y: x.map((v) => Math.sin(v)), ...(timed && { t: [1e12 + x[0]! * 50, 1e12 + x.at(-1)! * 50] as [number, number] }) })),
  };
}

describe('applyStreamEvent: a long stream holds a bounded window', () => {
  it('keeps each series in buffers of exactly LIVE_POINTS_PER_SERIES, allocated once at the first live batch, with the newest points exact', () => {
    const f = emptyFollowed('e');
    const keys = ['a', 'b'];
    // 20 points/s for 30 minutes, in batches of 2 (the SDK's flush every 100 ms).
    const seen = new Set<Float64Array>();
    let x = 0;
    for (; x < 36_000; x += 2) {
      applyStreamEvent(f, batch(keys, x, 2, false));
      const s = f.series.get('a')!;
      expect(s.length).toBeLessThanOrEqual(LIVE_POINTS_PER_SERIES);
      seen.add(s.x);
    }
    const a = f.series.get('a')!;
    expect([...seen].map((b) => b.length)).toEqual([LIVE_POINTS_PER_SERIES]);
    expect(a.total).toBe(36_000);
    expect(a.downsampled).toBe(true);
    expect(Array.from(a.x.subarray(a.length - 4, a.length))).toEqual([35_996, 35_997, 35_998, 35_999]);
  });

  it('grows a window by doubling, up to exactly the bound, once its execution holds more than RESERVED_LIVE_WINDOWS series', () => {
    const f = emptyFollowed('e');
    const keys = Array.from({ length: RESERVED_LIVE_WINDOWS + 1 }, (_, i) => `m${i}`);
    const seen = new Set<Float64Array>();
    for (let x = 0; x < 10_000; x += 100) {
      applyStreamEvent(f, batch(keys, x, 100, false));
      seen.add(f.series.get(keys.at(-1)!)!.x);
    }
    // The last series arrived when its execution already held RESERVED_LIVE_WINDOWS; the first ones had their window at once.
    expect([...seen].map((b) => b.length)).toEqual([128, 256, 512, 1024, 2048, 4096, LIVE_POINTS_PER_SERIES]);
    expect(f.series.get('m0')!.x.length).toBe(LIVE_POINTS_PER_SERIES);
  });

  it('bounds the record-time marks of a series streamed with `at`', () => {
    const f = emptyFollowed('e');
    for (let x = 0; x < 100_000; x += 5) applyStreamEvent(f, batch(['a'], x, 5, true));
    const marks = f.times.get('a')!;
    expect(marks.x.length).toBeLessThanOrEqual(LIVE_POINTS_PER_SERIES);
    expect(marks.x[0]).toBe(0);
    expect(marks.x.at(-1)).toBe(99_999);
    expect(marks.t.at(-1)).toBe(1e12 + 99_999 * 50);
    for (let i = 1; i < marks.x.length; i++) expect(marks.x[i]!).toBeGreaterThan(marks.x[i - 1]!);
  });
});
