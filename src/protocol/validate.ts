import { LIMITS } from './limits.js';
import { fromWireArray, isWireNumber } from './numbers.js';
import { summaryKeyProblem, summaryValueProblem } from './summary-keys.js';
import { timeProblem } from './times.js';
import {
  END_STATUSES, SUMMARY_MODES,
  type ExecutionEnd, type ExecutionPatch, type ExecutionStart, type ExecutionUpdate, type GroupDef, type Labels,
  type AcceptedBatch, type DiscardedCounts, type MetricDef, type Rewind, type ScaleDef, type RecordTimes, type SeriesColumns, type SeriesPoints, type SummaryOp,
} from './types.js';

/** Bad input: names the offending field (`path`) and the rule it broke. Values quoted in either are cut to ~100 characters. */
export class ValidationError extends Error {
  readonly path: string;
  readonly rule: string;
  constructor(path: string, rule: string, readonly status = 400) {
    const p = clipQuotes(path);
    const r = clipQuotes(rule);
    super(p ? `${p}: ${r}` : r);
    this.path = p;
    this.rule = r;
    this.name = 'ValidationError';
  }
}

const QUOTE_MAX = 100;

/** A value quoted for an error message, cut to about 100 characters (a 1 MB key must not come back as a 2 MB error). */
export function quote(v: string): string {
  return JSON.stringify(v.length > QUOTE_MAX ? `${v.slice(0, QUOTE_MAX)}…` : v);
}

/** Cuts every quoted run in a message to ~100 characters, and the whole to 1,000, wherever the message was built. */
function clipQuotes(s: string): string {
  if (s.length <= 2 * QUOTE_MAX) return s;
  const clipped = s.replace(/"([^"]{100})[^"]+"/g, '"$1…"');
  return clipped.length > 1000 ? `${clipped.slice(0, 1000)}…` : clipped;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Decodes UTF-8 text of a JSON body or a binary batch's header: one rule for both. A leading byte-order mark is skipped
 * (RFC 8259 lets a parser ignore it); bytes that are not UTF-8 are refused rather than replaced with U+FFFD.
 */
export function decodeUtf8(bytes: Uint8Array, path: string): string {
  try {
    return utf8.decode(bytes);
  } catch {
    throw new ValidationError(path, 'must be valid UTF-8 text');
  }
}

/** A lone UTF-16 surrogate (the `u` flag makes a well-formed pair one code point, which this does not match). */
const LONE_SURROGATE = /\p{Surrogate}/u;

const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.:-]*$/;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

type Obj = Record<string, unknown>;

function fail(path: string, rule: string): never {
  throw new ValidationError(path, rule);
}

function object(v: unknown, path: string): Obj {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(path, 'must be an object');
  return v as Obj;
}

/** The top of a request body, named `body` in errors (its fields are named by themselves: `executions`). */
function bodyObject(v: unknown): Obj {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    fail('body', `must be a JSON object (got ${v === null ? 'null' : Array.isArray(v) ? 'an array' : `a ${typeof v}`})`);
  }
  return v as Obj;
}

function noUnknownFields(o: Obj, allowed: readonly string[], path: string): void {
  for (const k of Object.keys(o)) if (!allowed.includes(k)) fail(join(path, k), `is not a known field (expected one of: ${allowed.join(', ')})`);
}

function array(v: unknown, path: string, max: number): unknown[] {
  if (!Array.isArray(v)) fail(path, 'must be an array');
  if (v.length > max) fail(path, `must have at most ${max} items (got ${v.length})`);
  return v;
}

function text(v: unknown, path: string, max: number, opts: { empty?: boolean } = {}): string {
  if (typeof v !== 'string') fail(path, 'must be a string');
  if (!opts.empty && v.length === 0) fail(path, 'must not be empty');
  if (v.length > max) fail(path, `must be at most ${max} characters (got ${v.length})`);
  if (LONE_SURROGATE.test(v)) fail(path, 'must be well-formed Unicode (it holds a lone UTF-16 surrogate, which cannot be stored as UTF-8)');
  return v;
}

function finite(v: unknown, path: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) fail(path, `must be a finite number (got ${got(v)})`);
  return v;
}

/** What a value that broke a number rule is, for the message: `a string ("5")`, `null`, `Infinity (…)`. */
function got(v: unknown): string {
  if (typeof v === 'string') return `a string (${quote(v.length > 40 ? `${v.slice(0, 40)}…` : v)})`;
  if (typeof v === 'number') return Number.isNaN(v) ? 'NaN' : `${v} (a number beyond ±1.8e308 is read as ±Infinity)`;
  if (v === null) return 'null';
  return Array.isArray(v) ? 'an array' : `a ${typeof v}`;
}

