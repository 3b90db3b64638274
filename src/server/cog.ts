import { createHash } from 'node:crypto';
import {
  END_STATUSES, LIMITS, summaryKeyProblem, summaryValueProblem, ValidationError,
  type EndStatus, type Execution, type ExecutionEnd, type ExecutionUpdate, type Labels, type SeriesColumns, type SummaryObject, type SummaryOp, type SummaryValue,
} from '../protocol/index.js';
import { summaryTypeOf } from '../protocol/summary.js';

/** Cog prediction statuses and what they become here. */
const STATUS = {
  starting: 'running',
  processing: 'running',
  succeeded: 'succeeded',
  failed: 'failed',
  canceled: 'cancelled',
} as const satisfies Record<string, EndStatus | 'running'>;
type CogStatus = keyof typeof STATUS;

/**
 * The fields of a Cog prediction webhook that Plotline uses, checked. Same shape as the payload (snake_case, ISO times), so
 * `parseCogPrediction` is idempotent and `cogPredictionToUpdate` accepts a raw payload or a parsed one alike.
 */
export interface CogPrediction {
  id: string;
  status: CogStatus;
  version?: string;
  created_at?: string;
  started_at?: string;
  completed_at?: string;
  /** Absent when the delivery carries no metrics (then the summary is left as it is). */
  metrics?: Record<string, unknown>;
  error: string | null;
}

export interface CogOptions {
  /** Execution name: the `?model=` query parameter, default "cog". */
  model: string;
  /** The execution as stored, or null when this prediction was never seen. */
  existing: Execution | null;
  now: number;
}

/** Cog's own `predict_time`: never a summary op, because the store derives it from the execution's start and end. */
const PREDICT_TIME = 'predict_time';
/** Summary key listing payload metrics that could not be kept (see `cogSummary`). */
export const COG_SKIPPED_KEY = 'plotline_skipped_metrics';

const ISO_TIME = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/i;

/** Milliseconds since the epoch. Cog writes UTC; a time without a zone is read as UTC too, not as the server's local time. */
function parseTime(v: string): number {
  const m = ISO_TIME.exec(v);
  const hasTime = v.length > 10;
  return m ? Date.parse(hasTime && !m[1] ? `${v}Z` : v) : NaN;
}

function optionalTime(p: Record<string, unknown>, field: 'created_at' | 'started_at' | 'completed_at'): string | undefined {
  const v = p[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string' || !Number.isFinite(parseTime(v))) throw new ValidationError(field, 'must be an ISO 8601 timestamp or null');
  return v;
}

/** Checks the fields Plotline uses; the others (input, output, logs, urls, …) are ignored. Throws a ValidationError naming the field. */
export function parseCogPrediction(payload: unknown): CogPrediction {
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) throw new ValidationError('body', 'must be a Cog prediction object');
  const p = payload as Record<string, unknown>;
  if (typeof p.id !== 'string' || p.id.trim().length === 0) throw new ValidationError('id', 'must be a non-empty string (the prediction id)');
  if (typeof p.status !== 'string' || !Object.hasOwn(STATUS, p.status)) throw new ValidationError('status', `must be one of ${Object.keys(STATUS).join(', ')}`);
  if (p.version !== undefined && p.version !== null && typeof p.version !== 'string') throw new ValidationError('version', 'must be a string or null');
  if (p.metrics !== undefined && p.metrics !== null && (typeof p.metrics !== 'object' || Array.isArray(p.metrics))) throw new ValidationError('metrics', 'must be an object or null');
  if (p.error !== undefined && p.error !== null && typeof p.error !== 'string') throw new ValidationError('error', 'must be a string or null');
  const created_at = optionalTime(p, 'created_at');
  const started_at = optionalTime(p, 'started_at');
  const completed_at = optionalTime(p, 'completed_at');
  return {
    id: p.id,
    status: p.status as CogStatus,
    ...(typeof p.version === 'string' && p.version !== '' && { version: p.version }),
    ...(created_at !== undefined && { created_at }),
    ...(started_at !== undefined && { started_at }),
    ...(completed_at !== undefined && { completed_at }),
    ...(p.metrics !== undefined && p.metrics !== null && { metrics: p.metrics as Record<string, unknown> }),
    error: (p.error as string | null | undefined) ?? null,
  };
}

