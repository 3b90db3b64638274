import type { MetricKind } from './dogstatsd.js';

/** Wire shapes of the service-metrics API (`/api/services…`) and its live events. Times in ms since the epoch. */

/** Requests of a service over a window (the `plotline get` columns). Latencies in ms; null where there is no data. */
export interface RequestSummary {
  /** Requests counted (by status: `2XX` + `4XX` + `5XX` + others). */
  requests: number;
  requestsPerSecond: number | null;
  avgRequestMs: number | null;
  p99Ms: number | null;
  '2XX': number;
  '4XX': number;
  '5XX': number;
}

/** A service as the list and the live stream show it. */
export interface ServiceEntry {
  name: string;
  /** `live` when heard from in the last minute, else `idle`. */
  status: 'live' | 'idle';
  /** Distinct `host` tag values heard from in the last minute. */
  replicas: number;
  lastSeen: number | null;
}

export interface ServiceListItem extends ServiceEntry {
  /** UDP lines refused (malformed, or a type conflicting with the metric's). */
  malformedLines: number;
  /** Lines refused because their metric had reached the tag-set cap. */
  refusedTagSets: number;
  summary: RequestSummary;
}

/** One metric of a service, merged over its tag sets, over one interval (live events). */
export interface IntervalMetric {
  metric: string;
  kind: MetricKind;
  /** Counter: total counted; distribution: values (weighted by 1/rate); gauge: samples; set: distinct members. */
  count: number;
  sum: number;
  min: number | null;
  max: number | null;
  /** Gauges: the latest value of each tag set, added up (in-flight requests over replicas). */
  last: number | null;
  p50: number | null;
  p90: number | null;
  p99: number | null;
}

/** A followed service's interval: the open one while it fills (at most once a second), then once when it closes. */
export interface ServiceInterval {
  service: string;
  /** Interval start; it is 10 s wide. */
  start: number;
  closed: boolean;
  /** Distinct hosts in this interval. */
  replicas: number;
  /**
   * Seconds its rates are taken over: 10 once closed; while open, the part that has passed — both from the service's
   * first interval start when it began in this one. `requests.requestsPerSecond` is `requests.requests / seconds`; a
   * counter's rate is `count / seconds`.
   */
  seconds: number;
  requests: RequestSummary;
  metrics: IntervalMetric[];
}

/** A metric of `GET /api/services/:name?window=`: its kind, tags seen, the stats the series query answers, and its window. */
export interface ServiceMetricSummary {
  name: string;
  kind: MetricKind;
  tagSets: number;
  /** Tag key → values seen ('' for a bare tag), at most 100 values per key. */
  tags: Record<string, string[]>;
  stats: string[];
  /** Over the window: counter total (else values or samples), its rate per second, avg, gauges' latest (summed over tag sets), p99. */
  window: { count: number; rate: number; avg: number | null; last: number | null; p99: number | null } | null;
}

/** `GET /api/services/:name?window=`. */
export interface ServiceDetail {
  window: number;
  service: ServiceListItem;
  metrics: ServiceMetricSummary[];
}
