/// <reference lib="dom" />
/**
 * The service page in `npm run bench:studio`: a service with the ten request panels and 20 custom metrics, 24 h of
 * traffic at 10 s intervals written straight into the rollup store; then navigation → every panel painted over 24 h,
 * and frame times while traffic streams live onto the page.
 */
import type { Browser, Page } from '@playwright/test';
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { loadavg } from 'node:os';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ServicesEngine } from '../src/server/services/engine.js';
import { SqliteRollups } from '../src/server/services/sqlite-rollups.js';
import { report } from './machine.js';
import { startBenchServer } from './server-process.js';
import { measureFrames, waitForPanels } from './studio-wait.js';
import { MEASURE_CATEGORIES, summariseMainThread } from './trace-summary.js';

const SERVICE = 'bench-api';
const HOUR = 3_600_000;
const INTERVAL = 10_000;
const KINDS = ['c', 'g', 'd'] as const;

/** One interval's DogStatsD lines (with `|T`): requests on 2 replicas × 3 status codes, in-flight, 20 custom metrics. */
function intervalLines(at: number, k: number, timestamp: boolean): string[] {
  const t = timestamp ? `|T${Math.floor(at / 1000)}` : '';
  const lines: string[] = [];
  for (const host of ['api-1', 'api-2']) {
    for (const [status, n] of [[200, 20], [404, 2], [500, (k % 90) < 6 ? 4 : 0]] as const) {
      if (n === 0) continue;
      const values = Array.from({ length: n }, (_, i) => (0.02 + 0.03 * Math.abs(Math.sin(k / 50 + i)) + (i === 0 ? 0.2 : 0)).toFixed(4));
      lines.push(`http.server.request.duration:${values.join(':')}|d|#host:${host},http.response.status_code:${status},http.route:/predict${t}`);
    }
    lines.push(`http.server.active_requests:${2 + (k % 7)}|g|#host:${host}${t}`);
  }
  for (let m = 0; m < 20; m++) {
    const kind = KINDS[m % 3]!;
    const value = kind === 'c' ? 1 + (k % 5) : (10 + m + 5 * Math.sin(k / 30 + m)).toFixed(3);
    lines.push(`model_${Math.floor(m / 5)}.metric_${m}:${value}|${kind}|#model:v${m % 2}${t}`);
  }
  return lines;
}

/** Writes 24 h of the service into the SQLite file `db` (through the engine, so every tier is filled as it is live). */
async function seedService(db: string, hours: number): Promise<number> {
  const engine = new ServicesEngine({ store: new SqliteRollups(db) });
  const now = Date.now();
  const first = now - hours * HOUR - (now % INTERVAL);
  let k = 0;
  for (let chunk = first; chunk < now - INTERVAL; chunk += HOUR) {
    const lines: string[] = [];
    for (let at = chunk; at < Math.min(chunk + HOUR, now - INTERVAL); at += INTERVAL) lines.push(...intervalLines(at, k++, true));
    engine.ingestHttp(lines.join('\n'), SERVICE);
    await engine.flush(Math.min(chunk + HOUR, now - INTERVAL));
  }
  await engine.close();
  return k;
}

/** A static file's content type, for the baseline studio served through page.route. */
const TYPES: Record<string, string> = { '.js': 'text/javascript', '.css': 'text/css', '.html': 'text/html', '.svg': 'image/svg+xml' };

/**
 * Serves the studio's files from `dir` (an earlier build) instead of the server's, the API and stream still from the
 * server: one run measures the earlier and the current studio alternately, under the same load.
 */
export async function useStudioFrom(page: Page, serverUrl: string, dir: string | null): Promise<void> {
  await page.unroute('**/*');
  if (!dir) return;
  await page.route('**/*', async (route) => {
    const url = new URL(route.request().url());
    if (!url.href.startsWith(serverUrl) || url.pathname.startsWith('/api/')) return route.continue();
    const file = join(dir, url.pathname);
    const path = url.pathname !== '/' && existsSync(file) && statSync(file).isFile() ? file : join(dir, 'index.html');
    await route.fulfill({ body: readFileSync(path), contentType: TYPES[extname(path)] ?? 'application/octet-stream' });
  });
}


interface Variant {
  name: string;
  /** The studio's build directory; null: the server's own (this build). */
  studio: string | null;
}

/**
 * The service-page benchmark: seeds `db` (a fresh SQLite path), serves it, and reports. With `baseline` (the directory of
 * an earlier studio build, `dist/studio` copied before a change), the earlier and the current studio are measured in
 * turns in the same run. Each live run is traced (`<trace dir>/services-<variant>-<run>.trace.json`, DevTools'
 * Performance panel opens it) for the page main thread's busy ms per second.
 */