/**
 * `cog-<prediction id>`, fitted to the execution id rules (letters, digits, "_", ".", ":", "-"; at most 100 characters). When the
 * id had to be changed, a hash of the original keeps two different predictions apart.
 */
export function cogExecutionId(predictionId: string): string {
  const max = LIMITS.maxIdLength - 'cog-'.length;
  const clean = predictionId.replace(/[^A-Za-z0-9_.:-]/g, '-');
  if (clean === predictionId && clean.length <= max && /^[A-Za-z0-9]/.test(clean)) return `cog-${clean}`;
  const hash = createHash('sha256').update(predictionId).digest('hex').slice(0, 10);
  return `cog-${clean.slice(0, max - hash.length - 1)}-${hash}`;
}

/** The label that marks an execution as a Cog prediction (set by this adapter). */
const COG_SOURCE = { source: 'cog' } as const;

function cogLabels(p: CogPrediction): Labels {
  const fit = (s: string) => s.slice(0, LIMITS.maxLabelLength);
  return { ...COG_SOURCE, prediction: fit(p.id), ...(p.version !== undefined && { version: fit(p.version) }) };
}

/** True for an execution this adapter started from a Cog prediction webhook. */
export function isCogPrediction(e: { labels: Labels }): boolean {
  return e.labels.source === COG_SOURCE.source;
}

/** A Cog metric name made into one valid summary-key segment ("tokens/sec" → "tokens_sec", "2nd" → "m2nd"), or null. */
export function sanitizeCogKey(key: string): string | null {
  if (!/[A-Za-z0-9]/.test(key)) return null;
  let s = key.replace(/[^A-Za-z0-9_]+/g, '_');
  if (!/^[A-Za-z]/.test(s)) s = `m${s}`;
  s = s.slice(0, 128).replace(/_+$/, '');
  return summaryKeyProblem(s) === null ? s : null;
}

/** Summary key listing payload metrics that were renamed to fit the key rules, as "old path → new path". */
export const COG_RENAMED_KEY = 'plotline_renamed_metrics';

/** A name that is one valid key segment as it is (a dot would nest it). */
const isValidName = (key: string) => summaryKeyProblem(key) === null && !key.includes('.');

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The summary a Cog `metrics` object stands for. A webhook cannot be refused without losing the prediction, so a name that
 * breaks the key rules (or contains a dot: Cog has already nested dotted keys) is renamed, at every nesting level, and each
 * rename is listed under `plotline_renamed_metrics` ("val/AR@100 → val_AR_100", "timing.pre-process → timing.pre_process").
 * A name whose renamed form is taken, or a value the summary cannot hold (null inside a list, …), is skipped and listed with
 * the reason under `plotline_skipped_metrics`. Nothing is dropped silently; payload metrics named like those two lists are
 * ignored (the keys are ours), and `predict_time` is left out (the store sets it when the execution ends).
 */
export function cogSummary(metrics: Record<string, unknown>): SummaryObject {
  const renamed: string[] = [];
  const skipped: string[] = [];
  const top = Object.fromEntries(Object.entries(metrics).filter(([key, value]) =>
    key !== PREDICT_TIME && key !== COG_SKIPPED_KEY && key !== COG_RENAMED_KEY && value !== null && value !== undefined));
  const out = cleanObject(top, [], [], renamed, skipped);
  if (renamed.length > 0) out[COG_RENAMED_KEY] = renamed;
  if (skipped.length > 0) out[COG_SKIPPED_KEY] = skipped;
  return out;
}