/** A time in milliseconds since the epoch, plausible against the clock `now` (times.ts). */
function time(now: number): (v: unknown, path: string) => number {
  return (v, path) => {
    if (typeof v !== 'number') fail(path, 'must be a time in milliseconds since the Unix epoch (a number)');
    const problem = timeProblem(v, now);
    if (problem) fail(path, problem);
    return v;
  };
}

/** The rule an x beyond ±2^53 breaks; `got` is that x as sent. */
export function xBeyondLimit(got: string): string {
  return `x must be at most 2^53 (${LIMITS.maxAbsX}) in magnitude; beyond it whole numbers are no longer distinct (got ${got})`;
}

/** The rule an x breaks by its magnitude, or null: beyond 2^53 whole numbers are no longer distinct doubles. */
export function xMagnitudeProblem(x: number): string | null {
  return Math.abs(x) > LIMITS.maxAbsX ? xBeyondLimit(String(x)) : null;
}

function optional<T>(o: Obj, key: string, path: string, check: (v: unknown, p: string) => T): T | undefined {
  return o[key] === undefined ? undefined : check(o[key], join(path, key));
}

function join(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  return path ? `${path}.${key}` : key;
}

/** The rule a metric key breaks, or null. Keys starting with `@` are reserved for series the server derives. */
export function metricKeyProblem(key: string): string | null {
  if (key.length === 0) return 'must not be empty';
  if (key.length > LIMITS.maxKeyLength) return `must be at most ${LIMITS.maxKeyLength} characters (got ${key.length})`;
  if (CONTROL.test(key)) return 'must not contain control characters';
  if (LONE_SURROGATE.test(key)) return 'must be well-formed Unicode (it holds a lone UTF-16 surrogate, which cannot be stored as UTF-8)';
  if (key.trim() !== key) return 'must not start or end with whitespace';
  if (key.startsWith('@')) return 'must not start with "@" (reserved)';
  return null;
}

export function metricKey(v: unknown, path: string): string {
  const key = text(v, path, Number.MAX_SAFE_INTEGER, { empty: true });
  const problem = metricKeyProblem(key);
  if (problem) fail(path, problem);
  return key;
}

function bounds(o: Obj, path: string): { lower?: number; upper?: number } {
  const lower = optional(o, 'lower', path, finite);
  const upper = optional(o, 'upper', path, finite);
  if (lower !== undefined && upper !== undefined && !(lower < upper)) fail(join(path, 'upper'), `must be greater than lower (${lower})`);
  return { ...(lower !== undefined && { lower }), ...(upper !== undefined && { upper }) };
}

export function validateGroup(v: unknown, path: string): GroupDef {
  const o = object(v, path);
  noUnknownFields(o, ['name', 'units', 'lower', 'upper'], path);
  const name = text(o.name, join(path, 'name'), LIMITS.maxNameLength);
  const units = optional(o, 'units', path, (u, p) => text(u, p, 50, { empty: true }));
  return { name, ...(units !== undefined && { units }), ...bounds(o, path) };
}

export function validateScale(v: unknown, path: string): ScaleDef {
  const o = object(v, path);
  noUnknownFields(o, ['name', 'units', 'lower', 'upper', 'progress'], path);
  const name = optional(o, 'name', path, (u, p) => text(u, p, LIMITS.maxNameLength));
  const units = optional(o, 'units', path, (u, p) => text(u, p, 50, { empty: true }));
  const progress = optional(o, 'progress', path, (u, p) => {
    if (typeof u !== 'boolean') fail(p, 'must be a boolean');
    return u;
  });
  return {
    ...(name !== undefined && { name }),
    ...(units !== undefined && { units }),
    ...bounds(o, path),
    ...(progress !== undefined && { progress }),
  };
}

export function validateDefinition(v: unknown, path: string): MetricDef {
  const o = object(v, path);
  noUnknownFields(o, ['key', 'group', 'scale'], path);
  const key = metricKey(o.key, join(path, 'key'));
  const group = optional(o, 'group', path, validateGroup);
  const scale = optional(o, 'scale', path, validateScale);
  return { key, ...(group && { group }), ...(scale && { scale }) };
}

