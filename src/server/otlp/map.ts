import type { BucketedValues } from '../services/aggregate.js';
import type { Sample } from '../services/engine.js';
import { REQUEST_DURATION } from '../services/series-index.js';
import { STATSD_LIMITS } from '../../protocol/index.js';
import {
  advance, bucketedValues, counterDelta, decodeStreamPoint, encodeStreamPoint, histogramDelta, nanosText, withExtremes, type ExpBuckets, type RawHistogram,
  type StreamPoint, type StreamStates,
} from './cumulative.js';

/**
 * Maps an OTLP metrics export request onto service-metric samples (DESIGN.md "OTLP"). The request is the object a
 * protobuf decode yields (protobufjs messages: 64-bit integers as `Long`, defaults on the prototype) or parsed OTLP/JSON
 * (lowerCamelCase, 64-bit integers as strings, enums as integers): one reader serves both.
 *
 * - resource `service.name` → service; `service.instance.id` (else `host.name` + `process.pid`) → the `host` tag.
 * - point attributes → tags `k:v` (`,` `|` and control characters become `_`; keys `service`, `api_name`, `host` become
 *   `otel.service`… so they cannot rename the service or the replica).
 * - Gauge and non-monotonic Sum → gauge; monotonic Sum → counter (delta points as they are; cumulative ones are returned
 *   in `cumulative`, to be turned into deltas against the stream's shared state by {@link resolveCumulative});
 *   Histogram and ExponentialHistogram → distribution (exact count, sum, min, max; bucket midpoints weighted by counts
 *   into the sketch); Summary → one gauge per quantile (tag `quantile:q`) plus `<name>.count` and `<name>.sum` counters.
 * - Durations of the standard request metric in `ms` become seconds, as DogStatsD's `http.server.request.duration`; the
 *   older semantic conventions' `http.server.duration` (ms, `http.method`, `http.status_code`) is read as it.
 *
 * A data point that breaks a rule is rejected alone (the caller reports it in `partial_success`); a body whose structure
 * is wrong (a list that is not a list, a metric without a name) throws {@link OtlpShapeError} naming the field.
 *
 * The per-point path allocates little: field paths are built only for errors, 64-bit integers are read without BigInt,
 * and a point's attributes become tags through `tags` (one lookup per attribute set already seen).
 */
export function mapExport(req: unknown, limits: OtlpLimits = DEFAULT_OTLP_LIMITS, tags: TagCache = new TagCache()): MappedExport {
  const out: MappedExport = { samples: [], points: 0, rejected: [], pointOfSample: [], cumulative: [] };
  const top = obj(req, '');
  list(top, 'resourceMetrics', '').forEach((rmRaw, r) => {
    const rp = `resourceMetrics[${r}]`;
    const rm = obj(rmRaw, rp);
    const resource = has(rm, 'resource') ? attributes(obj(rm.resource, `${rp}.resource`), `${rp}.resource`) : new Map<string, string>();
    const service = clean(resource.get('service.name') || 'unknown_service', 200);
    const instance = resource.get('service.instance.id') ?? (resource.has('host.name') ? resource.get('host.name')! + (resource.has('process.pid') ? `:${resource.get('process.pid')}` : '') : '');
    const hostTag = instance === '' ? '' : `host:${clean(instance, STATSD_LIMITS.maxTagLength - 5)}`;
    const scopes = list(rm, 'scopeMetrics', rp).map((smRaw, s) => {
      const sp = `${rp}.scopeMetrics[${s}]`;
      return list(obj(smRaw, sp), 'metrics', sp).map((mRaw, m) => ({ mp: `${sp}.metrics[${m}]`, metric: obj(mRaw, `${sp}.metrics[${m}]`) }));
    }).flat();
    // An app sending both conventions (OTEL_SEMCONV_STABILITY_OPT_IN=http/dup) would count each request twice.
    const readLegacy = !scopes.some(({ metric }) => metric.name === REQUEST_DURATION);
    for (const { mp, metric } of scopes) mapMetric(metric, mp, { service, hostTag, readLegacy }, limits, tags, out);
  });
  return out;
}

/**
 * {@link mapExport}, then the cumulative points turned into deltas against `states` (exchanged atomically per stream,
 * see cumulative.ts); `since` is this server's start (ns, `nanosText`).
 */
