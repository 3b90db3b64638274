import {
  parseTag, statusClass, tagText, type IntervalMetric, type MetricKind, type RequestSummary, type ServiceInterval, type ServiceListItem,
} from '../../protocol/index.js';
import { DomainError } from '../domain-error.js';
import { mergeEncodedInto, mergeInto, newAggregate, quantile, type Aggregate } from './aggregate.js';
import type { ServicesEngine } from './engine.js';
import { CORTEX_STATUS_CODE, REQUEST_DURATION, type SeriesState, type ServiceState } from './series-index.js';
import { planQuery, type Tier } from './tiers.js';

/** Stats of the series query. Percentiles are `p` followed by a number in (0, 100): `p50`, `p99`, `p99.9`. */
export const SERIES_STATS = ['rate', 'count', 'sum', 'avg', 'min', 'max', 'last'] as const;

/** Which stats each kind answers (percentiles: distributions only). */
const STATS_OF_KIND: Readonly<Record<MetricKind, readonly string[]>> = {
  counter: ['rate', 'count', 'sum'],
  gauge: ['count', 'sum', 'avg', 'min', 'max', 'last'],
  distribution: ['rate', 'count', 'sum', 'avg', 'min', 'max'],
  set: ['count'],
};

/** A service is `live` when heard from within this long. */
export const LIVE_WITHIN_MS = 60_000;

/**
 * The seconds a rate over `[from, to)` is taken over: the part of the range that has passed (up to `now`) and that the
 * service has existed for (from `firstInterval`, the start of its first 10 s interval), at least one second. So a service
 * that began two minutes ago reads its true rate in a 15 min, 1 h or 24 h window alike (within one interval's error: it
 * may have begun up to 10 s after its first interval's start), and an older one its count ÷ the window. The one rule for
 * every rate: `plotline get`, `/api/services`, the series query's `rate` per bucket and the live intervals.
 */
export function rateSeconds(from: number, to: number, now: number, firstInterval: number): number {
  return Math.max(1000, Math.min(to, now) - Math.max(from, firstInterval)) / 1000;
}

/** Parses `p99.9` into 0.999; null when `stat` is not a percentile. */
export function percentileOf(stat: string): number | null {
  if (!/^p\d+(\.\d+)?$/.test(stat)) return null;
  const p = Number(stat.slice(1));
  return p > 0 && p < 100 ? p / 100 : null;
}

/**
 * One stat of an aggregate over `seconds`. Counters count their total (`count`, `sum`) and its `rate` per second;
 * distributions their weighted values; gauges their samples, `last` being the latest of each tag set added up over tag
 * sets (so in-flight requests sum over replicas); sets their distinct members.
 */
export function statOf(a: Aggregate, stat: string, seconds: number): number | null {
  if (a.count <= 0 && a.kind !== 'gauge') return a.kind === 'counter' || stat === 'count' || stat === 'rate' ? 0 : null;
  if (a.kind === 'gauge' && a.count <= 0) return null;
  const q = percentileOf(stat);
  if (q !== null) return quantile(a, q);
  const total = a.kind === 'counter' ? a.sum : a.count;
  switch (stat) {
    case 'rate': return total / seconds;
    case 'count': return total;
    case 'sum': return a.sum;
    case 'avg': return a.sum / a.count;
    case 'min': return a.min;
    case 'max': return a.max;
    case 'last': return a.last;
  }
  return null;
}