function validateLabels(v: unknown, path: string): Labels {
  const o = object(v, path);
  const entries = Object.entries(o);
  if (entries.length > LIMITS.maxLabels) fail(path, `must have at most ${LIMITS.maxLabels} labels`);
  const labels: Labels = {};
  for (const [k, value] of entries) {
    text(k, `${path} key ${quote(k)}`, LIMITS.maxLabelLength);
    // JSON.parse makes "__proto__" an own key, but assigning it would set the prototype: the label would vanish.
    if (k === '__proto__') fail(join(path, k), 'is not allowed as a label name');
    labels[k] = text(value, join(path, k), LIMITS.maxLabelLength, { empty: true });
  }
  return labels;
}

/** `now` (ms) is the clock `startedAt` is checked against (at most a day ahead of it). */
export function validateStart(v: unknown, path: string, now = Date.now()): ExecutionStart {
  const o = object(v, path);
  noUnknownFields(o, ['name', 'labels', 'startedAt'], path);
  const name = text(o.name, join(path, 'name'), LIMITS.maxNameLength);
  const labels = optional(o, 'labels', path, validateLabels);
  const startedAt = optional(o, 'startedAt', path, time(now));
  return { name, ...(labels && { labels }), ...(startedAt !== undefined && { startedAt }) };
}

/** An end status, Cog's spelling `canceled` read as `cancelled`; null when it is none. */
export function endStatus(v: unknown): ExecutionEnd['status'] | null {
  if (v === 'canceled') return 'cancelled';
  return END_STATUSES.includes(v as never) ? v as ExecutionEnd['status'] : null;
}

const DISCARDED_COUNTS = ['throttled', 'xNotIncreasing', 'xInvalid'] as const;

function validateDiscarded(v: unknown, path: string): Record<string, DiscardedCounts> {
  const o = object(v, path);
  const entries = Object.entries(o);
  if (entries.length > 10_000) fail(path, 'must have at most 10000 metric keys');
  const out: Record<string, DiscardedCounts> = {};
  for (const [key, counts] of entries) {
    const p = `${path}[${JSON.stringify(key)}]`;
    metricKey(key, p);
    const c = object(counts, p);
    noUnknownFields(c, DISCARDED_COUNTS, p);
    const checked: DiscardedCounts = {};
    for (const name of DISCARDED_COUNTS) {
      const n = optional(c, name, p, finite);
      if (n === undefined) continue;
      if (!Number.isSafeInteger(n) || n < 0) fail(join(p, name), 'must be a count (a whole number ≥ 0)');
      checked[name] = n;
    }
    out[key] = checked;
  }
  return out;
}

function validateEnd(v: unknown, path: string, now: number): ExecutionEnd {
  const o = object(v, path);
  noUnknownFields(o, ['status', 'endedAt', 'error', 'discarded'], path);
  const status = endStatus(o.status);
  if (status === null) fail(join(path, 'status'), `must be one of ${END_STATUSES.join(', ')} (or Cog's "canceled")`);
  const endedAt = optional(o, 'endedAt', path, time(now));
  const error = optional(o, 'error', path, (u, p) => text(u, p, LIMITS.maxErrorLength, { empty: true }));
  const discarded = optional(o, 'discarded', path, validateDiscarded);
  return {
    status, ...(endedAt !== undefined && { endedAt }), ...(error !== undefined && { error }),
    ...(discarded !== undefined && Object.keys(discarded).length > 0 && { discarded }),
  };
}

function validateRewind(v: unknown, path: string): Rewind {
  const o = object(v, path);
  noUnknownFields(o, ['x'], path);
  const x = finite(o.x, join(path, 'x'));
  const magnitude = xMagnitudeProblem(x);
  if (magnitude) fail(join(path, 'x'), magnitude);
  return { x };
}

/** Counts points so one batch cannot exceed LIMITS.maxPointsPerBatch. */
interface Budget { points: number; summaryOps: number }

/** A column of a JSON batch (an array) or of a binary one (a Float64Array). */
function column(v: unknown, path: string): unknown[] | Float64Array {
  if (!(v instanceof Float64Array)) return array(v, path, LIMITS.maxPointsPerBatch);
  if (v.length > LIMITS.maxPointsPerBatch) fail(path, `must have at most ${LIMITS.maxPointsPerBatch} items (got ${v.length})`);
  return v;
}

/** `t` of a points item: one or two plausible times in ms, the first not after the second. */
function recordTimes(v: unknown, path: string, now: number): RecordTimes {
  const a = array(v, path, 2);
  if (a.length === 0) fail(path, 'must hold the record time of the first and of the last point ([first, last], or [t] for both), in ms since the Unix epoch');
  const t = a.map((e, i) => time(now)(e, `${path}[${i}]`));
  if (t.length === 2 && t[1]! < t[0]!) fail(`${path}[1]`, `the last point's record time must not be before the first's (${t[1]} < ${t[0]})`);
  return t as RecordTimes;
}

