import { randomUUID } from 'node:crypto';
import { BINARY_BATCH_TYPE, encodeBinaryBatch } from '../protocol/index.js';
import { postBytes } from './http-post.js';
import { DEFAULT_BATCH_LIMITS, PendingBatches, type BatchLimits } from './pending.js';

export interface SenderOptions {
  url: string;
  token: string | null;
  /** Points waiting while the server is unreachable; beyond this the oldest are dropped (counted, one warning). */
  maxBufferedPoints: number;
  batchLimits?: BatchLimits;
  warn: (message: string) => void;
  /** While someone awaits delivery and the server stays unreachable, a reminder is warned this often (default 30 s). */
  stillWaitingEveryMs?: number;
}

const MIN_BACKOFF_MS = 100;
const MAX_BACKOFF_MS = 5_000;
const MAX_DISTINCT_REFUSALS = 100;
const STILL_WAITING_EVERY_MS = 30_000;
/** Body memory kept between batches: enough for the largest batch of the default limits. */
const MAX_KEPT_BODY_BYTES = 8 * 1024 * 1024;
/** A request unanswered this long is retried (same batch id, so it is stored once even if the first one lands). */
const REQUEST_TIMEOUT_MS = 60_000;

/** Exponential backoff with ±25% jitter, so many clients do not retry in lockstep. */
export function backoffMs(attempt: number, random = Math.random()): number {
  return Math.min(MAX_BACKOFF_MS, MIN_BACKOFF_MS * 2 ** attempt) * (0.75 + random / 2);
}

interface Waiter {
  seq: number;
  keepAlive: boolean;
  resolve: () => void;
}

/**
 * Sends pending batches in the background, one request at a time (so batches arrive in order). Idle → sends at once
 * (live latency stays low); busy → what is recorded meanwhile goes in the next batch. A failed request (network error,
 * 5xx, 429) is retried with the same batch id, which the server stores once; a refused one (4xx) is dropped with a warning.
 * `record()` never waits on any of this.
 */
export class Sender {
  readonly pending: PendingBatches;
  private inFlight = false;
  /** Points of the batch in flight or awaiting retry. */
  private sendingPoints = 0;
  /** The next batch, encoded while the one before it is on its way (only when a full batch waits: under load). */
  private prepared: OutgoingBatch | null = null;
  private scheduled = false;
  private retry: { batch: OutgoingBatch; attempt: number } | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private recordedSeq = 0;
  private ackedSeq = 0;
  private waiters: Waiter[] = [];
  /** When the current outage started and when it was last told, while it lasts. */
  private outage: { since: number; toldAt: number } | null = null;
  private closed = false;
  private readonly refusalsWarned = new Set<string>();
  private readonly spareBodies: Uint8Array<ArrayBuffer>[] = [];
  /** Batches the server refused (4xx) and that were dropped. */
  refusedBatches = 0;

  constructor(private readonly opts: SenderOptions) {
    this.pending = new PendingBatches(opts.maxBufferedPoints, () => opts.warn(`plotline: the server at ${opts.url} is not keeping up or unreachable; dropping the oldest buffered points (more than ${opts.maxBufferedPoints} waiting). Later drops are counted silently (client.droppedPoints).`));
  }

  /**
   * Call after every change to `pending`. Kept tiny, like everything on the per-record path: V8 inlines `record()` into
   * the caller's loop only while the whole path fits its inlining budget, and only then is `{ at }` not allocated.
   */
  changed(): void {
    this.recordedSeq++;
    this.schedule();
  }

  /**
   * Resolves when everything recorded before the call is acknowledged (or refused) by the server. While it waits, retries
   * keep the process alive unless `keepAlive` is false.
   */
  flush({ keepAlive = true }: { keepAlive?: boolean } = {}): Promise<void> {
    const seq = this.recordedSeq;
    if (this.ackedSeq >= seq) return Promise.resolve();
    const done = new Promise<void>((resolve) => this.waiters.push({ seq, keepAlive, resolve }));
    this.refreshRetryRef();
    this.schedule();
    return done;
  }

  /** True when everything recorded is acknowledged. */
  get idle(): boolean {
    return this.ackedSeq >= this.recordedSeq;
  }

  /** Points waiting or on their way (a batch in flight or awaiting retry). */
  get bufferedPoints(): number {
    return this.pending.points + this.sendingPoints + (this.prepared?.points ?? 0);
  }

  get droppedPoints(): number {
    return this.pending.dropped;
  }

  /** Stops retrying; what is still unsent stays unsent. */
  close(): void {
    this.closed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
  }

  /** Called per record: no closure here, or every call would allocate the context for it. */
  private schedule(): void {
    if (this.scheduled || this.inFlight || this.retryTimer || this.closed) return;
    this.scheduled = true;
    // setImmediate: records made in the same tick travel together.
    setImmediate(this.sendScheduled);
  }

  private readonly sendScheduled = (): void => {
    this.scheduled = false;
    void this.sendNext();
  };

  private async sendNext(): Promise<void> {
    while (!this.inFlight && !this.retryTimer && !this.closed) {
      const seq = this.recordedSeq;
      if (!this.retry && !this.prepared && this.pending.empty) {
        this.ack(seq);
        return;
      }
      const { batch, attempt } = this.retry ?? { batch: this.takePrepared() ?? this.encodeNext(), attempt: 0 };
      this.inFlight = true;
      this.sendingPoints = batch.points;
      const outcome = await this.post(batch, () => this.prepareNext());
      this.inFlight = false;
      if (outcome === 'retry') {
        this.retry = { batch, attempt: attempt + 1 };
        if (this.closed) return;
        this.retryTimer = setTimeout(() => {
          this.retryTimer = null;
          void this.sendNext();
        }, backoffMs(attempt));
        this.refreshRetryRef();
        return;
      }
      this.retry = null;
      this.sendingPoints = 0;
      this.release(batch);
      if (!this.prepared && this.pending.empty) this.ack(seq);
    }
  }

