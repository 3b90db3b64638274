import { randomUUID } from 'node:crypto';
import { applySummaryOp, END_STATUSES, type EndStatus, type Labels, type SummaryMode, type SummaryObject, type SummaryValue } from '../protocol/index.js';
import { executionContext } from './context.js';
import type { Metric } from './metric.js';
import type { Sender } from './sender.js';
import { Throttle } from './throttle.js';

interface SeriesState {
  signature: string;
  throttle: Throttle;
  lastX: number;
  warned: boolean;
  timer: NodeJS.Timeout | null;
}

/** A running execution: where metrics of its context go. */
export class ExecutionHandle {
  readonly id: string;
  private readonly t0 = performance.now();
  private readonly series = new Map<string, SeriesState>();
  /** Local mirror of the summary, so Cog rule violations throw here, synchronously, as in Cog. */
  readonly summary: SummaryObject = {};
  private ended = false;

  constructor(private readonly sender: Sender, readonly name: string, labels: Labels, private readonly warn: (m: string) => void,
    private readonly onEnd: (e: ExecutionHandle) => void = () => {}) {
    this.id = randomUUID();
    sender.pending.start(this.id, { name, labels, startedAt: Date.now() });
    sender.changed();
  }

  /** Seconds since the execution started. */
  elapsed(): number {
    return (performance.now() - this.t0) / 1000;
  }

  /** Runs `fn` with this execution as the current context (for `Metric.record()` and `recordMetric()`). */
  run<T>(fn: () => T): T {
    return executionContext.run(this, fn);
  }

  recordPoint(metric: Metric, value: number, at: number | undefined): void {
    if (this.ended) {
      this.warnOnce(metric.key, `plotline: Metric "${metric.key}" recorded after execution "${this.name}" ended; the value is dropped.`);
      return;
    }
    let s = this.series.get(metric.key);
    if (!s) {
      s = { signature: metric.signature, throttle: new Throttle(metric.throttle), lastX: -Infinity, warned: false, timer: null };
      this.series.set(metric.key, s);
      this.sender.pending.define(this.id, metric.definition);
    } else if (s.signature !== metric.signature) {
      throw new Error(`Metric "${metric.key}" is already defined differently in this execution (${s.signature}, now ${metric.signature}); one key keeps one group and scale`);
    }
    let x: number;
    if (at === undefined) {
      // Default x is time: two records within the same microsecond still get increasing x.
      const t = this.elapsed();
      x = t > s.lastX ? t : s.lastX + 1e-9;
    } else if (!(at > s.lastX)) {
      if (!s.warned) {
        s.warned = true;
        this.warn(`plotline: Metric "${metric.key}": at=${at} is not greater than the previous x (${s.lastX}); x must increase within a series, so the value is dropped (warned once per metric).`);
      }
      return;
    } else {
      x = at;
    }
    s.lastX = x;
    const now = performance.now();
    const send = s.throttle.offer(x, value, now);
    if (send) {
      this.sender.pending.point(this.id, metric.key, send.x, send.y);
      this.sender.changed();
    } else {
      this.scheduleTrailing(metric.key, s);
    }
  }

  private scheduleTrailing(key: string, s: SeriesState): void {
    if (s.timer) return;
    const due = s.throttle.dueAt();
    if (due === null) return;
    s.timer = setTimeout(() => {
      s.timer = null;
      this.deliverTrailing(key, s);
    }, Math.max(0, due - performance.now()));
    s.timer.unref();
  }

  private deliverTrailing(key: string, s: SeriesState): void {
    const p = s.throttle.takePending(performance.now());
    if (!p) return;
    this.sender.pending.point(this.id, key, p.x, p.y);
    this.sender.changed();
  }

  /** Delivers every throttled trailing value now. */
  releaseThrottled(): void {
    for (const [key, s] of this.series) {
      if (s.timer) clearTimeout(s.timer);
      s.timer = null;
      this.deliverTrailing(key, s);
    }
  }

  recordSummary(key: string, value: SummaryValue | null, mode: SummaryMode): void {
    if (this.ended) return;
    const op = { key, value, mode };
    applySummaryOp(this.summary, op);
    this.sender.pending.summary(this.id, { ...op, x: this.elapsed() });
    this.sender.changed();
  }

  /** Resolves when everything recorded so far is acknowledged by the server. */
  async flush(): Promise<void> {
    this.releaseThrottled();
    await this.sender.flush();
  }

  /** Ends the execution (default `succeeded`) after delivering everything recorded. */
  async end(status: EndStatus = 'succeeded', opts: { error?: string } = {}): Promise<void> {
    if (!END_STATUSES.includes(status)) throw new TypeError(`end(status): status must be one of ${END_STATUSES.join(', ')} (got ${String(status)})`);
    if (this.ended) return this.sender.flush();
    this.releaseThrottled();
    this.ended = true;
    this.onEnd(this);
    this.sender.pending.end(this.id, { status, endedAt: Date.now(), ...(opts.error !== undefined && { error: opts.error }) });
    this.sender.changed();
    await this.sender.flush();
  }

  get isEnded(): boolean {
    return this.ended;
  }

  private warnedKeys = new Set<string>();
  private warnOnce(key: string, message: string): void {
    if (this.warnedKeys.has(key)) return;
    this.warnedKeys.add(key);
    this.warn(message);
  }
}
