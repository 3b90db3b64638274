import type { ServerResponse } from 'node:http';
import { randomBytes } from 'node:crypto';
import { formatEventId, parseEventId, type StreamEvent } from '../protocol/index.js';
import { estimatedFrameBytes, toWireEvent, type HubEvent } from './hub-event.js';

export interface StreamHubOptions {
  /** Events kept for replay on reconnect. */
  ringEvents?: number;
  /** Bytes of all kept events; the oldest are forgotten first. */
  ringBytes?: number;
  /** Bytes a connection may have queued in its socket before it is told to resync instead. */
  maxQueuedBytes?: number;
  keepAliveMs?: number;
  /** Shared by every replica of one database (`StoreFeed.epoch`); default: new for this process. */
  epoch?: string;
  /** Sequence number of the last event before this hub's first (`StoreFeed.startSeq`); default 0. */
  startSeq?: number;
}

interface Stored {
  seq: number;
  executionId: string | null;
  /** Built when first sent: points nobody follows are never turned into JSON. */
  frame: string | null;
  /** Until then, the event itself. */
  event: HubEvent | null;
  bytes: number;
}

interface Connection {
  res: ServerResponse;
  follow: Set<string>;
  /** Services whose intervals this connection follows. */
  services: Set<string>;
  /** The socket was too far behind: events are skipped until it drains, then it gets a `resync`. */
  lagging: boolean;
  /** Events up to this seq were seen elsewhere (a client resuming from a replica that was ahead of this one). */
  after: number;
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
  return `${id ? `id: ${id}\n` : ''}data: ${JSON.stringify(event)}\n\n`;
}

/**
 * Fans stream events out to SSE connections. Every event gets a sequence number within this server's epoch; a bounded ring of
 * recent events lets a reconnecting client resume exactly after its Last-Event-ID. A client that cannot be resumed (new epoch
 * after a restart, or older than the ring) or whose socket backs up is sent `resync` and refetches history instead.
 */
export class StreamHub {
  readonly epoch: string;
  private seq: number;
  private ring: Stored[] = [];
  private ringStart: number;
  private ringBytes = 0;
  private readonly connections = new Set<Connection>();
  private readonly opts: Required<StreamHubOptions>;
  private readonly keepAlive: NodeJS.Timeout;

  constructor(opts: StreamHubOptions = {}) {
    this.opts = {
      ringEvents: 20_000, ringBytes: 16 * 1024 * 1024, maxQueuedBytes: 8 * 1024 * 1024, keepAliveMs: 15_000,
      epoch: `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`, startSeq: 0, ...opts,
    };
    this.epoch = this.opts.epoch;
    this.seq = this.opts.startSeq;
    this.ringStart = this.seq + 1;
    this.keepAlive = setInterval(() => {
      for (const c of this.connections) if (!c.lagging) c.res.write(': keep-alive\n\n');
    }, this.opts.keepAliveMs);
    this.keepAlive.unref();
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  /** Streams an event. `seq` is given when a store feed numbers events (then it is always the next one). */
  publish(event: HubEvent, seq = this.seq + 1): void {
    this.seq = seq;
    const stored: Stored = { seq, executionId: executionIdOf(event), frame: null, event, bytes: 0 };
    if (event.type === 'points') stored.bytes = estimatedFrameBytes(event);
    else stored.bytes = this.frameOf(stored).length;
    this.remember(stored);
    for (const c of this.connections) this.deliver(c, stored);
  }

  /**
   * Streams a snapshot that needs no replay (service-list entries, service intervals): not numbered, not kept, sent
   * without an event id, so it never moves a client's Last-Event-ID nor the numbering a store feed gives other events.
   * A `serviceInterval` goes only to connections following its service.
   */
  publishState(event: Extract<StreamEvent, { type: 'service' | 'serviceInterval' }>): void {
    const text = frame(event, null);
    const service = event.type === 'serviceInterval' ? event.interval.service : null;
    for (const c of this.connections) {
      if (c.lagging || (service !== null && !c.services.has(service))) continue;
      c.res.write(text);
      if (c.res.writableLength > this.opts.maxQueuedBytes) c.lagging = true;
    }
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
    const conn: Connection = { res, follow: new Set(follow), services: new Set(services), lagging: false, after: 0 };
    const current = formatEventId(this.epoch, this.seq);
    const last = parseEventId(lastEventId);
    const hello: StreamEvent = { type: 'hello', epoch: this.epoch, follow };
    res.write('retry: 1000\n\n');
    if (!last) {
      res.write(frame(hello, current));
    } else if (last.epoch === this.epoch && last.seq >= this.ringStart - 1 && last.seq <= this.seq) {
      // No id on this hello: the client's Last-Event-ID must stay where it was until replayed events move it.
      res.write(frame(hello, null));
      for (let i = Math.max(0, last.seq + 1 - this.ringStart); i < this.ring.length; i++) this.deliver(conn, this.ring[i]!);
    } else if (last.epoch === this.epoch && last.seq > this.seq) {
      // Resumed from another replica of the same database that is a little ahead: this one streams on after that event.
      res.write(frame(hello, null));
      conn.after = last.seq;
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
      if (!conn.lagging) return;
      conn.lagging = false;
      res.write(frame({ type: 'resync', reason: 'the client fell behind the stream' }, formatEventId(this.epoch, this.seq)));
    });
  }

  /** Whether any connection follows this service's intervals. */
  followsService(name: string): boolean {
    for (const c of this.connections) if (c.services.has(name)) return true;
    return false;
  }

  close(): void {
    clearInterval(this.keepAlive);
    for (const c of this.connections) c.res.end();
    this.connections.clear();
  }

  private deliver(c: Connection, stored: Stored): void {
    if (c.lagging || stored.seq <= c.after) return;
    if (stored.executionId !== null && !c.follow.has(stored.executionId)) return;
    c.res.write(this.frameOf(stored));
    if (c.res.writableLength > this.opts.maxQueuedBytes) c.lagging = true;
  }

  private frameOf(stored: Stored): string {
    if (stored.frame === null) {
      stored.frame = frame(toWireEvent(stored.event!), formatEventId(this.epoch, stored.seq));
      stored.event = null;
    }
    return stored.frame;
  }

  private remember(stored: Stored): void {
    if (this.ring.length === 0) this.ringStart = stored.seq;
    this.ring.push(stored);
    this.ringBytes += stored.bytes;
    // Trim in bulk, with some slack, so trimming stays amortised O(1) per event.
    if (this.ring.length <= this.opts.ringEvents + 1024 && this.ringBytes <= this.opts.ringBytes) return;
    let drop = 0;
    while (this.ring.length - drop > 1 && (this.ring.length - drop > this.opts.ringEvents || this.ringBytes > this.opts.ringBytes * 0.9)) {
      this.ringBytes -= this.ring[drop]!.bytes;
      drop++;
    }
    this.ring = this.ring.slice(drop);
    this.ringStart += drop;
  }
}
