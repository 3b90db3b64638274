import { LIMITS, type Labels } from '../protocol/index.js';
import { ExecutionHandle } from './execution.js';
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
}

export class Client {
  readonly url: string;
  private readonly sender: Sender;
  private readonly warn: (message: string) => void;
  private readonly executions = new Set<ExecutionHandle>();
  private readonly onBeforeExit = () => {
    for (const e of this.executions) e.releaseThrottled();
    void this.sender.flush();
  };

  constructor(opts: ConnectOptions = {}) {
    this.url = (opts.url ?? process.env.PLOTLINE_URL ?? 'http://127.0.0.1:7777').replace(/\/+$/, '');
    this.warn = opts.warn ?? ((m) => console.warn(m));
    this.sender = new Sender({
      url: this.url,
      token: opts.token ?? process.env.PLOTLINE_TOKEN ?? null,
      maxBufferedPoints: opts.maxBufferedPoints ?? 1_000_000,
      maxPointsPerBatch: Math.min(100_000, LIMITS.maxPointsPerBatch),
      warn: this.warn,
    });
    // When the program runs out of work, deliver what is still buffered (the pending request keeps the process alive).
    process.on('beforeExit', this.onBeforeExit);
  }

  /** Starts an execution; its start travels with the first batch. */
  startExecution(name: string, opts: { labels?: Labels } = {}): ExecutionHandle {
    if (typeof name !== 'string' || name.length === 0 || name.length > LIMITS.maxNameLength) {
      throw new TypeError(`startExecution(name): name must be a string of 1 to ${LIMITS.maxNameLength} characters`);
    }
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
    return this.sender.pending.points;
  }

  /** Points dropped because the buffer was full while the server was unreachable. */
  get droppedPoints(): number {
    return this.sender.droppedPoints;
  }

  /** Flushes and stops background work. */
  async close(): Promise<void> {
    await this.flush();
    this.sender.close();
    process.off('beforeExit', this.onBeforeExit);
  }
}

export function connect(opts: ConnectOptions = {}): Client {
  return new Client(opts);
}