export async function mapWithStates(req: unknown, states: StreamStates, since: string, limits: OtlpLimits = DEFAULT_OTLP_LIMITS, tags: TagCache = new TagCache()): Promise<MappedExport> {
  const mapped = mapExport(req, limits, tags);
  if (mapped.cumulative.length > 0) {
    const previous = await states.exchangeStreams(mapped.cumulative.map((c) => ({ key: c.key, state: c.state })), advance);
    resolveCumulative(mapped, previous, since);
  }
  return mapped;
}

/** What one export request maps to: samples for the engine, and the data points rejected here (with why). */
export interface MappedExport {
  samples: Sample[];
  /** Data points read (accepted or rejected). */
  points: number;
  rejected: { path: string; rule: string }[];
  /** For each sample, the index of its data point in `points` order (a summary point yields several samples). */
  pointOfSample: number[];
  /** Cumulative points waiting for their stream's last state (see {@link resolveCumulative}). */
  cumulative: CumulativePoint[];
}

/** A cumulative point: its stream key, its state (`encodeStreamPoint`) and the sample its delta becomes. */
export interface CumulativePoint {
  key: string;
  state: string;
  /** The sample with the delta left out. */
  sample: Omit<Sample, 'value' | 'buckets' | 'kind'> & { kind: 'counter' | 'distribution' };
  point: number;
}

/**
 * Adds the samples of `mapped.cumulative` given the state each stream had before (`previous[i]`, as the shared store
 * returned it for `mapped.cumulative[i]`, null when none); `since` is this server's start (ns, `nanosText`).
 */
export function resolveCumulative(mapped: MappedExport, previous: readonly (string | null)[], since: string): void {
  mapped.cumulative.forEach((c, i) => {
    const cur = decodeStreamPoint(c.state);
    const prevText = previous[i] ?? null;
    const prev: StreamPoint | null = prevText === null ? null : decodeStreamPoint(prevText);
    if (c.sample.kind === 'counter') {
      const value = counterDelta(prev, cur, since);
      if (value !== null) push(mapped, { ...c.sample, kind: 'counter', value } as Sample, c.point);
    } else {
      const buckets = histogramDelta(prev, cur, since);
      if (buckets !== null && buckets.count > 0) push(mapped, { ...c.sample, kind: 'distribution', buckets } as Sample, c.point);
    }
  });
  mapped.cumulative = [];
}

/** Bounds on one request's content (the body cap bounds the rest). */
export interface OtlpLimits {
  /** Data points per request; further points are rejected. */
  maxPoints: number;
  /** Buckets of one histogram point (explicit bounds, or each side of an exponential one). */
  maxBuckets: number;
}

export const DEFAULT_OTLP_LIMITS: OtlpLimits = { maxPoints: 200_000, maxBuckets: 4096 };

/** A body that is not an OTLP export request at all (400, not retryable). */
export class OtlpShapeError extends Error {
  constructor(readonly path: string, readonly rule: string) {
    super(`${path || 'body'} ${rule}`);
  }
}

/** A data point refused alone. */
class PointError extends Error {}

/**
 * Attribute sets already turned into tag lists, keyed by their raw text (keys and values of plain attributes): the
 * cleaning, renaming and joining is done once per distinct set. Bounded: emptied when full.
 */
export class TagCache {
  private readonly map = new Map<string, string>();

  constructor(private readonly max = 50_000) {}

  get(key: string): string | undefined {
    return this.map.get(key);
  }

  set(key: string, tags: string): void {
    if (this.map.size >= this.max) this.map.clear();
    this.map.set(key, tags);
  }
}

interface Where {
  service: string;
  hostTag: string;
  /** Read `http.server.duration` as the standard duration (not when the standard one is sent too). */
  readLegacy: boolean;
}

const DELTA = 1;
const CUMULATIVE = 2;
/** `DataPointFlags.FLAG_NO_RECORDED_VALUE`: the point marks a gap, it holds no value. */
const NO_RECORDED_VALUE = 1;
const LEGACY_DURATION = 'http.server.duration';
const LEGACY_TAGS: ReadonlyMap<string, string> = new Map([
  ['http.method', 'http.request.method'], ['http.status_code', 'http.response.status_code'],
]);
const KINDS = ['gauge', 'sum', 'histogram', 'exponentialHistogram', 'summary'] as const;

function push(out: MappedExport, s: Sample, point: number): void {
  out.samples.push(s);
  out.pointOfSample.push(point);
}