export function checkStat(kind: MetricKind, stat: string, metric: string): void {
  if (percentileOf(stat) !== null) {
    if (kind !== 'distribution') throw new DomainError('invalid', 'stat', `${stat} needs a distribution (h, ms or d lines); "${metric}" is a ${kind}`);
    return;
  }
  if (!(SERIES_STATS as readonly string[]).includes(stat) && !/^p/.test(stat)) {
    throw new DomainError('invalid', 'stat', `must be one of ${SERIES_STATS.join(', ')} or a percentile such as p50, p99, p99.9 (got "${stat}")`);
  }
  if (/^p/.test(stat)) throw new DomainError('invalid', 'stat', `a percentile must be p followed by a number between 0 and 100, such as p99.9 (got "${stat}")`);
  if (!STATS_OF_KIND[kind].includes(stat)) {
    throw new DomainError('invalid', 'stat', `a ${kind} answers ${STATS_OF_KIND[kind].join(', ')}${kind === 'distribution' ? ', p50, p99, …' : ''}; "${metric}" has no ${stat}`);
  }
}

/** `k:v` filters: the same key twice means either value, different keys must all match. */
export function matchesFilters(tags: readonly string[], filters: ReadonlyMap<string, Set<string>>): boolean {
  for (const [key, values] of filters) {
    let ok = false;
    for (const v of values) if (tags.includes(tagText(key, v))) ok = true;
    if (!ok) return false;
  }
  return true;
}

export function tagValue(tags: readonly string[], key: string): string | null {
  for (const t of tags) {
    if (t === key) return '';
    if (t.length > key.length && t.startsWith(key) && t.charCodeAt(key.length) === 58) return t.slice(key.length + 1);
  }
  return null;
}

export interface SeriesQuery {
  service: string;
  metric: string;
  stat: string;
  from: number;
  to: number;
  budget: number;
  /** key → accepted values ('' for a bare tag). */
  filters: ReadonlyMap<string, Set<string>>;
  by: readonly string[];
}

export interface SeriesAnswer {
  service: string;
  metric: string;
  kind: MetricKind;
  stat: string;
  from: number;
  to: number;
  /** Bucket width, ms; `t` are bucket starts. */
  step: number;
  /** Width of the stored tier read, ms. */
  tier: number;
  series: Array<{ tags: Record<string, string | null>; t: number[]; v: Array<number | null> }>;
}

/**
 * Per-series aggregates of a set of series over buckets: the store's rows of one tier plus what is still in memory.
 * With `total`, the metric's total is read from the store instead, and every tag set's memory is added to it.
 */
async function bucketed(engine: ServicesEngine, series: readonly SeriesState[], tier: Tier, first: number, step: number, n: number, total: SeriesState | null = null, sketches = true): Promise<Map<SeriesState, Array<Aggregate | undefined>>> {
  for (let attempt = 0; ; attempt++) {
    const generation = engine.generation;
    const out = new Map<SeriesState, Array<Aggregate | undefined>>();
    const byId = new Map<number, SeriesState>();
    for (const s of total ? [total] : series) {
      out.set(s, new Array(n));
      if (s.id !== null) byId.set(s.id, s);
    }
    const add = (s: SeriesState, start: number, agg: Aggregate | Uint8Array) => {
      const i = Math.floor((start - first) / step);
      if (i < 0 || i >= n) return;
      const buckets = out.get(s)!;
      let b = buckets[i];
      if (!b) b = buckets[i] = newAggregate(s.kind, sketches);
      if (agg instanceof Uint8Array) mergeEncodedInto(b, agg);
      else mergeInto(b, agg);
    };
    const rows = await engine.store.readRows(tier.size, [...byId.keys()], first, first + n * step);
    if (engine.generation !== generation && attempt < 3) continue;
    for (const r of rows) add(byId.get(r.seriesId)!, r.start, r.data);
    for (const m of engine.memory(series)) add(total ?? m.series, m.start, m.agg);
    return out;
  }
}

/**
 * Combines tag sets within one bucket: an exact merge, except that gauges add up their tag sets' latest values. Without
 * `sketches`, distributions keep count, sum, min and max only.
 */
function combine(kind: MetricKind, parts: Array<Aggregate | undefined>, sketches = true): Aggregate | undefined {
  if (parts.length === 1) return parts[0];
  let out: Aggregate | undefined;
  let lastSum = 0;
  for (const p of parts) {
    if (!p) continue;
    out ??= newAggregate(kind, sketches);
    mergeInto(out, p);
    if (kind === 'gauge') lastSum += p.last;
  }
  if (out && kind === 'gauge') out.last = lastSum;
  return out;
}

