import type { StreamEvent } from '../../protocol/index.js';

export type ConnectionState = 'connecting' | 'live' | 'reconnecting' | 'offline';

export interface ConnectionHandlers {
  /** `fresh` is true for the hello of a connection that did not resume from a Last-Event-ID: history must be (re)loaded. */
  onEvent(event: StreamEvent, fresh: boolean): void;
  onState(state: ConnectionState): void;
}

/** How long failed reconnects may go on before the state reads "Offline" rather than "Reconnecting…". */
const OFFLINE_AFTER_MS = 8000;
const MAX_BACKOFF_MS = 10_000;

/**
 * The tab's one live stream: an EventSource on `/api/stream?follow=<ids>`. EventSource reconnects by itself and sends
 * Last-Event-ID, so the server replays what was missed; when the browser gives up (the connection was refused with an
 * error status) it is reopened here with `since=<last id>` so the resume still works. Changing what is followed reopens it.
 */
export class StreamConnection {
  private source: EventSource | null = null;
  private followIds: string[] = [];
  private lastEventId: string | null = null;
  private fresh = true;
  private state: ConnectionState = 'connecting';
  private failingSince: number | null = null;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private offlineTimer: ReturnType<typeof setTimeout> | null = null;
  private backoff = 500;

  constructor(private readonly handlers: ConnectionHandlers, private readonly base = '/api/stream') {}

  /** Follows these executions (their definitions, points and summary); list updates come regardless. */
  follow(ids: readonly string[]): void {
    const next = [...ids].sort();
    if (this.source && next.join('\n') === this.followIds.join('\n')) return;
    this.followIds = next;
    // A new follow list is a new subscription: its history is loaded after the server says hello.
    this.open(null);
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
    if (since) p.set('since', since);
    this.fresh = since === null;
    const source = new EventSource(`${this.base}?${p}`);
    this.source = source;
    source.onopen = () => {
      this.failingSince = null;
      this.backoff = 500;
      this.setState('live');
    };
    source.onmessage = (msg: MessageEvent<string>) => {
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
      this.failingSince ??= Date.now();
      if (source.readyState === EventSource.CLOSED) {
        // The browser gave up (e.g. an error status while the server restarts): retry ourselves, resuming where we were.
        this.retryTimer = setTimeout(() => this.open(this.lastEventId), this.backoff);
        this.backoff = Math.min(MAX_BACKOFF_MS, this.backoff * 2);
      }
      this.setState(Date.now() - this.failingSince > OFFLINE_AFTER_MS ? 'offline' : 'reconnecting');
      this.offlineTimer ??= setTimeout(() => {
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
    if (this.retryTimer) clearTimeout(this.retryTimer);
    if (this.offlineTimer) clearTimeout(this.offlineTimer);
    this.retryTimer = null;
    this.offlineTimer = null;
  }
}
