import type { BucketedValues } from '../services/aggregate.js';
import type { Sample } from '../services/engine.js';
import { REQUEST_DURATION } from '../services/series-index.js';
import { STATSD_LIMITS } from '../../protocol/index.js';

/**
 * Maps an OTLP metrics export request onto service-metric samples (DESIGN.md "OTLP"). The request is the object a
 * protobuf decode yields (protobufjs messages: 64-bit integers as `Long`, defaults on the prototype) or parsed OTLP/JSON
 * (lowerCamelCase, 64-bit integers as strings, enums as integers): one reader serves both.
 *
 * - resource `service.name` → service; `service.instance.id` (else `host.name` + `process.pid`) → the `host` tag.
 * - point attributes → tags `k:v` (`,` `|` and control characters become `_`; keys `service`, `api_name`, `host` become
 *   `otel.service`… so they cannot rename the service or the replica).
 * - Gauge and non-monotonic Sum → gauge; monotonic Sum → counter (delta points as they are; cumulative ones turned into
 *   deltas per stream by {@link Cumulative}); Histogram and ExponentialHistogram → distribution (exact count, sum, min,
 *   max; bucket midpoints weighted by counts into the sketch); Summary → one gauge per quantile (tag `quantile:q`) plus
 *   `<name>.count` and `<name>.sum` counters.
 * - Durations of the standard request metric in `ms` become seconds, as DogStatsD's `http.server.request.duration`; the
 *   older semantic conventions' `http.server.duration` (ms, `http.method`, `http.status_code`) is read as it.
 *
 * A data point that breaks a rule is rejected alone (the caller reports it in `partial_success`); a body whose structure
 * is wrong (a list that is not a list, a metric without a name) throws {@link OtlpShapeError} naming the field.
 */
export function mapExport(req: unknown, cumulative: Cumulative, limits: OtlpLimits = DEFAULT_OTLP_LIMITS): MappedExport {
  const out: MappedExport = { samples: [], points: 0, rejected: [], pointOfSample: [] };
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
    for (const { mp, metric } of scopes) mapMetric(metric, mp, { service, hostTag, readLegacy }, cumulative, limits, out);
  });
  return out;
}