/** One level of `cogSummary`; `from` and `to` are the original and the renamed path of `object`. */
function cleanObject(object: Record<string, unknown>, from: string[], to: string[], renamed: string[], skipped: string[]): SummaryObject {
  const out: SummaryObject = {};
  const entries = Object.entries(object);
  // Valid names first, so a renamed one never takes the place of a real one.
  const ordered = [...entries.filter(([k]) => isValidName(k)), ...entries.filter(([k]) => !isValidName(k))];
  for (const [key, value] of ordered) {
    const path = [...from, key].join('.');
    const name = isValidName(key) ? key : sanitizeCogKey(key);
    const valueProblem = isPlainObject(value) ? null : summaryValueProblem(value);
    if (valueProblem) skipped.push(`${path}: ${valueProblem}`);
    else if (name === null) skipped.push(`${path}: no valid summary key can be made from this name`);
    else if (Object.hasOwn(out, name)) skipped.push(`${path}: its summary name "${[...to, name].join('.')}" is already used`);
    else {
      out[name] = isPlainObject(value) ? cleanObject(value, [...from, key], [...to, name], renamed, skipped) : value as SummaryValue;
      if (name !== key) renamed.push(`${path} → ${[...to, name].join('.')}`);
    }
  }
  return out;
}

/** Deep equality of summary values, ignoring object key order (Cog's metrics map has none). */
function sameValue(a: SummaryValue, b: SummaryValue): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((v, i) => sameValue(v, b[i]!));
  }
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => Object.hasOwn(b, k) && sameValue(a[k]!, b[k]!));
}

/**
 * Summary ops that turn `current` into `desired`, per top-level key: unchanged keys get no op (so repeated deliveries add no
 * points to the `@summary.*` series), a changed key is replaced, a key whose type changed is deleted first (Cog's payload is the
 * truth, our type rule must not refuse it), and a key Cog no longer reports is deleted. `predict_time` is never touched.
 */
export function summaryOpsToMatch(current: SummaryObject, desired: SummaryObject): SummaryOp[] {
  const ops: SummaryOp[] = [];
  for (const key of Object.keys(current)) {
    if (key !== PREDICT_TIME && !Object.hasOwn(desired, key)) ops.push({ key, value: null, mode: 'replace' });
  }
  for (const [key, value] of Object.entries(desired)) {
    const old = Object.hasOwn(current, key) ? current[key] : undefined;
    if (old !== undefined && sameValue(old, value)) continue;
    if (old !== undefined && summaryTypeOf(old) !== summaryTypeOf(value)) ops.push({ key, value: null, mode: 'replace' });
    ops.push({ key, value, mode: 'replace' });
  }
  return ops;
}

/**
 * The end of a finished prediction. The store sets `predict_time` to (endedAt - startedAt) / 1000, so when Cog reports its own
 * `predict_time` the execution ends exactly that long after it started, and Cog's value is the one kept.
 */
function cogEnd(p: CogPrediction, status: EndStatus, startedAt: number, now: number): ExecutionEnd {
  const predictTime = p.metrics?.[PREDICT_TIME];
  const completedAt = p.completed_at !== undefined ? parseTime(p.completed_at) : NaN;
  const endedAt = plausibleDuration(predictTime, startedAt, now)
    ? startedAt + (predictTime as number) * 1000
    : plausibleTime(completedAt, now) ? completedAt : now;
  return {
    status,
    endedAt: Math.max(startedAt, endedAt),
    ...(p.error !== null && { error: p.error.slice(0, LIMITS.maxErrorLength) }),
  };
}

/** A time a page can show: from 2000 to a day ahead of the server's clock (as the ingest rules say for startedAt/endedAt). */
function plausibleTime(ms: number, now: number): boolean {
  return Number.isFinite(ms) && ms >= Date.UTC(2000, 0, 1) && ms <= now + 86_400_000;
}

