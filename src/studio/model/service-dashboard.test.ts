import { describe, expect, it } from 'vitest';
import type { ServiceMetricSummary } from '../../protocol/index.js';
import { customPanels, defaultStat, drawPanel, latestValue, metricGroup, REQUEST_PANEL_TITLES, requestPanels, splitTopN, tagFilterOptions } from './service-dashboard.js';

const metric = (name: string, kind: ServiceMetricSummary['kind'], tags: Record<string, string[]> = {}): ServiceMetricSummary => ({ name, kind, tagSets: 1, tags, stats: [], window: null });

describe('service dashboard model', () => {
  it('the ten request panels from the standard names, in order, with units', () => {
    const panels = requestPanels([metric('http.server.request.duration', 'distribution', { 'http.response.status_code': ['200', '503'] }), metric('http.server.active_requests', 'gauge'), metric('queue.depth', 'gauge')]);
    expect(panels.map((p) => p.title)).toEqual([...REQUEST_PANEL_TITLES]);
    expect(panels.map((p) => p.unit)).toEqual(['req/s', 'count', 'count', 'req/s', 'req/s', 'req/s', 'ms', 'ms', 'ms', 'ms']);
    expect(panels[8]!.read).toEqual({ metric: 'http.server.request.duration', stat: 'p99', scale: 1000 });
    expect(panels[3]!.read).toMatchObject({ metric: 'http.server.request.duration', by: 'http.response.status_code' });
  });

  it('Cortex aliases: status classes from cortex_status_code when durations carry no status; none without request metrics', () => {
    const panels = requestPanels([metric('http.server.request.duration', 'distribution'), metric('cortex_status_code', 'counter', { response_code: ['2XX'] })]);
    expect(panels.find((p) => p.title === '5XX responses')!.read).toMatchObject({ metric: 'cortex_status_code', by: 'response_code' });
    expect(panels[0]!.read.metric).toBe('http.server.request.duration');
    expect(requestPanels([metric('jobs.done', 'counter')])).toEqual([]);
  });

  it('a request panel whose metric the service does not record is marked absent (not read): no in-flight gauge', () => {
    const panels = requestPanels([metric('http.server.request.duration', 'distribution', { 'http.response.status_code': ['200'] })]);
    expect(panels.filter((p) => p.absent).map((p) => p.title)).toEqual(['In-flight requests']);
  });

  it('custom panels grouped by prefix with a stat fitting the kind', () => {
    const panels = customPanels([metric('http.server.request.duration', 'distribution'), metric('queue.depth', 'gauge'), metric('gpu_memory_gib', 'gauge'), metric('queue.age', 'distribution'), metric('jobs', 'counter')]);
    expect(panels.map((p) => [p.group, p.title, p.read.stat])).toEqual([['gpu_memory_gib', 'gpu_memory_gib', 'last'], ['jobs', 'jobs', 'rate'], ['queue', 'queue.age', 'p99'], ['queue', 'queue.depth', 'last']]);
    expect(metricGroup('a.b.c')).toBe('a');
    expect(defaultStat('set')).toBe('count');
  });

  it('status classes add up their codes; replicas are read as counted (gaps kept); latencies scale to ms', () => {
    const t = [0, 10_000, 20_000];
    const answer = [
      { tags: { 'http.response.status_code': '500' }, t, v: [1, null, 2] },
      { tags: { 'http.response.status_code': '503' }, t, v: [0.5, null, null] },
      { tags: { 'http.response.status_code': '200' }, t, v: [3, 4, null] },
    ];
    const [, , replicas, , , fiveXX, , , p99] = requestPanels([metric('http.server.request.duration', 'distribution', { 'http.response.status_code': ['200'] })]);
    expect(drawPanel(fiveXX!, answer).lines[0]!.values).toEqual([1.5, 0, 2]);
    expect(replicas!.read).toEqual({ metric: '', stat: 'replicas', scale: 1 });
    expect(drawPanel(replicas!, [{ tags: {}, t, v: [2, 1, null] }]).lines[0]!.values).toEqual([2, 1, null]);
    expect(drawPanel(p99!, [{ tags: {}, t, v: [0.0123, null, 0.5] }]).lines[0]!.values).toEqual([12.3, null, 500]);
    expect(latestValue([1, 2, null])).toBe(2);
  });

  it('split by tag keeps the top N by volume and adds the rest as other', () => {
    const answer = Array.from({ length: 25 }, (_, i) => ({ tags: { model: i === 24 ? null : `m${i}` }, t: [0, 1], v: [i, i] as Array<number | null> }));
    const lines = splitTopN(answer, 'model', 2, 1, 20);
    expect(lines).toHaveLength(21);
    expect(lines[0]).toEqual({ label: '(none)', values: [24, 24] });
    expect(lines[1]!.label).toBe('m23');
    expect(lines[20]).toEqual({ label: 'other', values: [0 + 1 + 2 + 3 + 4, 10] });
  });

  it('shows a bare tag (no value) as its key, in the tag filter and as a split line', () => {
    expect(tagFilterOptions([['env', ['', 'prod']], ['canary', ['']]])).toEqual(['env', 'env:prod', 'canary']);
    const lines = splitTopN([{ tags: { env: '' }, t: [0], v: [2] }, { tags: { env: 'prod' }, t: [0], v: [1] }], 'env', 1, 1);
    expect(lines.map((l) => l.label)).toEqual(['env', 'prod']);
  });
});