function validatePoints(v: unknown, path: string, budget: Budget, now: number): SeriesColumns {
  const o = object(v, path);
  noUnknownFields(o, ['key', 'x', 'y', 't'], path);
  const t = o.t === undefined ? undefined : recordTimes(o.t, join(path, 't'), now);
  const key = metricKey(o.key, join(path, 'key'));
  const x = column(o.x, join(path, 'x'));
  const y = column(o.y, join(path, 'y'));
  if (x.length !== y.length) fail(join(path, 'y'), `must have as many items as x (${x.length}, got ${y.length})`);
  budget.points += x.length;
  if (budget.points > LIMITS.maxPointsPerBatch) fail(join(path, 'x'), `a batch may hold at most ${LIMITS.maxPointsPerBatch} points`);
  if (!(x instanceof Float64Array && (increasingColumns.has(x) || increasingFinite(x)))) checkX(x, path);
  const xs = x instanceof Float64Array ? x : Float64Array.from(x as number[]);
  const times = t && { t };
  if (y instanceof Float64Array) return { key, x: xs, y, ...times };
  for (let i = 0; i < y.length; i++) {
    if (!isWireNumber(y[i])) fail(`${path}.y[${i}]`, `must be a number or one of "NaN", "Infinity", "-Infinity" (got ${got(y[i])})`);
  }
  return { key, x: xs, y: fromWireArray(y as SeriesPoints['y']), ...times };
}

/** x columns already known to increase within ±2^53 (the binary decoder checks the regular x it makes as it makes them). */
const increasingColumns = new WeakSet<Float64Array>();

/** Marks `x` as checked: strictly increasing, every value within ±LIMITS.maxAbsX. Validation then does not scan it again. */
export function markIncreasing(x: Float64Array): void {
  increasingColumns.add(x);
}

/** The common case of a binary batch, checked in one tight loop; `checkX` then names the first offending x. */
function increasingFinite(x: Float64Array): boolean {
  let prev = -Infinity;
  for (let i = 0; i < x.length; i++) {
    const xi = x[i]!;
    if (!(xi > prev)) return false;
    prev = xi;
  }
  // Increasing, so the ends bound the magnitude.
  return x.length === 0 || (x[0]! >= -LIMITS.maxAbsX && prev <= LIMITS.maxAbsX);
}

function checkX(x: unknown[] | Float64Array, path: string): void {
  let prev = -Infinity;
  for (let i = 0; i < x.length; i++) {
    const xi = x[i];
    if (typeof xi !== 'number' || !Number.isFinite(xi)) fail(`${path}.x[${i}]`, `must be a finite number (got ${got(xi)})`);
    // Named before the order: x = 2^53 + 2 after 2^53 is "too large", not "not increasing".
    const magnitude = xMagnitudeProblem(xi);
    if (magnitude) fail(`${path}.x[${i}]`, magnitude);
    if (!(xi > prev)) fail(`${path}.x[${i}]`, `x must increase within a series (${xi} is not greater than ${prev})`);
    prev = xi;
  }
}

function validateSummaryOp(v: unknown, path: string): SummaryOp {
  const o = object(v, path);
  noUnknownFields(o, ['key', 'value', 'mode', 'x'], path);
  const key = text(o.key, join(path, 'key'), Number.MAX_SAFE_INTEGER, { empty: true });
  const keyProblem = summaryKeyProblem(key);
  if (keyProblem) fail(join(path, 'key'), keyProblem);
  const mode = o.mode === undefined ? 'replace' : o.mode;
  if (!SUMMARY_MODES.includes(mode as never)) fail(join(path, 'mode'), `must be one of ${SUMMARY_MODES.join(', ')}`);
  if (!('value' in o)) fail(join(path, 'value'), 'is required (null deletes the key)');
  const valueProblem = o.value === null ? null : summaryValueProblem(o.value);
  if (valueProblem) fail(join(path, 'value'), valueProblem);
  const x = optional(o, 'x', path, (u, p) => {
    const xi = finite(u, p);
    const magnitude = xMagnitudeProblem(xi);
    if (magnitude) fail(p, magnitude);
    return xi;
  });
  return { key, value: o.value as SummaryOp['value'], mode: mode as SummaryOp['mode'], ...(x !== undefined && { x }) };
}

