import { describe, expect, it } from 'vitest';
import { advance, counterDelta, MemoryStreamStates, nanosText } from './cumulative.js';
import { mapExport, mapWithStates, nanosToMs } from './map.js';

const T = 1_800_000_000_000_000_000n;
const req = (metrics: unknown[]) => ({ resourceMetrics: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 's' } }] }, scopeMetrics: [{ metrics }] }] });
const hist = (start: bigint, count: number, sum: number, buckets: number[], extra: Record<string, unknown> = {}) => ({
  name: 'h', histogram: { aggregationTemporality: 2, dataPoints: [{ startTimeUnixNano: String(start), timeUnixNano: String(T), count: String(count), sum, bucketCounts: buckets.map(String), explicitBounds: [1, 10], ...extra }] },
});

describe('mapExport', () => {
  it('keeps nanosecond times exact until ms are needed', () => {
    expect(nanosToMs(1_700_000_000_123_999_999n)).toBe(1_700_000_000_123);
  });

  it('cumulative histograms: deltas per stream, a bucket going down is a reset, min/max from the moved extreme', async () => {
    const c = new MemoryStreamStates();
    const map = async (r: unknown) => (await mapWithStates(r, c, nanosText(0n))).samples[0]!;
    const a = await map(req([hist(T - 1n, 2, 7, [1, 1, 0], { min: 0.5, max: 6.5 })]));
    expect(a).toMatchObject({ kind: 'distribution', buckets: { count: 2, sum: 7, min: 0.5, max: 6.5 } });
    const later = { timeUnixNano: String(T + 1n) };
    const b = await map(req([hist(T - 1n, 3, 27, [1, 1, 1], { min: 0.5, max: 20, ...later })]));
    expect(b).toMatchObject({ buckets: { count: 1, sum: 20, min: 10, max: 20, weights: [0, 0, 1] } });
    const reset = await map(req([hist(T - 1n, 3, 9, [2, 0, 1], { min: 0.1, max: 12, timeUnixNano: String(T + 2n) })]));
    expect(reset).toMatchObject({ buckets: { count: 3, sum: 9, min: 0.1, max: 12 } });
  });

  it('exponential buckets: negative, zero and positive values at their midpoints', () => {
    const m = mapExport(req([{
      name: 'e', exponentialHistogram: { aggregationTemporality: 1, dataPoints: [{ timeUnixNano: String(T), count: '4', sum: 0, scale: 0, zeroCount: '1', positive: { offset: 1, bucketCounts: ['2'] }, negative: { offset: 0, bucketCounts: ['1'] } }] },
    }]));
    // scale 0: base 2; positive index 1 = (2, 4] → 3; negative index 0 = [-2, -1) → -1.5
    expect(m.samples[0]).toMatchObject({ buckets: { count: 4, centers: [0, 3, -1.5], weights: [1, 2, 1], min: -2, max: 4 } });
  });

  it('summaries: one gauge per quantile, count and sum as counters', async () => {
    const m = await mapWithStates(req([{ name: 'q', summary: { dataPoints: [{ startTimeUnixNano: String(T - 5n), timeUnixNano: String(T), count: '4', sum: 10, quantileValues: [{ quantile: 0.5, value: 2 }, { quantile: 0.99, value: 4 }] }] } }]), new MemoryStreamStates(), nanosText(0n));
    expect(m.samples.map((s) => [s.name, s.kind, s.tags, 'value' in s ? s.value : null])).toEqual([
      ['q', 'gauge', 'quantile:0.5', 2], ['q', 'gauge', 'quantile:0.99', 4], ['q.count', 'counter', '', 4], ['q.sum', 'counter', '', 10],
    ]);
  });

  it('a point breaking a rule is rejected alone, named by its path', () => {
    const m = mapExport(req([{ name: 'g', gauge: { dataPoints: [{ timeUnixNano: 'soon', asDouble: 1 }, { timeUnixNano: String(T), asDouble: 2 }] } }]));
    expect(m.rejected).toEqual([{ path: 'resourceMetrics[0].scopeMetrics[0].metrics[0].gauge.dataPoints[0]', rule: expect.stringMatching(/timeUnixNano must be an unsigned 64-bit integer/) }]);
    expect(m.samples).toHaveLength(1);
  });

  it('cumulative exponential histograms whose scale went down subtract at the coarser scale (not a reset)', async () => {
    const c = new MemoryStreamStates();
    const exp = (time: bigint, scale: number, offset: number, counts: number[], sum: number) => req([{
      name: 'e', exponentialHistogram: { aggregationTemporality: 2, dataPoints: [{ startTimeUnixNano: String(T - 10n), timeUnixNano: String(time), count: String(counts.reduce((a, b) => a + b, 0)), sum, scale, positive: { offset, bucketCounts: counts.map(String) } }] },
    }]);
    // scale 1: buckets 2 and 3 are (2, 2.83] and (2.83, 4]; at scale 0 both are bucket 1, (2, 4].
    await mapWithStates(exp(T, 1, 2, [1, 1], 5.5), c, nanosText(T));
    const next = (await mapWithStates(exp(T + 1n, 0, 1, [3, 1], 20), c, nanosText(T))).samples[0]!;
    expect(next).toMatchObject({ kind: 'distribution', buckets: { count: 2, sum: 14.5, centers: [3, 6], weights: [1, 1] } });
  });

  it('a cumulative point not later than the stored one adds nothing (a retried or overtaken export), in any order', () => {
    const since = nanosText(0n);
    const p = (t: bigint, value: number) => JSON.stringify({ start: nanosText(T - 100n), time: nanosText(t), value });
    // Exports at T, T+1, T+2 of 5, 8, 12, arriving as T, T+2, T+1 (the T+1 one overtaken on another replica), then T+2 again.
    let stored: string | null = null;
    let total = 0;
    for (const [t, v] of [[T, 5], [T + 2n, 12], [T + 1n, 8], [T + 2n, 12]] as const) {
      const incoming = p(t, v);
      const d = counterDelta(stored === null ? null : JSON.parse(stored), JSON.parse(incoming), since);
      total += d ?? 0;
      stored = advance(stored, incoming);
    }
    expect(total).toBe(12);
    expect(JSON.parse(stored!).time).toBe(nanosText(T + 2n));
  });

  it('keeps attribute sets apart whatever their text (the tag cache key cannot be fooled)', () => {
    const g = (attributes: unknown[]) => ({ name: 'g', gauge: { dataPoints: [{ timeUnixNano: String(T), asDouble: 1, attributes }] } });
    const s = (k: string, v: string) => ({ key: k, value: { stringValue: v } });
    const m = mapExport(req([g([s('a', 'x2:b')]), g([s('a', 'x'), s('b', '')]), g([s('a', 'x')]), g([{ key: 'a', value: { intValue: '7' } }])]));
    expect(m.samples.map((x) => x.tags)).toEqual(['a:x2:b', 'a:x,b:', 'a:x', 'a:7']);
  });

  it('a metric name holding control characters is refused point by point (a store could not keep it)', () => {
    const m = mapExport(req([{ name: 'bad\u0000name', gauge: { dataPoints: [{ timeUnixNano: String(T), asDouble: 1 }] } }, { name: 'ok', gauge: { dataPoints: [{ timeUnixNano: String(T), asDouble: 2 }] } }]));
    expect(m.rejected).toEqual([{ path: 'resourceMetrics[0].scopeMetrics[0].metrics[0].gauge.dataPoints[0]', rule: expect.stringMatching(/must not contain control characters/) }]);
    expect(m.samples.map((x) => x.name)).toEqual(['ok']);
  });
});
