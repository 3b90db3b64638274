import { request, type IncomingMessage } from 'node:http';
import { connect, type Socket } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { BINARY_BATCH_TYPE, encodeBinaryBatch, LIMITS } from '../src/protocol/index.js';
import { percentile } from './machine.js';
import { startBenchServer, type BenchServer } from './server-process.js';

/**
 * Responsiveness under hostile or heavy load (issue 19): `/api/health` latency, probed from a worker thread against a real
 * `plotline serve` process, while (a) the worst reads the API allows run back to back, (b) 100 paused SSE followers watch
 * an execution 4 writers fill, (c) 1,000 slowloris connections are held. Target for each: p99 < 100 ms. The server's RSS is
 * sampled every 100 ms (peak shown).
 */

export interface Probe {
  samples: number;
  failed: number;
  p50: number;
  p99: number;
  max: number;
}

export interface ScenarioFigures {
  probe: Probe;
  /** Server RSS, MiB: before the load started, and the highest sample during it. */
  rssBeforeMiB: number;
  rssPeakMiB: number;
  /** 1-minute load average of the machine at the end of the scenario. */
  load: number;
  /** The server's CPU use while probed, in % of one core. */
  serverCpuPercent: number;
  /** What the load itself achieved (reads done, points written, connections held…). */
  notes: Array<[string, string]>;
}

const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const MiB = 1024 * 1024;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Probes `/api/health` and samples the server's RSS while `load` runs (it gets a flag telling it to stop). */
async function measure(server: BenchServer, seconds: number, load: (running: () => boolean) => Promise<Array<[string, string]>>): Promise<ScenarioFigures> {
  const rssBeforeMiB = server.rssBytes() / MiB;
  let rssPeak = rssBeforeMiB;
  const sampler = setInterval(() => { rssPeak = Math.max(rssPeak, server.rssBytes() / MiB); }, 100);
  let running = true;
  const loadDone = load(() => running);
  await sleep(500); // let the load get going before probing
  const worker = new Worker(new URL('./health-probe.js', import.meta.url), { workerData: { url: server.url, intervalMs: 10 } });
  const cpu0 = server.cpuSeconds();
  const t0 = performance.now();
  await sleep(seconds * 1000);
  const serverCpuPercent = (100 * (server.cpuSeconds() - cpu0)) / ((performance.now() - t0) / 1000);
  const result = new Promise<{ ms: number[]; failed: number }>((resolve) => worker.once('message', resolve));
  worker.postMessage('stop');
  const { ms, failed } = await result;
  await worker.terminate();
  running = false;
  const notes = await loadDone;
  clearInterval(sampler);
  ms.sort((a, b) => a - b);
  return {
    probe: { samples: ms.length, failed, p50: percentile(ms, 50), p99: percentile(ms, 99), max: ms[ms.length - 1] ?? NaN },
    rssBeforeMiB, rssPeakMiB: rssPeak, load: loadavg()[0]!, serverCpuPercent, notes,
  };
}