/** What one export request maps to: samples for the engine, and the data points rejected here (with why). */
export interface MappedExport {
  samples: Sample[];
  /** Data points read (accepted or rejected). */
  points: number;
  rejected: { path: string; rule: string }[];
  /** For each sample, the index of its data point in `points` order (a summary point yields several samples). */
  pointOfSample: number[];
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

function mapMetric(metric: Record<string, unknown>, mp: string, where: Where, cumulative: Cumulative, limits: OtlpLimits, out: MappedExport): void {
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
  const kinds = ['gauge', 'sum', 'histogram', 'exponentialHistogram', 'summary'].filter((k) => has(metric, k));
  if (kinds.length !== 1) throw new OtlpShapeError(mp, `must hold exactly one of gauge, sum, histogram, exponentialHistogram, summary (found ${kinds.length})`);
  const kind = kinds[0]!;
  const dp = `${mp}.${kind}`;
  const data = obj(metric[kind], dp);
  const temporality = has(data, 'aggregationTemporality') ? int(data.aggregationTemporality, `${dp}.aggregationTemporality`) : 0;
  const monotonic = has(data, 'isMonotonic') ? bool(data.isMonotonic, `${dp}.isMonotonic`) : false;
  list(data, 'dataPoints', dp).forEach((pRaw, i) => {
    const pp = `${dp}.dataPoints[${i}]`;
    const index = out.points++;
    try {
      if (index >= limits.maxPoints) throw new PointError(`is beyond the ${limits.maxPoints} data points one request may carry`);
      const point = obj(pRaw, pp);
      const flags = has(point, 'flags') ? int(point.flags, `${pp}.flags`) : 0;
      if (flags & NO_RECORDED_VALUE) return;
      let tags = pointTags(point, pp, legacy);
      if (where.hostTag) tags = tags === '' ? where.hostTag : `${tags},${where.hostTag}`;
      const time = u64(point.timeUnixNano, `${pp}.timeUnixNano`);
      if (time === 0n) throw new PointError('timeUnixNano must be set (nanoseconds since the Unix epoch)');
      const at = nanosToMs(time);
      const start = has(point, 'startTimeUnixNano') ? u64(point.startTimeUnixNano, `${pp}.startTimeUnixNano`) : 0n;
      const base = { service: where.service, tags, at };
      const push = (s: Sample): void => {
        out.samples.push(s);
        out.pointOfSample.push(index);
      };
      const stream = `${where.service}\u0001${name}\u0001${tags}`;
      switch (kind) {
        case 'gauge':
          push({ ...base, name, kind: 'gauge', value: numberValue(point, pp), scale });
          break;
        case 'sum': {
          const value = numberValue(point, pp);
          if (!monotonic) push({ ...base, name, kind: 'gauge', value, scale });
          else {
            const delta = counterDelta(temporality, cumulative, stream, start, value, pp);
            if (delta !== null) push({ ...base, name, kind: 'counter', value: delta, scale });
          }
          break;
        }
        case 'histogram':
        case 'exponentialHistogram': {
          const h = kind === 'histogram' ? explicitHistogram(point, pp, limits) : exponentialHistogram(point, pp, limits);
          const delta = histogramDelta(temporality, cumulative, stream, start, h, pp);
          if (delta !== null && delta.count > 0) push({ ...base, name, kind: 'distribution', buckets: delta, scale });
          break;
        }
        case 'summary': {
          const quantiles = list(point, 'quantileValues', pp);
          quantiles.forEach((qRaw, k) => {
            const q = obj(qRaw, `${pp}.quantileValues[${k}]`);
            const quantile = has(q, 'quantile') ? dbl(q.quantile, `${pp}.quantileValues[${k}].quantile`) : 0;
            const value = has(q, 'value') ? dbl(q.value, `${pp}.quantileValues[${k}].value`) : 0;
            const qt = `quantile:${quantile}`;
            push({ ...base, tags: tags === '' ? qt : `${tags},${qt}`, name, kind: 'gauge', value, scale });
          });
          const count = Number(u64(point.count, `${pp}.count`));
          const sum = has(point, 'sum') ? dbl(point.sum, `${pp}.sum`) : 0;
          // A summary's count and sum run from its start time, like a cumulative sum.
          const dc = counterDelta(CUMULATIVE, cumulative, `${stream}\u0001count`, start, count, pp);
          const ds = counterDelta(CUMULATIVE, cumulative, `${stream}\u0001sum`, start, sum, pp);
          if (dc !== null) push({ ...base, name: `${name}.count`, kind: 'counter', value: dc });
          if (ds !== null) push({ ...base, name: `${name}.sum`, kind: 'counter', value: ds, scale });
          break;
        }
      }
    } catch (err) {
      if (err instanceof PointError) out.rejected.push({ path: pp, rule: err.message });
      else if (err instanceof OtlpShapeError) out.rejected.push({ path: err.path, rule: err.rule });
      else throw err;
    }
  });
}

// ---- Cumulative → delta ----------------------------------------------------------------------------------------------

interface CounterState {
  start: bigint;
  value: number;
}

interface HistogramState {
  start: bigint;
  h: Bucketed;
}

/**
 * The last cumulative point of each stream (service, metric, tag set), to turn cumulative points into per-interval
 * deltas. A stream's first point counts in full when its start time is not before `since` (the app started counting
 * while this server was listening), else it is only the baseline. A reset — a changed start time, or a value that went
 * down — counts the new value in full (it is what was counted since the new start). Bounded: past `maxStreams` the
 * oldest streams are forgotten (their next point is a baseline again).
 */
export class Cumulative {
  private readonly streams = new Map<string, CounterState | HistogramState>();

  constructor(readonly since: bigint, private readonly maxStreams = 100_000) {}

  /** The delta of a cumulative counter point, or null when the point is a baseline. */
  counter(stream: string, start: bigint, value: number): number | null {
    const prev = this.streams.get(stream) as CounterState | undefined;
    this.remember(stream, { start, value });
    if (!prev) return start !== 0n && start >= this.since ? value : null;
    if (prev.start !== start || value < prev.value) return value;
    return value - prev.value;
  }

