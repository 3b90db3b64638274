import type { Labels } from '../protocol/index.js';
import { ExecutionHandle } from './execution.js';
import { MetricsClient, type MetricsClientOptions } from './metrics-client.js';
import { Sender, type DroppedPoints } from './sender.js';
import { DEFAULT_SPOOL_MAX_BYTES, spoolDirectory, type SpoolOptions } from './spool.js';

export interface ConnectOptions {
  /** Server URL; default PLOTLINE_URL, else http://127.0.0.1:7777. */
  url?: string;
  /** Bearer token; default PLOTLINE_TOKEN. */
  token?: string;
  /**
   * Points kept in memory (default 1,000,000); beyond it they wait in the spool. Points are dropped (counted, one warning)
   * only while the server is unreachable and memory and spool are both full.
   */
  maxBufferedPoints?: number;
  /**
   * The spool: batches that do not fit in memory (a loop that never yields, a long outage) or are unsent when the process
   * exits wait in a file under `dir` (default the OS temp dir), at most `maxBytes` (default 1 GiB); the next `connect()`
   * to the same server and token sends what an exited process left. `false`: memory only. Format and rules: spool.ts.
   */
  spool?: SpoolOptions | false;
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
 * (`beforeExit`), the client sends what is left, waiting up to 5 s for an unreachable server; when the process exits
 * (`process.exit()` included) what is still unacknowledged is written to the spool, which the next `connect()` to the same
 * server and token sends. A signal that kills the process keeps only what was already spooled.
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
    const token = opts.token || process.env.PLOTLINE_TOKEN || null;
    const spool = opts.spool === false ? null : {
      dir: spoolDirectory(opts.spool?.dir, this.url, token),
      maxBytes: opts.spool?.maxBytes ?? DEFAULT_SPOOL_MAX_BYTES,
    };
    if (spool && !(Number.isFinite(spool.maxBytes) && spool.maxBytes > 0)) {
      throw new TypeError(`connect({ spool: { maxBytes } }): must be a positive number of bytes (got ${String(spool.maxBytes)})`);
    }
    this.sender = new Sender({ url: this.url, token, maxBufferedPoints, spool, warn: this.warn });
    this.token = token;
    this.metricsOptions = opts.metrics;
    openClients.add(this);
    if (openClients.size === 1) {
      process.on('beforeExit', flushOpenClients);
      process.on('exit', spillOpenClients);
    }
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

  /** Points `record()` accepted and that were then dropped, all causes (see `droppedByCause`). */
  get droppedPoints(): number {
    return this.sender.droppedPoints;
  }

  /** Dropped points by cause: `unreachable` (memory and spool full during an outage), `refused` (by the server), `spoolDamaged`. */
  get droppedByCause(): Readonly<DroppedPoints> {
    return { ...this.sender.dropped };
  }

  /** Points waiting in spool files (this client's and those of exited processes it is sending). */
  get spooledPoints(): number {
    return this.sender.spooledPoints;
  }

  /** This client's spool file, once something was spilled to it. */
  get spoolPath(): string | null {
    return this.sender.spoolPath;
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
    if (openClients.size === 0) {
      process.off('beforeExit', flushOpenClients);
      process.off('exit', spillOpenClients);
    }
  }

  /** @internal The event loop is empty: send what is left, keeping the process alive for a bounded time only. */
  flushBeforeExit(): void {
    if (this.exitFlushRunning) return;
    for (const e of this.executions) e.releaseThrottled();
    if (this.sender.idle) return;
    this.exitFlushRunning = true;
    const grace = setTimeout(() => {
      this.warn(`plotline: exiting before ${this.url} acknowledged the last ${this.sender.bufferedPoints} points. Await execution.end() to be sure.`);
    }, EXIT_GRACE_MS);
    void this.sender.flush({ keepAlive: false }).then(() => {
      clearTimeout(grace);
      this.exitFlushRunning = false;
    });
  }

  /** @internal The process exits (synchronously): what is unacknowledged goes to the spool for the next client to send. */
  spillBeforeExit(): void {
    for (const e of this.executions) e.releaseThrottled();
    const { kept, lost, path } = this.sender.spillForExit();
    if (path !== null) this.warn(`plotline: what ${this.url} has not acknowledged yet (${kept} points) is kept in ${path}; the next connect() to this server sends it.`);
    if (lost > 0) this.warn(`plotline: ${lost} points not yet acknowledged by ${this.url} are lost at exit (they could not be spooled). Await execution.end() before exiting.`);
  }
}

/** One `beforeExit` and one `exit` listener for all clients (not one each, which would trip Node's listener-leak warning). */
const openClients = new Set<Client>();
function flushOpenClients(): void {
  for (const client of openClients) client.flushBeforeExit();
}
function spillOpenClients(): void {
  for (const client of openClients) client.spillBeforeExit();
}

export function connect(opts: ConnectOptions = {}): Client {
  return new Client(opts);
}
