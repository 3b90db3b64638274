import { randomUUID } from 'node:crypto';
import {
  applySummaryOp, END_STATUSES, endStatus, jsonExact, LIMITS, SummaryError, validateStart,
  type DiscardedCounts, type EndStatus, type Labels, type SummaryMode, type SummaryObject, type SummaryValue,
} from '../protocol/index.js';
import { runInExecution } from './context.js';
import { definitionDifference } from './definition-diff.js';
import { DEFAULT_THROTTLE, type Metric } from './metric.js';
import type { PendingBatches } from './pending.js';
import { badX, MAX_ABS_X, nextDown, nextX } from './series-x.js';
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
  /** A new x must be greater than this. */
  lastX: number;
  /** Points refused for their x: not greater than the previous one, or not finite / beyond ±2^53. */
  xNotIncreasing: number;
  xInvalid: number;
  /** Warnings already given for this series (each is given once). */
  warned: Set<'xNotIncreasing' | 'xInvalid' | 'throttled'>;
  timer: NodeJS.Timeout | null;
  /** Where its points wait, valid while `pending.generation` equals `bufferGeneration`. */
  buffer: SeriesBuffer | null;
  bufferGeneration: number;
  /** Recorded with an explicit `at`: its batches carry record times (x is not a time). */
  timed: boolean;
}

/** What `end()` reports: per metric key, the values its SDK did not send (only keys with a count). */
export interface EndReport {
  discarded: Record<string, DiscardedCounts>;
}

