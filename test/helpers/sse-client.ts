import { SseParser, type StreamEvent } from '../../src/protocol/index.js';

export interface ReceivedEvent {
  id: string | null;
  event: StreamEvent;
  /** performance.now() when the event was parsed. */
  arrivedAt: number;
}

/** A live-stream client for tests: collects events, can drop the connection and resume with Last-Event-ID. */
export class TestStreamClient {
  readonly events: ReceivedEvent[] = [];
  private controller: AbortController | null = null;
  private parser = new SseParser();
  private waiters: Array<() => void> = [];

  /** `services`: services whose intervals to follow (`?services=`); `headers` go with every (re)connect (e.g. a token). */
  constructor(private baseUrl: string, private follow: string[], private services: string[] = [], private headers: Record<string, string> = {}) {}

  get lastEventId(): string | null {
    return this.parser.lastEventId;
  }

  async connect(lastEventId: string | null = this.parser.lastEventId): Promise<void> {
    this.controller = new AbortController();
    const res = await fetch(`${this.baseUrl}/api/stream?follow=${this.follow.join(',')}${this.services.length > 0 ? `&services=${this.services.map(encodeURIComponent).join(',')}` : ''}`, {
      headers: { ...this.headers, ...(lastEventId && { 'last-event-id': lastEventId }) },
      signal: this.controller.signal,
    });
    if (!res.ok || !res.body) throw new Error(`stream: HTTP ${res.status}`);
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    const previousId = this.parser.lastEventId;
    this.parser = new SseParser();
    this.parser.lastEventId = previousId;
    void (async () => {
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          for (const m of this.parser.push(value)) {
            this.events.push({ id: m.id, event: JSON.parse(m.data) as StreamEvent, arrivedAt: performance.now() });
            for (const w of this.waiters.splice(0)) w();
          }
        }
      } catch {
        // aborted or server gone: the test decides what to do next
      }
    })();
    await this.waitFor((e) => e.some((r) => r.event.type === 'hello'), 5000, this.events.length);
  }

  disconnect(): void {
    this.controller?.abort();
    this.controller = null;
  }

  /** Resolves when `check(events since index from)` holds. */
  async waitFor(check: (events: ReceivedEvent[]) => boolean, timeoutMs = 5000, from = 0): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!check(this.events.slice(from))) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`stream: condition not met within ${timeoutMs} ms; got ${this.events.length} events: ${JSON.stringify(this.events.slice(-5))}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.min(left, 100));
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /** All points streamed for one series, in arrival order. */
  points(executionId: string, key: string): { x: number[]; y: unknown[] } {
    const x: number[] = [];
    const y: unknown[] = [];
    for (const { event } of this.events) {
      if (event.type !== 'points' || event.executionId !== executionId) continue;
      for (const s of event.series) if (s.key === key) { x.push(...s.x); y.push(...s.y); }
    }
    return { x, y };
  }
}
