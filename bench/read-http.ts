/**
 * Whole-series reads into ~2,000 points, in process and over HTTP, interleaved on the same file (issue #20's W1 and W2
 * series, packed by compaction as a finished execution is): where the time of an HTTP read goes. Each round reads the
 * same series in process (`store.readSeries`), over HTTP as JSON and as binary frames (fetch), and as JSON through
 * `node:http` on a kept-alive connection (no fetch); the figures are medians over the rounds, with time to the first
 * byte of the answer, and each process's main-thread CPU time and run-queue wait (on a loaded machine most of the wall time
 * is waiting for a CPU). `npm run build:node && node dist/bench/read-http.js [--quick] [--rounds N] [--before OTHER/dist]`
 * (`--before`: also the HTTP reads of another build's server, interleaved, for a before/after comparison).
 */
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { Agent, get } from 'node:http';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { decodeSeriesBinary, SERIES_BINARY_TYPE } from '../src/protocol/index.js';
import { applyBatch } from '../src/server/ingest/apply.js';
import { openStore } from '../src/server/store/index.js';
import { machineLine, median, report } from './machine.js';
import { startBenchServer } from './server-process.js';
import { W1, W2, type Workload } from './workloads.js';

const SERIES = 3;

async function seed(path: string, scale: number): Promise<Array<{ w: Workload; keys: string[] }>> {
  const store = await openStore(path);
  const out: Array<{ w: Workload; keys: string[] }> = [];
  for (const w of [W1, W2]) {
    const id = w.name;
    await applyBatch(store, { executions: [{ id, start: { name: w.name } }] }, Date.now());
    const keys: string[] = [];
    for (let s = 0; s < SERIES; s++) {
      const n = Math.round(w.perSeries * scale);
      const { key, x, y } = w.generate(s * 10, n);
      keys.push(key);
      for (let from = 0; from < n; from += 20_000) {
        const to = Math.min(n, from + 20_000);
        await applyBatch(store, { batchId: `${id}-${s}-${from}`, executions: [{ id, points: [{ key, x: x.subarray(from, to), y: y.subarray(from, to) }] }] }, Date.now());
      }
    }
    out.push({ w, keys });
  }
  await store.compact();
  await store.close();
  return out;
}

/** GET through node:http on a kept-alive agent: ms to the first byte and to the end, and the body. */
function nodeGet(url: string, agent: Agent, headers: Record<string, string>): Promise<{ ttfb: number; ms: number; body: Buffer }> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    get(url, { agent, headers }, (res) => {
      let ttfb = -1;
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => {
        if (ttfb < 0) ttfb = performance.now() - t0;
        parts.push(c);
      });
      res.on('end', () => resolve({ ttfb, ms: performance.now() - t0, body: Buffer.concat(parts) }));
      res.on('error', reject);
    }).on('error', reject);
  });
}

/** CPU time and run-queue wait of a process's main thread (its event loop), ms (Linux `/proc/<pid>/task/<pid>/schedstat`). */
export function threadTimes(pid: number): { cpu: number; wait: number } {
  const [cpu, wait] = readFileSync(`/proc/${pid}/task/${pid}/schedstat`, 'utf8').split(' ').map(Number);
  return { cpu: cpu! / 1e6, wait: wait! / 1e6 };
}

interface Sample { wall: number; ttfb: number; clientCpu: number; clientWait: number; serverCpu: number; serverWait: number }