  /** The delta of a cumulative histogram point, or null when the point is a baseline. */
  histogram(stream: string, start: bigint, h: Bucketed): BucketedValues | null {
    const prev = this.streams.get(stream) as HistogramState | undefined;
    this.remember(stream, { start, h });
    if (!prev || !('h' in prev)) return start !== 0n && start >= this.since ? h : null;
    if (prev.start !== start) return h;
    return subtract(h, prev.h) ?? h;
  }

  private remember(stream: string, state: CounterState | HistogramState): void {
    this.streams.delete(stream);
    this.streams.set(stream, state);
    if (this.streams.size > this.maxStreams) this.streams.delete(this.streams.keys().next().value!);
  }
}

function counterDelta(temporality: number, cumulative: Cumulative, stream: string, start: bigint, value: number, pp: string): number | null {
  if (temporality === DELTA) return value;
  if (temporality === CUMULATIVE) return cumulative.counter(stream, start, value);
  throw new PointError(`aggregationTemporality of ${pp.slice(0, pp.lastIndexOf('.'))} must be 1 (delta) or 2 (cumulative)`);
}

function histogramDelta(temporality: number, cumulative: Cumulative, stream: string, start: bigint, h: Bucketed, pp: string): BucketedValues | null {
  if (temporality === DELTA) return h;
  if (temporality === CUMULATIVE) return cumulative.histogram(stream, start, h);
  throw new PointError(`aggregationTemporality of ${pp.slice(0, pp.lastIndexOf('.'))} must be 1 (delta) or 2 (cumulative)`);
}

/**
 * A histogram point in a form two points of one stream can be subtracted in: per bucket its key (explicit: the bucket's
 * index; exponential: `scale/index`), range and count.
 */
interface Bucketed extends BucketedValues {
  keys: readonly string[];
  lows: readonly number[];
  highs: readonly number[];
}

/**
 * `cur − prev` of a cumulative histogram, or null when it is a reset (a count or a bucket went down, the buckets changed).
 * Min and max of the difference: the new cumulative extreme when it moved (a value beyond every earlier one arrived in
 * this interval: exact), else the edge of the outermost bucket that grew, kept within the cumulative extremes.
 */
function subtract(cur: Bucketed, prev: Bucketed): BucketedValues | null {
  if (cur.count < prev.count) return null;
  const before = new Map<string, number>();
  prev.keys.forEach((k, i) => before.set(k, prev.weights[i]!));
  const weights: number[] = [];
  let lo = Infinity, hi = -Infinity;
  for (let i = 0; i < cur.keys.length; i++) {
    const w = cur.weights[i]! - (before.get(cur.keys[i]!) ?? 0);
    if (w < 0) return null;
    weights.push(w);
    if (w > 0) {
      lo = Math.min(lo, cur.lows[i]!);
      hi = Math.max(hi, cur.highs[i]!);
    }
  }
  for (const k of before.keys()) if (!cur.keys.includes(k) && before.get(k)! > 0) return null;
  const count = cur.count - prev.count;
  const min = cur.min < prev.min ? cur.min : Math.max(cur.min, lo);
  const max = cur.max > prev.max ? cur.max : Math.min(cur.max, hi);
  return { count, sum: cur.sum - prev.sum, min: count > 0 ? min : Infinity, max: count > 0 ? max : -Infinity, centers: cur.centers, weights };
}

// ---- Histograms --------------------------------------------------------------------------------------------------------

/**
 * An explicit-bucket point: bucket i holds values in (bounds[i−1], bounds[i]], the first from −∞, the last to +∞. Each
 * bucket's range is clipped to the point's min and max (when sent) and stands for its midpoint, so a percentile can be
 * off by up to half the width of the bucket it falls in: the buckets bound the accuracy, the sketch adds its 1 %.
 */
function explicitHistogram(point: Record<string, unknown>, pp: string, limits: OtlpLimits): Bucketed {
  const counts = list(point, 'bucketCounts', pp);
  const bounds = list(point, 'explicitBounds', pp).map((b, i) => dbl(b, `${pp}.explicitBounds[${i}]`));
  if (bounds.length > limits.maxBuckets) throw new PointError(`explicitBounds has ${bounds.length} bounds; at most ${limits.maxBuckets} are taken`);
  if (counts.length !== 0 && counts.length !== bounds.length + 1) throw new PointError(`bucketCounts must hold explicitBounds.length + 1 = ${bounds.length + 1} counts (got ${counts.length})`);
  for (let i = 1; i < bounds.length; i++) if (!(bounds[i]! > bounds[i - 1]!)) throw new PointError(`explicitBounds must increase (explicitBounds[${i}] = ${bounds[i]} after ${bounds[i - 1]})`);
  const { count, sum, min, max } = totals(point, pp);
  const keys: string[] = [], lows: number[] = [], highs: number[] = [], centers: number[] = [], weights: number[] = [];
  let total = 0;
  counts.forEach((c, i) => {
    const w = Number(u64(c, `${pp}.bucketCounts[${i}]`));
    total += w;
    let lo = i === 0 ? -Infinity : bounds[i - 1]!;
    let hi = i === bounds.length ? Infinity : bounds[i]!;
    if (Number.isFinite(min)) lo = Math.max(lo, min);
    if (Number.isFinite(max)) hi = Math.min(hi, max);
    if (!Number.isFinite(lo)) lo = hi;
    if (!Number.isFinite(hi)) hi = lo;
    keys.push(String(i));
    lows.push(lo);
    highs.push(hi);
    centers.push(Number.isFinite(lo) ? (lo + hi) / 2 : 0);
    weights.push(w);
  });
  if (counts.length > 0 && total !== count) throw new PointError(`count (${count}) must equal the sum of bucketCounts (${total})`);
  return finish({ count, sum, min, max, keys, lows, highs, centers, weights });
}

/**
 * An exponential point: with base = 2^(2^−scale), positive bucket `offset + i` holds (base^(offset+i), base^(offset+i+1)],
 * negative buckets the same magnitudes below zero, and `zeroCount` values near zero. Each bucket stands for its midpoint
 * (within (base − 1)/2 of its values, relatively), clipped to the point's min and max.
 */
function exponentialHistogram(point: Record<string, unknown>, pp: string, limits: OtlpLimits): Bucketed {
  const scale = has(point, 'scale') ? int(point.scale, `${pp}.scale`) : 0;
  if (scale < -10 || scale > 20) throw new PointError(`scale must be from -10 to 20 (got ${scale})`);
  const { count, sum, min, max } = totals(point, pp);
  const keys: string[] = [], lows: number[] = [], highs: number[] = [], centers: number[] = [], weights: number[] = [];
  const zero = Number(has(point, 'zeroCount') ? u64(point.zeroCount, `${pp}.zeroCount`) : 0n);
  let total = zero;
  if (zero > 0) {
    keys.push('z');
    lows.push(0);
    highs.push(0);
    centers.push(0);
    weights.push(zero);
  }
  const width = 2 ** -scale;
  for (const [side, sign] of [['positive', 1], ['negative', -1]] as const) {
    if (!has(point, side)) continue;
    const bp = `${pp}.${side}`;
    const b = obj(point[side], bp);
    const offset = has(b, 'offset') ? int(b.offset, `${bp}.offset`) : 0;
    const counts = list(b, 'bucketCounts', bp);
    if (counts.length > limits.maxBuckets) throw new PointError(`${side}.bucketCounts has ${counts.length} buckets; at most ${limits.maxBuckets} are taken`);
    counts.forEach((c, i) => {
      const w = Number(u64(c, `${bp}.bucketCounts[${i}]`));
      if (w === 0) return;
      total += w;
      const index = offset + i;
      const a = 2 ** (index * width), z = 2 ** ((index + 1) * width);
      let lo = sign > 0 ? a : -z, hi = sign > 0 ? z : -a;
      if (Number.isFinite(min)) lo = Math.max(lo, Math.min(min, hi));
      if (Number.isFinite(max)) hi = Math.min(hi, Math.max(max, lo));
      keys.push(`${sign > 0 ? 'p' : 'n'}${scale}/${index}`);
      lows.push(lo);
      highs.push(hi);
      centers.push((lo + hi) / 2);
      weights.push(w);
    });
  }
  if (total !== count) throw new PointError(`count (${count}) must equal zeroCount plus the bucket counts (${total})`);
  return finish({ count, sum, min, max, keys, lows, highs, centers, weights });
}

function totals(point: Record<string, unknown>, pp: string): { count: number; sum: number; min: number; max: number } {
  const count = Number(u64(point.count, `${pp}.count`));
  const sum = has(point, 'sum') ? dbl(point.sum, `${pp}.sum`) : NaN;
  const min = has(point, 'min') ? dbl(point.min, `${pp}.min`) : NaN;
  const max = has(point, 'max') ? dbl(point.max, `${pp}.max`) : NaN;
  if (Number.isNaN(sum) && count > 0) throw new PointError('sum must be sent (a distribution keeps the exact sum)');
  return { count, sum, min, max };
}

/** Fills a missing min or max from the outermost non-empty buckets. */
function finish(h: Bucketed): Bucketed {
  let lo = Infinity, hi = -Infinity;
  h.weights.forEach((w, i) => {
    if (w > 0) {
      lo = Math.min(lo, h.lows[i]!);
      hi = Math.max(hi, h.highs[i]!);
    }
  });
  return { ...h, min: Number.isNaN(h.min) ? lo : h.min, max: Number.isNaN(h.max) ? hi : h.max };
}

// ---- Readers (protobufjs messages and OTLP/JSON alike) ---------------------------------------------------------------

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

function int(v: unknown, path: string): number {
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  throw new PointError(`${path.slice(path.lastIndexOf('.') + 1)} must be an integer (got ${JSON.stringify(v)?.slice(0, 40)})`);
}

function isLong(v: unknown): v is { low: number; high: number; unsigned: boolean } {
  return typeof v === 'object' && v !== null && typeof (v as { low?: unknown }).low === 'number' && typeof (v as { high?: unknown }).high === 'number';
}

/** An unsigned 64-bit integer (fixed64/uint64): a protobufjs Long, a decimal string (OTLP/JSON) or a safe integer. */
function u64(v: unknown, path: string): bigint {
  if (v === undefined || v === null) return 0n;
  if (isLong(v)) return (BigInt(v.high >>> 0) << 32n) | BigInt(v.low >>> 0);
  if (typeof v === 'string' && /^\d{1,20}$/.test(v)) return BigInt(v);
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return BigInt(v);
  throw new PointError(`${path.slice(path.lastIndexOf('.') + 1)} must be an unsigned 64-bit integer, a decimal string in JSON (got ${JSON.stringify(v)?.slice(0, 40)})`);
}

/** A signed 64-bit integer (sfixed64/int64) as a number (exact up to 2^53). */
function i64(v: unknown, path: string): number {
  if (isLong(v)) return Number(BigInt.asIntN(64, (BigInt(v.high >>> 0) << 32n) | BigInt(v.low >>> 0)));
  if (typeof v === 'string' && /^-?\d{1,20}$/.test(v)) return Number(BigInt(v));
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  throw new PointError(`${path.slice(path.lastIndexOf('.') + 1)} must be a 64-bit integer, a decimal string in JSON (got ${JSON.stringify(v)?.slice(0, 40)})`);
}

/** A double: a number, or in JSON also "NaN", "Infinity", "-Infinity" or a numeric string (proto3 JSON). */
function dbl(v: unknown, path: string): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string') {
    if (v === 'NaN') return NaN;
    if (v === 'Infinity') return Infinity;
    if (v === '-Infinity') return -Infinity;
    const n = Number(v);
    if (v.trim() !== '' && !Number.isNaN(n)) return n;
  }
  throw new PointError(`${path.slice(path.lastIndexOf('.') + 1)} must be a number (got ${JSON.stringify(v)?.slice(0, 40)})`);
}

function numberValue(point: Record<string, unknown>, pp: string): number {
  if (has(point, 'asDouble')) return dbl(point.asDouble, `${pp}.asDouble`);
  if (has(point, 'asInt')) return i64(point.asInt, `${pp}.asInt`);
  throw new PointError('must hold asDouble or asInt');
}

/** Nanoseconds since the epoch → ms (what the store keeps), from the exact integer. */
export function nanosToMs(nanos: bigint): number {
  return Number(nanos / 1_000_000n);
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

/** A point's attributes as a raw DogStatsD tag list. */
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