  /**
   * Called once a request is written: while the server works on it, the next batch is encoded, so that it can leave the
   * moment the answer comes. Only when a full batch waits: a live trickle still goes out as it is recorded.
   */
  private prepareNext(): void {
    const limits = this.opts.batchLimits ?? DEFAULT_BATCH_LIMITS;
    if (this.prepared || this.closed || this.pending.points < limits.points) return;
    this.prepared = this.encodeNext();
  }

  private takePrepared(): OutgoingBatch | null {
    const batch = this.prepared;
    this.prepared = null;
    return batch;
  }

  /**
   * Takes and encodes the next batch into the memory of an earlier one that is done with (acknowledged or refused): fresh
   * memory for every batch costs page faults and garbage collection in proportion to the points sent.
   */
  private encodeNext(): OutgoingBatch {
    const executions = this.pending.take(this.opts.batchLimits ?? DEFAULT_BATCH_LIMITS);
    let points = 0;
    for (const u of executions) for (const p of u.points ?? []) points += p.x.length;
    let memory = this.spareBodies.pop();
    const body = encodeBinaryBatch({ batchId: randomUUID(), executions }, (bytes) => {
      if (!memory || memory.byteLength < bytes) memory = new Uint8Array(Math.max(bytes, 2 * (memory?.byteLength ?? 0)));
      return memory.subarray(0, bytes);
    });
    return { body, points };
  }

  /** Keeps the memory of a batch that is done with, for the next ones (one in flight, one prepared). */
  private release(batch: OutgoingBatch): void {
    const memory = new Uint8Array(batch.body.buffer);
    if (memory.byteLength <= MAX_KEPT_BODY_BYTES && this.spareBodies.length < 2) this.spareBodies.push(memory);
  }

  /** A retry keeps the process alive only while someone awaits delivery. */
  private refreshRetryRef(): void {
    if (!this.retryTimer) return;
    if (this.waiters.some((w) => w.keepAlive)) this.retryTimer.ref();
    else this.retryTimer.unref();
  }

  private ack(seq: number): void {
    this.ackedSeq = Math.max(this.ackedSeq, seq);
    this.waiters = this.waiters.filter((w) => {
      if (w.seq > this.ackedSeq) return true;
      w.resolve();
      return false;
    });
  }

  private async post(batch: OutgoingBatch, written: () => void): Promise<'done' | 'retry'> {
    try {
      const headers = { 'content-type': BINARY_BATCH_TYPE, ...(this.opts.token && { authorization: `Bearer ${this.opts.token}` }) };
      const res = await postBytes(`${this.opts.url}/api/ingest`, headers, batch.body, REQUEST_TIMEOUT_MS, written);
      const text = res.text;
      if (res.status >= 200 && res.status < 300) {
        if (this.outage) this.opts.warn(`plotline: reconnected to ${this.opts.url}`);
        this.outage = null;
        return 'done';
      }
      if (res.status >= 500 || res.status === 429) return this.unreachable(`HTTP ${res.status}`);
      this.refused(res.status, errorMessage(text));
      return 'done';
    } catch (err) {
      const e = err as Error & { code?: string; cause?: { code?: string } };
      return this.unreachable(e.code ?? e.cause?.code ?? e.message);
    }
  }

  /** A refused batch is dropped, not retried; each distinct refusal is told once (a wrong token must not warn per batch). */
  private refused(status: number, message: string): void {
    this.refusedBatches++;
    const reason = `HTTP ${status}: ${message}`;
    if (this.refusalsWarned.has(reason) || this.refusalsWarned.size >= MAX_DISTINCT_REFUSALS) return;
    this.refusalsWarned.add(reason);
    this.opts.warn(`plotline: the server refused a batch (${reason}). That batch is dropped; the same refusal is not reported again.`);
  }

  /** Warns once per outage, then (while a program awaits delivery) a reminder of what still waits, so it does not look hung. */
  private unreachable(why: string): 'retry' {
    const now = Date.now();
    if (!this.outage) {
      this.outage = { since: now, toldAt: now };
      this.opts.warn(`plotline: cannot reach ${this.opts.url} (${why}); retrying in the background, buffering up to ${this.opts.maxBufferedPoints} points.`);
    } else if (this.waiters.some((w) => w.keepAlive) && now - this.outage.toldAt >= (this.opts.stillWaitingEveryMs ?? STILL_WAITING_EVERY_MS)) {
      this.outage.toldAt = now;
      const seconds = Math.round((now - this.outage.since) / 1000);
      this.opts.warn(`plotline: still waiting for ${this.opts.url} (${why}, unreachable for ${seconds} s) to acknowledge ${this.bufferedPoints} points; retrying.`);
    }
    return 'retry';
  }
}

/** A batch ready to go, encoded once: a retry sends the same bytes, batch id included. */
interface OutgoingBatch {
  body: Uint8Array<ArrayBuffer>;
  points: number;
}

function errorMessage(body: string): string {
  try {
    return (JSON.parse(body) as { error?: string }).error ?? body;
  } catch {
    return body;
  }
}