function mapMetric(metric: Record<string, unknown>, mp: string, where: Where, limits: OtlpLimits, cache: TagCache, out: MappedExport): void {
  let name = str(metric.name, `${mp}.name`);
  if (name === '') throw new OtlpShapeError(`${mp}.name`, 'must be a non-empty metric name');
  if (name.length > STATSD_LIMITS.maxNameLength) throw new OtlpShapeError(`${mp}.name`, `must be at most ${STATSD_LIMITS.maxNameLength} characters`);
  const unit = has(metric, 'unit') ? str(metric.unit, `${mp}.unit`) : '';
  let legacy = false;
  if (name === LEGACY_DURATION && where.readLegacy) {
    name = REQUEST_DURATION;
    legacy = true;
  }
  const scale = name === REQUEST_DURATION && unit === 'ms' ? 1 / 1000 : 1;
  // eslint-disable-next-line no-control-regex
  const nameRule = /[\u0000-\u001f\u007f]/.test(name) ? `name of ${mp} must not contain control characters` : null;
  const kinds = KINDS.filter((k) => has(metric, k));
  if (kinds.length !== 1) throw new OtlpShapeError(mp, `must hold exactly one of gauge, sum, histogram, exponentialHistogram, summary (found ${kinds.length})`);
  const kind = kinds[0]!;
  const dp = `${mp}.${kind}`;
  const data = obj(metric[kind], dp);
  const temporality = has(data, 'aggregationTemporality') ? int(data.aggregationTemporality, 'aggregationTemporality') : 0;
  const monotonic = has(data, 'isMonotonic') ? bool(data.isMonotonic, `${dp}.isMonotonic`) : false;
  const cacheKey = `${legacy ? 'L' : ''}${where.hostTag}\u0003`;
  const points = list(data, 'dataPoints', dp);
  for (let i = 0; i < points.length; i++) {
    const index = out.points++;
    try {
      if (index >= limits.maxPoints) throw new PointError(`is beyond the ${limits.maxPoints} data points one request may carry`);
      if (nameRule) throw new PointError(nameRule);
      const point = points[i];
      if (point === null || typeof point !== 'object' || Array.isArray(point)) throw new OtlpShapeError(`${dp}.dataPoints[${i}]`, 'must be an object');
      const p = point as Record<string, unknown>;
      if (has(p, 'flags') && int(p.flags, 'flags') & NO_RECORDED_VALUE) continue;
      const tags = pointTagsCached(p, () => `${dp}.dataPoints[${i}]`, legacy, where.hostTag, cacheKey, cache);
      const at = nanosToMsOf(p.timeUnixNano, 'timeUnixNano');
      if (Number.isNaN(at)) throw new PointError('timeUnixNano must be set (nanoseconds since the Unix epoch)');
      switch (kind) {
        case 'gauge':
          push(out, { service: where.service, name, kind: 'gauge', tags, at, value: numberValue(p), scale }, index);
          break;
        case 'sum': {
          const value = numberValue(p);
          if (!monotonic) push(out, { service: where.service, name, kind: 'gauge', tags, at, value, scale }, index);
          else if (temporality === DELTA) push(out, { service: where.service, name, kind: 'counter', tags, at, value, scale }, index);
          else if (temporality === CUMULATIVE) {
            out.cumulative.push({ key: streamKey(where.service, name, tags), state: encodeStreamPoint({ ...times(p), value }), sample: { service: where.service, name, kind: 'counter', tags, at, scale }, point: index });
          } else throw temporalityError(dp);
          break;
        }
        case 'histogram':
        case 'exponentialHistogram': {
          const h = kind === 'histogram' ? explicitHistogram(p, limits) : exponentialHistogram(p, limits);
          if (temporality === DELTA) {
            const v = bucketedValues(h);
            if (v.count > 0) push(out, { service: where.service, name, kind: 'distribution', tags, at, buckets: { count: v.count, sum: v.sum, min: v.min, max: v.max, centers: v.centers, weights: v.weights }, scale }, index);
          } else if (temporality === CUMULATIVE) {
            out.cumulative.push({ key: streamKey(where.service, name, tags), state: encodeStreamPoint({ ...times(p), h: withExtremes(h) }), sample: { service: where.service, name, kind: 'distribution', tags, at, scale }, point: index });
          } else throw temporalityError(dp);
          break;
        }
        case 'summary': {
          const quantiles = list(p, 'quantileValues', `${dp}.dataPoints[${i}]`);
          quantiles.forEach((qRaw, k) => {
            const q = obj(qRaw, `${dp}.dataPoints[${i}].quantileValues[${k}]`);
            const quantile = has(q, 'quantile') ? dbl(q.quantile, 'quantile') : 0;
            const value = has(q, 'value') ? dbl(q.value, 'value') : 0;
            const qt = `quantile:${quantile}`;
            push(out, { service: where.service, name, tags: tags === '' ? qt : `${tags},${qt}`, kind: 'gauge', at, value, scale }, index);
          });
          const count = count64(p.count, 'count');
          const sum = has(p, 'sum') ? dbl(p.sum, 'sum') : 0;
          // A summary's count and sum run from its start time, like a cumulative sum.
          const t = times(p);
          const key = streamKey(where.service, name, tags);
          out.cumulative.push({ key: `${key}\u0001count`, state: encodeStreamPoint({ ...t, value: count }), sample: { service: where.service, name: `${name}.count`, kind: 'counter', tags, at }, point: index });
          out.cumulative.push({ key: `${key}\u0001sum`, state: encodeStreamPoint({ ...t, value: sum }), sample: { service: where.service, name: `${name}.sum`, kind: 'counter', tags, at, scale }, point: index });
          break;
        }
      }
    } catch (err) {
      if (err instanceof PointError) out.rejected.push({ path: `${dp}.dataPoints[${i}]`, rule: err.message });
      // Readers inside a point name the field from the point on.
      else if (err instanceof OtlpShapeError) out.rejected.push({ path: err.path.startsWith('resourceMetrics') ? err.path : `${dp}.dataPoints[${i}].${err.path}`, rule: err.rule });
      else throw err;
    }
  }
}

