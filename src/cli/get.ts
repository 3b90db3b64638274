/**
 * `plotline get [SERVICE] [--url URL] [--window 1h] [--json]`: the Cortex-style table of services (DESIGN.md, "Service
 * metrics"), or one service's metrics and its studio link. Rendering is pure (`servicesTable`, `serviceReport`); `runGet`
 * does the HTTP and returns the text and exit code, so tests run it against a real server.
 */
import {
  formatAgo, formatCount, formatLatencyMs, formatRate, NO_DATA, tagsSummary, type ServiceDetail, type ServiceListItem, type ServiceMetricSummary,
} from '../protocol/index.js';
import stringWidth from 'string-width';
import { parseDuration } from '../server/services/tiers.js';
import { getText, type PostAnswer } from '../sdk/http-post.js';
import { UsageError } from './args.js';

export interface GetArgs {
  service: string | null;
  url: string;
  /** As given (`1h`), passed to the server. */
  window: string;
  json: boolean;
}

export const GET_USAGE = `Usage: plotline get [SERVICE] [--url URL] [--window 1h] [--json]

Shows services (status, replicas, requests/s, latency, responses by status) or, with a name, that service's metrics.

Options:
  --url URL      the Plotline server (default: PLOTLINE_URL, else http://127.0.0.1:7777)
  --window W     the window of the numbers: 10s … 400d such as 15m, 1h, 7d (default 1h)
  --json         print the server's JSON answer, for scripts
  -h, --help     show this help

Rates (requests/s, a metric's rate) are the count over the part of the window the service has existed for: from the
start of the first 10 s interval it sent data in, up to now. A service started 2 minutes ago reads its true rate in a
15m, 1h or 24h window alike; an older one reads its count over the whole window. 2XX/4XX/5XX are counts.
`;

export function parseGetArgs(argv: string[], env: NodeJS.ProcessEnv = {}): GetArgs {
  const args: GetArgs = { service: null, url: env.PLOTLINE_URL || 'http://127.0.0.1:7777', window: '1h', json: false };
  for (let i = 0; i < argv.length; i++) {
    const raw = argv[i]!;
    const eq = raw.indexOf('=');
    const flag = raw.startsWith('--') && eq > 0 ? raw.slice(0, eq) : raw;
    const take = () => {
      if (raw.startsWith('--') && eq > 0) return raw.slice(eq + 1);
      const v = argv[i + 1];
      if (v === undefined || v.startsWith('--')) throw new UsageError(`${flag} needs a value`);
      i++;
      return v;
    };
    switch (flag) {
      case '--url': {
        const v = take();
        if (!/^https?:\/\/[^/]/.test(v)) throw new UsageError(`--url must be an http(s) URL such as http://127.0.0.1:7777 (got "${v}")`);
        args.url = v.replace(/\/+$/, '');
        break;
      }
      case '--window': {
        const v = take();
        const ms = parseDuration(v);
        if (!(ms >= 10_000 && ms <= 400 * 86_400_000)) throw new UsageError(`--window must be a duration from 10s to 400d such as 15m, 1h or 7d (got "${v}")`);
        args.window = v;
        break;
      }
      case '--json':
        args.json = true;
        break;
      default:
        if (raw.startsWith('-')) throw new UsageError(`unknown option "${raw}"`);
        if (args.service !== null) throw new UsageError(`one service at most (got "${args.service}" and "${raw}")`);
        args.service = raw;
    }
  }
  return args;
}

export const GET_COLUMNS = ['service', 'status', 'replicas', 'last update', 'requests/s', 'avg request', 'p99', '2XX', '4XX', '5XX'] as const;

const ANSI = { bold: '\x1b[1m', dim: '\x1b[2m', green: '\x1b[32m', red: '\x1b[31m', yellow: '\x1b[33m', reset: '\x1b[0m' };

/**
 * Lines of left-aligned columns separated by two spaces; `paint` colours a cell after its width is taken. Widths are
 * terminal cells (`string-width`: East Asian wide/fullwidth and emoji 2, combining marks and zero-width joiners 0).
 */
export function alignColumns(rows: string[][], paint?: (cell: string, row: number, col: number) => string): string {
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, stringWidth(c))));
  return rows.map((r, ri) => r.map((c, ci) => {
    const padded = ci === r.length - 1 ? c : c + ' '.repeat(widths[ci]! - stringWidth(c));
    return paint && c !== '' ? paint(c, ri, ci) + padded.slice(c.length) : padded;
  }).join('  ').trimEnd()).join('\n');
}

/** Longest service name the table shows whole; a longer one keeps its start and end around "…" (`get NAME` and `--json` show it whole). */
export const MAX_NAME_COLUMN = 48;

function shortName(name: string): string {
  const chars = [...name];
  if (chars.length <= MAX_NAME_COLUMN) return name;
  const tail = 12;
  return `${chars.slice(0, MAX_NAME_COLUMN - tail - 1).join('')}…${chars.slice(-tail).join('')}`;
}

