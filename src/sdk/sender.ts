import { randomUUID } from 'node:crypto';
import type { IngestBatch } from '../protocol/index.js';
import { PendingBatches } from './pending.js';

export interface SenderOptions {
  url: string;
  token: string | null;
  /** Points waiting while the server is unreachable; beyond this the oldest are dropped (counted, one warning). */
  maxBufferedPoints: number;
  maxPointsPerBatch: number;
  warn: (message: string) => void;
}

const MIN_BACKOFF_MS = 100;
const MAX_BACKOFF_MS = 5_000;

/**
 * Sends pending batches in the background, one request at a time (so batches arrive in order). Idle → sends at once
 * (live latency stays low); busy → what is recorded meanwhile goes in the next batch. A failed request is retried with the same
 * batch id, which the server stores once. `record()` never waits on any of this.
 */
export class Sender {
  readonly pending: PendingBatches;
  private inFlight: Promise<void> | null = null;
  private scheduled = false;
  private retry: { batch: IngestBatch; attempt: number } | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private recordedSeq = 0;
  private ackedSeq = 0;
  private waiters: Array<{ seq: number; resolve: () => void }> = [];
  private warnedDrop = false;
  private warnedUnreachable = false;
  private closed = false;

  constructor(private readonly opts: SenderOptions) {
    this.pending = new PendingBatches(opts.maxBufferedPoints);
  }

  /** Call after every change to `pending`. */
  changed(): void {
    this.recordedSeq++;
    if (this.pending.dropped > 0 && !this.warnedDrop) {
      this.warnedDrop = true;
      this.opts.warn(`plotline: the server at ${this.opts.url} is not keeping up or unreachable; dropping the oldest buffered points (more than ${this.opts.maxBufferedPoints} waiting). Later drops are counted silently.`);
    }
    this.schedule();
  }

  /** Resolves when everything recorded before the call is acknowledged by the server. */
  flush(): Promise<void> {
    const seq = this.recordedSeq;
    if (this.ackedSeq >= seq) return Promise.resolve();
    this.schedule();
    return new Promise((resolve) => this.waiters.push({ seq, resolve }));
  }

  get droppedPoints(): number {
    return this.pending.dropped;
  }

  close(): void {
    this.closed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
  }

  private schedule(): void {
    if (this.scheduled || this.inFlight || this.retryTimer) return;
    this.scheduled = true;
    // setImmediate: records made in the same tick travel together.
    setImmediate(() => {
      this.scheduled = false;
      this.sendNext();
    });
  }

  private sendNext(): void {
    if (this.inFlight || this.retryTimer) return;
    let batch: IngestBatch;
    let attempt = 0;
    const seq = this.recordedSeq;
    if (this.retry) {
      ({ batch, attempt } = this.retry);
    } else {
      if (this.pending.empty) {
        this.ack(seq);
        return;
      }
      batch = { batchId: randomUUID(), executions: this.pending.take(this.opts.maxPointsPerBatch) };
    }
    this.inFlight = this.post(batch).then((outcome) => {
      this.inFlight = null;
      if (outcome === 'retry') {
        this.retry = { batch, attempt: attempt + 1 };
        const delay = Math.min(MAX_BACKOFF_MS, MIN_BACKOFF_MS * 2 ** attempt) * (0.75 + Math.random() / 2);
        this.retryTimer = setTimeout(() => {
          this.retryTimer = null;
          this.sendNext();
        }, delay);
        this.retryTimer.unref();
        return;
      }
      this.retry = null;
      if (this.pending.empty) this.ack(seq);
      else this.sendNext();
    });
  }

  private ack(seq: number): void {
    this.ackedSeq = Math.max(this.ackedSeq, seq);
    this.waiters = this.waiters.filter((w) => {
      if (w.seq > this.ackedSeq) return true;
      w.resolve();
      return false;
    });
  }

  private async post(batch: IngestBatch): Promise<'done' | 'retry'> {
    if (this.closed && this.retry) return 'done';
    try {
      const res = await fetch(`${this.opts.url}/api/ingest`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(this.opts.token && { authorization: `Bearer ${this.opts.token}` }) },
        body: JSON.stringify(batch),
      });
      const text = await res.text();
      if (res.ok) {
        if (this.warnedUnreachable) this.opts.warn(`plotline: reconnected to ${this.opts.url}`);
        this.warnedUnreachable = false;
        return 'done';
      }
      if (res.status >= 500 || res.status === 429) return this.unreachable(`HTTP ${res.status}`);
      let message = text;
      try { message = (JSON.parse(text) as { error?: string }).error ?? text; } catch { /* not JSON */ }
      this.opts.warn(`plotline: the server refused a batch (HTTP ${res.status}): ${message}. That batch is dropped.`);
      return 'done';
    } catch (err) {
      return this.unreachable((err as Error & { cause?: { code?: string } }).cause?.code ?? (err as Error).message);
    }
  }

  private unreachable(why: string): 'retry' {
    if (!this.warnedUnreachable) {
      this.warnedUnreachable = true;
      this.opts.warn(`plotline: cannot reach ${this.opts.url} (${why}); retrying in the background, buffering up to ${this.opts.maxBufferedPoints} points.`);
    }
    return 'retry';
  }
}
