import { SeriesBuffer } from './series-buffer.js';
import {
  LIMITS,
  type ExecutionEnd, type ExecutionStart, type ExecutionUpdate, type MetricDef, type SeriesColumns, type SummaryOp,
} from '../protocol/index.js';

/** How much one ingest batch may carry; all well under the server's LIMITS so a batch is never refused for its size. */
export interface BatchLimits {
  points: number;
  /** Series items (per-key point arrays) across the batch. */
  series: number;
  definitions: number;
  summaryOps: number;
  executions: number;
  /** Estimated size in the binary encoding. */
  bytes: number;
}

export const DEFAULT_BATCH_LIMITS: BatchLimits = {
  points: 250_000,
  series: 2_000,
  definitions: 2_000,
  summaryOps: 10_000,
  executions: LIMITS.maxExecutionsPerBatch,
  bytes: LIMITS.maxBatchBytes / 2,
};

/** Emptied buffers kept for reuse: enough for the series of a large run, at most 256 KiB each (64 MiB in all). */
const MAX_SPARE_BUFFERS = 256;
const MAX_SPARE_CAPACITY = 16_384;

/** Size of one point in the binary encoding (two doubles), and of a series item's header around its key. */
const POINT_BYTES = 16;
const SERIES_BYTES = 40;

interface Sized<T> {
  item: T;
  bytes: number;
}

interface PendingExecution {
  start?: Sized<ExecutionStart>;
  definitions: Sized<MetricDef>[];
  /** Applied by the server before this execution's waiting points (all of them are below it). */
  rewind?: number;
  points: Map<string, SeriesBuffer>;
  summary: Sized<SummaryOp>[];
  end?: Sized<ExecutionEnd>;
}

function sized<T>(item: T): Sized<T> {
  return { item, bytes: JSON.stringify(item).length + 2 };
}

/** What is left of a batch being assembled. The first item of a batch always fits, so a batch always makes progress. */
class Budget {
  private empty = true;
  constructor(private readonly left: BatchLimits) {}

  /** Takes one item of `kind` (or an item only limited by size, for null) costing `bytes`. */
  take(kind: 'definitions' | 'summaryOps' | 'executions' | null, bytes: number): boolean {
    if (!this.empty && ((kind && this.left[kind] < 1) || this.left.bytes < bytes)) return false;
    if (kind) this.left[kind]--;
    this.left.bytes -= bytes;
    this.empty = false;
    return true;
  }

  /** How many of `n` points of one series fit (at least one when the batch is empty). */
  points(n: number, key: string): number {
    if (!this.empty && this.left.series < 1) return 0;
    const overhead = SERIES_BYTES + key.length;
    const byBytes = Math.floor((this.left.bytes - overhead) / POINT_BYTES);
    const fit = Math.min(n, this.left.points, byBytes);
    const k = this.empty ? Math.min(n, Math.max(1, fit)) : Math.max(0, fit);
    if (k === 0) return 0;
    this.left.series--;
    this.left.points -= k;
    this.left.bytes -= overhead + k * POINT_BYTES;
    this.empty = false;
    return k;
  }
}

/**
 * What is recorded but not yet sent, per execution, in send order. Points are columnar. When more than `limit` points wait,
 * `onOverflow` decides (the Sender spills them to its spool); without one, the oldest points are dropped. Starts,
 * definitions, summary operations and ends are never dropped.
 */
export class PendingBatches {
  private executions = new Map<string, PendingExecution>();
  private pointCount = 0;
  dropped = 0;
  /** Changes whenever `take()` may have handed over or forgotten a series buffer. */
  generation = 0;
  /** Emptied buffers, by series key, reused (with their grown capacity) when the series records again. */
  private readonly spare = new Map<string, SeriesBuffer>();

  /**
   * `limit`: points that may wait before `onOverflow` is called (it may change `limit`). Called off the per-record path's
   * common case, so what it does costs nothing there.
   */
  constructor(public limit: number, private readonly onOverflow: (() => void) | null = null, private readonly clock: () => number = Date.now) {}

  get points(): number {
    return this.pointCount;
  }

  get empty(): boolean {
    return this.executions.size === 0;
  }

  private of(id: string): PendingExecution {
    let e = this.executions.get(id);
    if (!e) {
      e = { definitions: [], points: new Map(), summary: [] };
      this.executions.set(id, e);
    }
    return e;
  }

  start(id: string, start: ExecutionStart): void {
    this.of(id).start = sized(start);
  }

  define(id: string, def: MetricDef): void {
    this.of(id).definitions.push(sized(def));
  }

  point(id: string, key: string, x: number, y: number): void {
    this.append(this.seriesBuffer(id, key), x, y);
  }

