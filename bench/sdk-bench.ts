import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { connect, Metric } from '../src/sdk/index.js';
import type * as RecordLoop from './record-loop.js';
import { TestStreamClient } from '../test/helpers/sse-client.js';
import { percentile } from './machine.js';
import { startBenchServer } from './server-process.js';

function dirBytes(dir: string): number {
  return readdirSync(dir).reduce((sum, f) => sum + statSync(join(dir, f)).size, 0);
}

/** Where an ingest run stores: the `--db` of the server, and the bytes stored once the server has stopped. */
export interface IngestTarget {
  db: string;
  bytes(): Promise<number>;
}

/** A fresh SQLite file in a temp directory, removed once its bytes are counted. */
export function sqliteTarget(): IngestTarget {
  const dir = mkdtempSync(join(tmpdir(), 'plotline-bench-'));
  return {
    db: join(dir, 'bench.db'),
    bytes: async () => {
      const bytes = dirBytes(dir);
      rmSync(dir, { recursive: true, force: true });
      return bytes;
    },
  };
}

/**
 * Which build an ingest run uses: another build's CLI (`dist/src/cli/main.js`) for the server, its SDK
 * (`dist/src/sdk/index.js`) for the recording client, and Node options for the server; default this build's.
 */
export interface BenchBuild {
  cli?: string;
  sdk?: string;
  nodeOptions?: string;
}

/** What an ingest run through the SDK measured. */
export interface SdkIngestFigures {
  pointsPerSecond: number;
  /** CPU seconds (all threads) the server process used from the first record() to the acknowledged end. */
  serverCpuSeconds: number;
  /** CPU seconds of this process (the SDK recording, encoding and sending) over the same span. */
  clientCpuSeconds: number;
  /**
   * Shares of that span the server's main thread spent on a core, waiting for one (every core busy: this process, the
   * server's own helper threads, other load) and neither (waiting for the next body, or blocked in I/O).
   */
  serverMainThread: { running: number; waiting: number; idle: number };
  bytesPerPoint: number;
}

/**
 * Points/s through SDK → HTTP → server process → store (a SQLite file unless told), the server's CPU seconds, and bytes
 * stored per point. The server is warmed up first (`warmupPerSeries` points a series, by default a tenth of the points
 * and at most 1,000,000 in all, in an execution of their own, not timed): a server that has been running for a while has
 * its ingest path compiled, a fresh process does not.
 */
export async function ingestThroughSdk(
  series = 100, pointsPerSeries = 100_000, target: IngestTarget = sqliteTarget(), build: BenchBuild = {},
  warmupPerSeries = Math.min(Math.ceil(pointsPerSeries / 10), Math.ceil(1_000_000 / series)),
): Promise<SdkIngestFigures> {
  // Another build's SDK gets its own instance of the recording loop (a module URL of its own): one loop calling two
  // builds' record() would be polymorphic, inlined for neither, and measure both alike.
  const sdk = build.sdk ? await import(pathToFileURL(build.sdk).href) as RecordLoop.Sdk : await import('../src/sdk/index.js');
  const { recordExecution } = await import(build.sdk ? `./record-loop.js?sdk=${encodeURIComponent(build.sdk)}` : './record-loop.js') as typeof RecordLoop;
  const server = await startBenchServer(['--db', target.db], build.cli, build.nodeOptions);
  try {
    const client = sdk.connect({ url: server.url });
    const warmup = warmupPerSeries;
    await recordExecution(sdk, client, 'bench-warmup', series, warmup);
    const cpu0 = server.cpuSeconds();
    const main0 = server.mainThreadMs();
    const clientCpu0 = process.cpuUsage();
    const t0 = performance.now();
    await recordExecution(sdk, client, 'bench-ingest', series, pointsPerSeries);
    const seconds = (performance.now() - t0) / 1000;
    const serverCpuSeconds = server.cpuSeconds() - cpu0;
    const main1 = server.mainThreadMs();
    const running = (main1.running - main0.running) / 1000 / seconds, waiting = (main1.waiting - main0.waiting) / 1000 / seconds;
    const clientCpu = process.cpuUsage(clientCpu0);
    if (client.droppedPoints > 0) throw new Error(`ingest bench: the SDK dropped ${client.droppedPoints} points`);
    await client.close();
    await server.stop();
    const total = series * pointsPerSeries;
    return {
      pointsPerSecond: total / seconds, serverCpuSeconds, clientCpuSeconds: (clientCpu.user + clientCpu.system) / 1e6,
      serverMainThread: { running, waiting, idle: Math.max(0, 1 - running - waiting) }, bytesPerPoint: (await target.bytes()) / (total + series * warmup),
    };
  } finally {
    if (server.child.exitCode === null) await server.stop();
  }
}

