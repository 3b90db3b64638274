import { toWireArray, type ExecutionEnd, type ExecutionStart, type ExecutionUpdate, type IngestBatch, type MetricDef, type SummaryOp } from '../protocol/index.js';

interface Columns {
  x: number[];
  y: number[];
}

interface PendingExecution {
  start?: ExecutionStart;
  definitions: MetricDef[];
  points: Map<string, Columns>;
  summary: SummaryOp[];
  end?: ExecutionEnd;
}

/**
 * What is recorded but not yet sent, per execution, in send order. Points are columnar. Starts, definitions, summary
 * operations and ends are never dropped; points are, oldest first, when more than `maxPoints` wait (the server is unreachable).
 */
export class PendingBatches {
  private executions = new Map<string, PendingExecution>();
  private pointCount = 0;
  dropped = 0;

  constructor(private readonly maxPoints: number) {}

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
    this.of(id).start = start;
  }

  define(id: string, def: MetricDef): void {
    this.of(id).definitions.push(def);
  }

  point(id: string, key: string, x: number, y: number): void {
    const e = this.of(id);
    let c = e.points.get(key);
    if (!c) {
      c = { x: [], y: [] };
      e.points.set(key, c);
    }
    c.x.push(x);
    c.y.push(y);
    if (++this.pointCount > this.maxPoints) this.dropOldest();
  }

  summary(id: string, op: SummaryOp): void {
    this.of(id).summary.push(op);
  }

  end(id: string, end: ExecutionEnd): void {
    this.of(id).end = end;
  }

  /** Drops the oldest tenth of the largest waiting series. */
  private dropOldest(): void {
    let largest: Columns | null = null;
    for (const e of this.executions.values()) for (const c of e.points.values()) if (!largest || c.x.length > largest.x.length) largest = c;
    if (!largest) return;
    const n = Math.max(1, Math.floor(largest.x.length / 10));
    largest.x.splice(0, n);
    largest.y.splice(0, n);
    this.pointCount -= n;
    this.dropped += n;
  }

  /** Takes up to `maxPoints` points (and everything else waiting) as one batch; what does not fit stays, in order. */
  take(maxPoints: number): IngestBatch['executions'] {
    const out: ExecutionUpdate[] = [];
    let budget = maxPoints;
    for (const [id, e] of this.executions) {
      const update: ExecutionUpdate = { id };
      if (e.start) update.start = e.start;
      if (e.definitions.length) update.definitions = e.definitions;
      let complete = true;
      const points: NonNullable<ExecutionUpdate['points']> = [];
      for (const [key, c] of e.points) {
        if (budget <= 0) {
          complete = false;
          break;
        }
        const n = Math.min(budget, c.x.length);
        const x = n === c.x.length ? c.x : c.x.splice(0, n);
        const y = n === c.y.length ? c.y : c.y.splice(0, n);
        if (n === c.x.length) e.points.delete(key);
        else complete = false;
        budget -= n;
        this.pointCount -= n;
        points.push({ key, x, y: toWireArray(y) });
      }
      if (points.length) update.points = points;
      if (complete && e.summary.length) update.summary = e.summary;
      if (complete && e.end) update.end = e.end;
      out.push(update);
      if (complete) {
        this.executions.delete(id);
      } else {
        // What was sent leaves; points that did not fit (and the summary and end, which must follow them) wait for the next batch.
        delete e.start;
        e.definitions = [];
        break;
      }
    }
    return out;
  }
}