/** The series query: one stat of one metric, bucketed by a step from the budget, optionally split by tag keys. */
export async function querySeries(engine: ServicesEngine, q: SeriesQuery): Promise<SeriesAnswer> {
  const svc = engine.index.services.get(q.service);
  if (!svc) throw new DomainError('not_found', 'name', `no service "${q.service}"`);
  const metric = svc.metrics.get(q.metric);
  if (!metric) throw new DomainError('not_found', 'metric', `service "${q.service}" has no metric "${q.metric}" (it has: ${[...svc.metrics.keys()].slice(0, 20).join(', ') || 'none'})`);
  checkStat(metric.kind, q.stat, q.metric);
  const now = engine.clock();
  const { step, tier } = planQuery(engine.tiers, q.from, q.to, q.budget, now);
  const first = Math.floor(q.from / step) * step;
  const n = Math.max(1, Math.ceil((q.to - first) / step));
  const chosen = metric.series.filter((s) => matchesFilters(s.tags, q.filters));
  const groups = new Map<string, { tags: Record<string, string | null>; series: SeriesState[] }>();
  for (const s of chosen) {
    const values = q.by.map((k) => tagValue(s.tags, k));
    const key = JSON.stringify(values);
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { tags: Object.fromEntries(q.by.map((k, i) => [k, values[i]!])), series: [] }));
    g.series.push(s);
  }
  if (groups.size === 0 && q.by.length === 0) groups.set('[]', { tags: {}, series: [] });
  const total = q.filters.size === 0 && q.by.length === 0 ? metric.total : null;
  if (total) groups.set('[]', { tags: {}, series: [total] });
  // Sketches are merged only for a percentile: every other stat reads count, sum, min, max (and skips every bin).
  const sketches = percentileOf(q.stat) !== null;
  const buckets = await bucketed(engine, chosen, tier, first, step, n, total, sketches);
  const series = [...groups.values()].map((g) => {
    const t: number[] = [];
    const v: Array<number | null> = [];
    for (let i = 0; i < n; i++) {
      const start = first + i * step;
      if (start > now) break;
      const agg = combine(metric.kind, g.series.map((s) => buckets.get(s)![i]), sketches);
      t.push(start);
      const value = agg ? statOf(agg, q.stat, rateSeconds(start, start + step, now, svc.firstInterval)) : null;
      v.push(value === null || !Number.isFinite(value) ? null : value);
    }
    return { tags: g.tags, t, v };
  });
  series.sort((a, b) => JSON.stringify(a.tags).localeCompare(JSON.stringify(b.tags)));
  return { service: q.service, metric: q.metric, kind: metric.kind, stat: q.stat, from: q.from, to: q.to, step, tier: tier.size, series };
}

/**
 * Replicas heard from per bucket of `[from, to)`: the distinct `host` values of every metric of the service with data in
 * the bucket — the definition of `plotline get`'s `replicas` column ({@link replicasOf}) and of the live intervals'
 * ({@link intervalMetrics}); lines without a host count as one replica only in a bucket where no named one is heard.
 * One series without tags; null where nothing was heard.
 */
