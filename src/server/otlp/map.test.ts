import { describe, expect, it } from 'vitest';
import { Cumulative, mapExport, nanosToMs } from './map.js';

const T = 1_800_000_000_000_000_000n;
const req = (metrics: unknown[]) => ({ resourceMetrics: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 's' } }] }, scopeMetrics: [{ metrics }] }] });
const hist = (start: bigint, count: number, sum: number, buckets: number[], extra: Record<string, unknown> = {}) => ({
  name: 'h', histogram: { aggregationTemporality: 2, dataPoints: [{ startTimeUnixNano: String(start), timeUnixNano: String(T), count: String(count), sum, bucketCounts: buckets.map(String), explicitBounds: [1, 10], ...extra }] },
});

describe('mapExport', () => {
  it('keeps nanosecond times exact until ms are needed', () => {
    expect(nanosToMs(1_700_000_000_123_999_999n)).toBe(1_700_000_000_123);
  });

  it('cumulative histograms: deltas per stream, a bucket going down is a reset, min/max from the moved extreme', () => {
    const c = new Cumulative(0n);
    const a = mapExport(req([hist(T - 1n, 2, 7, [1, 1, 0], { min: 0.5, max: 6.5 })]), c).samples[0]!;
    expect(a).toMatchObject({ kind: 'distribution', buckets: { count: 2, sum: 7, min: 0.5, max: 6.5 } });
    const b = mapExport(req([hist(T - 1n, 3, 27, [1, 1, 1], { min: 0.5, max: 20 })]), c).samples[0]!;
    expect(b).toMatchObject({ buckets: { count: 1, sum: 20, min: 10, max: 20, weights: [0, 0, 1] } });
    const reset = mapExport(req([hist(T - 1n, 3, 9, [2, 0, 1], { min: 0.1, max: 12 })]), c).samples[0]!;
    expect(reset).toMatchObject({ buckets: { count: 3, sum: 9, min: 0.1, max: 12 } });
  });

  it('exponential buckets: negative, zero and positive values at their midpoints', () => {
    const m = mapExport(req([{
      name: 'e', exponentialHistogram: { aggregationTemporality: 1, dataPoints: [{ timeUnixNano: String(T), count: '4', sum: 0, scale: 0, zeroCount: '1', positive: { offset: 1, bucketCounts: ['2'] }, negative: { offset: 0, bucketCounts: ['1'] } }] },
    }]), new Cumulative(0n));
    // scale 0: base 2; positive index 1 = (2, 4] → 3; negative index 0 = [-2, -1) → -1.5
    expect(m.samples[0]).toMatchObject({ buckets: { count: 4, centers: [0, 3, -1.5], weights: [1, 2, 1], min: -2, max: 4 } });
  });

  it('summaries: one gauge per quantile, count and sum as counters', () => {
    const c = new Cumulative(0n);
    const m = mapExport(req([{ name: 'q', summary: { dataPoints: [{ startTimeUnixNano: String(T - 5n), timeUnixNano: String(T), count: '4', sum: 10, quantileValues: [{ quantile: 0.5, value: 2 }, { quantile: 0.99, value: 4 }] }] } }]), c);
    expect(m.samples.map((s) => [s.name, s.kind, s.tags, 'value' in s ? s.value : null])).toEqual([
      ['q', 'gauge', 'quantile:0.5', 2], ['q', 'gauge', 'quantile:0.99', 4], ['q.count', 'counter', '', 4], ['q.sum', 'counter', '', 10],
    ]);
  });

  it('a point breaking a rule is rejected alone, named by its path', () => {
    const m = mapExport(req([{ name: 'g', gauge: { dataPoints: [{ timeUnixNano: 'soon', asDouble: 1 }, { timeUnixNano: String(T), asDouble: 2 }] } }]), new Cumulative(0n));
    expect(m.rejected).toEqual([{ path: 'resourceMetrics[0].scopeMetrics[0].metrics[0].gauge.dataPoints[0]', rule: expect.stringMatching(/timeUnixNano must be an unsigned 64-bit integer/) }]);
    expect(m.samples).toHaveLength(1);
  });
});
