import { describe, expect, it } from 'vitest';
import type { ServiceInterval, ServiceMetricSummary } from '../../protocol/index.js';
import { requestPanels, type DashboardPanel } from './service-dashboard.js';
import { drawnFromIntervals, indexNear, intervalValue, LiveTail, withLiveTail } from './service-live.js';

const metrics: ServiceMetricSummary[] = [
  { name: 'http.server.request.duration', kind: 'distribution', tagSets: 2, tags: { 'http.response.status_code': ['200', '500'], host: ['a', 'b'] }, stats: [], window: null },
  { name: 'http.server.active_requests', kind: 'gauge', tagSets: 2, tags: { host: ['a', 'b'] }, stats: [], window: null },
];
const panels = Object.fromEntries(requestPanels(metrics).map((p) => [p.title, p]));

/** 40 requests in 4 s of an open interval: 30 × 2XX, 10 × 5XX, latencies in seconds. */
function interval(start: number, closed = false, seconds = 4): ServiceInterval {
  return {
    service: 'api', start, closed, replicas: 2, seconds,
    requests: { requests: 40, requestsPerSecond: 10, avgRequestMs: 50, p99Ms: 200, '2XX': 30, '4XX': 0, '5XX': 10 },
    metrics: [
      { metric: 'http.server.request.duration', kind: 'distribution', count: 40, sum: 2, min: 0.001, max: 0.2, last: null, p50: 0.04, p90: 0.1, p99: 0.2 },
      { metric: 'http.server.active_requests', kind: 'gauge', count: 8, sum: 24, min: 1, max: 5, last: 7, p50: null, p90: null, p99: null },
      { metric: 'jobs.done', kind: 'counter', count: 12, sum: 12, min: 1, max: 1, last: null, p50: null, p90: null, p99: null },
    ],
  };
}

describe('service panels drawn from live intervals', () => {
  it('gives each request panel its value of an interval, rates over the interval\'s seconds', () => {
    const i = interval(0);
    const value = (title: string) => intervalValue(panels[title]!, i);
    expect(value('Request rate')).toBe(10);
    expect(value('2XX responses')).toBe(7.5);
    expect(value('4XX responses')).toBe(0);
    expect(value('5XX responses')).toBe(2.5);
    expect(value('In-flight requests')).toBe(7);
    expect(value('Active replicas')).toBe(2);
    expect(value('p50 latency')).toBeCloseTo(40, 9);
    expect(value('p99 latency')).toBeCloseTo(200, 9);
    expect(value('Average latency')).toBeCloseTo(50, 9);
  });

  it('draws custom panels without a filter or split; others (filter, split, p99.9) re-read history instead', () => {
    const base: DashboardPanel = { title: 'jobs.done', unit: '/s', read: { metric: 'jobs.done', stat: 'rate', scale: 1 }, combine: { kind: 'sum' } };
    expect(intervalValue(base, interval(0))).toBe(3);
    expect(intervalValue({ ...base, read: { ...base.read, stat: 'count' } }, interval(0))).toBe(12);
    expect(intervalValue({ ...base, read: { ...base.read, metric: 'absent' } }, interval(0))).toBeNull();
    expect(drawnFromIntervals({ ...base, read: { ...base.read, tags: ['kind:a'] } })).toBe(false);
    expect(drawnFromIntervals({ ...base, read: { ...base.read, by: 'kind' }, combine: { kind: 'split' } })).toBe(false);
    expect(drawnFromIntervals({ ...base, read: { ...base.read, stat: 'p99.9' } })).toBe(false);
    expect(intervalValue({ ...base, read: { ...base.read, stat: 'p99.9' } }, interval(0))).toBeUndefined();
  });

  it('appends intervals from the history\'s last bucket on, replacing a bucket of the same start', () => {
    const history = { t: [0, 20_000, 40_000], lines: [{ label: 'Request rate', values: [1, 2, 3] }] };
    const drawn = withLiveTail(panels['Request rate']!, history, [interval(30_000, true, 10), interval(40_000, true, 10), interval(50_000)]);
    expect(drawn.t).toEqual([0, 20_000, 40_000, 50_000]);
    expect(drawn.lines[0]!.values).toEqual([1, 2, 4, 10]);
  });

  it('keeps a closed interval against a late open one, and prunes old ones', () => {
    const tail = new LiveTail();
    tail.apply(interval(0, true, 10));
    tail.apply(interval(0, false));
    tail.apply(interval(10_000));
    expect(tail.since(0).map((i) => [i.start, i.closed])).toEqual([[0, true], [10_000, false]]);
    tail.prune(10_000);
    expect(tail.since(0).map((i) => i.start)).toEqual([10_000]);
  });

  it('finds the nearest bucket with a value under a cursor time, within a distance', () => {
    expect(indexNear([0, 10, 20], [1, 2, 3], 14, 5)).toBe(1);
    expect(indexNear([0, 10, 20], [1, 2, 3], 16, 5)).toBe(2);
    expect(indexNear([0, 10, 20, 30], [1, null, null, 4], 12, 5)).toBe(-1);
    expect(indexNear([0, 10, 20, 30], [1, null, null, 4], 26, 5)).toBe(3);
    expect(indexNear([0, 10, 20, 30], [1, null, null, 4], 40, 15)).toBe(3);
    expect(indexNear([], [], 40, 15)).toBe(-1);
  });
});
