import type { StreamEvent } from '../../protocol/index.js';
import type { Clock } from './clock.js';

export type ConnectionState = 'connecting' | 'live' | 'reconnecting' | 'offline';

/** The part of the browser's EventSource the live layer uses; tests pass a fake. `readyState` 2 is CLOSED. */
export interface EventSourceLike {
  readonly readyState: number;
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((msg: { data: string; lastEventId: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  close(): void;
}

/** Opens an SSE stream at `url` (in the browser: `new EventSource(url)`). */
export type OpenEventSource = (url: string) => EventSourceLike;

export interface ConnectionHandlers {
  /** `fresh` is true for the hello of a connection that did not resume from a Last-Event-ID: all history must be (re)loaded. */
  onEvent(event: StreamEvent, fresh: boolean): void;
  onState(state: ConnectionState): void;
}

const EVENT_SOURCE_CLOSED = 2;
/** How long failed reconnects may go on before the state reads "Offline" rather than "Reconnecting…". */
const OFFLINE_AFTER_MS = 8000;
const MAX_BACKOFF_MS = 10_000;

/**
 * The tab's one live stream: an EventSource on `/api/stream?follow=<ids>`. EventSource reconnects by itself and sends
 * Last-Event-ID, so the server replays what was missed; when the browser gives up (the connection was refused with an
 * error status) it is reopened here with `since=<last id>` so the resume still works. A new follow set reopens the stream
 * resuming from the last event seen, so executions already held keep their data and only the added ones load history.
 */
export class StreamConnection {
  private source: EventSourceLike | null = null;
  private followIds: string[] = [];
  private serviceNames: string[] = [];
  private lastEventId: string | null = null;
  private fresh = true;
  private state: ConnectionState = 'connecting';
  private failingSince: number | null = null;
  private retryTimer: unknown = null;
  private offlineTimer: unknown = null;
  private backoff = 500;

  constructor(
    private readonly handlers: ConnectionHandlers,
    private readonly openSource: OpenEventSource,
    private readonly clock: Clock,
    private readonly base = '/api/stream',
  ) {}

  /**
   * Follows these executions (their definitions, points and summary) and these services (their live intervals); list
   * updates come regardless. Opens the stream on first call.
   */
  follow(ids: readonly string[], services: readonly string[] = []): void {
    const next = [...ids].sort();
    const nextServices = [...services].sort();
    if (this.source && next.join('\n') === this.followIds.join('\n') && nextServices.join('\n') === this.serviceNames.join('\n')) return;
    this.followIds = next;
    this.serviceNames = nextServices;
    this.open(this.lastEventId);
  }

  close(): void {
    this.clearTimers();
    this.source?.close();
    this.source = null;
  }

  private open(since: string | null): void {
    this.clearTimers();
    this.source?.close();
    const p = new URLSearchParams();
    p.set('follow', this.followIds.join(','));
    if (this.serviceNames.length > 0) p.set('services', this.serviceNames.join(','));
    if (since) p.set('since', since);
    this.fresh = since === null;
    const source = this.openSource(`${this.base}?${p}`);
    this.source = source;
    source.onopen = () => {
      this.failingSince = null;
      this.backoff = 500;
      this.setState('live');
    };
    source.onmessage = (msg) => {
      if (msg.lastEventId) this.lastEventId = msg.lastEventId;
      let event: StreamEvent;
      try {
        event = JSON.parse(msg.data) as StreamEvent;
      } catch {
        return;
      }
      const fresh = event.type === 'hello' && this.fresh;
      if (event.type === 'hello') this.fresh = false;
      this.handlers.onEvent(event, fresh);
    };
    source.onerror = () => {
      if (this.source !== source) return;
      const now = this.clock.now();
      this.failingSince ??= now;
      if (source.readyState === EVENT_SOURCE_CLOSED) {
        // The browser gave up (e.g. an error status while the server restarts): retry ourselves, resuming where we were.
        this.retryTimer = this.clock.setTimeout(() => this.open(this.lastEventId), this.backoff);
        this.backoff = Math.min(MAX_BACKOFF_MS, this.backoff * 2);
      }
      this.setState(now - this.failingSince > OFFLINE_AFTER_MS ? 'offline' : 'reconnecting');
      this.offlineTimer ??= this.clock.setTimeout(() => {
        this.offlineTimer = null;
        if (this.state === 'reconnecting') this.setState('offline');
      }, OFFLINE_AFTER_MS);
    };
  }

  private setState(state: ConnectionState): void {
    if (state === this.state) return;
    this.state = state;
    this.handlers.onState(state);
  }

  private clearTimers(): void {
    if (this.retryTimer !== null) this.clock.clearTimeout(this.retryTimer);
    if (this.offlineTimer !== null) this.clock.clearTimeout(this.offlineTimer);
    this.retryTimer = null;
    this.offlineTimer = null;
  }
}
