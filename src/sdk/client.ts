import type { Labels } from '../protocol/index.js';
import { ExecutionHandle } from './execution.js';
import { MetricsClient, type MetricsClientOptions } from './metrics-client.js';
import { Sender } from './sender.js';

export interface ConnectOptions {
  /** Server URL; default PLOTLINE_URL, else http://127.0.0.1:7777. */
  url?: string;
  /** Bearer token; default PLOTLINE_TOKEN. */
  token?: string;
  /** Points kept while the server is unreachable (default 1,000,000); beyond it the oldest are dropped with one warning. */
  maxBufferedPoints?: number;
  /** Where warnings go (default console.warn). */
  warn?: (message: string) => void;
  /** Options of `client.metrics` (default: UDP to this server's host, port PLOTLINE_STATSD_PORT or 8125). */
  metrics?: Omit<MetricsClientOptions, 'url' | 'token' | 'warn'>;
}

export const DEFAULT_URL = 'http://127.0.0.1:7777';
export const DEFAULT_MAX_BUFFERED_POINTS = 1_000_000;
/** How long a process that ran out of work waits for undelivered metrics before it exits anyway. */
const EXIT_GRACE_MS = 5_000;

function resolveUrl(url: string | undefined): string {
  const raw = url ?? process.env.PLOTLINE_URL ?? DEFAULT_URL;
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new TypeError(`connect({ url }): url must be an absolute http(s) URL (got ${JSON.stringify(raw)})`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new TypeError(`connect({ url }): url must use http or https (got ${parsed.protocol})`);
  return raw.replace(/\/+$/, '');
}

/**
 * A connection to a Plotline server. Delivery: everything recorded is sent in the background; `await execution.end()`,
 * `execution.flush()` or `client.flush()` is the guaranteed way to know it arrived. When the program simply runs out of work
 * (`beforeExit`), the client sends what is left, waiting up to 5 s for an unreachable server. `process.exit()` and signals
 * cannot wait for a network request, so anything not yet acknowledged at that point is lost: await `end()` before exiting.
 */
export class Client {
  readonly url: string;
  private readonly sender: Sender;
  private readonly warn: (message: string) => void;
  private readonly executions = new Set<ExecutionHandle>();
  private exitFlushRunning = false;

  constructor(opts: ConnectOptions = {}) {
    this.url = resolveUrl(opts.url);
    this.warn = opts.warn ?? ((m) => console.warn(m));
    const maxBufferedPoints = opts.maxBufferedPoints ?? DEFAULT_MAX_BUFFERED_POINTS;
    if (!Number.isInteger(maxBufferedPoints) || maxBufferedPoints < 1) {
      throw new TypeError(`connect({ maxBufferedPoints }): must be a positive integer (got ${String(maxBufferedPoints)})`);
    }
    const token = opts.token ?? process.env.PLOTLINE_TOKEN ?? null;
    this.token = token || null;
    this.metricsOptions = opts.metrics;
    this.sender = new Sender({ url: this.url, token: token || null, maxBufferedPoints, warn: this.warn });
    openClients.add(this);
    if (openClients.size === 1) process.on('beforeExit', flushOpenClients);
  }

  private metricsClient: MetricsClient | null = null;
  private readonly metricsOptions: ConnectOptions['metrics'];
  private readonly token: string | null;

  /**
   * Service metrics (Cortex names: `increment`, `gauge`, `histogram`, …) over DogStatsD UDP to this client's server host
   * (port PLOTLINE_STATSD_PORT, else 8125), or as `connect({ metrics })` says; one client per `Client`.
   */
  get metrics(): MetricsClient {
    this.metricsClient ??= new MetricsClient({ ...this.metricsOptions, url: this.url, warn: this.warn, ...(this.token && { token: this.token }) });
    return this.metricsClient;
  }

  /** Starts an execution; its start travels with the first batch. */
  startExecution(name: string, opts: { labels?: Labels } = {}): ExecutionHandle {
    const execution = new ExecutionHandle(this.sender, name, opts.labels ?? {}, this.warn, (e) => this.executions.delete(e));
    this.executions.add(execution);
    return execution;
  }

  /** Runs `fn(execution)` inside a new execution's context; ends it `succeeded`, or `failed` if `fn` throws (and rethrows). */
  async withExecution<T>(name: string, fn: (execution: ExecutionHandle) => T | Promise<T>, opts: { labels?: Labels } = {}): Promise<T> {
    const execution = this.startExecution(name, opts);
    let result: T;
    try {
      result = await execution.run(() => fn(execution));
    } catch (err) {
      await execution.end('failed', { error: err instanceof Error ? err.message : String(err) });
      throw err;
    }
    await execution.end('succeeded');
    return result;
  }

  /** Resolves when everything recorded so far (throttled values included) is acknowledged. */
  async flush(): Promise<void> {
    for (const e of this.executions) e.releaseThrottled();
    await this.sender.flush();
  }

  /** Points recorded and not yet acknowledged by the server (a producer may wait on it to apply backpressure). */
  get bufferedPoints(): number {
    return this.sender.bufferedPoints;
  }

  /** Points dropped because the buffer was full while the server was unreachable. */
  get droppedPoints(): number {
    return this.sender.droppedPoints;
  }

  /** Batches the server refused (4xx: bad input, wrong token) and that were dropped, not retried. */
  get refusedBatches(): number {
    return this.sender.refusedBatches;
  }

  /** Flushes and stops background work. */
  async close(): Promise<void> {
    await this.flush();
    await this.metricsClient?.close();
    this.sender.close();
    openClients.delete(this);
    if (openClients.size === 0) process.off('beforeExit', flushOpenClients);
  }

  /** @internal The event loop is empty: send what is left, keeping the process alive for a bounded time only. */
  flushBeforeExit(): void {
    if (this.exitFlushRunning) return;
    for (const e of this.executions) e.releaseThrottled();
    if (this.sender.idle) return;
    this.exitFlushRunning = true;
    const grace = setTimeout(() => {
      this.warn(`plotline: exiting before ${this.url} acknowledged the last metrics; they are lost. Await execution.end() to be sure.`);
    }, EXIT_GRACE_MS);
    void this.sender.flush({ keepAlive: false }).then(() => {
      clearTimeout(grace);
      this.exitFlushRunning = false;
    });
  }
}

/** One `beforeExit` listener for all clients (not one each, which would trip Node's listener-leak warning). */
const openClients = new Set<Client>();
function flushOpenClients(): void {
  for (const client of openClients) client.flushBeforeExit();
}

export function connect(opts: ConnectOptions = {}): Client {
  return new Client(opts);
}