export async function queryReplicas(engine: ServicesEngine, q: { service: string; from: number; to: number; budget: number }): Promise<Omit<SeriesAnswer, 'metric' | 'kind' | 'stat'>> {
  const svc = engine.index.services.get(q.service);
  if (!svc) throw new DomainError('not_found', 'name', `no service "${q.service}"`);
  const now = engine.clock();
  const { step, tier } = planQuery(engine.tiers, q.from, q.to, q.budget, now);
  const first = Math.floor(q.from / step) * step;
  const n = Math.max(1, Math.ceil((q.to - first) / step));
  // Which hosts were heard per bucket. A host's buckets are settled by its first series with data there, so its other
  // series are read only for the buckets still open (usually none: one series of a replica covers its whole range).
  // Open intervals first: a flush writes rows before it forgets them, so nothing falls between the two reads.
  const heard: Array<Set<string> | undefined> = new Array(n);
  const mark = (host: string, start: number) => {
    const i = Math.floor((start - first) / step);
    if (i >= 0 && i < n) (heard[i] ??= new Set()).add(host);
  };
  const byHost = new Map<string, SeriesState[]>();
  for (const m of svc.metrics.values()) {
    for (const s of m.series) {
      let list = byHost.get(s.host);
      if (!list) byHost.set(s.host, (list = []));
      list.push(s);
    }
  }
  for (const m of engine.memory([...byHost.values()].flat())) mark(m.series.host, m.start);
  // Lines without a host matter only where no named replica was heard: they go last.
  for (const [host, list] of [...byHost].sort(([a], [b]) => (a === '' ? 1 : 0) - (b === '' ? 1 : 0))) {
    const settled = (i: number) => heard[i] !== undefined && (host === '' || heard[i]!.has(host));
    for (const s of list) {
      if (s.id === null) continue;
      let lo = -1, hi = -1;
      for (let i = 0; i < n; i++) {
        if (settled(i)) continue;
        if (lo < 0) lo = i;
        hi = i;
      }
      if (lo < 0) break;
      for (const r of await engine.store.readRows(tier.size, [s.id], first + lo * step, first + (hi + 1) * step)) mark(host, r.start);
    }
  }
  const t: number[] = [];
  const v: Array<number | null> = [];
  for (let i = 0; i < n && first + i * step <= now; i++) {
    const hosts = heard[i];
    const named = hosts ? hosts.size - (hosts.has('') ? 1 : 0) : 0;
    t.push(first + i * step);
    v.push(named || (hosts ? 1 : null));
  }
  return { service: q.service, from: q.from, to: q.to, step, tier: tier.size, series: [{ tags: {}, t, v }] };
}

// ---- Services list ---------------------------------------------------------------------------------------------------

/**
 * Counts requests by status class: distribution values tagged `http.response.status_code`, plus Cortex's
 * `cortex_status_code` counts (tag `response_code`). Durations without a status tag count as requests only when the
 * service sends no status at all (a Cortex client sends `cortex_latency` and `cortex_status_code` for the same request).
 */
export class RequestTally {
  private duration: Aggregate | undefined;
  private readonly byStatus = new Map<string, number>();
  private statusCodeTotal = 0;
  private untagged = 0;

  /** Adds a series' aggregate; ignored unless it is a request metric. */
  add(s: SeriesState, agg: Aggregate): void {
    if (s.name === REQUEST_DURATION) {
      this.duration ??= newAggregate('distribution');
      mergeInto(this.duration, agg);
      const code = tagValue(s.tags, 'http.response.status_code');
      if (code === null) this.untagged += agg.count;
      else this.count(statusClass(code), agg.count);
    } else if (s.name === CORTEX_STATUS_CODE) {
      this.statusCodeTotal += agg.sum;
      this.count(statusClass(tagValue(s.tags, 'response_code')), agg.sum);
    }
  }

  private count(cls: string | null, n: number): void {
    this.byStatus.set(cls ?? 'other', (this.byStatus.get(cls ?? 'other') ?? 0) + n);
  }

  summary(seconds: number): RequestSummary {
    const tagged = [...this.byStatus.values()].reduce((a, b) => a + b, 0);
    const requests = tagged + this.statusCodeTotal === 0 ? this.untagged : tagged;
    const d = this.duration;
    const has = d !== undefined && d.count > 0;
    return {
      requests,
      requestsPerSecond: requests > 0 ? requests / seconds : null,
      avgRequestMs: has ? (d.sum / d.count) * 1000 : null,
      p99Ms: has ? quantile(d, 0.99) * 1000 : null,
      '2XX': this.byStatus.get('2XX') ?? 0,
      '4XX': this.byStatus.get('4XX') ?? 0,
      '5XX': this.byStatus.get('5XX') ?? 0,
    };
  }
}

