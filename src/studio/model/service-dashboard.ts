/**
 * The service dashboard's model (pure): which panels a service gets from its metrics, what each reads from the series API
 * (`GET /api/services/:name/series`) and how answers become drawn lines. DESIGN.md, "Service metrics": the ten request
 * panels read the standard names (`http.server.request.duration` in seconds, `http.server.active_requests`); Cortex's
 * `cortex_latency` and `cortex_in_flight_requests` arrive already renamed by the server, and `cortex_status_code`
 * (tag `response_code:2XX`) counts requests by class when no duration carries a status code.
 */
import { statusClass, tagText, type MetricKind, type ServiceMetricSummary } from '../../protocol/index.js';

export const REQUEST_DURATION = 'http.server.request.duration';
export const ACTIVE_REQUESTS = 'http.server.active_requests';
export const CORTEX_STATUS_CODE = 'cortex_status_code';

/** The ten request panels, in order, named exactly as DESIGN.md's DOM contract says. */
export const REQUEST_PANEL_TITLES = [
  'Request rate', 'In-flight requests', 'Active replicas', '2XX responses', '4XX responses', '5XX responses',
  'p50 latency', 'p90 latency', 'p99 latency', 'Average latency',
] as const;
export type RequestPanelTitle = (typeof REQUEST_PANEL_TITLES)[number];

/** One series query: `metric` and `stat`, optional `by` split; the answer's values × `scale`. */
export interface SeriesRead {
  metric: string;
  stat: string;
  by?: string;
  tags?: string[];
  scale: number;
}

/**
 * How an answer (series per tag value) becomes lines: `sum` adds all series (one line); `class` adds the series whose
 * status tag falls in `statusClass`; `replicas` is the replicas heard from (read from `GET /api/services/:name/replicas`,
 * already counted; live from the interval's `replicas`); `split` keeps one line per tag value (top N by volume plus "other").
 */
export type Combine = { kind: 'sum' } | { kind: 'class'; statusClass: '2XX' | '4XX' | '5XX' } | { kind: 'replicas' } | { kind: 'split' };

/**
 * The stat of the Active replicas panel's read: not one metric's but the service's hosts over all its metrics
 * (`GET /api/services/:name/replicas`), the definition of `plotline get`'s `replicas` column and the live intervals'.
 */
export const REPLICAS_STAT = 'replicas';

export interface DashboardPanel {
  /** The region's name: a request panel's title, or the custom metric's name. */
  title: string;
  unit: string;
  read: SeriesRead;
  combine: Combine;
  /** Custom metrics: the group (the name's prefix before the first `.`) and the stats offered. */
  group?: string;
  kind?: MetricKind;
  stats?: string[];
  tagKeys?: Record<string, string[]>;
  /** A request panel whose metric the service does not record (a DogStatsD service with no in-flight gauge): not read, shown empty. */
  absent?: true;
}

const STATUS_TAG = 'http.response.status_code';

/** The ten request panels for a service's metrics; empty when it has no request metric at all. */
export function requestPanels(metrics: readonly ServiceMetricSummary[]): DashboardPanel[] {
  const names = new Set(metrics.map((m) => m.name));
  const duration = metrics.find((m) => m.name === REQUEST_DURATION);
  const cortexStatus = names.has(CORTEX_STATUS_CODE);
  if (!duration && !cortexStatus && !names.has(ACTIVE_REQUESTS)) return [];
  // Requests by status class: from the durations' status tag, else Cortex's status counter.
  const statusFromDuration = duration !== undefined && (duration.tags[STATUS_TAG]?.length ?? 0) > 0;
  const classRead: SeriesRead = statusFromDuration || !cortexStatus
    ? { metric: REQUEST_DURATION, stat: 'rate', by: STATUS_TAG, scale: 1 }
    : { metric: CORTEX_STATUS_CODE, stat: 'rate', by: 'response_code', scale: 1 };
  const rateRead: SeriesRead = duration ? { metric: REQUEST_DURATION, stat: 'rate', scale: 1 } : { metric: CORTEX_STATUS_CODE, stat: 'rate', scale: 1 };
  const latency = (stat: string): SeriesRead => ({ metric: REQUEST_DURATION, stat, scale: 1000 });
  const byClass = (c: '2XX' | '4XX' | '5XX'): DashboardPanel => ({ title: `${c} responses`, unit: 'req/s', read: classRead, combine: { kind: 'class', statusClass: c } });
  const panels: DashboardPanel[] = [
    { title: 'Request rate', unit: 'req/s', read: rateRead, combine: { kind: 'sum' } },
    { title: 'In-flight requests', unit: 'count', read: { metric: ACTIVE_REQUESTS, stat: 'last', scale: 1 }, combine: { kind: 'sum' } },
    { title: 'Active replicas', unit: 'count', read: { metric: '', stat: REPLICAS_STAT, scale: 1 }, combine: { kind: 'replicas' } },
    byClass('2XX'), byClass('4XX'), byClass('5XX'),
    { title: 'p50 latency', unit: 'ms', read: latency('p50'), combine: { kind: 'sum' } },
    { title: 'p90 latency', unit: 'ms', read: latency('p90'), combine: { kind: 'sum' } },
    { title: 'p99 latency', unit: 'ms', read: latency('p99'), combine: { kind: 'sum' } },
    { title: 'Average latency', unit: 'ms', read: latency('avg'), combine: { kind: 'sum' } },
  ];
  return panels.map((p) => (p.read.metric === '' || names.has(p.read.metric) ? p : { ...p, absent: true }));
}