/** Milliseconds from `record()` (throttle off) to the point arriving at a live-stream client on loopback. */
export async function recordToStreamLatency(points = 2000, intervalMs = 5): Promise<{ p50: number; p99: number }> {
  const server = await startBenchServer(['--db', ':memory:']);
  const client = connect({ url: server.url });
  const execution = client.startExecution('bench-latency');
  const stream = new TestStreamClient(server.url, [execution.id]);
  const metric = new Metric('latency_probe', { throttle: null });
  try {
    await stream.connect();
    const sentAt = new Map<number, number>();
    const latencies: number[] = [];
    await execution.run(async () => {
      for (let i = 0; i < points; i++) {
        sentAt.set(i, performance.now());
        metric.record(i, { at: i });
        await new Promise((r) => setTimeout(r, intervalMs));
      }
    });
    await stream.waitFor(() => stream.points(execution.id, 'latency_probe').x.length >= points, 30_000);
    for (const r of stream.events) {
      if (r.event.type !== 'points') continue;
      for (const s of r.event.series) for (const x of s.x) latencies.push(r.arrivedAt - sentAt.get(x)!);
    }
    latencies.sort((a, b) => a - b);
    return { p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
  } finally {
    stream.disconnect();
    await execution.end();
    await client.close();
    await server.stop();
  }
}

/** Server RSS while an SDK sends `rate` points/s for `seconds`: samples after a warm-up, and their spread. */
export async function rssUnderLoad(seconds: number, rate = 50_000): Promise<{ samplesMiB: number[]; spread: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'plotline-bench-'));
  const server = await startBenchServer(['--db', join(dir, 'rss.db')]);
  const client = connect({ url: server.url });
  const execution = client.startExecution('bench-rss');
  const metrics = Array.from({ length: 50 }, (_, i) => new Metric(`gauge_${i}`, { throttle: null }));
  const samples: number[] = [];
  // The first fifth is warm-up: SQLite's page cache and V8's heap grow to the load (about a minute at this rate).
  const warmup = seconds / 5;
  const t0 = performance.now();
  let x = 0;
  try {
    await execution.run(async () => {
      const perTick = rate / metrics.length / 10;
      let nextSample = warmup;
      for (;;) {
        const elapsed = (performance.now() - t0) / 1000;
        if (elapsed >= seconds) break;
        const due = Math.floor(elapsed * 10 * perTick);
        while (x < due) {
          for (const m of metrics) m.record(Math.random(), { at: x });
          x++;
        }
        if (elapsed >= nextSample) {
          samples.push(server.rssBytes() / 2 ** 20);
          nextSample += Math.max(1, seconds / 30);
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    });
    await execution.end();
  } finally {
    await client.close();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  const min = Math.min(...samples);
  const max = Math.max(...samples);
  return { samplesMiB: samples.map((s) => Math.round(s)), spread: (max - min) / min };
}

export interface SyncLoopFigures {
  /** Points the server stored over points recorded: 1 when nothing was lost. */
  storedRatio: number;
  /** Peak RSS of the recording process. */
  peakRssMiB: number;
  /** The loop itself, and from its end until `end()` resolved. */
  loopMs: number;
  endMs: number;
  /** Points waiting in the spool file when the loop ended. */
  spooled: number;
}

/**
 * "A synchronous loop of `points` points, server healthy": one process records `loss.record(1 / s, { at: s })` in a loop
 * that never yields, then awaits `end()` (bench/sync-loop-child.ts), against a server process with a file store.
 */
export async function syncLoop(points = 5_000_000): Promise<SyncLoopFigures> {
  const dir = mkdtempSync(join(tmpdir(), 'plotline-bench-'));
  const spool = mkdtempSync(join(tmpdir(), 'plotline-bench-spool-'));
  const server = await startBenchServer(['--db', join(dir, 'sync.db')]);
  try {
    const child = fileURLToPath(new URL('./sync-loop-child.js', import.meta.url));
    const env = { ...process.env, PLOTLINE_SPOOL_DIR: spool };
    const out = await new Promise<string>((resolve, reject) => {
      execFile(process.execPath, [child, server.url, String(points)], { env, maxBuffer: 1 << 20 }, (err, stdout, stderr) => {
        if (err) reject(new Error(`sync-loop child failed: ${err.message}\n${stderr}`));
        else resolve(stdout);
      });
    });
    const r = JSON.parse(out.trim().split('\n').at(-1)!) as { id: string; loopMs: number; endMs: number; spooled: number; maxRssBytes: number };
    const detail = await (await fetch(`${server.url}/api/executions/${r.id}`)).json() as { series: Array<{ key: string; count: number }> };
    const stored = detail.series.find((s) => s.key === 'loss')?.count ?? 0;
    return { storedRatio: stored / points, peakRssMiB: r.maxRssBytes / 2 ** 20, loopMs: r.loopMs, endMs: r.endMs, spooled: r.spooled };
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
    rmSync(spool, { recursive: true, force: true });
  }
}
