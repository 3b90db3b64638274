import { describe, expect, it } from 'vitest';
import type { ServiceInterval, ServiceMetricSummary } from '../../protocol/index.js';
import { requestPanels, type DashboardPanel } from './service-dashboard.js';
import { withLiveTail } from './service-live.js';
import { applyInterval, panelData, spliceTail, tailRead, takesIntervals } from './service-panel-data.js';

const metrics: ServiceMetricSummary[] = [
  { name: 'http.server.request.duration', kind: 'distribution', tagSets: 1, tags: { 'http.response.status_code': ['200'] }, stats: [], window: null },
];
const rate = requestPanels(metrics).find((p) => p.title === 'Request rate')!;

/** An interval of `requests` over 10 s. */
function interval(start: number, requests: number, closed = false): ServiceInterval {
  return {
    service: 'api', start, closed, replicas: 1, seconds: 10,
    requests: { requests, requestsPerSecond: requests / 10, avgRequestMs: 1, p99Ms: 1, '2XX': requests, '4XX': 0, '5XX': 0 },
    metrics: [{ metric: 'http.server.request.duration', kind: 'distribution', count: requests, sum: requests / 1000, min: 0.001, max: 0.001, last: null, p50: 0.001, p90: 0.001, p99: 0.001 }],
  };
}

const history = () => ({ t: [0, 60_000, 120_000], lines: [{ label: 'Request rate', values: [1, null, 3] as Array<number | null> }] });

describe('service panel data kept in place', () => {
  it('replaces the open interval and appends new ones into the same arrays, as withLiveTail draws them', () => {
    const d = panelData(history(), 60_000);
    const { t, lines: [line] } = d;
    expect(applyInterval(d, rate, interval(110_000, 50))).toBe(false); // before the cut
    expect(applyInterval(d, rate, interval(120_000, 40))).toBe(true); // over the history's last bucket
    expect(applyInterval(d, rate, interval(130_000, 20))).toBe(true);
    expect(applyInterval(d, rate, interval(130_000, 30))).toBe(true); // the open interval again
    expect(applyInterval(d, rate, interval(130_000, 30))).toBe(false); // unchanged: nothing to draw
    expect(d.t).toBe(t);
    expect(d.lines[0]!.values).toBe(line!.values);
    expect(d.t).toEqual([0, 60_000, 120_000, 130_000]);
    expect(d.lines[0]!.values).toEqual([1, null, 4, 3]);
    const tail = [interval(120_000, 40), interval(130_000, 30)];
    expect(withLiveTail(rate, history(), tail)).toEqual({ t: d.t, lines: [{ label: 'Request rate', values: d.lines[0]!.values }] });
  });

  it('inserts a late interval in order, and leaves the history object as read', () => {
    const h = history();
    const d = panelData(h, 60_000);
    applyInterval(d, rate, interval(140_000, 10));
    applyInterval(d, rate, interval(130_000, 20));
    expect(d.t).toEqual([0, 60_000, 120_000, 130_000, 140_000]);
    expect(d.lines[0]!.values).toEqual([1, null, 3, 2, 1]);
    expect(h.t).toEqual([0, 60_000, 120_000]);
  });

  it('takes no intervals into a split or filtered panel', () => {
    const custom: DashboardPanel = { title: 'jobs', unit: '/s', read: { metric: 'jobs', stat: 'rate', by: 'kind', scale: 1 }, combine: { kind: 'split' } };
    const d = panelData({ t: [0], lines: [{ label: 'a', values: [1] }, { label: 'b', values: [2] }] }, 10_000);
    expect(takesIntervals(d, custom)).toBe(false);
    expect(applyInterval(d, custom, interval(0, 5))).toBe(false);
    expect(takesIntervals(panelData(history(), 60_000), rate)).toBe(true);
  });

  it('reads only the last buckets again, at the history step, and splices them in by label', () => {
    const d = panelData(history(), 60_000);
    applyInterval(d, rate, interval(120_000, 40));
    applyInterval(d, rate, interval(170_000, 10));
    applyInterval(d, rate, interval(180_000, 20));
    // From the cut to past now in whole steps: the series API answers the same bucket starts.
    expect(tailRead(d, 185_000)).toEqual({ from: 120_000, to: 240_000, budget: 2 });
    expect(tailRead(panelData({ t: [], lines: [{ label: 'x', values: [] }] }, 60_000), 0)).toBeNull();
    expect(spliceTail(d, { t: [120_000, 180_000], lines: [{ label: 'Request rate', values: [5, 2] }] })).toBe(true);
    expect(d.t).toEqual([0, 60_000, 120_000, 180_000]);
    expect(d.lines[0]!.values).toEqual([1, null, 5, 2]);
    expect(d.cut).toBe(180_000);
    // The stream's interval of the new cut is drawn over it again.
    expect(applyInterval(d, rate, interval(180_000, 30))).toBe(true);
    expect(d.lines[0]!.values.at(-1)).toBe(3);
  });

  it('refuses a tail off the bucket grid or with a line it has not (a split whose top N changed)', () => {
    const split = panelData({ t: [0, 60_000], lines: [{ label: 'eu', values: [1, 2] }, { label: 'us', values: [3, 4] }] }, 60_000);
    expect(spliceTail(split, { t: [60_000], lines: [{ label: 'asia', values: [1] }] })).toBe(false);
    expect(spliceTail(split, { t: [30_000], lines: [{ label: 'eu', values: [1] }] })).toBe(false);
    expect(split.t).toEqual([0, 60_000]);
    // A line the tail lacks has no value there.
    expect(spliceTail(split, { t: [60_000, 120_000], lines: [{ label: 'us', values: [5, 6] }] })).toBe(true);
    expect(split.lines).toEqual([{ label: 'eu', values: [1, null, null] }, { label: 'us', values: [3, 5, 6] }]);
  });
});
