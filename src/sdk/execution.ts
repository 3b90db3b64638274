import { randomUUID } from 'node:crypto';
import {
  applySummaryOp, END_STATUSES, LIMITS, SummaryError, validateStart,
  type EndStatus, type Labels, type SummaryMode, type SummaryObject, type SummaryValue,
} from '../protocol/index.js';
import { executionContext } from './context.js';
import { definitionDifference } from './definition-diff.js';
import type { Metric } from './metric.js';
import type { PendingBatches } from './pending.js';
import { nextX } from './series-x.js';
import type { SeriesBuffer } from './series-buffer.js';
import { Throttle } from './throttle.js';

/** Where an execution puts what it records (the client's Sender). */
export interface Outbox {
  readonly pending: PendingBatches;
  /** Called after every change to `pending`. */
  changed(): void;
  /** Resolves when everything recorded so far is acknowledged. */
  flush(): Promise<void>;
}

interface SeriesState {
  readonly execution: ExecutionHandle;
  metric: Metric;
  /** Unthrottled and its execution not ended: a point with an increasing `at` goes straight to its buffer. */
  direct: boolean;
  throttle: Throttle;
  lastX: number;
  warnedX: boolean;
  timer: NodeJS.Timeout | null;
  /** Where its points wait, valid while `pending.generation` equals `bufferGeneration`. */
  buffer: SeriesBuffer | null;
  bufferGeneration: number;
}

/** A summary value larger than this (as JSON) could not travel in one batch. */
const MAX_SUMMARY_VALUE_BYTES = LIMITS.maxBatchBytes / 4;

/** A running execution: where metrics of its context go. */
export class ExecutionHandle {
  readonly id: string = randomUUID();
  private readonly t0 = performance.now();
  private readonly series = new Map<string, SeriesState>();
  /** Local mirror of the summary, so Cog rule violations throw here, synchronously, as in Cog. */
  readonly summary: SummaryObject = {};
  private ended = false;
  private warnedAfterEnd = false;

  constructor(private readonly outbox: Outbox, readonly name: string, labels: Labels, private readonly warn: (m: string) => void,
    private readonly onEnd: (e: ExecutionHandle) => void = () => {}) {
    const start = validateStart({ name, labels, startedAt: Date.now() }, 'startExecution');
    outbox.pending.start(this.id, start);
    outbox.changed();
  }

  /** Seconds since the execution started. */
  elapsed(): number {
    return (performance.now() - this.t0) / 1000;
  }

  /** Runs `fn` with this execution as the current context (for `Metric.record()` and `recordMetric()`); returns its result. */
  run<T>(fn: () => T): T {
    return executionContext.run(this, fn);
  }

  /**
   * Called by `Metric.record()`. Throws for a non-finite `at` and a conflicting definition; x that does not increase is
   * dropped with one warning per metric. The common case (unthrottled, increasing `at`) is the first test; see `record()`.
   */
  recordPoint(metric: Metric, value: number, at: number | undefined): void {
    const s = metric.lastSeries as SeriesState | null;
    if (s !== null && s.execution === this && s.direct && typeof at === 'number' && at > s.lastX && at < Infinity) {
      s.lastX = at;
      this.emit(s, at, value);
    } else {
      this.recordSlowly(metric, value, at);
    }
  }

  private recordSlowly(metric: Metric, value: number, at: number | undefined): void {
    if (at !== undefined && !(typeof at === 'number' && Number.isFinite(at))) {
      throw new TypeError(`Metric "${metric.key}".record(value, { at }): at must be a finite number (got ${String(at)})`);
    }
    if (this.ended) return this.droppedAfterEnd(metric);
    const cached = metric.lastSeries as SeriesState | null;
    const s = cached !== null && cached.execution === this ? cached : this.seriesOf(metric);
    // The clock is only read when it matters: at tens of millions of records a second it is a visible cost.
    const now = at === undefined || !s.throttle.unlimited ? performance.now() : 0;
    const x = nextX(s.lastX, at, (now - this.t0) / 1000);
    if (x === null) return this.droppedForX(s, at!);
    s.lastX = x;
    if (s.throttle.unlimited) {
      this.emit(s, x, value);
      return;
    }
    const send = s.throttle.offer(x, value, now);
    if (send) this.emit(s, send.x, send.y);
    else this.scheduleTrailing(s);
  }

  private droppedAfterEnd(metric: Metric): void {
    if (this.warnedAfterEnd) return;
    this.warnedAfterEnd = true;
    this.warn(`plotline: Metric "${metric.key}" recorded after execution "${this.name}" ended; values recorded after end() are dropped.`);
  }