/** The stream a cumulative point belongs to: service, metric name, tag set (host included). */
function streamKey(service: string, name: string, tags: string): string {
  return `${service}\u0001${name}\u0001${tags}`;
}

function times(p: Record<string, unknown>): { start: string; time: string } {
  return { start: nanosText(has(p, 'startTimeUnixNano') ? u64(p.startTimeUnixNano, 'startTimeUnixNano') : 0n), time: nanosText(u64(p.timeUnixNano, 'timeUnixNano')) };
}

function temporalityError(dp: string): PointError {
  return new PointError(`aggregationTemporality of ${dp} must be 1 (delta) or 2 (cumulative)`);
}

// ---- Histograms --------------------------------------------------------------------------------------------------------

/** An explicit-bucket point's counts (the ranges and the accuracy they allow: `bucketedValues` in cumulative.ts). */
function explicitHistogram(point: Record<string, unknown>, limits: OtlpLimits): RawHistogram {
  const countsRaw = list(point, 'bucketCounts', '');
  const boundsRaw = list(point, 'explicitBounds', '');
  if (boundsRaw.length > limits.maxBuckets) throw new PointError(`explicitBounds has ${boundsRaw.length} bounds; at most ${limits.maxBuckets} are taken`);
  if (countsRaw.length !== 0 && countsRaw.length !== boundsRaw.length + 1) throw new PointError(`bucketCounts must hold explicitBounds.length + 1 = ${boundsRaw.length + 1} counts (got ${countsRaw.length})`);
  const bounds = new Array<number>(boundsRaw.length);
  for (let i = 0; i < boundsRaw.length; i++) {
    bounds[i] = dbl(boundsRaw[i], 'explicitBounds', i);
    if (i > 0 && !(bounds[i]! > bounds[i - 1]!)) throw new PointError(`explicitBounds must increase (explicitBounds[${i}] = ${bounds[i]} after ${bounds[i - 1]})`);
  }
  const { count, sum, min, max } = totals(point);
  const counts = new Array<number>(countsRaw.length);
  let total = 0;
  for (let i = 0; i < countsRaw.length; i++) total += counts[i] = count64(countsRaw[i], 'bucketCounts', i);
  if (countsRaw.length > 0 && total !== count) throw new PointError(`count (${count}) must equal the sum of bucketCounts (${total})`);
  return { count, sum, min, max, bounds, counts };
}