/** The buckets covering `[now - window, now)`: the coarsest tier at most window / 30 wide that still keeps the window. */
function windowPlan(engine: ServicesEngine, windowMs: number): { tier: Tier; from: number; n: number } {
  const now = engine.clock();
  let tier = engine.tiers[0]!;
  for (const t of engine.tiers) if (t.size <= windowMs / 30 && windowMs <= t.retention) tier = t;
  const from = Math.floor((now - windowMs) / tier.size) * tier.size;
  return { tier, from, n: Math.ceil((now + 1 - from) / tier.size) };
}

/**
 * A metric over a window, as `plotline get SERVICE` shows it: `count` (counter: total counted; others: values or
 * samples), `rate` per second of it, `avg`, `last` (gauges: the latest value of each tag set added up) and `p99`
 * (distributions); null where the kind has no such stat or there is no data.
 */
export interface MetricWindowStats {
  count: number;
  rate: number;
  avg: number | null;
  last: number | null;
  p99: number | null;
}

/** {@link MetricWindowStats} of every metric of a service over `[now - window, now)`, by metric name. */
export async function metricWindowStats(engine: ServicesEngine, svc: ServiceState, windowMs: number): Promise<Record<string, MetricWindowStats>> {
  const { tier, from, n } = windowPlan(engine, windowMs);
  const now = engine.clock();
  const out: Record<string, MetricWindowStats> = {};
  const finite = (v: number | null) => (v !== null && Number.isFinite(v) ? v : null);
  for (const m of svc.metrics.values()) {
    const buckets = await bucketed(engine, m.series, tier, from, tier.size, n, m.total);
    const sources = m.total ? [m.total] : m.series;
    let all: Aggregate | undefined;
    let last: number | null = null;
    for (let i = 0; i < n; i++) {
      const agg = combine(m.kind, sources.map((s) => buckets.get(s)![i]));
      if (!agg || (agg.count <= 0 && m.kind !== 'counter')) continue;
      all ??= newAggregate(m.kind);
      mergeInto(all, agg);
      if (m.kind === 'gauge') last = agg.last;
    }
    const count = !all ? 0 : m.kind === 'counter' ? all.sum : all.count;
    out[m.name] = {
      count,
      rate: count / rateSeconds(now - windowMs, now, now, svc.firstInterval),
      avg: all && all.count > 0 && m.kind !== 'counter' && m.kind !== 'set' ? finite(all.sum / all.count) : null,
      last: finite(last),
      p99: all && m.kind === 'distribution' && all.count > 0 ? finite(quantile(all, 0.99)) : null,
    };
  }
  return out;
}

/** Request summary of one service over `[now - window, now)`, read from the coarsest tier at most window / 30 wide. */
export async function requestSummary(engine: ServicesEngine, svc: ServiceState, windowMs: number): Promise<RequestSummary> {
  const { tier, from, n } = windowPlan(engine, windowMs);
  const wanted = [svc.metrics.get(REQUEST_DURATION), svc.metrics.get(CORTEX_STATUS_CODE)].filter((m) => m !== undefined);
  const series = wanted.flatMap((m) => m.series);
  const buckets = await bucketed(engine, series, tier, from, tier.size, n);
  const tally = new RequestTally();
  for (const s of series) {
    const total = combine(s.kind, buckets.get(s)!);
    if (total) tally.add(s, total);
  }
  const now = engine.clock();
  return tally.summary(rateSeconds(now - windowMs, now, now, svc.firstInterval));
}