  private droppedForX(s: SeriesState, at: number): void {
    if (s.warnedX) return;
    s.warnedX = true;
    this.warn(`plotline: Metric "${s.metric.key}": at=${at} is not greater than the previous x (${s.lastX}); x must increase within a series, so the value is dropped (warned once per metric and execution).`);
  }

  /** The series state of `metric`, sending its definition on first use; a different definition of the same key throws. */
  private seriesOf(metric: Metric): SeriesState {
    const s = this.series.get(metric.key);
    if (s) {
      if (s.metric !== metric && s.metric.signature !== metric.signature) {
        const diff = definitionDifference(s.metric.definition, metric.definition);
        throw new Error(`Metric "${metric.key}" is already defined differently in execution "${this.name}" (${diff}); a key keeps one group and scale within an execution`);
      }
      metric.lastSeries = s;
      return s;
    }
    const throttle = new Throttle(metric.throttle);
    const created: SeriesState = {
      execution: this, metric, direct: throttle.unlimited, throttle, lastX: -Infinity, warnedX: false, timer: null, buffer: null, bufferGeneration: -1,
    };
    this.series.set(metric.key, created);
    metric.lastSeries = created;
    this.outbox.pending.define(this.id, metric.definition);
    return created;
  }

  private emit(s: SeriesState, x: number, y: number): void {
    const pending = this.outbox.pending;
    if (s.bufferGeneration !== pending.generation) this.findBuffer(s);
    pending.append(s.buffer!, x, y);
    this.outbox.changed();
  }

  private findBuffer(s: SeriesState): void {
    s.buffer = this.outbox.pending.seriesBuffer(this.id, s.metric.key);
    s.bufferGeneration = this.outbox.pending.generation;
  }

  private scheduleTrailing(s: SeriesState): void {
    if (s.timer) return;
    const due = s.throttle.dueAt();
    if (due === null) return;
    s.timer = setTimeout(() => {
      s.timer = null;
      this.deliverTrailing(s);
    }, Math.max(0, due - performance.now()));
    s.timer.unref();
  }

  private deliverTrailing(s: SeriesState): void {
    const p = s.throttle.takePending(performance.now());
    if (p) this.emit(s, p.x, p.y);
  }

  /** Delivers every throttled trailing value now. */
  releaseThrottled(): void {
    for (const s of this.series.values()) {
      if (s.timer) clearTimeout(s.timer);
      s.timer = null;
      this.deliverTrailing(s);
    }
  }

  /** Called by `recordMetric()`: applies the op to the local summary (throwing on a Cog rule), then sends it. */
  recordSummary(key: string, value: SummaryValue | null, mode: SummaryMode): void {
    if (this.ended) return;
    const json = value === null || typeof value !== 'object' ? undefined : tryJson(value);
    const size = typeof value === 'string' ? value.length : json?.length ?? 0;
    if (size > MAX_SUMMARY_VALUE_BYTES) {
      throw new SummaryError(key, `value is too large (${size} characters as JSON; at most ${MAX_SUMMARY_VALUE_BYTES})`);
    }
    applySummaryOp(this.summary, { key, value, mode });
    // A snapshot: the caller may mutate its object before the batch leaves.
    const sent = json === undefined ? value : (JSON.parse(json) as SummaryValue);
    this.outbox.pending.summary(this.id, { key, value: sent, mode, x: this.elapsed() });
    this.outbox.changed();
  }

  /** Resolves when everything recorded so far (throttled values included) is acknowledged by the server. */
  async flush(): Promise<void> {
    this.releaseThrottled();
    await this.outbox.flush();
  }

  /** Ends the execution (default `succeeded`) after delivering everything recorded; resolves once the server has it. */
  async end(status: EndStatus = 'succeeded', opts: { error?: string } = {}): Promise<void> {
    if (!END_STATUSES.includes(status)) throw new TypeError(`end(status): status must be one of ${END_STATUSES.join(', ')} (got ${String(status)})`);
    if (opts.error !== undefined && typeof opts.error !== 'string') throw new TypeError('end(status, { error }): error must be a string');
    if (this.ended) return this.outbox.flush();
    this.releaseThrottled();
    this.ended = true;
    for (const s of this.series.values()) s.direct = false;
    this.onEnd(this);
    const error = opts.error === undefined ? undefined : truncate(opts.error, LIMITS.maxErrorLength);
    this.outbox.pending.end(this.id, { status, endedAt: Date.now(), ...(error !== undefined && { error }) });
    this.outbox.changed();
    await this.outbox.flush();
  }

  get isEnded(): boolean {
    return this.ended;
  }
}

function tryJson(value: SummaryValue): string | undefined {
  try {
    return JSON.stringify(value);
  } catch {
    return undefined; // cycles, BigInt…: applySummaryOp names the rule
  }
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