/** The services table; with `colour`, status and 4XX/5XX counts coloured (for a TTY). Requests with no traffic show `-`. */
export function servicesTable(services: readonly ServiceListItem[], now: number, colour = false): string {
  if (services.length === 0) return 'No services yet. Send DogStatsD lines (UDP or POST /api/ingest/statsd) or use MetricsClient.';
  const rows = [[...GET_COLUMNS] as string[]];
  for (const s of services) {
    const q = s.summary;
    const none = q.requests === 0;
    rows.push([
      shortName(s.name), s.status, String(s.replicas), formatAgo(s.lastSeen, now),
      formatRate(q.requestsPerSecond), formatLatencyMs(q.avgRequestMs), formatLatencyMs(q.p99Ms),
      none ? NO_DATA : formatCount(q['2XX']), none ? NO_DATA : formatCount(q['4XX']), none ? NO_DATA : formatCount(q['5XX']),
    ]);
  }
  if (!colour) return alignColumns(rows);
  return alignColumns(rows, (c, r, col) => {
    if (r === 0) return ANSI.bold + c + ANSI.reset;
    if (col === 1) return (c === 'live' ? ANSI.green : ANSI.dim) + c + ANSI.reset;
    if (col === 8 && c !== '0' && c !== NO_DATA) return ANSI.yellow + c + ANSI.reset;
    if (col === 9 && c !== '0' && c !== NO_DATA) return ANSI.red + c + ANSI.reset;
    return c;
  });
}

/** A metric's tags but host and service (said by the table) as `env key:v1,v2 key2:…` (protocol's `tagsSummary`). */
function tagsText(tags: Record<string, string[]>): string {
  return tagsSummary(Object.fromEntries(Object.entries(tags).filter(([k]) => k !== 'host' && k !== 'service'))) || NO_DATA;
}

/** The value columns of one metric: a counter's rate, a gauge's latest, a distribution's rate and p99 (durations in seconds shown as latencies). */
function metricValues(m: ServiceMetricSummary): { value: string; rate: string; p99: string } {
  const w = m.window;
  const seconds = /duration|latency|\.time$|_seconds$/.test(m.name) && !/_ms$|cortex_latency/.test(m.name);
  const asValue = (v: number | null) => (v === null ? NO_DATA : seconds ? formatLatencyMs(v * 1000) : formatRate(v));
  if (!w) return { value: NO_DATA, rate: NO_DATA, p99: NO_DATA };
  return {
    value: m.kind === 'gauge' ? asValue(w.last) : m.kind === 'distribution' ? asValue(w.avg) + ' avg' : m.kind === 'set' ? formatCount(w.count) : formatCount(w.count),
    rate: m.kind === 'gauge' || m.kind === 'set' || w.count === 0 ? NO_DATA : `${formatRate(w.rate)}/s`,
    p99: m.kind === 'distribution' ? asValue(w.p99) : NO_DATA,
  };
}

/** One service: its row, its metrics (name, type, tags, value / rate / p99 over the window) and the studio link. */
export function serviceReport(detail: ServiceDetail, studioUrl: string, now: number, colour = false): string {
  const head = servicesTable([detail.service], now, colour);
  const rows = [['metric', 'type', 'tags', 'value', 'rate', 'p99']];
  for (const m of detail.metrics) {
    const v = metricValues(m);
    rows.push([m.name, m.kind, tagsText(m.tags), v.value, v.rate, v.p99]);
  }
  const metrics = detail.metrics.length ? alignColumns(rows, colour ? (c, r) => (r === 0 ? ANSI.bold + c + ANSI.reset : c) : undefined) : 'No metrics.';
  return `${head}\n\n${metrics}\n\nStudio: ${studioUrl}`;
}

export interface GetResult {
  /** Text for stdout (or stderr when `code` is not 0). */
  output: string;
  code: number;
}

/**
 * Runs `plotline get`: asks the server, renders; an unreachable server or an error answer is exit code 1 with the reason.
 * Over node:http(s) (`getText`), not fetch: fetch refuses ports `plotline serve` accepts (6000, 6665–6669…).
 */
export async function runGet(args: GetArgs, opts: { colour?: boolean; now?: () => number; get?: typeof getText } = {}): Promise<GetResult> {
  const get = opts.get ?? getText;
  const path = args.service === null ? '/api/services' : `/api/services/${encodeURIComponent(args.service)}`;
  const target = `${args.url}${path}?window=${encodeURIComponent(args.window)}`;
  let res: PostAnswer;
  try {
    res = await get(target, {}, 10_000);
  } catch (err) {
    const why = (err as { code?: string }).code ?? (err as Error).message;
    return { output: `plotline get: cannot reach the Plotline server at ${args.url} (${why}). Is \`plotline serve\` running? Pass --url or set PLOTLINE_URL.`, code: 1 };
  }
  const text = res.text;
  if (res.status < 200 || res.status > 299) {
    let message = text;
    try {
      message = (JSON.parse(text) as { error?: string }).error ?? text;
    } catch { /* not JSON: keep the text */ }
    return { output: `plotline get: ${args.url} answered ${res.status}: ${message}`, code: 1 };
  }
  if (args.json) return { output: text, code: 0 };
  const now = (opts.now ?? Date.now)();
  const body = JSON.parse(text) as unknown;
  if (args.service === null) return { output: servicesTable((body as { services: ServiceListItem[] }).services, now, opts.colour), code: 0 };
  return { output: serviceReport(body as ServiceDetail, `${args.url}/services/${encodeURIComponent(args.service)}`, now, opts.colour), code: 0 };
}
