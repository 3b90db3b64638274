import { randomUUID } from 'node:crypto';
import { BINARY_BATCH_TYPE, encodeBinaryBatch } from '../protocol/index.js';
import { postBytes } from './http-post.js';
import { DEFAULT_BATCH_LIMITS, PendingBatches, type BatchLimits } from './pending.js';
import { Spool } from './spool.js';

export interface SenderOptions {
  url: string;
  token: string | null;
  /** Points kept in memory; beyond this they are spilled to the spool (see `spool`). */
  maxBufferedPoints: number;
  /** Where batches wait on disk (its directory and bound), or null for none: then memory alone holds what waits. */
  spool: { dir: string; maxBytes: number } | null;
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

/** Why points were dropped (after `record()` accepted them). */
export interface DroppedPoints {
  /** The server was unreachable and memory and spool were full. */
  unreachable: number;
  /** The server refused the batch (4xx: bad input, wrong token). */
  refused: number;
  /** A spool file was damaged (a torn write, e.g. the disk filled up). */
  spoolDamaged: number;
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
 *
 * Beyond `maxBufferedPoints` in memory (a loop that never yields, so this cannot send; or an outage), batches are encoded
 * and spilled to the spool file (spool.ts), and sent from there, oldest first, before anything still in memory. Points are
 * dropped only while the server is unreachable and both are full; while it answers, memory grows instead.
 */
export class Sender {
  readonly pending: PendingBatches;
  /** The batch being posted, or awaiting its retry (`retry`). */
  private current: OutgoingBatch | null = null;
  private inFlight = false;
  /** The next batch, encoded while the one before it is on its way (only when a full batch waits: under load). */
  private prepared: OutgoingBatch | null = null;
  private scheduled = false;
  private attempt = 0;
  private retryTimer: NodeJS.Timeout | null = null;
  private recordedSeq = 0;
  private ackedSeq = 0;
  private waiters: Waiter[] = [];
  /** When the current outage started and when it was last told, while it lasts. */
  private outage: { since: number; toldAt: number; why: string } | null = null;
  private closed = false;
  private readonly refusalsWarned = new Set<string>();
  private readonly spareBodies: Uint8Array<ArrayBuffer>[] = [];
  /** Spools to send, oldest first: those recovered from exited processes, then this client's own (created at first spill). */
  private readonly spools: Spool[];
  private ownSpool: Spool | null = null;
  /** Why this client cannot spool at all (the file cannot be created or written), or null. */
  private spoolBroken: string | null = null;
  private readonly told = new Set<string>();
  /** Batches the server refused (4xx) and that were dropped. */
  refusedBatches = 0;
  readonly dropped: DroppedPoints = { unreachable: 0, refused: 0, spoolDamaged: 0 };