/** Distinct `host` values heard from in the last minute; lines without a host count as one replica only when no named one is heard. */
export function replicasOf(svc: ServiceState, now: number): number {
  let named = 0, unnamed = 0;
  for (const [host, at] of svc.hosts) {
    if (at < now - LIVE_WITHIN_MS) continue;
    if (host === '') unnamed = 1;
    else named++;
  }
  return named || unnamed;
}

export function serviceStatus(svc: ServiceState, now: number): 'live' | 'idle' {
  return svc.lastSeen >= now - LIVE_WITHIN_MS ? 'live' : 'idle';
}

export async function listServices(engine: ServicesEngine, windowMs: number): Promise<ServiceListItem[]> {
  const now = engine.clock();
  const out: ServiceListItem[] = [];
  for (const svc of [...engine.index.services.values()].sort((a, b) => a.name.localeCompare(b.name))) {
    out.push({
      name: svc.name,
      status: serviceStatus(svc, now),
      replicas: replicasOf(svc, now),
      lastSeen: svc.lastSeen > 0 ? svc.lastSeen : null,
      malformedLines: svc.malformedLines,
      refusedTagSets: svc.refusedTagSets,
      summary: await requestSummary(engine, svc, windowMs),
    });
  }
  return out;
}

export interface ServiceMetricInfo {
  name: string;
  kind: MetricKind;
  tagSets: number;
  /** Tag key → values seen ('' for a bare tag), at most 100 values per key. */
  tags: Record<string, string[]>;
  /** Stats the series query answers for it. */
  stats: string[];
}

export function describeMetrics(svc: ServiceState): ServiceMetricInfo[] {
  return [...svc.metrics.values()].sort((a, b) => a.name.localeCompare(b.name)).map((m) => {
    const tags = new Map<string, Set<string>>();
    for (const s of m.series) {
      for (const t of s.tags) {
        const { key, value } = parseTag(t);
        let set = tags.get(key);
        if (!set) tags.set(key, (set = new Set()));
        if (set.size < 100) set.add(value);
      }
    }
    return {
      name: m.name,
      kind: m.kind,
      tagSets: m.series.length,
      tags: Object.fromEntries([...tags].sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => [k, [...v].sort()])),
      stats: [...STATS_OF_KIND[m.kind], ...(m.kind === 'distribution' ? ['p50', 'p90', 'p99', 'p99.9'] : [])],
    };
  });
}

/** A live interval's content from its series' aggregates; its rates are taken over `seconds` (see {@link rateSeconds}). */
export function intervalMetrics(parts: Iterable<{ series: SeriesState; agg: Aggregate }>, seconds: number): Pick<ServiceInterval, 'metrics' | 'requests' | 'replicas' | 'seconds'> {
  const byMetric = new Map<string, { kind: MetricKind; aggs: Aggregate[] }>();
  const hosts = new Set<string>();
  const tally = new RequestTally();
  for (const { series: s, agg } of parts) {
    let m = byMetric.get(s.name);
    if (!m) byMetric.set(s.name, (m = { kind: s.kind, aggs: [] }));
    m.aggs.push(agg);
    if (s.host !== '') hosts.add(s.host);
    tally.add(s, agg);
  }
  const finite = (v: number) => (Number.isFinite(v) ? v : null);
  const metrics = [...byMetric].sort(([a], [b]) => a.localeCompare(b)).map(([metric, m]): IntervalMetric => {
    const a = combine(m.kind, m.aggs)!;
    const dist = m.kind === 'distribution';
    return {
      metric, kind: m.kind, count: a.kind === 'counter' ? a.sum : a.count, sum: a.sum, min: finite(a.min), max: finite(a.max),
      last: m.kind === 'gauge' ? finite(a.last) : null,
      p50: dist ? finite(quantile(a, 0.5)) : null, p90: dist ? finite(quantile(a, 0.9)) : null, p99: dist ? finite(quantile(a, 0.99)) : null,
    };
  });
  return { metrics, requests: tally.summary(seconds), replicas: hosts.size || (byMetric.size > 0 ? 1 : 0), seconds };
}