function validateUpdate(v: unknown, path: string, budget: Budget, now: number): ExecutionUpdate<SeriesColumns> {
  const o = object(v, path);
  noUnknownFields(o, ['id', 'start', 'definitions', 'rewind', 'points', 'summary', 'end'], path);
  const id = text(o.id, join(path, 'id'), LIMITS.maxIdLength);
  if (!ID_PATTERN.test(id)) fail(join(path, 'id'), 'must start with a letter or digit and contain only letters, digits, "_", ".", ":" and "-"');
  const update: ExecutionUpdate<SeriesColumns> = { id };
  const start = optional(o, 'start', path, (u, p) => validateStart(u, p, now));
  if (start) update.start = start;
  if (o.definitions !== undefined) {
    const seen = new Set<string>();
    update.definitions = array(o.definitions, join(path, 'definitions'), 10_000).map((d, i) => {
      const def = validateDefinition(d, `${path}.definitions[${i}]`);
      if (seen.has(def.key)) fail(`${path}.definitions[${i}].key`, `"${def.key}" is defined twice in one batch`);
      seen.add(def.key);
      return def;
    });
  }
  const rewind = optional(o, 'rewind', path, validateRewind);
  if (rewind) update.rewind = rewind;
  if (o.points !== undefined) {
    const seen = new Set<string>();
    update.points = array(o.points, join(path, 'points'), 10_000).map((p, i) => {
      const pts = validatePoints(p, `${path}.points[${i}]`, budget, now);
      if (seen.has(pts.key)) fail(`${path}.points[${i}].key`, `"${pts.key}" appears twice in one batch (merge its points into one item)`);
      seen.add(pts.key);
      return pts;
    });
  }
  if (o.summary !== undefined) {
    const ops = array(o.summary, join(path, 'summary'), LIMITS.maxSummaryOpsPerBatch);
    budget.summaryOps += ops.length;
    if (budget.summaryOps > LIMITS.maxSummaryOpsPerBatch) fail(join(path, 'summary'), `a batch may hold at most ${LIMITS.maxSummaryOpsPerBatch} summary operations`);
    update.summary = ops.map((s, i) => validateSummaryOp(s, `${path}.summary[${i}]`));
  }
  const end = optional(o, 'end', path, (u, p) => validateEnd(u, p, now));
  if (end) update.end = end;
  return update;
}

/**
 * Checks the shape of a whole ingest batch, JSON or decoded binary, and returns it with points in columns. Rules that need
 * stored state (unknown execution, x above stored x, conflicting definitions) are the store's. `now` (ms) is the server
 * clock that `startedAt`/`endedAt` may be at most a day ahead of.
 */
export function validateIngestBatch(v: unknown, now = Date.now()): AcceptedBatch {
  const o = bodyObject(v);
  noUnknownFields(o, ['batchId', 'executions'], '');
  const batchId = optional(o, 'batchId', '', (u, p) => text(u, p, LIMITS.maxBatchIdLength));
  const budget: Budget = { points: 0, summaryOps: 0 };
  const executions = array(o.executions, 'executions', LIMITS.maxExecutionsPerBatch)
    .map((u, i) => validateUpdate(u, `executions[${i}]`, budget, now));
  const ids = new Set<string>();
  executions.forEach((u, i) => {
    if (ids.has(u.id)) fail(`executions[${i}].id`, `"${u.id}" appears twice in one batch`);
    ids.add(u.id);
  });
  return { ...(batchId !== undefined && { batchId }), executions };
}

/** True when two definitions of the same key describe the same chart placement. */
export function sameDefinition(a: MetricDef, b: MetricDef): boolean {
  return canonicalJson(a) === canonicalJson(b);
}

export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v && typeof v === 'object') {
    const entries = Object.entries(v as Obj).filter(([, x]) => x !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${canonicalJson(x)}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

/** A note on an execution is free text up to this many characters. */
export const MAX_NOTE_LENGTH = 10_000;

/** Validates the body of `PATCH /api/executions/:id`; at least one of `labels` and `note`. */
export function validateExecutionPatch(v: unknown): ExecutionPatch {
  const o = bodyObject(v);
  noUnknownFields(o, ['labels', 'note'], '');
  if (o.labels === undefined && o.note === undefined) fail('body', 'must set "labels", "note" or both');
  const labels = optional(o, 'labels', '', validateLabels);
  const note = o.note === null ? null : optional(o, 'note', '', (u, p) => text(u, p, MAX_NOTE_LENGTH, { empty: true }));
  return { ...(labels && { labels }), ...(note !== undefined && { note }) };
}