export async function readHttpBench(quick: boolean, rounds: number): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'plotline-read-http-'));
  const path = join(dir, 'bench.db');
  try {
    const sets = await seed(path, quick ? 0.2 : 1);
    const server = await startBenchServer(['--db', path]);
    // A SQLite file serves one process: the in-process reads go to a copy of it.
    copyFileSync(path, join(dir, 'copy.db'));
    const store = await openStore(join(dir, 'copy.db'));
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const spid = server.child.pid!;
    // `--before DIST`: the same HTTP reads from another build's server (on its own copy of the file), interleaved.
    const beforeAt = process.argv.indexOf('--before');
    let before: Awaited<ReturnType<typeof startBenchServer>> | null = null;
    if (beforeAt >= 0) {
      copyFileSync(path, join(dir, 'before.db'));
      before = await startBenchServer(['--db', join(dir, 'before.db')], join(process.argv[beforeAt + 1]!, 'src/cli/main.js'));
    }
    try {
      for (const { w, keys } of sets) {
        const ways: Record<string, (url: string, key: string) => Promise<{ n: number; ttfb: number }>> = {
          'in process (store.readSeries)': async (_url, key) => ({ n: (await store.readSeries(w.name, [key], { budget: 2000 }))[0]!.x.length, ttfb: NaN }),
          'HTTP JSON, fetch + .json() (as bench:peers)': async (url) => ({ n: ((await (await fetch(url)).json()) as { series: Array<{ x: number[] }> }).series[0]!.x.length, ttfb: NaN }),
          'HTTP binary, fetch + decode': async (url) => {
            const res = await fetch(url, { headers: { accept: SERIES_BINARY_TYPE } });
            return { n: decodeSeriesBinary(await res.arrayBuffer())[0]!.x.length, ttfb: NaN };
          },
          'HTTP JSON, node:http keep-alive': async (url) => {
            const r = await nodeGet(url, agent, {});
            return { n: (JSON.parse(r.body.toString()) as { series: Array<{ x: number[] }> }).series[0]!.x.length, ttfb: r.ttfb };
          },
          'HTTP binary, node:http keep-alive': async (url) => {
            const r = await nodeGet(url, agent, { accept: SERIES_BINARY_TYPE });
            return { n: decodeSeriesBinary(r.body.buffer.slice(r.body.byteOffset, r.body.byteOffset + r.body.length) as ArrayBuffer)[0]!.x.length, ttfb: r.ttfb };
          },
        };
        if (before) {
          const b = before;
          ways['HTTP binary, node:http keep-alive — BEFORE build'] = async (url) => {
            const r = await nodeGet(url.replace(server.url, b.url), agent, { accept: SERIES_BINARY_TYPE });
            return { n: decodeSeriesBinary(r.body.buffer.slice(r.body.byteOffset, r.body.byteOffset + r.body.length) as ArrayBuffer)[0]!.x.length, ttfb: r.ttfb };
          };
          ways['HTTP JSON, fetch + .json() — BEFORE build'] = async (url) => ({
            n: ((await (await fetch(url.replace(server.url, b.url))).json()) as { series: Array<{ x: number[] }> }).series[0]!.x.length, ttfb: NaN,
          });
        }
        const samples = new Map<string, Sample[]>(Object.keys(ways).map((k) => [k, []]));
        let points = 0;
        for (let r = -2; r < rounds; r++) {
          const key = keys[(r + keys.length) % keys.length]!;
          const url = `${server.url}/api/executions/${w.name}/series?key=${encodeURIComponent(key)}&budget=2000`;
          for (const [name, way] of Object.entries(ways)) {
            const c0 = threadTimes(process.pid);
            const pid = name.includes('BEFORE') ? before!.child.pid! : spid;
            const s0 = threadTimes(pid);
            const t0 = performance.now();
            const got = await way(url, key);
            const wall = performance.now() - t0;
            const c1 = threadTimes(process.pid);
            const s1 = threadTimes(pid);
            points = got.n;
            if (r >= 0) {
              samples.get(name)!.push({
                wall, ttfb: got.ttfb, clientCpu: c1.cpu - c0.cpu, clientWait: c1.wait - c0.wait, serverCpu: s1.cpu - s0.cpu, serverWait: s1.wait - s0.wait,
              });
            }
          }
        }
        const m = (v: number[]) => median(v).toFixed(1);
        report(`${w.name}: whole-series read of ${Math.round(w.perSeries * (quick ? 0.2 : 1)).toLocaleString('en-US')} points into ${points}, median of ${rounds} interleaved rounds (load average ${loadavg().map((l) => l.toFixed(1)).join(' ')})`, [
          ['way: wall ms (min) | first byte | client CPU, run-queue wait | server CPU, run-queue wait', '', ''],
          ...[...samples].map(([name, v]): [string, string, string] => [
            name,
            `${m(v.map((x) => x.wall))} (${Math.min(...v.map((x) => x.wall)).toFixed(1)}) | ${m(v.map((x) => x.ttfb))} | ${m(v.map((x) => x.clientCpu))}, ${m(v.map((x) => x.clientWait))} | ${m(v.map((x) => x.serverCpu))}, ${m(v.map((x) => x.serverWait))}`,
            '',
          ]),
        ]);
      }
    } finally {
      agent.destroy();
      await store.close();
      await server.stop();
      await before?.stop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const argv = process.argv.slice(2);
  const quick = argv.includes('--quick');
  const at = argv.indexOf('--rounds');
  console.log(`Plotline whole-series reads, in process vs HTTP, on ${machineLine()}${quick ? ' (quick)' : ''}`);
  readHttpBench(quick, at >= 0 ? Number(argv[at + 1]) : quick ? 9 : 21).then(() => process.exit(0), (err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
