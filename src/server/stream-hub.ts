import type { ServerResponse } from 'node:http';
import { randomBytes } from 'node:crypto';
import {
  formatEventId, jsonExact, marksOfItem, parseEventId, summaryPreview, timeAtX, wholeStepOf, type RecordTimes, type SeriesColumns, type StreamEvent,
} from '../protocol/index.js';
import { toWireEvent, type HubEvent } from './hub-event.js';
import { NO_BLOCK_HOLDER, type BlockHolder } from './body-pool.js';

export interface StreamHubOptions {
  /** Events kept for replay on reconnect. */
  ringEvents?: number;
  /**
   * Bytes of all kept events (their real size: copied columns, or the encoded frames); the oldest are forgotten first. This
   * is also the memory cap across followers: a follower is a position in the ring, so one that falls off its start is resynced.
   */
  ringBytes?: number;
  /** Bytes a connection may have queued in its socket; beyond it the connection waits for `drain` and catches up from the ring. */
  maxQueuedBytes?: number;
  /** Points in one `points` frame; a larger event is sent as several frames (parts), each with its own event id. */
  maxPointsPerFrame?: number;
  keepAliveMs?: number;
  /** Shared by every replica of one database (`StoreFeed.epoch`); default: new for this process. */
  epoch?: string;
  /** Sequence number of the last event before this hub's first (`StoreFeed.startSeq`); default 0. */
  startSeq?: number;
  /**
   * Told when the ring starts keeping views of a memory block (a binary request body, for its y columns) and when it
   * lets go (the event trimmed, or every part of it encoded), so that the block's owner can reuse it (body-pool.ts).
   */
  blocks?: BlockHolder;
}

interface Stored {
  seq: number;
  executionId: string | null;
  /** The event as published (a points event's columns as `retainable` keeps them). */
  event: HubEvent;
  /**
   * The event as sent, made when a connection first needs it (points nobody follows are never split): one part, or a large
   * points event split into parts of at most `maxPointsPerFrame` points; each part encoded once, when first sent, and
   * shared by every connection.
   */
  sent: { parts: HubEvent[]; frames: Array<Buffer | null> } | null;
  /** Real bytes held: the memory blocks behind its columns until every part is encoded, then its frames. */
  bytes: number;
  /** Bytes of the memory blocks behind its columns (see `retainable`), given back once every part is encoded. */
  columnBlockBytes: number;
  /** Still counted in the ring's bytes. */
  inRing: boolean;
  /** The memory blocks behind its columns that `blocks` was told the ring retains, until it lets go of them. */
  held: ArrayBufferLike[] | null;
}

interface Connection {
  res: ServerResponse;
  follow: Set<string>;
  /** Services whose intervals this connection follows. */
  services: Set<string>;
  /** Position: every event up to this seq was handled for this connection (sent, or not followed)… */
  lastSeq: number;
  /** …and this many parts of the next one were sent. */
  part: number;
  /** Its socket holds `maxQueuedBytes`: it catches up from the ring on `drain`. */
  waiting: boolean;
}

function executionIdOf(event: HubEvent): string | null {
  switch (event.type) {
    case 'definitions':
    case 'points':
    case 'summary':
    case 'rewind':
      return event.executionId;
    default:
      return null;
  }
}

function frame(event: StreamEvent, id: string | null): string {
  return `${id ? `id: ${id}\n` : ''}data: ${jsonExact(event)}\n\n`;
}

type PointsEvent = Extract<HubEvent, { type: 'points' }>;

/** The distinct memory blocks behind a points event's columns, and their bytes. */
function blocksOf(event: PointsEvent): { blocks: Set<ArrayBufferLike>; bytes: number } {
  const blocks = new Set<ArrayBufferLike>();
  let bytes = 0;
  for (const s of event.series) {
    for (const c of [s.x, s.y]) {
      if (blocks.has(c.buffer)) continue;
      blocks.add(c.buffer);
      bytes += c.buffer.byteLength;
    }
  }
  return { blocks, bytes };
}

