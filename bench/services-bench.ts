import { createSocket } from 'node:dgram';
import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { forEachLine, parseStatsdLine, StatsdLine } from '../src/protocol/index.js';
import { ServicesEngine } from '../src/server/services/engine.js';
import { querySeries } from '../src/server/services/query.js';
import { SqliteRollups } from '../src/server/services/sqlite-rollups.js';
import { percentile } from './machine.js';
import { startBenchServer } from './server-process.js';

/** Service-metrics figures: parse and aggregate rates (in-process, HTTP, UDP), UDP loss, query latency, bytes on disk. */

const HOSTS = ['web-0', 'web-1', 'web-2'];

/** Realistic request lines: a latency distribution tagged by replica, route and status, some sampled. */
function requestLines(n: number, seed = 1): string[] {
  let s = seed;
  const rand = () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const out = new Array<string>(n);
  for (let i = 0; i < n; i++) {
    const v = (0.02 * Math.exp(rand() * 2)).toFixed(6);
    const rate = i % 4 === 0 ? '|@0.5' : '';
    out[i] = `http.server.request.duration:${v}|d${rate}|#service:bench,host:${HOSTS[i % 3]},http.route:/r${i % 5},http.response.status_code:${i % 20 === 0 ? 500 : 200}`;
  }
  return out;
}

/** Per wall-clock second and per CPU second of this process (on a shared machine the second is the one core's figure). */
export interface Rate {
  wall: number;
  cpu: number;
}

function timed(n: number, fn: () => void): Rate {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  fn();
  const cpu = process.cpuUsage(c0);
  return { wall: n / ((performance.now() - t0) / 1000), cpu: n / ((cpu.user + cpu.system) / 1e6) };
}

/** Lines/s of the parser alone, and of parse + aggregate (the server's ingest path without the network). */
export function parseAndAggregateRates(lines = 1_000_000): { parse: Rate; aggregate: Rate } {
  const text = requestLines(lines).join('\n');
  const line = new StatsdLine();
  let ok = 0;
  forEachLine(text.slice(0, 200_000), (a, b) => parseStatsdLine(text, a, b, line)); // warm-up
  const parse = timed(lines, () => forEachLine(text, (a, b) => { if (parseStatsdLine(text, a, b, line) === null) ok++; }));
  if (ok !== lines) throw new Error('bench lines were refused');
  const engine = new ServicesEngine({ store: new SqliteRollups(':memory:') });
  engine.ingestDatagram(text.slice(0, 200_000)); // warm-up
  const aggregate = timed(lines, () => engine.ingestDatagram(text));
  void engine.store.close();
  return { parse, aggregate };
}

/** Lines/s through `POST /api/ingest/statsd` to a server process (bodies of 50,000 lines, one request at a time). */
export async function httpLinesPerSecond(lines = 1_000_000): Promise<number> {
  const server = await startBenchServer(['--db', ':memory:', '--statsd-port', 'off']);
  try {
    const all = requestLines(lines);
    const bodies: string[] = [];
    for (let i = 0; i < lines; i += 50_000) bodies.push(all.slice(i, i + 50_000).join('\n'));
    const t0 = performance.now();
    for (const body of bodies) {
      const res = await fetch(`${server.url}/api/ingest/statsd`, { method: 'POST', body, headers: { 'content-type': 'text/plain' } });
      if (!res.ok) throw new Error(`ingest refused: ${await res.text()}`);
    }
    return lines / ((performance.now() - t0) / 1000);
  } finally {
    await server.stop();
  }
}

/** Packs lines into datagrams of at most 1,432 bytes, as DogStatsD clients do. */
function datagrams(lines: string[]): Array<{ data: Buffer; lines: number }> {
  const out: Array<{ data: Buffer; lines: number }> = [];
  let cur: string[] = [];
  let size = 0;
  for (const l of lines) {
    if (size + l.length + 1 > 1432 && cur.length > 0) {
      out.push({ data: Buffer.from(cur.join('\n')), lines: cur.length });
      cur = [];
      size = 0;
    }
    cur.push(l);
    size += l.length + 1;
  }
  if (cur.length > 0) out.push({ data: Buffer.from(cur.join('\n')), lines: cur.length });
  return out;
}

