import { hostname } from 'node:os';
import { formatStatsdLine, parseTag, STATSD_LIMITS, tagText, type StatsdType } from '../protocol/index.js';
import { HttpTransport } from './metrics-client-http.js';
import { UdpTransport, type MetricsTransport } from './metrics-client-udp.js';

/** Tags as an object (`{ model: 'v1' }`) or DogStatsD strings (`['model:v1', 'canary']`). */
export type MetricTags = Readonly<Record<string, string | number | boolean>> | readonly string[];

export interface MetricsClientOptions {
  /** Plotline server; default PLOTLINE_URL, else http://127.0.0.1:7777. UDP goes to its host name. */
  url?: string;
  /** Service of every metric that names none itself (with a `service` or `api_name` tag). */
  service?: string;
  /** Tags added to every metric (a call's tag of the same key wins). `host` defaults to `<hostname>:<pid>` (one replica per process). */
  tags?: MetricTags;
  /** `udp` (default): fire-and-forget DogStatsD; `http`: acknowledged, batched and retried through /api/ingest/statsd. */
  transport?: 'udp' | 'http';
  /** DogStatsD UDP port; default PLOTLINE_STATSD_PORT, else 8125. */
  statsdPort?: number;
  /** Bearer token for `http`; default PLOTLINE_TOKEN. */
  token?: string;
  /** `http`: lines kept while the server is unreachable (default 100,000); the oldest are dropped beyond it. */
  maxBufferedLines?: number;
  /** Where the one warning goes (default console.warn). */
  warn?: (message: string) => void;
}

const DEFAULT_URL = 'http://127.0.0.1:7777';
const DEFAULT_STATSD_PORT = 8125;

function tagList(tags: MetricTags | undefined): string[] {
  if (!tags) return [];
  if (Array.isArray(tags)) return (tags as readonly string[]).map(String);
  const out: string[] = [];
  // `{ canary: '' }` is the bare tag `canary`.
  for (const k in tags as Record<string, unknown>) out.push(tagText(k, String((tags as Record<string, unknown>)[k])));
  return out;
}

const ZEROS = ['', '0', '00', '000', '0000', '00000'];

/** Whole microseconds as decimal seconds (`12345` → `0.012345`) by integer formatting. */
function secondsText(us: number): string {
  const s = Math.floor(us / 1e6);
  const f = us - s * 1e6;
  if (f === 0) return String(s);
  const t = String(f);
  return `${s}.${ZEROS[6 - t.length]}${t}`;
}

/** A tag as DogStatsD can carry it: ',' and '|' (separators) and control characters become '_'. */
// eslint-disable-next-line no-control-regex
const cleanTag = (t: string) => t.replace(/[,|\u0000-\u001f\u007f]/g, '_');

const keyOf = (t: string) => parseTag(t).key;

/** A call's tags after the client's, a call's tag replacing a client tag of the same key (`host`, `service`, …). */
function withCallTags(base: readonly string[], call: string[]): string[] {
  const keys = new Set(call.map(keyOf));
  return [...base.filter((t) => !keys.has(keyOf(t))), ...call];
}

/**
 * Cortex-style service metrics (`increment`, `gauge`, `histogram`, …) sent as DogStatsD lines. Fire and forget: no
 * method ever throws into user code or waits; a failure (bad name or value, unreachable server, refused lines) is
 * counted in `errors` and warned about once. `flush()` resolves once what was recorded has left (UDP) or been
 * acknowledged (HTTP); `close()` also releases the socket.
 */
export class MetricsClient {
  /** Failures so far (invalid input, send errors, refused or dropped lines). */
  errors = 0;
  readonly service: string | null;
  private readonly baseTags: string[];
  /** The tags of a call without tags of its own: the base tags, with `service:` when they name no service. */
  private readonly plainTags: string[];
  /** Names already found valid (bounded), so the hot path tests a name's characters once, not on every call. */
  private readonly validNames = new Set<string>();
  /**
   * A call's tags as sent (cleaned, merged over the client's, with the service), by the call's tags joined as given
   * (bounded): the same tags on every request cost one join and one lookup instead of a clean, a merge and a copy.
   */
  private readonly sentTags = new Map<string, string[]>();
  private readonly transport: MetricsTransport;
  private readonly warn: (message: string) => void;
  private warned = false;

  constructor(opts: MetricsClientOptions = {}) {
    this.warn = opts.warn ?? ((m) => console.warn(m));
    this.service = opts.service ?? null;
    const base = tagList(opts.tags).map(cleanTag);
    if (!base.some((t) => t.startsWith('host:'))) base.push(`host:${hostname()}:${process.pid}`);
    this.baseTags = base;
    this.plainTags = this.withService(base);
    const url = (opts.url ?? process.env.PLOTLINE_URL ?? DEFAULT_URL).replace(/\/+$/, '');
    let host = '127.0.0.1';
    try {
      host = new URL(url).hostname.replace(/^\[|\]$/g, '');
    } catch {
      this.fail(new Error(`url must be an absolute http(s) URL (got ${JSON.stringify(url)})`));
    }
    const onError = (err: Error) => this.fail(err);
    if (opts.transport === 'http') {
      this.transport = new HttpTransport({
        url, token: opts.token ?? process.env.PLOTLINE_TOKEN ?? null, maxBufferedLines: opts.maxBufferedLines ?? 100_000, onError,
        onDrop: (n) => this.fail(new Error(`${n} metric lines dropped: the server at ${url} is unreachable and the buffer is full`), n),
      });
    } else {
      const port = opts.statsdPort ?? (Number(process.env.PLOTLINE_STATSD_PORT) || DEFAULT_STATSD_PORT);
      this.transport = new UdpTransport(host, port, onError);
    }
  }