/** The smallest x a series may take (x ≥ -2^53): `lastX` starts just below it. */
const BELOW_MIN_X = nextDown(-MAX_ABS_X);

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
    return runInExecution(this, fn);
  }

  /**
   * Called by `Metric.record()`. Throws for an `at` that is not a number and for a conflicting definition; an x that does
   * not increase, is not finite or is beyond ±2^53 is refused, counted (`end()` reports it) and warned once per metric.
   * The common case (unthrottled, increasing `at`) is the first test; see `record()`.
   */
  recordPoint(metric: Metric, value: number, at: number | undefined): void {
    const s = metric.lastSeries as SeriesState | null;
    if (s !== null && s.execution === this && s.direct && typeof at === 'number' && at > s.lastX && at <= MAX_ABS_X) {
      s.lastX = at;
      this.emit(s, at, value);
    } else {
      this.recordSlowly(metric, value, at);
    }
  }

  private recordSlowly(metric: Metric, value: number, at: number | undefined): void {
    if (at !== undefined && typeof at !== 'number') {
      throw new TypeError(`Metric "${metric.key}".record(value, { at }): at must be a number (got ${at === null ? 'null' : typeof at})`);
    }
    if (this.ended) return this.droppedAfterEnd(metric);
    const cached = metric.lastSeries as SeriesState | null;
    const s = cached !== null && cached.execution === this ? cached : this.seriesOf(metric);
    const invalid = at === undefined ? null : badX(at);
    if (invalid !== null) return this.refusedX(s, 'xInvalid', `at=${at} ${invalid}`);
    if (at !== undefined) s.timed = true;
    // The clock is only read when it matters: at tens of millions of records a second it is a visible cost.
    const now = at === undefined || !s.throttle.unlimited ? performance.now() : 0;
    const x = nextX(s.lastX, at, (now - this.t0) / 1000);
    if (x === null) return this.refusedX(s, 'xNotIncreasing', `at=${at} is not greater than the previous x (${s.lastX}); x must increase within a series`);
    s.lastX = x;
    if (s.throttle.unlimited) {
      this.emit(s, x, value);
      return;
    }
    const send = s.throttle.offer(x, value, now);
    if (send) this.emit(s, send.x, send.y);
    else this.scheduleTrailing(s);
    if (at !== undefined && s.throttle.discarded > 0 && !s.warned.has('throttled')) this.throttledWithAt(s);
  }

  /** The first time the throttle discards values of a metric recorded with an explicit `at`: they look like steps lost. */
  private throttledWithAt(s: SeriesState): void {
    s.warned.add('throttled');
    this.warn(`plotline: Metric "${s.metric.key}" is throttled to ${s.metric.throttle} values per second${s.metric.throttle === DEFAULT_THROTTLE ? ' (the default)' : ''}: ${s.throttle.discarded} values recorded with { at } were discarded so far (the latest value of each window is kept). To keep every value, create it with new Metric("${s.metric.key}", { throttle: null }). end() reports the total (warned once per metric and execution).`);
  }

  private droppedAfterEnd(metric: Metric): void {
    if (this.warnedAfterEnd) return;
    this.warnedAfterEnd = true;
    this.warn(`plotline: Metric "${metric.key}" recorded after execution "${this.name}" ended; values recorded after end() are dropped.`);
  }

  private refusedX(s: SeriesState, why: 'xNotIncreasing' | 'xInvalid', rule: string): void {
    s[why]++;
    if (s.warned.has(why)) return;
    s.warned.add(why);
    const remedy = why === 'xNotIncreasing' ? ' To record a resumed run again from a step, call execution.rewind(step) first.' : '';
    this.warn(`plotline: Metric "${s.metric.key}": ${rule}, so the value is refused and counted (end() reports how many; warned once per metric and execution).${remedy}`);
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
      execution: this, metric, direct: throttle.unlimited, throttle, lastX: BELOW_MIN_X, xNotIncreasing: 0, xInvalid: 0, warned: new Set(),
      timer: null, buffer: null, bufferGeneration: -1, timed: false,
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

  /** Once per series and batch: also where the record time of a batch's first point is taken (no clock read per point). */
  private findBuffer(s: SeriesState): void {
    const buffer = this.outbox.pending.seriesBuffer(this.id, s.metric.key);
    if (s.timed) buffer.startTiming(Date.now());
    s.buffer = buffer;
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

  /**
   * A run resumed from a checkpoint (W&B's resume, TensorBoard's purge): removes every point with x ≥ `x` from all series
   * of this execution, on the server (streamed to open pages) and among the points still waiting here, and lets every
   * series record again from `x`. Throws for an x that is not finite or beyond ±2^53, and after `end()`.
   */
  rewind(x: number): void {
    const invalid = typeof x === 'number' ? badX(x) : 'is not a number';
    if (invalid !== null) throw new TypeError(`execution.rewind(x): x ${invalid} (got ${String(x)})`);
    if (this.ended) throw new Error(`execution.rewind(x): execution "${this.name}" has ended`);
    const below = nextDown(x);
    for (const s of this.series.values()) {
      s.throttle.dropFrom(x);
      if (s.lastX >= x) s.lastX = below;
    }
    this.outbox.pending.rewind(this.id, x);
    this.outbox.changed();
  }

  /** Per metric key, what was not sent (throttled, refused for its x); only keys with a count. */
  discarded(): Record<string, DiscardedCounts> {
    const out: Record<string, DiscardedCounts> = {};
    for (const [key, s] of this.series) {
      const counts: DiscardedCounts = {
        ...(s.throttle.discarded > 0 && { throttled: s.throttle.discarded }),
        ...(s.xNotIncreasing > 0 && { xNotIncreasing: s.xNotIncreasing }),
        ...(s.xInvalid > 0 && { xInvalid: s.xInvalid }),
      };
      if (Object.keys(counts).length > 0) out[key] = counts;
    }
    return out;
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

  /**
   * Ends the execution (default `succeeded`; Cog's `canceled` is read as `cancelled`) after delivering everything
   * recorded; resolves once the server has it, with what was not sent per metric (also shown on the execution page).
   */
  async end(status: EndStatus | 'canceled' = 'succeeded', opts: { error?: string } = {}): Promise<EndReport> {
    const checked = endStatus(status);
    if (checked === null) throw new TypeError(`end(status): status must be one of ${END_STATUSES.join(', ')} (got ${String(status)})`);
    if (opts.error !== undefined && typeof opts.error !== 'string') throw new TypeError('end(status, { error }): error must be a string');
    if (this.ended) {
      await this.outbox.flush();
      return { discarded: this.discarded() };
    }
    this.releaseThrottled();
    this.ended = true;
    for (const s of this.series.values()) s.direct = false;
    this.onEnd(this);
    const error = opts.error === undefined ? undefined : truncate(opts.error, LIMITS.maxErrorLength);
    const discarded = this.discarded();
    this.outbox.pending.end(this.id, {
      status: checked, endedAt: Date.now(), ...(error !== undefined && { error }), ...(Object.keys(discarded).length > 0 && { discarded }),
    });
    this.outbox.changed();
    await this.outbox.flush();
    return { discarded };
  }

  get isEnded(): boolean {
    return this.ended;
  }
}

/** The value as exact JSON (−0 kept as -0), or undefined when it has none. */
function tryJson(value: SummaryValue): string | undefined {
  try {
    return jsonExact(value);
  } catch {
    return undefined; // cycles, BigInt…: applySummaryOp names the rule
  }
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
