import { splitTags, type MetricKind } from '../../protocol/index.js';
import type { Aggregate } from './aggregate.js';

/** Standard request metrics (OpenTelemetry HTTP semantic conventions) and the Cortex names read as them. */
export const REQUEST_DURATION = 'http.server.request.duration';
export const ACTIVE_REQUESTS = 'http.server.active_requests';
export const CORTEX_STATUS_CODE = 'cortex_status_code';

/** Cortex's names, turned into the standard ones as they arrive: `cortex_latency` is in ms, the standard duration in s. */
export const ALIASES: ReadonlyMap<string, { name: string; scale: number }> = new Map([
  ['cortex_latency', { name: REQUEST_DURATION, scale: 1 / 1000 }],
  ['cortex_in_flight_requests', { name: ACTIVE_REQUESTS, scale: 1 }],
]);

export const DEFAULT_SERVICE = 'default';

/** One series in memory: identity, stored id (once flushed), and its intervals not yet written. */
export interface SeriesState {
  service: string;
  name: string;
  kind: MetricKind;
  tags: string[];
  /** Value of the `host` tag ('' without one): the replica. */
  host: string;
  /** Multiplies every value (alias units). */
  scale: number;
  id: number | null;
  /** Open intervals by start (ms); usually one. */
  open: Map<number, Aggregate>;
  metric: MetricState;
}

/** All tag sets of one (service, metric name). */
export interface MetricState {
  service: string;
  name: string;
  kind: MetricKind;
  series: SeriesState[];
  /**
   * All tag sets merged, kept in the store only (written by each flush beside the tag sets), so a query without tag
   * filters reads one row per interval instead of one per tag set. None for gauges, whose `last` adds up tag sets.
   */
  total: SeriesState | null;
}

/** The tag set of a metric's total: a control character, which no line's tag can hold (and PostgreSQL text can: not NUL). */
export const TOTAL_TAG = '\u0001total';

export interface ServiceState {
  name: string;
  lastSeen: number;
  /**
   * Start (ms) of the first 10 s interval the service has data in: rates over a window are taken from here when the
   * service is younger than the window. Infinity before any data; −Infinity when unknown (a store written before it was
   * kept), which takes rates over the whole window.
   */
  firstInterval: number;
  /** Counts lines applied (the live stream sends a running interval only when it moved). */
  updates: number;
  /** host → last heard from (ms). */
  hosts: Map<string, number>;
  /** UDP lines refused (each names a rule; the sender cannot be told). */
  malformedLines: number;
  /** Lines refused because their metric already had the maximum number of tag sets. */
  refusedTagSets: number;
  metrics: Map<string, MetricState>;
}

export type Resolved = SeriesState | { field: string; rule: string };

/**
 * Knows every series and service, and turns (client's default service, name, kind, raw tags) into a series: the service
 * is the `service` tag, else `api_name`, else the client's option, else `default` (the naming tag is taken out of the tag
 * set); tags are sorted and de-duplicated; Cortex names become the standard ones. Raw tag strings are cached, so the same
 * line shape costs one map lookup.
 */
export class SeriesIndex {
  readonly services = new Map<string, ServiceState>();
  private readonly byKey = new Map<string, SeriesState>();
  /** Cache of line shapes: (client's service, name) → raw tag string as sent → series. */
  private readonly byRaw = new Map<string, Map<string, SeriesState>>();
  private rawCount = 0;

  constructor(private readonly maxTagSets: number) {}

  service(name: string): ServiceState {
    let s = this.services.get(name);
    if (!s) {
      s = { name, lastSeen: 0, firstInterval: Infinity, updates: 0, hosts: new Map(), malformedLines: 0, refusedTagSets: 0, metrics: new Map() };
      this.services.set(name, s);
    }
    return s;
  }