  constructor(private readonly opts: SenderOptions) {
    this.pending = new PendingBatches(opts.maxBufferedPoints, () => this.overflow());
    this.spools = opts.spool ? Spool.claimOrphans(opts.spool.dir) : [];
    if (this.spools.length > 0) {
      const points = this.spools.reduce((n, s) => n + s.points, 0);
      opts.warn(`plotline: sending ${points} points that an earlier process left unsent in ${this.spools.map((s) => s.path).join(', ')}.`);
      this.changed();
    }
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

  /** Points waiting (in memory or in a spool) or on their way. */
  get bufferedPoints(): number {
    const spooled = this.spools.reduce((n, s) => n + s.points, 0);
    const current = this.current && !this.current.spool ? this.current.points : 0;
    return this.pending.points + current + (this.prepared?.points ?? 0) + spooled;
  }

  get droppedPoints(): number {
    return this.dropped.unreachable + this.dropped.refused + this.dropped.spoolDamaged;
  }

  /** Points waiting in spool files. */
  get spooledPoints(): number {
    return this.spools.reduce((n, s) => n + s.points, 0);
  }

  /** This client's spool file, once it has one. */
  get spoolPath(): string | null {
    return this.ownSpool?.path ?? null;
  }

  /** Stops retrying; what is still unsent stays unsent (and in the spool, if it is there). */
  close(): void {
    this.closed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    for (const s of this.spools) s.close();
    this.spools.length = 0;
  }

  /**
   * The process is exiting (synchronously: no request can be made now): everything not yet acknowledged is written to the
   * spool, for the next client of this server to send. Returns the points kept, and those lost (no spool).
   */
  spillForExit(): { kept: number; lost: number; path: string | null } {
    if (this.idle && this.spools.every((s) => s.empty)) {
      for (const s of this.spools) s.close();
      return { kept: 0, lost: 0, path: null };
    }
    const spool = this.spool();
    if (spool) this.spill(spool, this.opts.spool!.maxBytes);
    const lost = this.pending.points + (this.prepared?.points ?? 0) + (this.current && !this.current.spool ? this.current.points : 0);
    const kept = this.spooledPoints;
    for (const s of this.spools) s.close();
    return { kept, lost, path: spool?.path ?? null };
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

  private get nothingWaits(): boolean {
    return !this.prepared && this.pending.empty && this.spools.every((s) => s.empty);
  }

  private async sendNext(): Promise<void> {
    while (!this.inFlight && !this.retryTimer && !this.closed) {
      const seq = this.recordedSeq;
      if (!this.current) {
        if (this.nothingWaits) {
          this.ack(seq);
          return;
        }
        this.current = this.nextBatch();
        this.attempt = 0;
        if (!this.current) continue;
      }
      const batch = this.current;
      this.inFlight = true;
      const outcome = await this.post(batch, () => this.prepareNext());
      this.inFlight = false;
      if (outcome === 'retry') {
        if (this.closed) return;
        this.retryTimer = setTimeout(() => {
          this.retryTimer = null;
          void this.sendNext();
        }, backoffMs(this.attempt++));
        this.refreshRetryRef();
        return;
      }
      this.current = null;
      if (batch.spool) batch.spool.ackHead();
      this.release(batch);
      if (this.nothingWaits) this.ack(seq);
    }
  }

  /** The oldest waiting batch: the first spool's first record, else the prepared batch, else one taken from memory. */
  private nextBatch(): OutgoingBatch | null {
    for (const spool of this.spools) {
      if (spool.empty) continue;
      const head = spool.readHead((bytes) => this.memory(bytes));
      if (head === null) continue;
      if ('lostPoints' in head) {
        this.dropped.spoolDamaged += head.lostPoints;
        this.opts.warn(`plotline: the spool file ${spool.path} is damaged (a write was cut short, e.g. a full disk); ${head.lostPoints} points in it are lost.`);
        return null;
      }
      return { body: head.body, points: head.points, spool };
    }
    this.dropEmptyRecovered();
    return this.takePrepared() ?? this.encodeNext();
  }

  /** Recovered spools that are fully delivered are deleted. */
  private dropEmptyRecovered(): void {
    for (let i = this.spools.length - 1; i >= 0; i--) {
      const s = this.spools[i]!;
      if (s.empty && s !== this.ownSpool) {
        s.close(true);
        this.spools.splice(i, 1);
      }
    }
  }

  /**
   * Called once a request is written: while the server works on it, the next batch is encoded, so that it can leave the
   * moment the answer comes. Only when a full batch waits in memory and no spool does: a live trickle still goes out as it
   * is recorded, and a spooled batch is already encoded.
   */
  private prepareNext(): void {
    const limits = this.opts.batchLimits ?? DEFAULT_BATCH_LIMITS;
    if (this.prepared || this.closed || this.pending.points < limits.points || this.spools.some((s) => !s.empty)) return;
    this.prepared = this.encodeNext();
  }

  private takePrepared(): OutgoingBatch | null {
    const batch = this.prepared;
    this.prepared = null;
    return batch;
  }

  /**
   * More points wait in memory than `maxBufferedPoints` (called from `record()`, so synchronously): spill them to the
   * spool. When it cannot take them, memory grows while the server answers (or has not been tried yet: a synchronous
   * loop), and the oldest points are dropped while it is unreachable.
   */
  private overflow(): void {
    const spool = this.spool();
    const full = spool ? this.spill(spool, this.opts.spool!.maxBytes) : null;
    if (this.pending.points <= this.opts.maxBufferedPoints) {
      this.pending.limit = this.opts.maxBufferedPoints;
      return;
    }
    const why = full ?? this.spoolBroken ?? 'spooling is off';
    if (!this.outage) {
      this.pending.limit = this.pending.points * 2;
      this.tellOnce('grow', `plotline: ${this.pending.points} points wait in memory because the program records without letting the SDK send (a loop that does not await), and they cannot be spooled (${why}); memory grows until the program yields. Nothing is dropped.`);
      return;
    }
    const before = this.pending.dropped;
    this.pending.limit = this.opts.maxBufferedPoints;
    this.pending.dropOldest();
    this.dropped.unreachable += this.pending.dropped - before;
    this.tellOnce('drop', `plotline: ${this.opts.url} has been unreachable (${this.outage.why}) for ${Math.round((Date.now() - this.outage.since) / 1000)} s and the points waiting for it fill memory (${this.opts.maxBufferedPoints} points) and the spool (${why}); dropping the oldest waiting points. Later drops are counted silently (client.droppedPoints).`);
  }

  /** This client's spool, created at first use; null when there is none or it cannot take more. */
  private spool(): Spool | null {
    if (!this.opts.spool || this.spoolBroken) return null;
    if (this.ownSpool) return this.ownSpool;
    try {
      this.ownSpool = Spool.create(this.opts.spool.dir);
      this.spools.push(this.ownSpool);
      return this.ownSpool;
    } catch (err) {
      this.spoolBroken = `cannot create a spool file in ${this.opts.spool.dir}: ${(err as Error).message}`;
      return null;
    }
  }

  /**
   * Writes what waits in memory to the spool, oldest first, while its unacknowledged bytes stay under `maxBytes`. The
   * batch on its way (or awaiting a retry) and the prepared one go first: they are older than what is still in memory.
   * Returns why not everything could be spilled, or null.
   */
  private spill(spool: Spool, maxBytes: number): string | null {
    let held: OutgoingBatch | null = null;
    try {
      if (this.current && !this.current.spool) {
        spool.append(this.current.body, this.current.points);
        this.current.spool = spool;
      }
      held = this.takePrepared();
      for (;;) {
        if (!held) {
          if (this.pending.empty) return null;
          held = this.encodeNext();
        }
        if (spool.unackedBytes + held.body.byteLength > maxBytes) {
          // Sent right after the spool's records, before what is still in memory: the order holds.
          this.prepared = held;
          return `the spool ${spool.path} holds its limit of ${maxBytes} bytes`;
        }
        spool.append(held.body, held.points);
        this.release(held);
        held = null;
      }
    } catch (err) {
      this.prepared = held;
      this.spoolBroken = `cannot write the spool ${spool.path}: ${(err as Error).message}`;
      return this.spoolBroken;
    }
  }

  private tellOnce(topic: string, message: string): void {
    if (this.told.has(topic)) return;
    this.told.add(topic);
    this.opts.warn(message);
  }

  /** Memory for a batch body: one done with (acknowledged or refused) if large enough, else new. */
  private memory(bytes: number): Uint8Array<ArrayBuffer> {
    let memory = this.spareBodies.pop();
    if (!memory || memory.byteLength < bytes) memory = new Uint8Array(Math.max(bytes, 2 * (memory?.byteLength ?? 0)));
    return memory.subarray(0, bytes);
  }

  /**
   * Takes and encodes the next batch into the memory of an earlier one that is done with (acknowledged or refused): fresh
   * memory for every batch costs page faults and garbage collection in proportion to the points sent.
   */
  private encodeNext(): OutgoingBatch {
    const executions = this.pending.take(this.opts.batchLimits ?? DEFAULT_BATCH_LIMITS);
    let points = 0;
    for (const u of executions) for (const p of u.points ?? []) points += p.x.length;
    const body = encodeBinaryBatch({ batchId: randomUUID(), executions }, (bytes) => this.memory(bytes));
    if (this.pending.empty) this.pending.limit = this.opts.maxBufferedPoints;
    return { body, points, spool: null };
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
      this.refused(res.status, errorMessage(text), batch.points);
      return 'done';
    } catch (err) {
      const e = err as Error & { code?: string; cause?: { code?: string } };
      return this.unreachable(e.code ?? e.cause?.code ?? e.message);
    }
  }

  /** A refused batch is dropped, not retried; each distinct refusal is told once (a wrong token must not warn per batch). */
  private refused(status: number, message: string, points: number): void {
    this.refusedBatches++;
    this.dropped.refused += points;
    const reason = `HTTP ${status}: ${message}`;
    if (this.refusalsWarned.has(reason) || this.refusalsWarned.size >= MAX_DISTINCT_REFUSALS) return;
    this.refusalsWarned.add(reason);
    this.opts.warn(`plotline: the server refused a batch (${reason}). That batch is dropped; the same refusal is not reported again.`);
  }

  /** Warns once per outage, then (while a program awaits delivery) a reminder of what still waits, so it does not look hung. */
  private unreachable(why: string): 'retry' {
    const now = Date.now();
    if (!this.outage) {
      this.outage = { since: now, toldAt: now, why };
      const where = this.opts.spool
        ? `up to ${this.opts.maxBufferedPoints} points in memory, then in a spool file under ${this.opts.spool.dir} (sent by the next connect() to this server if this process exits first)`
        : `up to ${this.opts.maxBufferedPoints} points in memory`;
      this.opts.warn(`plotline: cannot reach ${this.opts.url} (${why}); retrying in the background, keeping ${where}.`);
    } else {
      this.outage.why = why;
      if (this.waiters.some((w) => w.keepAlive) && now - this.outage.toldAt >= (this.opts.stillWaitingEveryMs ?? STILL_WAITING_EVERY_MS)) {
        this.outage.toldAt = now;
        const seconds = Math.round((now - this.outage.since) / 1000);
        this.opts.warn(`plotline: still waiting for ${this.opts.url} (${why}, unreachable for ${seconds} s) to acknowledge ${this.bufferedPoints} points; retrying.`);
      }
    }
    return 'retry';
  }
}

/** A batch ready to go, encoded once: a retry sends the same bytes, batch id included. */
interface OutgoingBatch {
  body: Uint8Array<ArrayBuffer>;
  points: number;
  /** The spool whose first unacknowledged record this batch is (acknowledged there once answered), or null. */
  spool: Spool | null;
}

function errorMessage(body: string): string {
  try {
    return (JSON.parse(body) as { error?: string }).error ?? body;
  } catch {
    return body;
  }
}
