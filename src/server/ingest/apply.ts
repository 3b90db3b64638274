/**
 * The execution rules, above storage and the same for every backend and every ingest adapter (JSON, binary, Cog, …):
 * batch-id dedup, lifecycle (a started execution runs; `lost` comes back to `running` with data; an ended one takes nothing
 * more), definition conflicts, "x must increase" per series, summary ops with their derived `@summary.*` series, and
 * `predict_time` on end. `planBatch` is pure: it decides from the state the store loaded inside the batch's transaction.
 */
import {
  jsonExact, LIMITS, quote, sameDefinition, summaryChanges, type AcceptedBatch, type Execution, type ExecutionUpdate, type MetricDef, type RecordTimes, type SeriesColumns,
} from '../../protocol/index.js';
import { DomainError } from '../domain-error.js';
import type { HubEvent } from '../hub-event.js';
import type {
  BatchRequest, BatchState, BatchWrite, ExecutionRecord, ExecutionState, ExecutionWrite, SeriesAppend, Store,
} from '../store/store.js';
import { isCogPrediction } from '../cog.js';
import { batchFingerprint, sameBatchContent } from './batch-fingerprint.js';
import { applySummaryOps, DERIVED_PREFIX, numericLeaves } from './summary-series.js';

export interface ApplyResult {
  /** The batch id was seen before: nothing was stored again, `events` is empty. */
  duplicate: boolean;
  /** Points stored by this batch (for a duplicate: by its first delivery). */
  points: number;
  /** What changed, in order, for the live stream: `execution` upserts, `definitions`, `points`, `summary`. */
  events: HubEvent[];
}

const ENDED = new Set<Execution['status']>(['succeeded', 'failed', 'cancelled']);

/** The keys each execution of `batch` touches, so that the store loads just that. */
export function batchRequest(batch: AcceptedBatch): BatchRequest {
  const executions: BatchRequest['executions'] = new Map();
  for (const u of batch.executions) {
    let e = executions.get(u.id);
    if (!e) executions.set(u.id, (e = { definitionKeys: new Set(), seriesKeys: new Set() }));
    if (u.rewind) e.rewindX = Math.min(e.rewindX ?? Infinity, u.rewind.x);
    for (const d of u.definitions ?? []) e.definitionKeys.add(d.key);
    for (const p of u.points ?? []) e.seriesKeys.add(p.key);
    for (const op of u.summary ?? []) {
      // The derived series an op can draw: the numbers its value holds (an `incr` always draws its key).
      e.seriesKeys.add(DERIVED_PREFIX + op.key);
      if (op.value !== null) for (const [leaf] of numericLeaves(op.value, op.key)) e.seriesKeys.add(DERIVED_PREFIX + leaf);
    }
  }
  return { ...(batch.batchId !== undefined && { batchId: batch.batchId }), executions };
}

export interface PlannedBatch {
  write: BatchWrite;
  points: number;
  /** `execution` events carry metricCount 0 until the store sets it on commit. */
  events: HubEvent[];
}

/**
 * Decides a batch: null when its id was committed before, else what to write and what to stream. Throws a DomainError
 * naming the field (`executions[i]…`) when a rule refuses it; nothing of the batch is then stored.
 */
export function planBatch(batch: AcceptedBatch, state: BatchState, now: number, hash = batchFingerprint(batch)): PlannedBatch | null {
  if (state.seen) {
    if (state.seen.hash !== null && !sameBatchContent(state.seen.hash, batch, hash)) {
      throw new DomainError('conflict', 'batchId', `batch id ${quote(batch.batchId!)} was already used for a batch with different content; `
        + 'a retry must resend the same batch, new content needs a new batch id');
    }
    return null;
  }
  const writes = new Map<string, ExecutionWrite>();
  const events: HubEvent[] = [];
  let points = 0;
  batch.executions.forEach((u, i) => {
    points += planUpdate(u, `executions[${i}]`, state, now, writes, events);
  });
  return {
    write: {
      executions: [...writes.values()],
      remember: batch.batchId !== undefined ? { batchId: batch.batchId, at: now, points, hash } : null,
      events,
    },
    points,
    events,
  };
}