  /** The series of a line; `created` collects series made by this call (so a refused HTTP body can undo them). */
  resolve(defaultService: string, name: string, kind: MetricKind, rawTags: string, created: SeriesState[] | null): Resolved {
    const outerKey = defaultService === '' ? name : `${defaultService}\u0001${name}`;
    let shapes = this.byRaw.get(outerKey);
    let state = shapes?.get(rawTags);
    if (state === undefined) {
      const tags = splitTags(detach(rawTags));
      let service = '';
      let naming = -1;
      for (const prefix of ['service:', 'api_name:']) {
        naming = tags.findIndex((t) => t.startsWith(prefix) && t.length > prefix.length);
        if (naming >= 0) {
          service = tags[naming]!.slice(prefix.length);
          break;
        }
      }
      if (naming >= 0) tags.splice(naming, 1);
      else service = defaultService || DEFAULT_SERVICE;
      const alias = ALIASES.get(name);
      const stdName = alias?.name ?? detach(name);
      const key = `${service}\u0001${stdName}\u0001${tags.join(',')}`;
      state = this.byKey.get(key);
      if (state === undefined) {
        const svc = this.service(service);
        let metric = svc.metrics.get(stdName);
        if (metric && metric.kind !== kind) return { field: 'type', rule: `"${stdName}" is a ${metric.kind} in service "${service}"; a ${kind} line cannot reuse the name` };
        if (metric && metric.series.length >= this.maxTagSets) {
          svc.refusedTagSets++;
          return { field: 'tags', rule: `"${stdName}" in service "${service}" already has the maximum of ${this.maxTagSets} tag sets (--max-tag-sets); this line's tag set is refused` };
        }
        if (!metric) {
          metric = newMetric(service, stdName, kind);
          svc.metrics.set(stdName, metric);
        }
        const host = tags.find((t) => t.startsWith('host:'))?.slice(5) ?? '';
        state = { service, name: stdName, kind, tags, host, scale: alias?.scale ?? 1, id: null, open: new Map(), metric };
        metric.series.push(state);
        this.byKey.set(key, state);
        created?.push(state);
      }
      // Bounded: forget raw spellings (not series) when too many accumulate.
      if (++this.rawCount > 200_000) {
        this.byRaw.clear();
    this.rawCount = 0;
        this.rawCount = 1;
        shapes = undefined;
      }
      if (!shapes) this.byRaw.set(detach(outerKey), (shapes = new Map()));
      shapes.set(detach(rawTags), state);
    }
    if (state.kind !== kind) return { field: 'type', rule: `"${state.name}" is a ${state.kind} in service "${state.service}"; a ${kind} line cannot reuse the name` };
    return state;
  }

  /** Removes series made by a refused request (they hold no data). */
  undo(created: readonly SeriesState[]): void {
    if (created.length === 0) return;
    this.byRaw.clear();
    this.rawCount = 0;
    for (const s of created) {
      this.byKey.delete(`${s.service}\u0001${s.name}\u0001${s.tags.join(',')}`);
      const list = s.metric.series;
      list.splice(list.indexOf(s), 1);
      const svc = this.services.get(s.service)!;
      if (list.length === 0) svc.metrics.delete(s.name);
      if (svc.metrics.size === 0 && svc.lastSeen === 0) this.services.delete(s.service);
    }
  }

  /** Highest stored series id known. */
  maxId = 0;

  /**
   * Adds a series read back from the store (at start-up, or made by another server replica on the same database). One
   * this index already has, not yet stored, takes the id.
   */
  load(s: { id: number; service: string; name: string; kind: MetricKind; tags: string[] }): void {
    if (s.id > this.maxId) this.maxId = s.id;
    const known = this.byKey.get(`${s.service}\u0001${s.name}\u0001${s.tags.join(',')}`);
    if (known) {
      known.id ??= s.id;
      return;
    }
    const svc = this.service(s.service);
    let metric = svc.metrics.get(s.name);
    if (!metric) {
      metric = newMetric(s.service, s.name, s.kind);
      svc.metrics.set(s.name, metric);
    }
    if (s.tags[0] === TOTAL_TAG) {
      if (metric.total) metric.total.id ??= s.id;
      return;
    }
    const host = s.tags.find((t) => t.startsWith('host:'))?.slice(5) ?? '';
    const state: SeriesState = { service: s.service, name: s.name, kind: s.kind, tags: s.tags, host, scale: 1, id: s.id, open: new Map(), metric };
    metric.series.push(state);
    this.byKey.set(`${s.service}\u0001${s.name}\u0001${s.tags.join(',')}`, state);
  }
}

/**
 * A copy of `s` that shares no memory with the text it was cut from. V8 keeps substrings as views of their parent, so a
 * name kept as a map key would otherwise keep a whole request body (up to 32 MiB) alive.
 */
export function detach(s: string): string {
  return Buffer.from(s, 'utf8').toString('utf8');
}

function newMetric(service: string, name: string, kind: MetricKind): MetricState {
  const metric: MetricState = { service, name, kind, series: [], total: null };
  if (kind !== 'gauge') {
    metric.total = { service, name, kind, tags: [TOTAL_TAG], host: '', scale: 1, id: null, open: new Map(), metric };
  }
  return metric;
}

/** The service a raw line names (its `service:` or `api_name:` tag), for counting refused lines; '' when none is found. */
export function serviceOfRawLine(line: string): string {
  const hash = line.indexOf('|#');
  if (hash < 0) return '';
  const end = line.indexOf('|', hash + 2);
  const tags = line.slice(hash + 2, end < 0 ? undefined : end).split(',');
  const tag = tags.find((t) => t.startsWith('service:')) ?? tags.find((t) => t.startsWith('api_name:'));
  return tag ? tag.slice(tag.indexOf(':') + 1) : '';
}