/** An exponential point's counts: base = 2^(2^−scale), positive bucket `offset + i` holds (base^(offset+i), base^(offset+i+1)]. */
function exponentialHistogram(point: Record<string, unknown>, limits: OtlpLimits): RawHistogram {
  const scale = has(point, 'scale') ? int(point.scale, 'scale') : 0;
  if (scale < -10 || scale > 20) throw new PointError(`scale must be from -10 to 20 (got ${scale})`);
  const { count, sum, min, max } = totals(point);
  const zero = has(point, 'zeroCount') ? count64(point.zeroCount, 'zeroCount') : 0;
  let total = zero;
  const side = (name: 'positive' | 'negative'): ExpBuckets => {
    if (!has(point, name)) return { offset: 0, counts: [] };
    const b = obj(point[name], name);
    const offset = has(b, 'offset') ? int(b.offset, `${name}.offset`) : 0;
    const raw = list(b, 'bucketCounts', name);
    if (raw.length > limits.maxBuckets) throw new PointError(`${name}.bucketCounts has ${raw.length} buckets; at most ${limits.maxBuckets} are taken`);
    const counts = new Array<number>(raw.length);
    for (let i = 0; i < raw.length; i++) total += counts[i] = count64(raw[i], `${name}.bucketCounts`, i);
    return { offset, counts };
  };
  const pos = side('positive'), neg = side('negative');
  if (total !== count) throw new PointError(`count (${count}) must equal zeroCount plus the bucket counts (${total})`);
  return { count, sum, min, max, scale, zero, pos, neg };
}

function totals(point: Record<string, unknown>): { count: number; sum: number; min: number; max: number } {
  const count = count64(point.count, 'count');
  const sum = has(point, 'sum') ? dbl(point.sum, 'sum') : NaN;
  const min = has(point, 'min') ? dbl(point.min, 'min') : NaN;
  const max = has(point, 'max') ? dbl(point.max, 'max') : NaN;
  if (Number.isNaN(sum) && count > 0) throw new PointError('sum must be sent (a distribution keeps the exact sum)');
  return { count, sum, min, max };
}

// ---- Readers (protobufjs messages and OTLP/JSON alike) ---------------------------------------------------------------
// `field` (and `index`) name what is read in the error message only: no path string is built unless a value is wrong.

function has(o: Record<string, unknown>, key: string): boolean {
  return Object.hasOwn(o, key) && o[key] !== null && o[key] !== undefined;
}

function obj(v: unknown, path: string): Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new OtlpShapeError(path, 'must be an object');
  return v as Record<string, unknown>;
}

function list(o: Record<string, unknown>, key: string, path: string): unknown[] {
  const v = o[key];
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new OtlpShapeError(`${path ? `${path}.` : ''}${key}`, 'must be a list');
  return v;
}

function str(v: unknown, path: string): string {
  if (v === undefined || v === null) return '';
  if (typeof v !== 'string') throw new OtlpShapeError(path, 'must be a string');
  return v;
}

function bool(v: unknown, path: string): boolean {
  if (typeof v !== 'boolean') throw new OtlpShapeError(path, 'must be true or false');
  return v;
}

function named(field: string, index?: number): string {
  return index === undefined ? field : `${field}[${index}]`;
}

function shown(v: unknown): string | undefined {
  return JSON.stringify(v)?.slice(0, 40);
}

function int(v: unknown, field: string): number {
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  throw new PointError(`${field} must be an integer (got ${shown(v)})`);
}

function isLong(v: unknown): v is { low: number; high: number; unsigned: boolean } {
  return typeof v === 'object' && v !== null && typeof (v as { low?: unknown }).low === 'number' && typeof (v as { high?: unknown }).high === 'number';
}

const TWO_32 = 4294967296;
const U64_TEXT = /^\d{1,20}$/;

function u64Error(v: unknown, field: string, index?: number): PointError {
  return new PointError(`${named(field, index)} must be an unsigned 64-bit integer, a decimal string in JSON (got ${shown(v)})`);
}

/** An unsigned 64-bit integer (fixed64/uint64) exactly: a protobufjs Long, a decimal string (OTLP/JSON) or a safe integer. */
function u64(v: unknown, field: string): bigint {
  if (v === undefined || v === null) return 0n;
  if (isLong(v)) return (BigInt(v.high >>> 0) << 32n) | BigInt(v.low >>> 0);
  if (typeof v === 'string' && U64_TEXT.test(v) && BigInt(v) < 2n ** 64n) return BigInt(v);
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return BigInt(v);
  throw u64Error(v, field);
}