const NO_X = new Float64Array(0);

/** x kept as `start + step · i` (whole numbers: exact), made again when the event is first sent (`withRegularX`). */
interface RegularX { start: number; step: number; n: number }
const regularXs = new WeakMap<SeriesColumns, RegularX>();

/** The event with the x that `retainable` kept as start and step made again (in one block), or the event itself. */
export function withRegularX(event: PointsEvent): PointsEvent {
  const kept = event.series.map((s) => regularXs.get(s));
  const total = kept.reduce((n, r) => n + (r?.n ?? 0), 0);
  if (!kept.some((r) => r !== undefined)) return event;
  const block = new Float64Array(total);
  let at = 0;
  return {
    ...event,
    series: event.series.map((s, i) => {
      const r = kept[i];
      if (!r) return s;
      const x = block.subarray(at, at + r.n);
      for (let j = 0; j < r.n; j++) x[j] = r.start + r.step * j;
      at += r.n;
      return { ...s, x };
    }),
  };
}

/**
 * The event as the replay ring may keep it, and the bytes of the memory it then holds. An x of whole numbers made from
 * start and step (a decoded binary batch's regular x, see `markWholeStep`) is kept as those two numbers: the ring holds no
 * view of the block it was decoded into, which the server reuses (x-blocks.ts). The other columns stay views (no copy,
 * nothing for the garbage collector) when they fill most of the blocks behind them, as those of a decoded binary body
 * do: the body is little but its columns. Otherwise (a body padded around a few points, or shared with other executions'
 * events) they are copied into one block of exactly their size, so that the ring never keeps a large body for a few points.
 */
export function retainable(published: PointsEvent): { event: PointsEvent; bytes: number } {
  let event = published;
  if (published.series.some((s) => s.x.length > 0 && wholeStepOf(s.x) !== undefined)) {
    event = {
      ...published,
      series: published.series.map((s) => {
        const step = s.x.length > 0 ? wholeStepOf(s.x) : undefined;
        if (step === undefined) return s;
        const kept = { ...s, x: NO_X };
        regularXs.set(kept, { start: s.x[0]!, step, n: s.x.length });
        return kept;
      }),
    };
  }
  const columns = event.series.reduce((n, s) => n + s.x.byteLength + s.y.byteLength, 0);
  const { bytes } = blocksOf(event);
  if (bytes <= columns * 1.25) return { event, bytes };
  const block = new Float64Array(columns / 8);
  let at = 0;
  const copy = (c: Float64Array) => {
    const view = block.subarray(at, at + c.length);
    view.set(c);
    at += c.length;
    return view;
  };
  return {
    event: {
      ...event,
      series: event.series.map((s) => {
        const copied = { ...s, x: copy(s.x), y: copy(s.y) };
        const r = regularXs.get(s);
        if (r) regularXs.set(copied, r);
        return copied;
      }),
    },
    bytes: block.byteLength,
  };
}

/** Splits a points event into events of at most `max` points; their columns are views of the event's. */
export function splitPoints(event: PointsEvent, max: number): PointsEvent[] {
  const out: PointsEvent[] = [];
  let series: SeriesColumns[] = [];
  let room = max;
  for (const s of event.series) {
    for (let at = 0; at < s.x.length;) {
      const n = Math.min(room, s.x.length - at);
      series.push(at === 0 && n === s.x.length ? s : { key: s.key, x: s.x.subarray(at, at + n), y: s.y.subarray(at, at + n), ...partTimes(s, at, n) });
      at += n;
      room -= n;
      if (room === 0) {
        out.push({ ...event, series });
        series = [];
        room = max;
      }
    }
  }
  if (series.length > 0 || out.length === 0) out.push({ ...event, series });
  return out;
}

