/**
 * `npm run bench:peers`: Plotline next to VictoriaMetrics and InfluxDB on the issue #20 workloads (bench/workloads.ts),
 * interleaved in one process, each system through its fastest documented bulk import:
 * - Plotline: the Node SDK (binary column batches) into `plotline serve --db <file>`;
 * - VictoriaMetrics: `/api/v1/import` JSON lines (one line per series slice, values + timestamps arrays), then
 *   `/internal/force_flush`;
 * - InfluxDB 1.x: `/write` line protocol, 10,000 points a request (its documented optimal batch), precision=s, integer
 *   series as an integer field (n), the others as a float field (v).
 * Measured per system and workload, each on a fresh instance with its data in a temp dir: ingest points/s (until
 * acknowledged and flushed), bytes on disk after flush (after a clean stop; Plotline's after its compaction has packed
 * every sealed chunk, which the server does in the background once ingest is quiet), a whole-series read into ~2,000 points
 * (Plotline budget=2000 (M4), VictoriaMetrics query_range with step = span/2000 and nocache=1 (its result cache would
 * answer the warmed-up series from memory), InfluxDB max() GROUP BY span/2000;
 * median of 5 over the series), peak RSS (VmHWM of the server process), and whether every value read back equals what
 * was written bit for bit (two series per workload, all their points).
 *
 * Peers are taken from Debian's packages (`victoria-metrics`, `influxdb`) when not on PATH: `apt-get download` and
 * `dpkg-deb -x` into a cache dir, never installed as services; they run on loopback ports. A peer that cannot be found
 * or started is reported and skipped. Flags: --quick (a tenth of each series), --only plotline,victoria,influx.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { connect, Metric } from '../src/sdk/index.js';
import { openStore } from '../src/server/store/index.js';
import { machineLine, median } from './machine.js';
import { startBenchServer } from './server-process.js';
import { W1, W2, type Workload } from './workloads.js';

const argv = process.argv.slice(2);
const quick = argv.includes('--quick');
const onlyIndex = argv.indexOf('--only');
const only = onlyIndex >= 0 ? new Set(argv[onlyIndex + 1]!.split(',')) : null;
const SCALE = quick ? 0.1 : 1;
/** W1's x (steps) become seconds from here for the peers, which only take timestamps; W2's x already are seconds. */
const T0 = 1_700_000_000;
const EXACT_SERIES = 2;
const READS = 5;

interface Data {
  w: Workload;
  n: number;
  keys: string[];
  /** x per point (shared by all series) and each series' y. */
  x: Float64Array;
  ys: Float64Array[];
  integer: boolean[];
}

interface Result {
  system: string;
  workload: string;
  pointsPerSecond: number;
  bytesPerPoint: number;
  readMs: number;
  peakRssMiB: number;
  exact: string;
}

interface System {
  name: string;
  /** Null when it cannot run here (the reason is printed). */
  available(): Promise<string | null>;
  run(d: Data): Promise<Result>;
}