  /** Adds `value` (default 1) to a counter. */
  increment(metric: string, value = 1, tags?: MetricTags): void {
    this.record(metric, value, 'c', tags);
  }

  /** Subtracts `value` (default 1) from a counter. */
  decrement(metric: string, value = 1, tags?: MetricTags): void {
    this.record(metric, -value, 'c', tags);
  }

  /** Sets a gauge (last value wins; min and max are kept). */
  gauge(metric: string, value: number, tags?: MetricTags): void {
    this.record(metric, value, 'g', tags);
  }

  /** Adds a value to a distribution (percentiles exact to 1 % over any range, replicas and tags). */
  histogram(metric: string, value: number, tags?: MetricTags): void {
    this.record(metric, value, 'h', tags);
  }

  /** The same as `histogram` (DogStatsD `d`). */
  distribution(metric: string, value: number, tags?: MetricTags): void {
    this.record(metric, value, 'd', tags);
  }

  /**
   * Durations given in whole microseconds, into a distribution in seconds, sent packed (`name:0.012345:0.8|d`, a few
   * dozen values per line): what a middleware that buffers per tag set sends once a second. Values that are not
   * non-negative integers are counted as errors.
   */
  packedSeconds(metric: string, micros: readonly number[], tags?: MetricTags): void {
    const PER_LINE = 48;
    let line = '';
    let n = 0;
    for (const us of micros) {
      if (!Number.isInteger(us) || us < 0) {
        this.fail(new Error(`metric "${metric}": a duration must be a whole number of microseconds ≥ 0 (got ${us})`));
        continue;
      }
      line += (n === 0 ? '' : ':') + secondsText(us);
      if (++n === PER_LINE) {
        this.record(metric, line, 'd', tags);
        line = '';
        n = 0;
      }
    }
    if (n > 0) this.record(metric, line, 'd', tags);
  }

  /** A duration in milliseconds, into a distribution. */
  timing(metric: string, ms: number, tags?: MetricTags): void {
    this.record(metric, ms, 'ms', tags);
  }

  /** Counts distinct `member`s per interval. */
  set(metric: string, member: string | number, tags?: MetricTags): void {
    this.record(metric, member, 's', tags);
  }

  flush(): Promise<void> {
    return this.transport.flush().catch((err: unknown) => this.fail(err as Error));
  }

  close(): Promise<void> {
    return this.transport.close().catch((err: unknown) => this.fail(err as Error));
  }

  private record(metric: string, value: number | string, type: StatsdType, tags: MetricTags | undefined): void {
    try {
      const problem = this.problem(metric, value, type);
      if (problem) return this.fail(new Error(`${type === 's' ? 'set' : 'metric'} "${String(metric)}": ${problem}`));
      const all = tags ? this.tagsOf(tags) : this.plainTags;
      this.transport.send(formatStatsdLine(metric, value, type, all));
    } catch (err) {
      this.fail(err as Error);
    }
  }

  private tagsOf(tags: MetricTags): string[] {
    const raw = tagList(tags);
    const key = raw.join('\u0000');
    let all = this.sentTags.get(key);
    if (all === undefined) {
      all = this.withService(withCallTags(this.baseTags, raw.map(cleanTag)));
      if (this.sentTags.size < 1000) this.sentTags.set(key, all);
    }
    return all;
  }

  /** `tags` with `service:<the client's service>` added unless they name one (or the client has none). */
  private withService(tags: string[]): string[] {
    const named = this.service === null || tags.some((t) => t.startsWith('service:') || t.startsWith('api_name:'));
    return named ? tags : [...tags, `service:${this.service}`];
  }

  private problem(metric: unknown, value: unknown, type: StatsdType): string | null {
    if (typeof metric !== 'string' || !this.validNames.has(metric)) {
      if (typeof metric !== 'string' || metric.length === 0) return 'the name must be a non-empty string';
      if (metric.length > STATSD_LIMITS.maxNameLength) return `the name must be at most ${STATSD_LIMITS.maxNameLength} characters`;
      if (/[\s|:#,@]/.test(metric)) return 'the name must not contain whitespace or | : # , @';
      if (this.validNames.size < 10_000) this.validNames.add(metric);
    }
    if (type === 's') return typeof value === 'string' || typeof value === 'number' ? (/[\n|]/.test(String(value)) ? 'a member must not contain | or a newline' : null) : 'a member must be a string or a number';
    if (type === 'd' && typeof value === 'string') return null; // packed by packedSeconds, each value checked there
    if (typeof value !== 'number' || !Number.isFinite(value)) return `the value must be a finite number (got ${String(value)})`;
    return null;
  }

  private fail(err: Error, count = 1): void {
    this.errors += count;
    if (this.warned) return;
    this.warned = true;
    this.warn(`plotline metrics: ${err.message}. Metrics never throw; later failures are counted silently (metrics.errors).`);
  }
}