/** A count (fixed64/uint64) as a number, without BigInt; refused beyond 2^53 (no count gets there). */
function count64(v: unknown, field: string, index?: number): number {
  if (v === undefined || v === null) return 0;
  if (isLong(v)) {
    const high = v.high >>> 0;
    if (high < 0x200000) return high * TWO_32 + (v.low >>> 0);
  } else if (typeof v === 'string') {
    if (v.length <= 16 && U64_TEXT.test(v)) {
      const n = Number(v);
      if (Number.isSafeInteger(n)) return n;
    }
  } else if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return v;
  throw new PointError(`${named(field, index)} must be an unsigned 64-bit integer up to 2^53, a decimal string in JSON (got ${shown(v)})`);
}

/**
 * Nanoseconds since the epoch (fixed64) → whole ms (what the store keeps), exact, without BigInt: 2^32 ns = 4294 ms +
 * 967296 ns, so ms = high·4294 + ⌊(high·967296 + low) / 10^6⌋, every term below 2^53. NaN when unset (0).
 */
function nanosToMsOf(v: unknown, field: string): number {
  if (v === undefined || v === null) return NaN;
  if (isLong(v)) {
    const high = v.high >>> 0, low = v.low >>> 0;
    if (high === 0 && low === 0) return NaN;
    return high * 4294 + Math.floor((high * 967296 + low) / 1e6);
  }
  if (typeof v === 'string' && U64_TEXT.test(v)) {
    if (v.length <= 6) return /^0+$/.test(v) ? NaN : 0;
    const ms = Number(v.slice(0, -6));
    if (v.length < 20 || BigInt(v) < 2n ** 64n) return ms;
  }
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return v === 0 ? NaN : Math.floor(v / 1e6);
  throw u64Error(v, field);
}

/** Nanoseconds since the epoch → ms (what the store keeps), from the exact integer. */
export function nanosToMs(nanos: bigint): number {
  return Number(nanos / 1_000_000n);
}

/** A signed 64-bit integer (sfixed64/int64) as a number (exact up to 2^53). */
function i64(v: unknown, field: string): number {
  if (isLong(v)) {
    if (v.high >= -0x200000 && v.high < 0x200000) return v.high * TWO_32 + (v.low >>> 0);
    return Number(BigInt.asIntN(64, (BigInt(v.high >>> 0) << 32n) | BigInt(v.low >>> 0)));
  }
  if (typeof v === 'string' && /^-?\d{1,20}$/.test(v)) return Number(v);
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  throw new PointError(`${field} must be a 64-bit integer, a decimal string in JSON (got ${shown(v)})`);
}

/** A double: a number, or in JSON also "NaN", "Infinity", "-Infinity" or a numeric string (proto3 JSON). */
function dbl(v: unknown, field: string, index?: number): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string') {
    if (v === 'NaN') return NaN;
    if (v === 'Infinity') return Infinity;
    if (v === '-Infinity') return -Infinity;
    const n = Number(v);
    if (v.trim() !== '' && !Number.isNaN(n)) return n;
  }
  throw new PointError(`${named(field, index)} must be a number (got ${shown(v)})`);
}

function numberValue(point: Record<string, unknown>): number {
  if (has(point, 'asDouble')) return dbl(point.asDouble, 'asDouble');
  if (has(point, 'asInt')) return i64(point.asInt, 'asInt');
  throw new PointError('must hold asDouble or asInt');
}

/**
 * A point's tags (host included) through the cache. The key is built from plain attributes (string, bool, int, double
 * values) as they are; any other shape takes the slow path, which checks every rule and names the field.
 */