/** Applies one execution's update (start → definitions → rewind → points → summary → end) to `state`; returns the points stored. */
function planUpdate(
  u: ExecutionUpdate<SeriesColumns>, path: string, state: BatchState, now: number, writes: Map<string, ExecutionWrite>, events: HubEvent[],
): number {
  const es = state.executions.get(u.id)!;
  let w = writes.get(u.id);
  let record = es.record;
  if (record) {
    if (u.start && u.start.name !== record.name) {
      throw new DomainError('conflict', `${path}.start.name`, `execution "${u.id}" was started as "${record.name}"; its id cannot be reused for "${u.start.name}"`);
    }
  } else {
    if (!u.start) throw new DomainError('not_found', `${path}.id`, `unknown execution "${u.id}": the first batch for an execution must carry "start"`);
    record = {
      id: u.id, name: u.start.name, labels: u.start.labels ?? {}, status: 'running', startedAt: u.start.startedAt ?? now,
      endedAt: null, lastSeenAt: now, error: null, summary: {},
    };
  }
  const alreadyEnded = ENDED.has(record.status);
  if (alreadyEnded) {
    if (u.definitions?.length || u.points?.length || u.summary?.length) {
      throw new DomainError('conflict', path, `execution has ended (${record.status}): "${u.id}" accepts no more points, definitions or summary values`);
    }
    if (u.end && u.end.status !== record.status) {
      throw new DomainError('conflict', `${path}.end.status`, `execution has ended as ${record.status} and cannot end again as ${u.end.status}`);
    }
  }
  // A copy per update: events already planned keep the execution as it was then.
  record = { ...record, status: record.status === 'lost' ? 'running' : record.status, lastSeenAt: now };
  if (!w) writes.set(u.id, (w = { record, isNew: es.record === null, summaryChanged: false, definitions: [], appends: [] }));
  es.record = record;
  w.record = record;

  const newDefinitions = planDefinitions(u, path, es.definitions);
  w.definitions.push(...newDefinitions);
  if (u.rewind) {
    if (alreadyEnded) throw new DomainError('conflict', `${path}.rewind`, `execution has ended (${record.status}): "${u.id}" cannot be rewound`);
    planRewind(w, es, u.rewind.x);
  }

  const streamed: SeriesColumns[] = [];
  let points = 0;
  u.points?.forEach((p, j) => {
    planAppend(w, es.lastX, p.key, p.x, p.y, `${path}.points[${j}].x[0]`, p.t);
    streamed.push(p);
    points += p.x.length;
  });

  let summaryChanged = false;
  const summaryBefore = record.summary;
  if (u.summary?.length) {
    const summary = structuredClone(record.summary);
    const derived = applySummaryOps(summary, u.summary, `${path}.summary`, (now - record.startedAt) / 1000, (key) => es.lastX.get(key) ?? null);
    for (const d of derived) {
      const columns = { key: d.key, x: Float64Array.from(d.x), y: Float64Array.from(d.y) };
      planAppend(w, es.lastX, d.key, columns.x, columns.y, `${path}.summary`);
      streamed.push(columns);
    }
    // −0 written as -0: a summary is stored and compared exactly (JSON.stringify would make it 0, and 0 → −0 no change).
    const text = jsonExact(summary);
    const bytes = Buffer.byteLength(text);
    if (bytes > LIMITS.maxSummaryBytes) {
      throw new DomainError('invalid', `${path}.summary`,
        `the execution's summary would take ${bytes} bytes as JSON; a summary holds at most ${LIMITS.maxSummaryBytes} bytes (keep large data out of summary metrics)`);
    }
    summaryChanged = text !== jsonExact(record.summary);
    record.summary = summary;
  }
  if (u.end && !alreadyEnded) {
    record.status = u.end.status;
    record.endedAt = endTime(record, u.end.endedAt ?? now, `${path}.end.endedAt`);
    record.error = u.end.error ?? null;
    if (u.end.discarded) record.discarded = u.end.discarded;
    // Only where Cog's runtime would add it: a Cog prediction, or an execution that recorded summary metrics (a plain
    // training run has its duration already). The runtime's figure wins over anything the user recorded under this key
    // (as in Cog). Rounded to the µs so that ms arithmetic does not show as 1.2344999999.
    const predictTime = Math.round(Math.max(0, record.endedAt - record.startedAt) * 1000) / 1e6;
    const wantsPredictTime = isCogPrediction(record) || Object.keys(record.summary).length > 0;
    if (wantsPredictTime && record.summary.predict_time !== predictTime) {
      if (!summaryChanged) record.summary = { ...record.summary };
      record.summary.predict_time = predictTime;
      summaryChanged = true;
    }
  }
  w.summaryChanged ||= summaryChanged;

  events.push({ type: 'execution', execution: { ...record, metricCount: 0 } });
  if (newDefinitions.length > 0) events.push({ type: 'definitions', executionId: u.id, definitions: newDefinitions });
  if (u.rewind) events.push({ type: 'rewind', executionId: u.id, x: u.rewind.x });
  if (streamed.length > 0) events.push({ type: 'points', executionId: u.id, series: streamed });
  if (summaryChanged) events.push({ type: 'summary', executionId: u.id, ...summaryChanges(summaryBefore, record.summary) });
  return points;
}