async function udpCounters(url: string): Promise<{ udpLines: number; udpDatagrams: number; udpDropped: number }> {
  return (await (await fetch(`${url}/api/services`)).json() as { ingest: { udpLines: number; udpDatagrams: number; udpDropped: number } }).ingest;
}

export interface UdpRun {
  target: number;
  sentLines: number;
  receivedLines: number;
  sentDatagrams: number;
  receivedDatagrams: number;
  kernelDrops: number;
  achievedPerSecond: number;
}

/** Sends lines over loopback UDP paced at `rate` lines/s for `seconds` to a server process, and reads what it received. */
export async function udpAtRates(rates: number[], seconds: number): Promise<UdpRun[]> {
  const server = await startBenchServer(['--db', ':memory:']);
  const socket = createSocket('udp4');
  try {
    const runs: UdpRun[] = [];
    const packets = datagrams(requestLines(20_000));
    for (const rate of rates) {
      const before = await udpCounters(server.url);
      const total = Math.round(rate * seconds);
      let sent = 0, sentDatagrams = 0, k = 0;
      const t0 = performance.now();
      while (sent < total) {
        // Pace in 5 ms slices: send what is due by now, then yield.
        const due = Math.min(total, Math.floor(((performance.now() - t0) / 1000) * rate));
        while (sent < due) {
          const p = packets[k++ % packets.length]!;
          socket.send(p.data, server.statsdPort!, '127.0.0.1');
          sent += p.lines;
          sentDatagrams++;
        }
        await new Promise((r) => setTimeout(r, 5));
      }
      const elapsed = (performance.now() - t0) / 1000;
      await new Promise((r) => setTimeout(r, 1500)); // let the server drain its socket
      const after = await udpCounters(server.url);
      runs.push({
        target: rate, sentLines: sent, receivedLines: after.udpLines - before.udpLines, sentDatagrams,
        receivedDatagrams: after.udpDatagrams - before.udpDatagrams, kernelDrops: after.udpDropped - before.udpDropped, achievedPerSecond: sent / elapsed,
      });
    }
    return runs;
  } finally {
    socket.close();
    await server.stop();
  }
}

export interface QueryFigures {
  buildSeconds: number;
  bytesPerIntervalPerSeries: number;
  /** Wall ms (p50, p99 over the runs) and CPU ms (p50) of this process per query. */
  queries: Array<{ what: string; tier: number; p50: number; p99: number; cpuP50: number }>;
}

/**
 * 24 h of 10 s intervals for 100 tag sets of one distribution (`valuesPerInterval` values each) in a SQLite file with an
 * injected clock, flushed as the server does; then p99 queries over the 24 h at several budgets (so several tiers).
 */