/** GETs `path` and drains the answer without parsing it; resolves with its status and size. */
function drain(url: string, path: string): Promise<{ status: number; bytes: number }> {
  return new Promise((resolve, reject) => {
    const req = request(new URL(path, url), { agent: false }, (res: IncomingMessage) => {
      let bytes = 0;
      res.on('data', (c: Buffer) => { bytes += c.length; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, bytes }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

async function post(url: string, body: Uint8Array<ArrayBuffer>): Promise<void> {
  const res = await fetch(`${url}/api/ingest`, { method: 'POST', body, headers: { 'content-type': BINARY_BATCH_TYPE } });
  if (!res.ok) throw new Error(`ingest refused (${res.status}): ${await res.text()}`);
}

function columns(n: number, x0: number): { x: Float64Array; y: Float64Array } {
  const x = new Float64Array(n);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    x[i] = x0 + i;
    y[i] = Math.sin((x0 + i) / 1000);
  }
  return { x, y };
}

/** (a) Stores a 1 M-point series and 255 smaller ones, then runs the worst reads the limits allow, one after another. */
async function worstReads(url: string, seconds: number, bigPoints: number) {
  const id = 'worst';
  await post(url, encodeBinaryBatch({ executions: [{ id, start: { name: 'worst read' } }] }));
  for (let at = 0; at < bigPoints; at += 250_000) {
    const c = columns(Math.min(250_000, bigPoints - at), at);
    await post(url, encodeBinaryBatch({ executions: [{ id, points: [{ key: 'big', ...c }] }] }));
  }
  const others = Array.from({ length: LIMITS.maxKeysPerRead - 1 }, (_, i) => `k${i}`);
  const perOther = Math.round(bigPoints / others.length);
  for (let i = 0; i < others.length; i += 16) {
    const batch = others.slice(i, i + 16).map((key) => ({ key, ...columns(perOther, 0) }));
    await post(url, encodeBinaryBatch({ executions: [{ id, points: batch }] }));
  }
  const q = (keys: string[]) => keys.map((k) => `key=${encodeURIComponent(k)}`).join('&');
  const manyKeys = `/api/executions/${id}/series?${q(['big', ...others])}&budget=${Math.floor(LIMITS.maxPointsPerRead / LIMITS.maxKeysPerRead)}`;
  const maxBudgetKeys = ['big', ...others.slice(0, LIMITS.maxPointsPerRead / LIMITS.maxBudget - 1)];
  const maxBudget = `/api/executions/${id}/series?${q(maxBudgetKeys)}&budget=${LIMITS.maxBudget}`;
  const bigOnly = `/api/executions/${id}/series?key=big`;
  const exportCsv = `/api/executions/${id}/export?key=big`;
  const reads: Array<[string, string]> = [
    [`${LIMITS.maxKeysPerRead} keys (1 M-point "big" + ${others.length} of ${fmt(perOther)}), budget ${Math.floor(LIMITS.maxPointsPerRead / LIMITS.maxKeysPerRead)}`, manyKeys],
    [`${maxBudgetKeys.length} keys at the largest budget ${fmt(LIMITS.maxBudget)}`, maxBudget],
    ['"big" alone, no budget (the default)', bigOnly],
    [`streamed CSV export of "big" (${fmt(bigPoints)} points)`, exportCsv],
  ];
  return async (running: () => boolean): Promise<Array<[string, string]>> => {
    const times = reads.map(() => [] as number[]);
    const sizes = reads.map(() => 0);
    for (let i = 0; running(); i = (i + 1) % reads.length) {
      const t0 = performance.now();
      const r = await drain(url, reads[i]![1]);
      if (r.status !== 200) throw new Error(`worst read ${reads[i]![0]} answered ${r.status}`);
      times[i]!.push(performance.now() - t0);
      sizes[i] = r.bytes;
    }
    void seconds;
    return reads.map(([what], i) => [
      `  ${what}`,
      `${times[i]!.length} runs, median ${fmt(percentile([...times[i]!].sort((a, b) => a - b), 50))} ms, ${fmt(sizes[i]! / MiB, 1)} MiB`,
    ]);
  };
}

/** (b) 100 followers that never read of an execution that 4 writers fill as fast as the server takes batches. */
async function pausedFollowers(url: string, followers: number, writers: number, pointsPerBatch: number) {
  const id = 'busy';
  await post(url, encodeBinaryBatch({ executions: [{ id, start: { name: 'busy' } }] }));
  const sockets: IncomingMessage[] = [];
  await Promise.all(Array.from({ length: followers }, () => new Promise<void>((resolve, reject) => {
    const req = request(`${url}/api/stream?follow=${id}`, { agent: false }, (res) => {
      res.pause(); // reads nothing: the server's socket buffers fill and it must stop writing to it
      sockets.push(res);
      resolve();
    });
    req.on('error', reject);
    req.end();
  })));
  return async (running: () => boolean): Promise<Array<[string, string]>> => {
    let points = 0;
    let batches = 0;
    const batchMs: number[] = [];
    const t0 = performance.now();
    await Promise.all(Array.from({ length: writers }, async (_, w) => {
      for (let x0 = 0; running(); x0 += pointsPerBatch / 4) {
        const keys = Array.from({ length: 4 }, (_k, k) => ({ key: `w${w}.m${k}`, ...columns(pointsPerBatch / 4, x0) }));
        const b0 = performance.now();
        await post(url, encodeBinaryBatch({ executions: [{ id, points: keys }] }));
        batchMs.push(performance.now() - b0);
        points += pointsPerBatch;
        batches++;
      }
    }));
    const seconds = (performance.now() - t0) / 1000;
    for (const s of sockets) s.destroy();
    batchMs.sort((a, b) => a - b);
    return [
      ['  written by the writers, points/s', `${fmt(points / seconds)} (${fmt(batches)} batches of ${fmt(pointsPerBatch)} points)`],
      ['  ingest answer time p50 / p99 / max, ms', `${fmt(percentile(batchMs, 50))} / ${fmt(percentile(batchMs, 99))} / ${fmt(batchMs[batchMs.length - 1] ?? NaN)}`],
    ];
  };
}

/** Opens a TCP connection and writes `head`; resolves once written. */
function openPartial(url: string, head: string): Promise<Socket> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const s = connect(Number(u.port), u.hostname, () => {
      s.write(head);
      resolve(s);
    });
    // Reads (and drops) what the server answers: a socket nobody reads never sees the server close it.
    s.resume();
    s.on('error', reject);
  });
}

/**
 * (c) Holds `count` slowloris connections: half send part of their headers, half their headers and 6 bytes of a 1,000-byte
 * body (then one more byte every 5 s, so the body-idle timeout never fires). Each one the server closes is opened again.
 */
function slowloris(url: string, count: number) {
  const head = 'POST /api/ingest HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ';
  const body = 'POST /api/ingest HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"exec';
  return async (running: () => boolean): Promise<Array<[string, string]>> => {
    const open = new Set<Socket>();
    let opened = 0, closedByServer = 0, refused = 0, minHeld = Infinity;
    const hold = async (text: string, trickle: boolean): Promise<void> => {
      while (running()) {
        let s: Socket;
        try {
          s = await openPartial(url, text);
        } catch {
          refused++;
          await sleep(100);
          continue;
        }
        opened++;
        open.add(s);
        const timer = trickle ? setInterval(() => s.write(' '), 5000) : null;
        await new Promise<void>((resolve) => {
          s.on('error', () => { /* a reset counts as closed */ });
          s.on('close', () => resolve());
          const stop = setInterval(() => { if (!running()) { clearInterval(stop); s.destroy(); } }, 200);
          s.on('close', () => clearInterval(stop));
        });
        if (timer) clearInterval(timer);
        open.delete(s);
        if (running()) closedByServer++;
      }
    };
    const all = [
      ...Array.from({ length: count / 2 }, () => hold(head, false)),
      ...Array.from({ length: count / 2 }, () => hold(body, true)),
    ];
    await sleep(2000);
    const watch = setInterval(() => { if (running()) minHeld = Math.min(minHeld, open.size); }, 100);
    await Promise.all(all);
    clearInterval(watch);
    return [
      ['  connections held at once, fewest seen', fmt(minHeld)],
      ['  opened / closed by the server / refused', `${fmt(opened)} / ${fmt(closedByServer)} / ${fmt(refused)}`],
    ];
  };
}

function rows(target: string, f: ScenarioFigures): Array<[string, string, string]> {
  return [
    [`/api/health p50 / p99 / max, ms (${fmt(f.probe.samples)} probes, ${f.probe.failed} failed)`,
      `${fmt(f.probe.p50, 1)} / ${fmt(f.probe.p99, 1)} / ${fmt(f.probe.max, 1)}`, target],
    ['server RSS, MiB: before the load → peak under it', `${fmt(f.rssBeforeMiB)} → ${fmt(f.rssPeakMiB)}`, ''],
    ['load average (1 min) at the end; server CPU, % of one core', `${fmt(f.load, 2)}; ${fmt(f.serverCpuPercent)} %`, ''],
    ...f.notes.map(([a, b]): [string, string, string] => [a, b, '']),
  ];
}

/** Runs the three scenarios (plus an idle baseline), each on its own fresh server process with a file database. */
export async function runHealthBench(
  quick: boolean, report: (title: string, rows: Array<[string, string, string]>) => void, opts: { before?: string } = {},
): Promise<void> {
  const seconds = quick ? 10 : 30;
  const dir = mkdtempSync(join(tmpdir(), 'plotline-health-bench-'));
  const withServer = async (name: string, fn: (s: BenchServer) => Promise<ScenarioFigures>, cli?: string): Promise<ScenarioFigures> => {
    const server = await startBenchServer(['--db', join(dir, `${name}.db`), '--statsd-port', 'off'], ...(cli ? [cli] : []));
    try {
      return await fn(server);
    } finally {
      await server.stop();
    }
  };
  try {
    if (opts.before) {
      // Scenario (a) only, from this build's server and another's, in alternating order (a drifting load favours neither).
      const cli = join(opts.before, 'src/cli/main.js');
      for (const [i, side] of ['this', 'before', 'before', 'this'].entries()) {
        const f = await withServer(`worst-read-${i}`, async (s) => measure(s, seconds, await worstReads(s.url, seconds, 1_000_000)), side === 'this' ? undefined : cli);
        report(`Responsiveness (a), ${side === 'this' ? 'this build' : `BEFORE: ${opts.before}`}: the worst allowed reads (${seconds} s)`, rows('target p99 < 100 ms', f));
      }
      return;
    }
    const idle = await withServer('idle', (s) => measure(s, Math.min(5, seconds), async (running) => {
      while (running()) await sleep(50);
      return [];
    }));
    report('Responsiveness: idle server (reference)', rows('', idle));

    const a = await withServer('worst-read', async (s) => measure(s, seconds, await worstReads(s.url, seconds, 1_000_000)));
    report(`Responsiveness (a): the worst allowed reads, back to back, on a 1 M-point series (${seconds} s)`, rows('target p99 < 100 ms', a));

    const b = await withServer('followers', async (s) => measure(s, seconds, await pausedFollowers(s.url, 100, 4, 20_000)));
    report(`Responsiveness (b): 100 paused SSE followers of an execution 4 writers fill (${seconds} s)`, rows('target p99 < 100 ms', b));

    const c = await withServer('slowloris', (s) => measure(s, seconds, slowloris(s.url, 1000)));
    report(`Responsiveness (c): 1,000 slowloris connections held, half headers and half bodies (${seconds} s)`, rows('target p99 < 100 ms', c));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