function load(w: Workload): Data {
  const n = Math.round(w.perSeries * SCALE);
  const keys: string[] = [];
  const ys: Float64Array[] = [];
  let x: Float64Array = new Float64Array(0);
  for (let s = 0; s < w.series; s++) {
    const g = w.generate(s, n);
    keys.push(g.key.replace(/\//g, '.'));
    ys.push(g.y);
    x = g.x;
  }
  return { w, n, keys, x, ys, integer: ys.map((y) => y.every((v) => Number.isInteger(v))) };
}

const seconds = (d: Data, i: number) => (d.w === W1 ? T0 + d.x[i]! : d.x[i]!);

/** Bytes allocated on disk under `dir` (st_blocks, as `du`: preallocated sparse files count for what they use). */
function dirBytes(dir: string): number {
  let sum = 0;
  for (const f of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, f.name);
    sum += f.isDirectory() ? dirBytes(p) : statSync(p).blocks * 512;
  }
  return sum;
}

function peakRssMiB(pid: number | undefined): number {
  try {
    return Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN) / 1024;
  } catch {
    return NaN;
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

async function waitFor(what: string, ok: () => Promise<boolean>, ms = 30_000): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (await ok().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what}: not ready after ${ms / 1000} s`);
}

function stop(child: ChildProcess, signal: NodeJS.Signals = 'SIGINT'): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((done) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.once('exit', () => {
      clearTimeout(kill);
      done();
    });
    child.kill(signal);
  });
}

/** Sends bodies with `concurrency` requests in flight; bodies are built lazily (their building is part of the time). */
async function pump(bodies: Iterable<string>, send: (body: string) => Promise<void>, concurrency = 2): Promise<void> {
  const it = bodies[Symbol.iterator]();
  const worker = async () => {
    for (let next = it.next(); !next.done; next = it.next()) await send(next.value);
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

async function post(url: string, body: string, contentType = 'text/plain'): Promise<void> {
  const res = await fetch(url, { method: 'POST', body, headers: { 'content-type': contentType } });
  if (!res.ok) throw new Error(`POST ${url.replace(/\?.*/, '')}: ${res.status} ${(await res.text()).slice(0, 300)}`);
  await res.arrayBuffer();
}

/** Compares stored values (by x) with the generated ones; "yes" or what differs first. */
function exactness(d: Data, s: number, got: Map<number, number>): string | null {
  if (got.size !== d.n) return `${d.keys[s]}: ${got.size} of ${d.n} points read back`;
  for (let i = 0; i < d.n; i++) {
    const v = got.get(seconds(d, i));
    if (!Object.is(v, d.ys[s]![i])) return `${d.keys[s]}[${i}]: ${v} stored, ${d.ys[s]![i]} written`;
  }
  return null;
}

function exactLine(d: Data, check: (s: number) => Promise<Map<number, number>>): Promise<string> {
  return (async () => {
    for (let s = 0; s < EXACT_SERIES; s++) {
      const wrong = exactness(d, s, await check(s));
      if (wrong) return `NO (${wrong})`;
    }
    return 'yes';
  })();
}

/** Median time of READS whole-series reads, after as many untimed ones (a JIT, caches and connections warmed up alike). */
async function timedReads(d: Data, read: (s: number) => Promise<number>): Promise<number> {
  for (let r = 0; r < READS; r++) await read((r + 1) % d.keys.length);
  const times: number[] = [];
  for (let r = 0; r < READS; r++) {
    const t0 = performance.now();
    const points = await read(r % d.keys.length);
    times.push(performance.now() - t0);
    if (!(points > 0)) throw new Error('whole-series read returned no points');
  }
  return median(times);
}

// ---------------------------------------------------------------------------------------------------------------- Plotline

const plotline: System = {
  name: 'Plotline',
  available: async () => null,
  async run(d) {
    const dir = mkdtempSync(join(tmpdir(), 'plotline-peers-'));
    const dbPath = join(dir, 'bench.db');
    let server = await startBenchServer(['--db', dbPath]);
    try {
      const client = connect({ url: server.url });
      const metrics = d.keys.map((k) => new Metric(k, { throttle: null }));
      const execution = client.startExecution(`peers-${d.w.name}`);
      const t0 = performance.now();
      await execution.run(async () => {
        for (let i = 0; i < d.n; i++) {
          const at = d.x[i]!;
          for (let s = 0; s < metrics.length; s++) metrics[s]!.record(d.ys[s]![i]!, { at });
          if (i % 200 === 0) {
            await yieldToLoop();
            while (client.bufferedPoints > 900_000) await new Promise((r) => setTimeout(r, 1));
          }
        }
      });
      await execution.end();
      const ingestS = (performance.now() - t0) / 1000;
      if (client.droppedPoints > 0) throw new Error(`the SDK dropped ${client.droppedPoints} points`);
      await client.close();
      const ingestRss = peakRssMiB(server.child.pid);
      // Bytes and reads as background compaction leaves them once it has packed every sealed chunk (what a server that
      // has been idle for a while holds): the file is compacted to the end by the same code, then served again.
      await server.stop();
      const store = await openStore(dbPath);
      await store.compact();
      await store.close();
      const bytes = dirBytes(dir);
      server = await startBenchServer(['--db', dbPath]);
      const base = `${server.url}/api/executions/${execution.id}/series`;
      const readMs = await timedReads(d, async (s) => {
        const body = (await (await fetch(`${base}?key=${encodeURIComponent(d.keys[s]!)}&budget=2000`)).json()) as { series: Array<{ x: number[] }> };
        return body.series[0]!.x.length;
      });
      // Every stored point at full resolution (series reads are capped at the server's largest budget): the export.
      const exact = await exactLine(d, async (s) => {
        const url = `${server.url}/api/executions/${execution.id}/export?key=${encodeURIComponent(d.keys[s]!)}&format=json`;
        const body = (await (await fetch(url)).json()) as { series: Array<{ points: Array<[number, number | string]> }> };
        return new Map(body.series[0]!.points.map(([xi, yi]) => [d.w === W1 ? T0 + xi : xi, typeof yi === 'string' ? Number(yi) : yi]));
      });
      const rss = Math.max(ingestRss, peakRssMiB(server.child.pid));
      await server.stop();
      const total = d.n * d.keys.length;
      return { system: 'Plotline', workload: d.w.name, pointsPerSecond: total / ingestS, bytesPerPoint: bytes / total, readMs, peakRssMiB: rss, exact };
    } finally {
      if (server.child.exitCode === null) await server.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  },
};

// ----------------------------------------------------------------------------------------------------- finding the peers

const CACHE = join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'plotline-bench-peers');

function onPath(bin: string): string | null {
  const r = spawnSync('sh', ['-c', `command -v ${bin}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

/** The peer's binary: on PATH, or from Debian's package unpacked into the cache (downloaded once). */
function peerBinary(pkg: string, bin: string): { path: string } | { missing: string } {
  const found = onPath(bin);
  if (found) return { path: found };
  const root = join(CACHE, pkg);
  const unpacked = join(root, 'usr', 'bin', bin);
  if (existsSync(unpacked)) return { path: unpacked };
  const policy = spawnSync('apt-cache', ['policy', pkg], { encoding: 'utf8' });
  const candidate = /Candidate:\s*(\S+)/.exec(policy.stdout ?? '')?.[1];
  if (policy.status !== 0 || !candidate || candidate === '(none)') return { missing: `no Debian package ${pkg} here (apt-cache policy ${pkg})` };
  console.log(`  fetching Debian's ${pkg} ${candidate} into ${root} (unpacked, not installed)...`);
  mkdirSync(root, { recursive: true });
  const dl = spawnSync('apt-get', ['download', `${pkg}=${candidate}`], { cwd: root, encoding: 'utf8' });
  const deb = readdirSync(root).find((f) => f.endsWith('.deb'));
  if (!deb) return { missing: `apt-get download ${pkg} failed: ${(dl.stderr ?? '').trim().split('\n').pop()}` };
  const x = spawnSync('dpkg-deb', ['-x', join(root, deb), root], { encoding: 'utf8' });
  if (x.status !== 0 || !existsSync(unpacked)) return { missing: `dpkg-deb -x ${deb} failed: ${x.stderr}` };
  rmSync(join(root, deb));
  return { path: unpacked };
}

function versionOf(path: string, args: string[]): string {
  const r = spawnSync(path, args, { encoding: 'utf8', timeout: 10_000 });
  return `${r.stdout ?? ''}${r.stderr ?? ''}`.trim().split('\n')[0]!.slice(0, 80);
}

// ------------------------------------------------------------------------------------------------------ VictoriaMetrics

let vmBin = '';

const victoria: System = {
  name: 'VictoriaMetrics',
  async available() {
    const b = peerBinary('victoria-metrics', 'victoria-metrics');
    if ('missing' in b) return b.missing;
    vmBin = b.path;
    console.log(`  VictoriaMetrics: ${vmBin} (${versionOf(vmBin, ['-version'])})`);
    return null;
  },
  async run(d) {
    const dir = mkdtempSync(join(tmpdir(), 'plotline-peers-vm-'));
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const child = spawn(vmBin, [`-storageDataPath=${dir}`, `-httpListenAddr=127.0.0.1:${port}`, '-retentionPeriod=100y', '-loggerLevel=ERROR',
      '-search.latencyOffset=0s'], { stdio: ['ignore', 'ignore', 'inherit'] });
    try {
      await waitFor('VictoriaMetrics', async () => (await fetch(`${url}/health`)).ok);
      const slice = 50_000;
      const t0 = performance.now();
      await pump((function* () {
        for (let s = 0; s < d.keys.length; s++) {
          for (let from = 0; from < d.n; from += slice) {
            const to = Math.min(d.n, from + slice);
            const ts: number[] = [];
            const vs: number[] = [];
            for (let i = from; i < to; i++) {
              ts.push(seconds(d, i) * 1000);
              vs.push(d.ys[s]![i]!);
            }
            yield `${JSON.stringify({ metric: { __name__: d.w.name, s: d.keys[s] }, values: vs, timestamps: ts })}\n`;
          }
        }
      })(), (body) => post(`${url}/api/v1/import`, body, 'application/json'));
      await fetch(`${url}/internal/force_flush`);
      const ingestS = (performance.now() - t0) / 1000;
      const start = seconds(d, 0);
      const end = seconds(d, d.n - 1);
      const step = Math.max(1, Math.round((end - start) / 2000));
      const sel = (s: number) => encodeURIComponent(`${d.w.name}{s="${d.keys[s]}"}`);
      // Until the flushed data is searchable.
      await waitFor('VictoriaMetrics search', async () => {
        const r = (await (await fetch(`${url}/api/v1/query_range?query=${sel(0)}&start=${start}&end=${end}&step=${step}`)).json()) as { data: { result: unknown[] } };
        return r.data.result.length > 0;
      });
      // `nocache=1`: read from storage, as the others do. Its rollup result cache otherwise answers the timed reads of a
      // series the warm-up read already (4–8 ms at a load of 20, against 16–49 ms and 18–25 ms of CPU uncached).
      const readMs = await timedReads(d, async (s) => {
        const r = (await (await fetch(`${url}/api/v1/query_range?query=${sel(s)}&start=${start}&end=${end}&step=${step}&nocache=1`)).json()) as { data: { result: Array<{ values: unknown[] }> } };
        return r.data.result[0]?.values.length ?? 0;
      });
      const exact = await exactLine(d, async (s) => {
        const text = await (await fetch(`${url}/api/v1/export?match[]=${sel(s)}&start=${start}&end=${end}`)).text();
        const got = new Map<number, number>();
        for (const line of text.split('\n')) {
          if (!line) continue;
          const o = JSON.parse(line) as { values: number[]; timestamps: number[] };
          o.timestamps.forEach((t, i) => got.set(t / 1000, o.values[i]!));
        }
        return got;
      });
      const rss = peakRssMiB(child.pid);
      await stop(child);
      const total = d.n * d.keys.length;
      return { system: 'VictoriaMetrics', workload: d.w.name, pointsPerSecond: total / ingestS, bytesPerPoint: dirBytes(dir) / total, readMs, peakRssMiB: rss, exact };
    } finally {
      await stop(child);
      rmSync(dir, { recursive: true, force: true });
    }
  },
};

// ------------------------------------------------------------------------------------------------------------- InfluxDB

let influxBin = '';

function influxConfig(dir: string, httpPort: number, rpcPort: number): string {
  return `reporting-disabled = true
bind-address = "127.0.0.1:${rpcPort}"
[meta]
  dir = "${dir}/meta"
[data]
  dir = "${dir}/data"
  wal-dir = "${dir}/wal"
  query-log-enabled = false
  cache-snapshot-write-cold-duration = "1s"
  compact-full-write-cold-duration = "2s"
[coordinator]
  log-queries-after = "0s"
[retention]
  enabled = false
[monitor]
  store-enabled = false
[http]
  bind-address = "127.0.0.1:${httpPort}"
  log-enabled = false
  max-body-size = 0
[continuous_queries]
  enabled = false
[subscriber]
  enabled = false
`;
}

const influx: System = {
  name: 'InfluxDB',
  async available() {
    const b = peerBinary('influxdb', 'influxd');
    if ('missing' in b) return b.missing;
    influxBin = b.path;
    console.log(`  InfluxDB: ${influxBin} (${versionOf(influxBin, ['version'])})`);
    return null;
  },
  async run(d) {
    const dir = mkdtempSync(join(tmpdir(), 'plotline-peers-influx-'));
    const port = await freePort();
    const rpc = await freePort();
    const url = `http://127.0.0.1:${port}`;
    writeFileSync(join(dir, 'influxdb.conf'), influxConfig(dir, port, rpc));
    const child = spawn(influxBin, ['run', '-config', join(dir, 'influxdb.conf')], { stdio: ['ignore', 'ignore', 'ignore'] });
    try {
      await waitFor('InfluxDB', async () => (await fetch(`${url}/ping`)).status === 204);
      await post(`${url}/query?q=${encodeURIComponent('CREATE DATABASE bench')}`, '', 'application/x-www-form-urlencoded');
      const perRequest = 10_000;
      const name = d.w.name.toLowerCase();
      const t0 = performance.now();
      await pump((function* () {
        const lines: string[] = [];
        // Time-major, as a collector writes: every series' point at t, then t + 1.
        for (let i = 0; i < d.n; i++) {
          const t = seconds(d, i);
          for (let s = 0; s < d.keys.length; s++) {
            const v = d.ys[s]![i]!;
            lines.push(`${name},s=${d.keys[s]} ${d.integer[s] ? `n=${v}i` : `v=${String(v)}`} ${t}`);
            if (lines.length === perRequest) {
              yield lines.join('\n');
              lines.length = 0;
            }
          }
        }
        if (lines.length > 0) yield lines.join('\n');
      })(), (body) => post(`${url}/write?db=bench&precision=s`, body));
      const ingestS = (performance.now() - t0) / 1000;
      const start = seconds(d, 0);
      const end = seconds(d, d.n - 1);
      const step = Math.max(1, Math.round((end - start) / 2000));
      const query = async (q: string) => {
        const text = await (await fetch(`${url}/query?db=bench&epoch=s&chunked=true&chunk_size=100000&q=${encodeURIComponent(q)}`)).text();
        return text.split('\n').filter(Boolean).flatMap((l) => {
          const o = JSON.parse(l) as { results: Array<{ series?: Array<{ values: Array<[number, number]> }> }> };
          return o.results.flatMap((r) => r.series ?? []).flatMap((ser) => ser.values);
        });
      };
      const field = (s: number) => (d.integer[s] ? 'n' : 'v');
      const readMs = await timedReads(d, async (s) =>
        (await query(`SELECT max(${field(s)}) FROM ${name} WHERE s='${d.keys[s]}' AND time >= ${start}s AND time <= ${end}s GROUP BY time(${step}s)`)).length);
      const exact = await exactLine(d, async (s) => new Map((await query(`SELECT ${field(s)} FROM ${name} WHERE s='${d.keys[s]}'`)).map(([t, v]) => [t, v])));
      // Bytes on disk once the write cache is snapshotted to TSM files (the WAL then empties).
      await waitFor('InfluxDB cache snapshot', async () => dirBytes(join(dir, 'wal')) < 1 << 20, 120_000).catch((e: Error) => console.log(`  ${e.message}`));
      const rss = peakRssMiB(child.pid);
      await stop(child, 'SIGTERM');
      rmSync(join(dir, 'influxdb.conf'));
      if (process.env.PEERS_DEBUG) spawnSync('du', ['-a', dir], { stdio: 'inherit' });
      const total = d.n * d.keys.length;
      return { system: 'InfluxDB', workload: d.w.name, pointsPerSecond: total / ingestS, bytesPerPoint: dirBytes(dir) / total, readMs, peakRssMiB: rss, exact };
    } finally {
      await stop(child, 'SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    }
  },
};

// ----------------------------------------------------------------------------------------------------------------- main

const fmt = (n: number, digits = 0) => (Number.isFinite(n) ? n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }) : '–');

function table(results: Result[]): void {
  const head = ['workload', 'system', 'ingest pts/s', '× Plotline', 'bytes/pt', '× Plotline', 'read ms', '× Plotline', 'peak RSS MiB', '× Plotline', 'bit-exact'];
  const rows = results.map((r) => {
    const p = results.find((q) => q.system === 'Plotline' && q.workload === r.workload);
    const ratio = (a: number, b: number | undefined) => (p && b !== undefined ? fmt(a / b, 2) : '');
    return [r.workload, r.system, fmt(r.pointsPerSecond), ratio(r.pointsPerSecond, p?.pointsPerSecond), fmt(r.bytesPerPoint, 3),
      ratio(r.bytesPerPoint, p?.bytesPerPoint), fmt(r.readMs, 1), ratio(r.readMs, p?.readMs), fmt(r.peakRssMiB), ratio(r.peakRssMiB, p?.peakRssMiB), r.exact];
  });
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => `  ${cells.map((c, i) => (i < 2 || i === cells.length - 1 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ')}`;
  console.log(`\n${line(head)}`);
  for (const r of rows) console.log(line(r));
}

async function main(): Promise<void> {
  console.log(`Plotline vs peers on ${machineLine()}, ${new Date().toISOString().slice(0, 10)}${quick ? ' (quick: a tenth of each series)' : ''}`);
  console.log('Shared machines are noisy: read the ratios, each pair ran back to back.');
  const systems: System[] = [];
  for (const s of [plotline, victoria, influx]) {
    if (only && !only.has(s.name.toLowerCase().replace('victoriametrics', 'victoria').replace('influxdb', 'influx'))) continue;
    const why = await s.available().catch((e: Error) => e.message);
    if (why) console.log(`  ${s.name}: skipped — ${why}`);
    else systems.push(s);
  }
  const results: Result[] = [];
  for (const w of [W1, W2]) {
    const d = load(w);
    console.log(`\n${w.name} ${w.label}${quick ? ` — ${d.n.toLocaleString('en-US')} points a series` : ''}`);
    for (const s of systems) {
      const r = await s.run(d).catch((e: Error) => {
        console.log(`  ${s.name}: failed — ${e.message}`);
        return null;
      });
      if (r) {
        console.log(`  ${s.name}: ${fmt(r.pointsPerSecond)} points/s, ${fmt(r.bytesPerPoint, 3)} bytes/point, read ${fmt(r.readMs, 1)} ms, peak RSS ${fmt(r.peakRssMiB)} MiB, bit-exact ${r.exact}`);
        results.push(r);
      }
    }
  }
  table(results);
  console.log('\n  Targets (issue #20): Plotline W1 ≤ 8 bytes/point, W2 ≤ 0.5; keep the lead: ingest ≥ each peer (× Plotline ≤ 1), read no slower');
  console.log('  than VictoriaMetrics, least memory, bit-exact.');
  if (quick) console.log('  (quick: a tenth of the data, so fixed per-database bytes weigh more; the targets are for the full run)');
  else for (const w of [W1, W2]) {
    const p = results.find((r) => r.system === 'Plotline' && r.workload === w.name);
    if (p) console.log(`  Plotline ${w.name}: ${fmt(p.bytesPerPoint, 3)} bytes/point — ${p.bytesPerPoint <= w.targetBytesPerPoint ? 'meets' : 'MISSES'} ≤ ${w.targetBytesPerPoint}`);
  }
}

main().then(() => process.exit(0), (err: unknown) => {
  console.error(err);
  process.exit(1);
});