const STANDARD = new Set([REQUEST_DURATION, ACTIVE_REQUESTS, CORTEX_STATUS_CODE]);

/** The stat a custom metric opens with: counters their rate, gauges their latest, distributions p99, sets count. */
export function defaultStat(kind: MetricKind): string {
  return kind === 'counter' ? 'rate' : kind === 'gauge' ? 'last' : kind === 'distribution' ? 'p99' : 'count';
}

/** The group of a metric: its name's prefix before the first `.` (the whole name without one). */
export function metricGroup(name: string): string {
  const i = name.indexOf('.');
  return i > 0 ? name.slice(0, i) : name;
}

/** One panel per custom metric (not a request metric), grouped by prefix: groups in name order, metrics within. */
export function customPanels(metrics: readonly ServiceMetricSummary[]): DashboardPanel[] {
  return metrics.filter((m) => !STANDARD.has(m.name))
    .map((m): DashboardPanel => ({
      title: m.name, unit: m.kind === 'counter' ? '/s' : '', group: metricGroup(m.name), kind: m.kind, stats: m.stats,
      tagKeys: Object.fromEntries(Object.entries(m.tags).filter(([k]) => k !== 'service')),
      read: { metric: m.name, stat: defaultStat(m.kind), scale: 1 }, combine: { kind: 'sum' },
    }))
    .sort((a, b) => a.group!.localeCompare(b.group!) || a.title.localeCompare(b.title));
}

/** The unit a custom panel shows for a stat: rates per second, counts, else the metric's own values. */
export function statUnit(stat: string): string {
  return stat === 'rate' ? '/s' : stat === 'count' ? 'count' : '';
}

/** A series answer of the API. */
export interface SeriesAnswerLine {
  tags: Record<string, string | null>;
  t: number[];
  v: Array<number | null>;
}

/** A drawn line: its label and values on the shared bucket times. */
export interface Line {
  label: string;
  values: Array<number | null>;
}

export interface DrawnPanel {
  t: number[];
  lines: Line[];
}

function addInto(into: Array<number | null>, from: ReadonlyArray<number | null>, scale: number): void {
  for (let i = 0; i < into.length; i++) {
    const v = from[i];
    if (v === null || v === undefined) continue;
    into[i] = (into[i] ?? 0) + v * scale;
  }
}

/** Lines of a panel from the API's answer (all series share the bucket times of the query). */
export function drawPanel(panel: Pick<DashboardPanel, 'title' | 'read' | 'combine'>, answer: readonly SeriesAnswerLine[], topN = 20): DrawnPanel {
  const t = answer.reduce<number[]>((longest, s) => (s.t.length > longest.length ? s.t : longest), []);
  const blank = () => new Array<number | null>(t.length).fill(null);
  const { scale } = panel.read;
  const c = panel.combine;
  if (c.kind === 'split') return { t, lines: splitTopN(answer, panel.read.by ?? '', t.length, scale, topN) };
  const values = blank();
  if (c.kind === 'class') {
    // 0 where requests of other classes were counted, empty where there were none at all.
    for (const s of answer) s.v.forEach((v, i) => { if (v !== null) values[i] ??= 0; });
    for (const s of answer) if (statusClass(s.tags[panel.read.by ?? ''] ?? null) === c.statusClass) addInto(values, s.v, scale);
  } else {
    for (const s of answer) addInto(values, s.v, scale);
  }
  return { t, lines: [{ label: panel.title, values }] };
}

/**
 * The choices of a panel's tag filter, each a tag as the series query takes it and as it is shown: `key:value`, or the
 * bare `key` for a tag without a value (the services API reports it as the value '').
 */
export function tagFilterOptions(tags: ReadonlyArray<readonly [string, readonly string[]]>): string[] {
  return tags.flatMap(([key, values]) => values.map((v) => tagText(key, v)));
}

/**
 * One line per tag value, the `topN` largest by volume (sum over the range) in order, the rest added up as `other`.
 * A series whose tag is missing is labelled `(none)`.
 */
export function splitTopN(answer: readonly SeriesAnswerLine[], by: string, n: number, scale: number, topN = 20): Line[] {
  const volume = (s: SeriesAnswerLine) => s.v.reduce<number>((a, v) => a + Math.abs(v ?? 0), 0);
  const ranked = [...answer].sort((a, b) => volume(b) - volume(a));
  const lines: Line[] = ranked.slice(0, topN).map((s) => {
    const values = new Array<number | null>(n).fill(null);
    addInto(values, s.v, scale);
    const tag = s.tags[by];
    // A bare tag (no value) is named by its key, as everywhere tags are shown.
    return { label: tag === null || tag === undefined ? '(none)' : tag === '' ? tagText(by, '') : tag, values };
  });
  if (ranked.length > topN) {
    const other = new Array<number | null>(n).fill(null);
    for (const s of ranked.slice(topN)) addInto(other, s.v, scale);
    lines.push({ label: 'other', values: other });
  }
  return lines;
}

/** Time ranges the pickers offer (label → ms). */
export const RANGES: ReadonlyArray<[string, number]> = [
  ['15m', 15 * 60_000], ['1h', 3_600_000], ['6h', 6 * 3_600_000], ['24h', 86_400_000], ['7d', 7 * 86_400_000], ['14d', 14 * 86_400_000],
];

/** The latest non-null value of a line, or null. */
export function latestValue(values: ReadonlyArray<number | null>): number | null {
  for (let i = values.length - 1; i >= 0; i--) if (values[i] !== null && values[i] !== undefined) return values[i]!;
  return null;
}