export async function runServicePageBench(browser: Browser, opts: { db: string; quick: boolean; baseline?: string | null; traceDir: string; profile?: boolean }): Promise<void> {
  const t0 = performance.now();
  const intervals = await seedService(opts.db, 24);
  console.log(`seeded ${SERVICE}: ${intervals.toLocaleString('en-US')} intervals of 10 s (24 h), 10 request panels + 20 custom metrics, in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  const server = await startBenchServer(['--db', opts.db, '--statsd-port', 'off']);
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  // Both served through page.route when compared (it intercepts every request, the API's too: same cost for both).
  const variants: Variant[] = opts.baseline
    ? [{ name: 'before', studio: opts.baseline }, { name: 'after', studio: fileURLToPath(new URL('../studio', import.meta.url)) }]
    : [{ name: 'this build', studio: null }];
  mkdirSync(opts.traceDir, { recursive: true });
  try {
    await page.goto(`${server.url}/services`);
    const times = new Map(variants.map((v) => [v.name, [] as number[]]));
    for (let run = 0; run < 3; run++) {
      for (const v of variants) {
        await useStudioFrom(page, server.url, v.studio);
        const start = Date.now();
        await page.goto(`${server.url}/services/${SERVICE}?range=24h`);
        await waitForPanels(page, 30);
        times.get(v.name)!.push(Date.now() - start);
      }
    }
    // Live: a replica sending its interval's traffic 5 times a second over HTTP, as instrumentHttp's flushes would.
    let k = 0;
    let sending = true;
    const producer = (async () => {
      while (sending) {
        const body = intervalLines(Date.now(), k++, false).join('\n');
        await fetch(`${server.url}/api/ingest/statsd?service=${SERVICE}`, { method: 'POST', body, headers: { 'content-type': 'text/plain' } }).catch(() => {});
        await new Promise((r) => setTimeout(r, 200));
      }
    })();
    const seconds = opts.quick ? 8 : 20;
    const rounds = opts.baseline ? 2 : 1;
    const live = new Map(variants.map((v) => [v.name, [] as Array<{ p95: number; longTasks: number[]; busy: number; cpu: number; kinds: { commit: number; paint: number; js: number }; traceLong: number; reads: number; load: number }>]));
    try {
      for (let round = 0; round < rounds; round++) {
        for (const v of variants) {
          await useStudioFrom(page, server.url, v.studio);
          await page.goto(`${server.url}/services/${SERVICE}?range=24h`);
          await waitForPanels(page, 30);
          // The first live events after the page opened (the tail since history) are not the steady state.
          await page.waitForTimeout(2000);
          let reads = 0;
          const count = (r: { url(): string }) => { if (r.url().includes('/series?')) reads++; };
          page.on('request', count);
          const tracePath = join(opts.traceDir, `services-${v.name.replace(/\s+/g, '-')}-${round + 1}.trace.json`);
          // Without --profile, no JS sampling (its interrupts cost the page main-thread time of their own).
          await browser.startTracing(page, { path: tracePath, screenshots: false, categories: MEASURE_CATEGORIES });
          const frames = await measureFrames(page, seconds);
          await browser.stopTracing();
          page.off('request', count);
          const main = summariseMainThread(JSON.parse(readFileSync(tracePath, 'utf8')));
          const cpuOf = (...names: string[]) => (main?.byName ?? []).filter((n) => names.includes(n.name)).reduce((a, n) => a + n.cpuMsPerSecond, 0);
          live.get(v.name)!.push({
            ...frames, busy: main?.busyMsPerSecond ?? NaN, cpu: main?.cpuMsPerSecond ?? NaN, traceLong: main?.longTasks ?? NaN, reads, load: loadavg()[0]!,
            kinds: { commit: cpuOf('Commit'), paint: cpuOf('Paint', 'Layout', 'PrePaint', 'Layerize', 'UpdateLayoutTree'), js: cpuOf('FunctionCall', 'FireAnimationFrame', 'TimerFire', 'RunMicrotasks', 'EventDispatch') },
          });
        }
      }
    } finally {
      sending = false;
      await producer;
    }
    const rows: Array<[string, string, string]> = [];
    for (const v of variants) {
      const ts = times.get(v.name)!;
      const runs = live.get(v.name)!;
      const each = (f: (r: (typeof runs)[number]) => string) => runs.map(f).join(' / ');
      rows.push(
        [`${v.name}: navigation → all 30 panels painted, ms (median of 3)`, String([...ts].sort((a, b) => a - b)[1]), 'target < 1000'],
        [`${v.name}: each run, ms`, ts.join(' '), ''],
        [`${v.name}: frame time p95 while live (traffic 5×/s), ${seconds} s, ms`, each((r) => r.p95.toFixed(1)), 'target ≤ 16.7'],
        [`${v.name}: long tasks over 50 ms while live`, each((r) => String(r.longTasks.filter((d) => d > 50).length)), 'target 0'],
        [`${v.name}: main thread busy while live, ms per s (trace, wall)`, each((r) => r.busy.toFixed(0)), ''],
        [`${v.name}: main thread CPU while live, ms per s (trace, thread time)`, each((r) => r.cpu.toFixed(0)), ''],
        [`${v.name}: … of which commit / paint+layout / JS (self), ms per s`, each((r) => [r.kinds.commit, r.kinds.paint, r.kinds.js].map((x) => x.toFixed(0)).join(' ')), ''],
        [`${v.name}: tasks over 50 ms in the trace`, each((r) => String(r.traceLong)), ''],
        [`${v.name}: series reads while live (the stream draws the edge)`, each((r) => String(r.reads)), ''],
        [`${v.name}: load average (1 min) at the end of each live run`, each((r) => r.load.toFixed(1)), ''],
      );
    }
    report(`Service page: 10 request panels + 20 custom panels, 24 h at 10 s intervals (${SERVICE}); traces in ${opts.traceDir}`, rows);
  } finally {
    await page.close();
    await server.stop();
  }
}