/** The record times of points [at, at + n) of an item with times: interpolated between the item's marks. */
function partTimes(s: SeriesColumns, at: number, n: number): { t?: RecordTimes } {
  const marks = marksOfItem(s.x, s.t);
  if (!marks) return {};
  if (at === 0 && n === s.x.length) return { t: s.t! };
  return { t: [timeAtX(marks, s.x[at]!), timeAtX(marks, s.x[at + n - 1]!)] };
}

/**
 * Fans stream events out to SSE connections. Every event gets a sequence number within this server's epoch; a bounded ring of
 * recent events lets a reconnecting client resume exactly after its Last-Event-ID. A client that cannot be resumed (new epoch
 * after a restart, or older than the ring) is sent `resync` and refetches history instead.
 *
 * Memory: each event is encoded once into Buffers that all followers share (a socket queues a reference, not a copy). A
 * connection is a position in the ring: it is sent events while its socket holds less than `maxQueuedBytes` and catches up
 * on `drain`, so a paused follower holds nothing but its position; the ring's byte cap bounds the memory of all followers
 * together, and the slowest, whose position falls off the ring, are resynced first. A large points event is sent in parts
 * of at most `maxPointsPerFrame` points, each with an id `<epoch>:<seq - 1>+<parts sent>` (the last part has the event's own
 * id), so a client resumes inside an event too. Publishing never waits for a follower: frames are written after the
 * publisher's turn.
 */
export class StreamHub {
  readonly epoch: string;
  private seq: number;
  private ring: Stored[] = [];
  private ringStart: number;
  private ringBytes = 0;
  private flushScheduled = false;
  private readonly connections = new Set<Connection>();
  private readonly opts: Required<StreamHubOptions>;
  private readonly keepAlive: NodeJS.Timeout;