/** Cog's `predict_time` in seconds, when it ends the prediction at a plausible time (`1e308` does not). */
function plausibleDuration(seconds: unknown, startedAt: number, now: number): boolean {
  return typeof seconds === 'number' && Number.isFinite(seconds) && seconds >= 0 && plausibleTime(startedAt + seconds * 1000, now);
}

/**
 * What of a delivery cannot be shown and was replaced (never silently): a start time or `predict_time` outside what a page
 * can show. Listed with the skipped metrics.
 */
function implausibleTimes(p: CogPrediction, startedAt: number | null, now: number): string[] {
  const out: string[] = [];
  for (const field of ['started_at', 'created_at'] as const) {
    const v = p[field];
    if (v !== undefined && !plausibleTime(parseTime(v), now)) out.push(`${field}: ${v} is not a plausible time; the server's clock was used`);
  }
  const pt = p.metrics?.[PREDICT_TIME];
  if (pt !== undefined && pt !== null && startedAt !== null && !plausibleDuration(pt, startedAt, now)) {
    out.push(`${PREDICT_TIME}: ${String(pt).slice(0, 40)} is not a plausible duration in seconds; the end time comes from completed_at or the server's clock`);
  }
  return out;
}

const isEnded = (e: Execution) => (END_STATUSES as readonly string[]).includes(e.status);

/** True when an update from `cogPredictionToUpdate` changes the execution (not only when it was last seen). */
export function cogUpdateChanges(u: ExecutionUpdate<SeriesColumns>): boolean {
  return u.start !== undefined || (u.summary?.length ?? 0) > 0 || u.end !== undefined;
}

/**
 * Maps one Cog webhook delivery (start, output, logs or completed) to an update of the prediction's execution. Throws a
 * ValidationError naming the field when the payload is malformed.
 *
 * Deliveries may repeat or arrive out of order, so the update is computed against what is stored (`existing`):
 * - the first delivery seen starts the execution (a `completed` one starts and ends it in one update);
 * - the summary is made equal to the payload's `metrics` (see `cogSummary`, `summaryOpsToMatch`); a delivery without metrics
 *   leaves it alone;
 * - an execution that has ended is never reopened or changed: a late `processing` delivery yields `{ id }`, which changes nothing
 *   but "last seen" (as does a delivery with nothing new for a running one, which keeps a long prediction from being marked lost).
 */
export function cogPredictionToUpdate(payload: unknown, opts: CogOptions): ExecutionUpdate<SeriesColumns> {
  const p = parseCogPrediction(payload);
  const id = cogExecutionId(p.id);
  const { existing, now } = opts;
  if (existing && isEnded(existing)) return { id };
  const update: ExecutionUpdate<SeriesColumns> = { id };
  const firstSeen = [p.started_at, p.created_at].map((v) => (v === undefined ? NaN : parseTime(v))).find((t) => plausibleTime(t, now));
  const startedAt = existing?.startedAt ?? firstSeen ?? now;
  if (!existing) update.start = { name: opts.model, labels: cogLabels(p), startedAt };
  const notes = implausibleTimes(p, startedAt, now);
  if (p.metrics || notes.length > 0) {
    const desired = cogSummary(p.metrics ?? {});
    if (notes.length > 0) desired[COG_SKIPPED_KEY] = [...((desired[COG_SKIPPED_KEY] as string[] | undefined) ?? []), ...notes];
    // A delivery without metrics leaves the summary alone, apart from the notes.
    const ops = p.metrics ? summaryOpsToMatch(existing?.summary ?? {}, desired) : [{ key: COG_SKIPPED_KEY, value: notes, mode: 'replace' as const }];
    if (ops.length > 0) update.summary = ops;
  }
  const status = STATUS[p.status];
  if (status !== 'running') update.end = cogEnd(p, status, startedAt, now);
  return update;
}