  /**
   * Where the points of one series wait, for `append` without looking it up per point. It stays the right buffer while
   * `generation` is unchanged (`take()` may hand it over and forget it).
   */
  seriesBuffer(id: string, key: string): SeriesBuffer {
    const e = this.of(id);
    let buffer = e.points.get(key);
    if (!buffer) {
      buffer = this.spare.get(key) ?? new SeriesBuffer();
      this.spare.delete(key);
      e.points.set(key, buffer);
    }
    return buffer;
  }

  append(buffer: SeriesBuffer, x: number, y: number): void {
    buffer.push(x, y);
    if (++this.pointCount > this.limit) this.overflow();
  }

  private overflow(): void {
    if (this.onOverflow) this.onOverflow();
    else this.dropOldest();
  }

  /**
   * A rewind to `x`: waiting points of the execution at or beyond it are dropped here (the server would remove them), and
   * the rewind travels before the points that wait (all below `x`) and those recorded after it.
   */
  rewind(id: string, x: number): void {
    const e = this.of(id);
    e.rewind = Math.min(e.rewind ?? Infinity, x);
    for (const buffer of e.points.values()) this.pointCount -= buffer.dropFrom(x);
  }

  summary(id: string, op: SummaryOp): void {
    this.of(id).summary.push(sized(op));
  }

  end(id: string, end: ExecutionEnd): void {
    this.of(id).end = sized(end);
  }

  /**
   * Frees a tenth of the capacity in one pass: every waiting series loses the same share of its oldest points, so the cost
   * is one scan per many records however many series there are.
   */
  dropOldest(): void {
    const share = Math.min(1, Math.ceil(this.limit / 10) / this.pointCount);
    for (const e of this.executions.values()) {
      for (const buffer of e.points.values()) {
        const n = Math.min(buffer.length, Math.ceil(buffer.length * share));
        buffer.dropFront(n);
        this.pointCount -= n;
        this.dropped += n;
      }
    }
  }

  /**
   * Takes one batch's worth, in order: per execution its start, definitions, points, summary operations and end. What does
   * not fit stays for the next batch, and nothing that must follow it (points after their definitions, the end after
   * everything) is sent before it. The point columns are views of the waiting buffers, valid until the next change to
   * this object: encode them at once.
   */
  take(limits: BatchLimits = DEFAULT_BATCH_LIMITS): ExecutionUpdate<SeriesColumns>[] {
    this.generation++;
    const budget = new Budget({ ...limits });
    const out: ExecutionUpdate<SeriesColumns>[] = [];
    for (const [id, e] of this.executions) {
      if (!budget.take('executions', id.length + 10)) break;
      const update: ExecutionUpdate<SeriesColumns> = { id };
      out.push(update);
      const complete = this.takeExecution(e, update, budget);
      if (!complete) break;
      this.executions.delete(id);
    }
    return out;
  }

  /** Moves what fits of one execution into `update`; true when nothing of it is left. */
  private takeExecution(e: PendingExecution, update: ExecutionUpdate<SeriesColumns>, budget: Budget): boolean {
    if (e.start) {
      if (!budget.take(null, e.start.bytes)) return false;
      update.start = e.start.item;
      delete e.start;
    }
    const definitions = takeWhile(e.definitions, (d) => budget.take('definitions', d.bytes));
    if (definitions.length) update.definitions = definitions;
    if (e.definitions.length) return false;
    if (e.rewind !== undefined) {
      if (!budget.take(null, 30)) return false;
      update.rewind = { x: e.rewind };
      delete e.rewind;
    }

    const points: SeriesColumns[] = [];
    let pointsComplete = true;
    for (const [key, buffer] of e.points) {
      if (buffer.length === 0) {
        e.points.delete(key); // emptied by dropOldest
        continue;
      }
      const n = budget.points(buffer.length, key);
      if (n === 0) {
        pointsComplete = false;
        break;
      }
      const all = n === buffer.length;
      this.pointCount -= n;
      const t = buffer.takeTimes(n, this.clock());
      points.push({ key, ...buffer.takeFront(n), ...(t && { t }) });
      if (!all) {
        pointsComplete = false;
        break;
      }
      e.points.delete(key);
      if (this.spare.size < MAX_SPARE_BUFFERS && buffer.x.length <= MAX_SPARE_CAPACITY) this.spare.set(key, buffer);
    }
    if (points.length) update.points = points;
    if (!pointsComplete) return false;

    const summary = takeWhile(e.summary, (s) => budget.take('summaryOps', s.bytes));
    if (summary.length) update.summary = summary;
    if (e.summary.length) return false;

    if (e.end) {
      if (!budget.take(null, e.end.bytes)) return false;
      update.end = e.end.item;
      delete e.end;
    }
    return true;
  }
}

/** Removes from the front of `items` while `fits` says yes; returns the removed items. */
function takeWhile<T>(items: Sized<T>[], fits: (s: Sized<T>) => boolean): T[] {
  let n = 0;
  while (n < items.length && fits(items[n]!)) n++;
  return items.splice(0, n).map((s) => s.item);
}