function pointTagsCached(point: Record<string, unknown>, path: () => string, legacy: boolean, hostTag: string, prefix: string, cache: TagCache): string {
  const attrs = point.attributes;
  let key: string | null = prefix;
  if (Array.isArray(attrs)) {
    for (let i = 0; i < attrs.length && key !== null; i++) {
      const kv = attrs[i] as Record<string, unknown> | null;
      const k = kv?.key, v = kv?.value as Record<string, unknown> | null | undefined;
      if (typeof k !== 'string' || v === null || typeof v !== 'object') key = null;
      // Lengths first: no key or value text can make two attribute sets read alike.
      else if (typeof v.stringValue === 'string' && Object.hasOwn(v, 'stringValue')) key += `${k.length}:${k}s${v.stringValue.length}:${v.stringValue}`;
      else if (Object.hasOwn(v, 'intValue') && (typeof v.intValue === 'number' || typeof v.intValue === 'string' || isLong(v.intValue))) key += `${k.length}:${k}i${isLong(v.intValue) ? `${v.intValue.high}:${v.intValue.low}` : v.intValue};`;
      else if (typeof v.boolValue === 'boolean' && Object.hasOwn(v, 'boolValue')) key += `${k.length}:${k}b${v.boolValue};`;
      else if (typeof v.doubleValue === 'number' && Object.hasOwn(v, 'doubleValue')) key += `${k.length}:${k}d${v.doubleValue};`;
      else key = null;
    }
  } else if (attrs !== undefined && attrs !== null) key = null;
  if (key !== null) {
    const hit = cache.get(key);
    if (hit !== undefined) return hit;
  }
  let tags = pointTags(point, path(), legacy);
  if (hostTag) tags = tags === '' ? hostTag : `${tags},${hostTag}`;
  if (key !== null) cache.set(key, tags);
  return tags;
}

/** Attributes as a key → text map (later keys win). */
function attributes(o: Record<string, unknown>, path: string): Map<string, string> {
  const out = new Map<string, string>();
  list(o, 'attributes', path).forEach((kvRaw, i) => {
    const kv = obj(kvRaw, `${path}.attributes[${i}]`);
    const key = str(kv.key, `${path}.attributes[${i}].key`);
    out.set(key, has(kv, 'value') ? anyText(kv.value, `${path}.attributes[${i}].value`, 0) : '');
  });
  return out;
}

/** An AnyValue as text: strings as they are, numbers and booleans written out, arrays and maps as JSON. */
function anyText(v: unknown, path: string, depth: number): string {
  const o = obj(v, path);
  if (depth > 8) throw new PointError(`${path} nests deeper than 8 levels`);
  if (has(o, 'stringValue')) return str(o.stringValue, `${path}.stringValue`);
  if (has(o, 'boolValue')) return String(bool(o.boolValue, `${path}.boolValue`));
  if (has(o, 'intValue')) return String(i64(o.intValue, `${path}.intValue`));
  if (has(o, 'doubleValue')) return String(dbl(o.doubleValue, `${path}.doubleValue`));
  if (has(o, 'arrayValue')) {
    const items = list(obj(o.arrayValue, `${path}.arrayValue`), 'values', `${path}.arrayValue`);
    return JSON.stringify(items.map((x, i) => anyText(x, `${path}.arrayValue.values[${i}]`, depth + 1)));
  }
  if (has(o, 'kvlistValue')) {
    const m = attributesOfList(obj(o.kvlistValue, `${path}.kvlistValue`), `${path}.kvlistValue`, depth + 1);
    return JSON.stringify(Object.fromEntries(m));
  }
  return '';
}

function attributesOfList(o: Record<string, unknown>, path: string, depth: number): Map<string, string> {
  const out = new Map<string, string>();
  list(o, 'values', path).forEach((kvRaw, i) => {
    const kv = obj(kvRaw, `${path}.values[${i}]`);
    out.set(str(kv.key, `${path}.values[${i}].key`), has(kv, 'value') ? anyText(kv.value, `${path}.values[${i}].value`, depth) : '');
  });
  return out;
}

const RESERVED_KEYS = new Set(['service', 'api_name', 'host']);

/** A point's attributes as a raw DogStatsD tag list (the slow path, every rule checked, every field named). */
function pointTags(point: Record<string, unknown>, pp: string, legacy: boolean): string {
  const attrs = attributes(point, pp);
  if (attrs.size > STATSD_LIMITS.maxTags - 1) throw new PointError(`has ${attrs.size} attributes; at most ${STATSD_LIMITS.maxTags - 1} are taken`);
  const tags: string[] = [];
  for (let [k, v] of attrs) {
    if (legacy) k = LEGACY_TAGS.get(k) ?? k;
    if (RESERVED_KEYS.has(k)) k = `otel.${k}`;
    tags.push(clean(`${k}:${v}`, STATSD_LIMITS.maxTagLength));
  }
  return tags.join(',');
}

/** Text safe in a DogStatsD tag list: `,` `|` and control characters become `_`; cut at `max` characters. */
function clean(s: string, max: number): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[,|\u0000-\u001f\u007f]/g, '_').slice(0, max);
}

