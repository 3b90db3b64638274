import { randomUUID } from 'node:crypto';
import { postBytes } from './http-post.js';
import type { MetricsTransport, TransportError } from './metrics-client-udp.js';
import { backoffMs } from './sender.js';

const BATCH_EVERY_MS = 1000;
const MAX_BATCH_BYTES = 1024 * 1024;
const REQUEST_TIMEOUT_MS = 30_000;

/**
 * DogStatsD lines over `POST /api/ingest/statsd`, acknowledged: lines are batched (sent each second, or at once past
 * 1 MiB), one request at a time; a failed request (network, 5xx, 429) is retried with backoff under the same batch id,
 * which the server applies once; a refused one (4xx) is dropped and reported. While the server is unreachable at most
 * `maxBufferedLines` wait; beyond that the oldest are dropped and reported.
 */
export class HttpTransport implements MetricsTransport {
  private lines: string[] = [];
  private bytes = 0;
  private timer: NodeJS.Timeout | null = null;
  private sending: Promise<void> | null = null;
  private closed = false;
  /** Lines dropped because the buffer was full. */
  dropped = 0;

  constructor(private readonly opts: { url: string; token: string | null; maxBufferedLines: number; onError: TransportError; onDrop: (n: number) => void }) {}

  send(line: string): void {
    if (this.closed) return;
    this.lines.push(line);
    this.bytes += line.length + 1;
    if (this.lines.length > this.opts.maxBufferedLines) {
      const n = this.lines.length - this.opts.maxBufferedLines;
      this.bytes -= this.lines.slice(0, n).reduce((a, l) => a + l.length + 1, 0);
      this.lines.splice(0, n);
      this.dropped += n;
      this.opts.onDrop(n);
    }
    if (this.bytes >= MAX_BATCH_BYTES) this.kick();
    else if (!this.timer) {
      this.timer = setTimeout(() => this.kick(), BATCH_EVERY_MS);
      this.timer.unref();
    }
  }

  private kick(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    this.sending ??= this.drain().finally(() => {
      this.sending = null;
    });
    return this.sending;
  }

  private async drain(): Promise<void> {
    while (this.lines.length > 0) {
      let n = 0, size = 0;
      while (n < this.lines.length && size < MAX_BATCH_BYTES) size += this.lines[n++]!.length + 1;
      const sent = this.lines.splice(0, n);
      this.bytes = Math.max(0, this.bytes - size);
      const body = Buffer.from(sent.join('\n'));
      const batch = randomUUID();
      for (let attempt = 0; ; attempt++) {
        try {
          const headers: Record<string, string> = { 'content-type': 'text/plain; charset=utf-8' };
          if (this.opts.token) headers.authorization = `Bearer ${this.opts.token}`;
          const answer = await postBytes(`${this.opts.url}/api/ingest/statsd?batch=${batch}`, headers, body, REQUEST_TIMEOUT_MS);
          if (answer.status >= 200 && answer.status < 300) break;
          if (answer.status >= 400 && answer.status < 500 && answer.status !== 429) {
            this.opts.onError(new Error(`the server refused ${n} metric lines (${answer.status}): ${answer.text.slice(0, 300)}`));
            break;
          }
          throw new Error(`the server answered ${answer.status}`);
        } catch (err) {
          this.opts.onError(err as Error);
          if (this.closed && attempt >= 2) {
            this.dropped += sent.length + this.lines.length;
            this.opts.onDrop(sent.length + this.lines.length);
            this.lines = [];
            return;
          }
          await new Promise((r) => setTimeout(r, backoffMs(attempt)).unref());
        }
      }
    }
  }

  async flush(): Promise<void> {
    while (this.lines.length > 0 || this.sending) await this.kick();
  }

  /** Sends what is left; against an unreachable server it gives up after a few attempts and reports the lines as dropped. */
  async close(): Promise<void> {
    this.closed = true;
    await this.flush();
  }
}