/**
 * A rewind to x (before the update's points): the store removes every point at or beyond x, so each series' next x must
 * exceed the largest x it keeps below x (or anything, when it keeps none). An execution appears once per batch, so no
 * append of it was planned before.
 */
function planRewind(w: ExecutionWrite, es: ExecutionState, x: number): void {
  w.rewindX = x;
  for (const [key, below] of es.rewound ?? []) {
    if (below === null) es.lastX.delete(key);
    else es.lastX.set(key, below);
  }
}

/** A key keeps one definition: the same one again is a no-op, a different one a conflict. */
function planDefinitions(u: ExecutionUpdate<SeriesColumns>, path: string, defined: Map<string, MetricDef>): MetricDef[] {
  const added: MetricDef[] = [];
  u.definitions?.forEach((def, j) => {
    const existing = defined.get(def.key);
    if (!existing) {
      defined.set(def.key, def);
      added.push(def);
    } else if (!sameDefinition(existing, def)) {
      throw new DomainError('conflict', `${path}.definitions[${j}]`,
        `metric "${def.key}" is already defined differently in this execution (${JSON.stringify(existing)}); a key keeps one definition`);
    }
  });
  return added;
}

/** Each write's appends by series key (a batch may carry thousands of series). */
const appendsByKey = new WeakMap<ExecutionWrite, Map<string, SeriesAppend>>();

/** Points (x increasing within the array, as validated) go after the series' last stored x. */
function planAppend(
  w: ExecutionWrite, lastX: Map<string, number>, key: string, x: Float64Array, y: Float64Array, path: string, t?: RecordTimes,
): void {
  if (x.length === 0) return;
  const last = lastX.get(key);
  if (last !== undefined && !(x[0]! > last)) throw new DomainError('invalid', path, `x must increase: ${x[0]} is not greater than the last stored x ${last}`);
  lastX.set(key, x[x.length - 1]!);
  let byKey = appendsByKey.get(w);
  if (!byKey) appendsByKey.set(w, (byKey = new Map()));
  let a = byKey.get(key);
  if (!a) {
    a = { key, isNew: last === undefined, parts: [] };
    byKey.set(key, a);
    w.appends.push(a);
  }
  a.parts.push(t ? { x, y, t } : { x, y });
}

/**
 * Decides and commits one validated batch; resolves after the commit (so an acknowledgement means stored) with what to
 * stream. A refused batch rejects with a DomainError and stores nothing, its id included.
 */
export async function applyBatch(store: Store, batch: AcceptedBatch, now: number): Promise<ApplyResult> {
  let planned: PlannedBatch | null = null;
  let seenPoints = 0;
  // Only batches with an id are remembered, so only they need a fingerprint (computed outside the transaction).
  const hash = batch.batchId !== undefined ? batchFingerprint(batch) : '';
  const committed = await store.commitBatch(batchRequest(batch), (state) => {
    seenPoints = state.seen?.points ?? 0;
    planned = planBatch(batch, state, now, hash);
    return planned?.write ?? null;
  });
  const plan = planned as PlannedBatch | null;
  if (!plan || !committed) return { duplicate: true, points: seenPoints, events: [] };
  return { duplicate: false, points: plan.points, events: plan.events };
}

export type { ExecutionRecord };

/** How far before its start an end time is taken as clock skew between machines (and moved to the start). */
export const END_SKEW_MS = 60_000;

/**
 * The end time to store for `record`: `endedAt`, or its start when the end is a little before it (clocks of two machines).
 * An end further before the start is refused by name — except from a Cog webhook, which cannot be refused without losing
 * the prediction: there it is moved to the start too.
 */
function endTime(record: ExecutionRecord, endedAt: number, path: string): number {
  if (endedAt >= record.startedAt) return endedAt;
  if (record.startedAt - endedAt > END_SKEW_MS && !isCogPrediction(record)) {
    throw new DomainError('invalid', path,
      `must not be before the execution's startedAt (${record.startedAt}, ${new Date(record.startedAt).toISOString()}); got ${endedAt} (${new Date(endedAt).toISOString()})`);
  }
  return record.startedAt;
}
