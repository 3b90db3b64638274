/// <reference lib="dom" />
/**
 * The service page in `npm run bench:studio`: a service with the ten request panels and 20 custom metrics, 24 h of
 * traffic at 10 s intervals written straight into the rollup store; then navigation → every panel painted over 24 h,
 * and frame times while traffic streams live onto the page.
 */
import type { Browser, Page } from '@playwright/test';
import { ServicesEngine } from '../src/server/services/engine.js';
import { SqliteRollups } from '../src/server/services/sqlite-rollups.js';
import { report } from './machine.js';
import { startBenchServer } from './server-process.js';
import { measureFrames, waitForPanels } from './studio-wait.js';

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

/** The service-page benchmark: seeds `db` (a fresh SQLite path), serves it, and reports. */
export async function runServicePageBench(browser: Browser, opts: { db: string; quick: boolean }): Promise<void> {
  const t0 = performance.now();
  const intervals = await seedService(opts.db, 24);
  console.log(`seeded ${SERVICE}: ${intervals.toLocaleString('en-US')} intervals of 10 s (24 h), 10 request panels + 20 custom metrics, in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  const server = await startBenchServer(['--db', opts.db, '--statsd-port', 'off']);
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  try {
    await page.goto(`${server.url}/services`);
    const times: number[] = [];
    for (let run = 0; run < 3; run++) {
      const start = Date.now();
      await page.goto(`${server.url}/services/${SERVICE}?range=24h`);
      await waitForPanels(page, 30);
      times.push(Date.now() - start);
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
    let reads = 0;
    const count = (r: { url(): string }) => { if (r.url().includes('/series?')) reads++; };
    page.on('request', count);
    const seconds = opts.quick ? 8 : 20;
    const frames = await measureFrames(page, seconds);
    page.off('request', count);
    sending = false;
    await producer;
    report(`Service page: 10 request panels + 20 custom panels, 24 h at 10 s intervals (${SERVICE})`, [
      ['navigation → all 30 panels painted, ms (median of 3)', String([...times].sort((a, b) => a - b)[1]), 'target < 1000'],
      ['each run, ms', times.join(' '), ''],
      [`frame time p95 while live (traffic 5×/s), ${seconds} s, ms`, frames.p95.toFixed(1), 'target ≤ 16.7'],
      ['long tasks over 50 ms while live', String(frames.longTasks.filter((d) => d > 50).length), 'target 0'],
      ['series reads while live (the stream draws the edge)', String(reads), ''],
    ]);
  } finally {
    await page.close();
    await server.stop();
  }
}