  constructor(opts: StreamHubOptions = {}) {
    this.opts = {
      ringEvents: 20_000, ringBytes: 64 * 1024 * 1024, maxQueuedBytes: 1024 * 1024, maxPointsPerFrame: 20_000, keepAliveMs: 15_000,
      epoch: `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`, startSeq: 0, blocks: NO_BLOCK_HOLDER, ...opts,
    };
    this.epoch = this.opts.epoch;
    this.seq = this.opts.startSeq;
    this.ringStart = this.seq + 1;
    this.keepAlive = setInterval(() => {
      for (const c of this.connections) if (!c.waiting) c.res.write(': keep-alive\n\n');
    }, this.opts.keepAliveMs);
    this.keepAlive.unref();
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  /** The sequence number of the last event published (it moves with every committed batch). */
  get lastSeq(): number {
    return this.seq;
  }

  /** Bytes the ring holds (real sizes), for tests and the benchmark. */
  get retainedBytes(): number {
    return this.ringBytes;
  }

  /**
   * Bytes of the memory blocks behind what the ring holds (each unencoded column's whole ArrayBuffer, each frame): equal to
   * the real size when nothing keeps a view into a larger block such as a request body.
   */
  get retainedBlockBytes(): number {
    const blocks = new Set<ArrayBufferLike>();
    let sum = 0;
    for (const s of this.ring) {
      if (!s.sent) {
        if (s.event.type === 'points') for (const b of blocksOf(s.event).blocks) blocks.add(b);
        continue;
      }
      const { frames } = s.sent;
      s.sent.parts.forEach((p, i) => {
        const f = frames[i];
        if (f) sum += f.length;
        else if (p.type === 'points') for (const b of blocksOf(p).blocks) blocks.add(b);
      });
    }
    for (const b of blocks) sum += b.byteLength;
    return sum;
  }

  /** Bytes queued in all connections' sockets (a shared frame counted once per connection that queued it). */
  get queuedBytes(): number {
    let sum = 0;
    for (const c of this.connections) sum += c.res.writableLength;
    return sum;
  }

  /**
   * Streams an event. `seq` is given when a store feed numbers events (then it is always the next one). An `execution` event
   * goes to every connection, so it carries only its summary's preview.
   */
  publish(event: HubEvent, seq = this.seq + 1): void {
    this.seq = seq;
    if (event.type === 'execution') event = { ...event, execution: { ...event.execution, summary: summaryPreview(event.execution.summary) } };
    let columnBlockBytes = 0;
    if (event.type === 'points') ({ event, bytes: columnBlockBytes } = retainable(event));
    let held: ArrayBufferLike[] | null = null;
    if (event.type === 'points') {
      held = [...blocksOf(event).blocks];
      for (const b of held) this.opts.blocks.retain(b);
    }
    const stored: Stored = { seq, executionId: executionIdOf(event), event, sent: null, bytes: columnBlockBytes, columnBlockBytes, inRing: false, held };
    if (event.type !== 'points') this.encode(stored, 0);
    this.remember(stored);
    if (this.connections.size > 0 && !this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    }
  }

  /**
   * Streams a snapshot that needs no replay (service-list entries, service intervals): not numbered, not kept, sent
   * without an event id, so it never moves a client's Last-Event-ID nor the numbering a store feed gives other events.
   * A `serviceInterval` goes only to connections following its service; a connection waiting for its socket skips it
   * (the next snapshot replaces it).
   */
  publishState(event: Extract<StreamEvent, { type: 'service' | 'serviceInterval' }>): void {
    const text = Buffer.from(frame(event, null));
    const service = event.type === 'serviceInterval' ? event.interval.service : null;
    for (const c of this.connections) {
      if (c.waiting || (service !== null && !c.services.has(service))) continue;
      c.res.write(text);
      if (c.res.writableLength >= this.opts.maxQueuedBytes) c.waiting = true;
    }
  }

  /** Whether any connection follows this service's intervals. */
  followsService(name: string): boolean {
    for (const c of this.connections) if (c.services.has(name)) return true;
    return false;
  }

  /** Attaches an SSE response. `lastEventId` comes from the `Last-Event-ID` header (or the `since` query parameter). */
  attach(res: ServerResponse, follow: string[], lastEventId: string | null, services: string[] = []): void {
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    res.socket?.setNoDelay(true);
    const conn: Connection = { res, follow: new Set(follow), services: new Set(services), lastSeq: this.seq, part: 0, waiting: false };
    const current = formatEventId(this.epoch, this.seq);
    const last = parseEventId(lastEventId);
    const hello: StreamEvent = { type: 'hello', epoch: this.epoch, follow };
    res.write('retry: 1000\n\n');
    if (!last) {
      res.write(frame(hello, current));
    } else if (last.epoch === this.epoch && last.seq >= this.ringStart - 1) {
      // No id on this hello: the client's Last-Event-ID must stay where it was until replayed events move it. A client that
      // resumes from a replica a little ahead of this one (last.seq > this.seq) streams on after that event.
      res.write(frame(hello, null));
      conn.lastSeq = last.seq;
      conn.part = last.part;
    } else {
      res.write(frame(hello, null));
      const reason = last.epoch === this.epoch ? 'too far behind to replay' : 'the server restarted';
      res.write(frame({ type: 'resync', reason }, current));
    }
    this.connections.add(conn);
    const detach = () => this.connections.delete(conn);
    res.on('close', detach);
    res.on('error', detach);
    res.on('drain', () => {
      conn.waiting = false;
      this.pump(conn);
    });
    this.pump(conn);
  }

  close(): void {
    clearInterval(this.keepAlive);
    for (const c of this.connections) c.res.end();
    this.connections.clear();
  }

  private flush(): void {
    this.flushScheduled = false;
    for (const c of this.connections) this.pump(c);
  }

  /** Sends a connection what it has not had yet, from the ring, until its socket is full; resync when its position is gone. */
  private pump(c: Connection): void {
    while (!c.waiting && c.lastSeq < this.seq && !c.res.destroyed) {
      if (c.lastSeq + 1 < this.ringStart) {
        c.lastSeq = this.seq;
        c.part = 0;
        c.res.write(frame({ type: 'resync', reason: 'the client fell behind the stream' }, formatEventId(this.epoch, this.seq)));
        return;
      }
      const stored = this.ring[c.lastSeq + 1 - this.ringStart]!;
      if (stored.executionId !== null && !c.follow.has(stored.executionId)) {
        c.lastSeq = stored.seq;
        c.part = 0;
        continue;
      }
      const { parts } = this.sentOf(stored);
      if (c.part < parts.length) c.res.write(this.encode(stored, c.part));
      c.part++;
      if (c.part >= parts.length) {
        c.lastSeq = stored.seq;
        c.part = 0;
      }
      if (c.res.writableLength >= this.opts.maxQueuedBytes) c.waiting = true;
    }
  }

  private sentOf(stored: Stored): NonNullable<Stored['sent']> {
    if (!stored.sent) {
      const e = stored.event;
      let parts: HubEvent[] = [e];
      if (e.type === 'points') {
        const full = withRegularX(e);
        // The x made again is held until every part is encoded: counted as the columns' blocks are.
        const made = full === e ? 0 : full.series.reduce((n, s, i) => n + (s.x === e.series[i]!.x ? 0 : s.x.byteLength), 0);
        stored.columnBlockBytes += made;
        stored.bytes += made;
        if (stored.inRing) this.ringBytes += made;
        parts = splitPoints(full, this.opts.maxPointsPerFrame);
      }
      stored.sent = { parts, frames: parts.map(() => null) };
    }
    return stored.sent;
  }

  private encode(stored: Stored, part: number): Buffer {
    const { parts, frames } = this.sentOf(stored);
    let f = frames[part];
    if (!f) {
      const last = part === parts.length - 1;
      const id = last ? formatEventId(this.epoch, stored.seq) : `${formatEventId(this.epoch, stored.seq - 1)}+${part + 1}`;
      const p = parts[part]!;
      f = Buffer.from(frame(toWireEvent(p), id));
      frames[part] = f;
      let delta = f.length;
      // The columns are no longer needed once encoded; their blocks (shared by the parts) go with the last part.
      if (p.type === 'points') {
        parts[part] = { ...p, series: [] };
        if (frames.every((g) => g !== null)) {
          delta -= stored.columnBlockBytes;
          // Every part is encoded: the published event's columns are not needed either.
          stored.event = { ...stored.event, series: [] } as HubEvent;
          this.letGo(stored);
        }
      }
      stored.bytes += delta;
      if (stored.inRing) this.ringBytes += delta;
    }
    return f;
  }

  /** The ring keeps no view of the blocks behind `stored`'s columns any more: their owner may reuse them. */
  private letGo(stored: Stored): void {
    if (!stored.held) return;
    for (const b of stored.held) this.opts.blocks.release(b);
    stored.held = null;
  }

  private remember(stored: Stored): void {
    if (this.ring.length === 0) this.ringStart = stored.seq;
    this.ring.push(stored);
    stored.inRing = true;
    this.ringBytes += stored.bytes;
    // Trim in bulk, with some slack, so trimming stays amortised O(1) per event.
    if (this.ring.length <= this.opts.ringEvents + 1024 && this.ringBytes <= this.opts.ringBytes) return;
    let drop = 0;
    while (this.ring.length - drop > 1 && (this.ring.length - drop > this.opts.ringEvents || this.ringBytes > this.opts.ringBytes * 0.9)) {
      this.ringBytes -= this.ring[drop]!.bytes;
      this.ring[drop]!.inRing = false;
      this.letGo(this.ring[drop]!);
      drop++;
    }
    this.ring = this.ring.slice(drop);
    this.ringStart += drop;
  }
}