export async function queryOver24h(tagSets = 100, valuesPerInterval = 5, runs = 20): Promise<QueryFigures> {
  const dir = mkdtempSync(join(tmpdir(), 'plotline-services-bench-'));
  const file = join(dir, 'rollups.db');
  const DAY = 86_400_000;
  const end = Math.floor(Date.now() / 3_600_000) * 3_600_000;
  let now = end - DAY;
  const engine = new ServicesEngine({ store: new SqliteRollups(file), clock: () => now });
  let s = 7;
  const rand = () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const t0 = performance.now();
  const chunk: string[] = [];
  for (let t = end - DAY; t < end; t += 10_000) {
    now = t + 5_000;
    for (let k = 0; k < tagSets; k++) {
      for (let v = 0; v < valuesPerInterval; v++) chunk.push(`lat:${(0.01 * Math.exp(3 * rand())).toFixed(5)}|d|#host:h${k % 10},route:/r${Math.floor(k / 10)}`);
    }
    engine.ingestDatagram(chunk.join('\n'), 'bench');
    chunk.length = 0;
    if ((t / 10_000) % 60 === 59) await engine.flush(t + 10_000);
  }
  now = end;
  await engine.flush(end);
  const buildSeconds = (performance.now() - t0) / 1000;
  const intervals = (DAY / 10_000) * tagSets;
  const bytesPerIntervalPerSeries = statSync(file).size / intervals;
  const queries: QueryFigures['queries'] = [];
  for (const [what, budget] of [['24 h in 1 h steps (1 h tier)', 24], ['24 h at 5 min (288 points, 1 min tier)', 288], ['24 h at 1 min (1,440 points, 1 min tier)', 1440]] as const) {
    const times: number[] = [];
    const cpu: number[] = [];
    let tier = 0;
    for (let i = 0; i < runs; i++) {
      const c0 = process.cpuUsage();
      const q0 = performance.now();
      const a = await querySeries(engine, { service: 'bench', metric: 'lat', stat: 'p99', from: end - DAY, to: end, budget, filters: new Map(), by: [] });
      times.push(performance.now() - q0);
      const c = process.cpuUsage(c0);
      cpu.push((c.user + c.system) / 1000);
      tier = a.tier;
    }
    times.sort((a, b) => a - b);
    cpu.sort((a, b) => a - b);
    queries.push({ what, tier, p50: percentile(times, 50), p99: percentile(times, 99), cpuP50: percentile(cpu, 50) });
  }
  await engine.store.close();
  return { buildSeconds, bytesPerIntervalPerSeries, queries };
}

const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

/** Runs every service-metrics figure and prints them (`npm run bench`, or alone with `-- --services`). */
export async function runServicesBench(quick: boolean, report: (title: string, rows: Array<[string, string, string]>) => void): Promise<void> {
  const rates = parseAndAggregateRates(quick ? 300_000 : 1_000_000);
  const http = await httpLinesPerSecond(quick ? 300_000 : 1_000_000);
  report('Service metrics: DogStatsD lines', [
    ['parsed, lines per CPU second (one core)', fmt(rates.parse.cpu), 'target ≥ 1,000,000'],
    ['parsed, lines per wall second (shared machine)', fmt(rates.parse.wall), ''],
    ['parsed + aggregated in process, lines per CPU second', fmt(rates.aggregate.cpu), ''],
    ['parsed + aggregated in process, lines per wall second', fmt(rates.aggregate.wall), ''],
    ['HTTP POST /api/ingest/statsd → server process, lines/s', fmt(http), ''],
  ]);
  const udp = await udpAtRates([50_000, 200_000, 500_000], quick ? 2 : 5);
  report('Service metrics: UDP on loopback (lines packed ≤ 1,432 bytes, paced)', udp.map((r): [string, string, string] => [
    `${fmt(r.target)} lines/s (achieved ${fmt(r.achievedPerSecond)})`,
    `received ${fmt(r.receivedLines)} of ${fmt(r.sentLines)} lines (${fmt((100 * r.receivedLines) / r.sentLines, 1)} %)`,
    `lost ${fmt(r.sentDatagrams - r.receivedDatagrams)} datagrams, kernel drops ${fmt(r.kernelDrops)}`,
  ]));
  const q = await queryOver24h(100, quick ? 2 : 5, quick ? 10 : 20);
  report(`Service metrics: p99 query over 24 h of 10 s intervals, 100 tag sets (built in ${fmt(q.buildSeconds, 1)} s)`, [
    ...q.queries.map((x): [string, string, string] => [`${x.what}: wall p50 / p99, CPU p50 (ms)`, `${fmt(x.p50, 1)} / ${fmt(x.p99, 1)}, ${fmt(x.cpuP50, 1)}`, 'target < 50 ms']),
    ['bytes on disk per 10 s interval per series (all tiers)', fmt(q.bytesPerIntervalPerSeries, 1), ''],
  ]);
}
