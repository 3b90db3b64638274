/// <reference lib="dom" />
/**
 * Issue #17's figures (`npm run bench:studio -- --only=data`, also at the end of a full run):
 *  1. smoothing a 1,000,000-point series: each algorithm alone (Node), the server's smoothed read (cold: points read from the
 *     store; warm: a slider move; what series too long for the tab use), and in the browser the time from the slider's input
 *     event to the frame with the smoothed line drawn (timed in the page), EMA and Gaussian (`--only=smoothing`: only this;
 *     `--profile DIR`: traces, and the main thread's CPU per move from them);
 *  2. CSV export of a 10,000,000-point series (--quick: 2,000,000): seconds and peak RSS of the server, read by Node and
 *     downloaded by the browser (peak RSS of all its processes).
 */
import { chromium, type Browser } from '@playwright/test';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { smoothSeries, SMOOTHING_ALGORITHMS } from '../src/protocol/index.js';
import { applyBatch } from '../src/server/ingest/apply.js';
import { openStore } from '../src/server/store/index.js';
import { median, report } from './machine.js';
import { startBenchServer, type BenchServer } from './server-process.js';
import { waitForPanels } from './studio-wait.js';
import { profileDuring } from './profile.js';

/** Writes one finished execution with one series of `points` points (x = step) straight into a store file. */
async function seedSeries(dbPath: string, id: string, points: number): Promise<void> {
  const store = await openStore(dbPath);
  await applyBatch(store, { executions: [{ id, start: { name: `bench: ${points} points`, startedAt: Date.now() - 3_600_000 }, definitions: [{ key: 'loss', group: { name: 'training', units: 'step' } }] }] }, Date.now());
  const step = 100_000;
  for (let from = 0; from < points; from += step) {
    const x = Float64Array.from({ length: Math.min(step, points - from) }, (_, i) => from + i + 1);
    await applyBatch(store, { executions: [{ id, points: [{ key: 'loss', x, y: x.map((v) => Math.exp(-v / 3e5) + 0.2 * Math.sin(v * 0.37) + (v % 997 === 0 ? 2 : 0)) }] }] }, Date.now());
  }
  await applyBatch(store, { executions: [{ id, end: { status: 'succeeded' } }] }, Date.now());
  await store.close();
}

/** RSS of a process and all its descendants, bytes (Linux /proc). */
function treeRss(root: number): number {
  const children = new Map<number, number[]>();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(d)]);
    } catch { /* gone */ }
  }
  let total = 0;
  const visit = (pid: number) => {
    try {
      total += Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) * 1024;
    } catch { /* gone */ }
    for (const c of children.get(pid) ?? []) visit(c);
  };
  visit(root);
  return total;
}

/** Samples `measure` every 50 ms while `work` runs; resolves with its result and the peak sample. */
async function peakDuring<T>(measure: () => number, work: () => Promise<T>): Promise<{ result: T; peak: number }> {
  let peak = measure();
  const timer = setInterval(() => { peak = Math.max(peak, measure()); }, 50);
  try {
    const result = await work();
    return { result, peak: Math.max(peak, measure()) };
  } finally {
    clearInterval(timer);
  }
}

const mib = (b: number) => (b / 2 ** 20).toFixed(0);

async function smoothingBench(server: BenchServer, browser: Browser, id: string, profileDir: string | null): Promise<void> {
  const n = 1_000_000;
  const x = Float64Array.from({ length: n }, (_, i) => i + 1);
  const y = x.map((v) => Math.exp(-v / 3e5) + 0.2 * Math.sin(v * 0.37));
  const rows: Array<[string, string, string]> = [];
  for (const a of SMOOTHING_ALGORITHMS) {
    const times: number[] = [];
    for (let r = 0; r < 5; r++) {
      const t = performance.now();
      smoothSeries(a, x, y, 0.9);
      times.push(performance.now() - t);
    }
    rows.push([`${a} of 1,000,000 points in Node, ms (median of 5)`, median(times).toFixed(1), '']);
  }
  const read = async (w: number) => {
    const t = performance.now();
    const res = await fetch(`${server.url}/api/executions/${id}/series?key=loss&budget=4000&smooth=gaussian:${w}`);
    await res.json();
    return performance.now() - t;
  };
  rows.push(['server smoothed read, cold (1M points from the store), ms', (await read(0.5)).toFixed(0), '']);
  const warm = [];
  for (let i = 0; i < 5; i++) warm.push(await read(0.6 + i / 100));
  rows.push(['server smoothed read, warm (a slider move), ms (median of 5)', median(warm).toFixed(0), '']);

  const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  await page.goto(`${server.url}/executions/${id}`);
  await waitForPanels(page, 1);
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Performance.enable');
  // Main-thread busy time of the page (all its tasks: script, layout, paint), seconds: less noisy than wall time on a loaded machine.
  const busy = async () => (await cdp.send('Performance.getMetrics')).metrics.find((m) => m.name === 'TaskDuration')!.value;
  const panel = page.getByRole('region', { name: 'training' });
  await panel.getByRole('button', { name: 'Panel options' }).click();
  const wall: number[] = [];
  const cpu: number[] = [];
  const serverCpu: number[] = [];
  const moves = ['0.5', '0.7', '0.8', '0.9', '0.95', '0.6', '0.85'];
  let algorithm = 'ema';
  const move = async (w: string) => {
    await page.waitForTimeout(400); // past any refetch spacing: each move stands alone
    const want = `${algorithm}:${w}`;
    // Timed in the page: from the slider's input event to the animation frame after the chart drew the line smoothed as
    // asked (the chart's host says which smoothing its line has: data-smoothing). No polling from here meanwhile.
    await page.evaluate((want) => {
      const host = document.querySelector<HTMLElement>('[aria-label="training"] [data-smoothing]')!;
      (window as unknown as { moved: Promise<number> }).moved = new Promise<number>((resolve) => {
        let t0 = NaN;
        document.addEventListener('input', () => { t0 = performance.now(); }, { capture: true, once: true });
        const mo = new MutationObserver(() => {
          if (host.dataset.smoothing !== want || Number.isNaN(t0)) return;
          mo.disconnect();
          requestAnimationFrame(() => resolve(performance.now() - t0));
        });
        mo.observe(host, { attributes: true, attributeFilter: ['data-smoothing'] });
      });
    }, want);
    const [busy0, server0] = [await busy(), server.cpuSeconds()];
    await panel.getByRole('slider', { name: 'Smoothing' }).fill(w);
    const wall = await page.evaluate(() => (window as unknown as { moved: Promise<number> }).moved);
    return { wall, cpu: (await busy() - busy0) * 1000, server: (server.cpuSeconds() - server0) * 1000 };
  };
  await move(moves[0]!); // the first move reads the points
  await profileDuring(profileDir, page, 'smoothing-moves', async () => {
    for (const w of moves.slice(1)) {
      const m = await move(w);
      wall.push(m.wall);
      cpu.push(m.cpu);
      serverCpu.push(m.server);
    }
  });
  // The costliest algorithm (three passes over every point), moved the same way.
  await panel.getByRole('combobox', { name: 'Smoothing algorithm' }).selectOption('gaussian');
  algorithm = 'gaussian';
  const gaussian: Array<{ wall: number; cpu: number }> = [];
  await profileDuring(profileDir, page, 'gaussian-moves', async () => {
    for (const w of moves.slice(1)) gaussian.push(await move(w));
  });
  await cdp.detach();
  await page.close();
  const load = loadavg().map((l) => l.toFixed(1)).join(' ');
  rows.push(['browser: slider input → frame with the smoothed line drawn, ms (median of 6)', median(wall).toFixed(0), `target < 100 (load ${load})`]);
  rows.push(['browser: main-thread busy per move (with the harness\' fill), ms (median of 6)', median(cpu).toFixed(0), '']);
  rows.push(['server CPU per move, ms (median of 6, 10 ms ticks)', median(serverCpu).toFixed(0), '']);
  rows.push(['gaussian: slider input → frame drawn, ms (median of 6)', median(gaussian.map((g) => g.wall)).toFixed(0), 'target < 100']);
  rows.push(['gaussian: main-thread busy per move, ms (median of 6)', median(gaussian.map((g) => g.cpu)).toFixed(0), '']);
  if (profileDir) {
    rows.push(...traceBreakdown(join(profileDir, 'smoothing-moves.trace.json'), moves.length - 1, 'ema'));
    rows.push(...traceBreakdown(join(profileDir, 'gaussian-moves.trace.json'), moves.length - 1, 'gaussian'));
  }
  report('Smoothing a 1,000,000-point series (drawn: smoothed from every point)', rows);
}

/**
 * Main-thread CPU time (the trace's thread clock, `tdur`: not counting time the thread waited for a core) per move of the
 * page's input handling (React, the URL), its animation-frame draws (smoothing, M4, uPlot) and its frame commits.
 */
function traceBreakdown(path: string, moves: number, what: string): Array<[string, string, string]> {
  type Event = { name: string; ph: string; pid: number; tid: number; tdur?: number; args?: { name?: string } };
  const parsed = JSON.parse(readFileSync(path, 'utf8')) as { traceEvents: Event[] } | Event[];
  const events = Array.isArray(parsed) ? parsed : parsed.traceEvents;
  const main = events.find((e) => e.ph === 'M' && e.name === 'thread_name' && e.args?.name === 'CrRendererMain');
  const sum = (name: string) => events.filter((e) => e.ph === 'X' && e.name === name && e.pid === main?.pid && e.tid === main?.tid)
    .reduce((n, e) => n + (e.tdur ?? 0), 0) / 1000 / moves;
  return [
    [`${what}: input events (React, URL), main-thread CPU ms per move`, sum('EventDispatch').toFixed(0), '(trace thread time)'],
    [`${what}: animation-frame draws (smoothing, M4, uPlot), CPU ms per move`, sum('FireAnimationFrame').toFixed(0), ''],
    [`${what}: frame commits, CPU ms per move`, sum('Commit').toFixed(0), ''],
  ];
}

async function exportBench(server: BenchServer, browser: Browser, id: string, points: number): Promise<void> {
  const url = `${server.url}/api/executions/${id}/export?key=loss&format=csv`;
  const node = await peakDuring(() => server.rssBytes(), async () => {
    const t = performance.now();
    const res = await fetch(url);
    let bytes = 0;
    let lines = 0;
    const reader = res.body!.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      bytes += value.length;
      for (let i = 0; i < value.length; i++) if (value[i] === 10) lines++;
    }
    return { seconds: (performance.now() - t) / 1000, bytes, lines };
  });
  const page = await browser.newPage();
  await page.goto(`${server.url}/`);
  // Playwright's driver and Chromium run under this process: their RSS is the tree's minus this process's own.
  const browserRss = () => treeRss(process.pid) - process.memoryUsage().rss;
  const viaBrowser = await peakDuring(() => server.rssBytes(), async () => {
    const t = performance.now();
    let browserPeak = browserRss();
    const timer = setInterval(() => { browserPeak = Math.max(browserPeak, browserRss()); }, 200);
    try {
      const [download] = await Promise.all([page.waitForEvent('download', { timeout: 600_000 }), page.evaluate((u) => {
        const a = document.createElement('a');
        a.href = u;
        a.download = 'bench.csv';
        document.body.append(a);
        a.click();
      }, url)]);
      const path = await download.path();
      return { seconds: (performance.now() - t) / 1000, bytes: path ? statSync(path).size : 0, browserPeak };
    } finally {
      clearInterval(timer);
    }
  });
  await page.close();
  report(`CSV export of ${points.toLocaleString('en')} points (streamed, full resolution)`, [
    ['rows read by Node (header + points)', node.result.lines.toLocaleString('en'), `expect ${(points + 1).toLocaleString('en')}`],
    ['Node fetch: seconds', node.result.seconds.toFixed(1), ''],
    ['Node fetch: MB/s', (node.result.bytes / 1e6 / node.result.seconds).toFixed(0), ''],
    ['server peak RSS during the Node fetch, MiB', mib(node.peak), 'flat in the point count: one window held'],
    ['browser download: seconds', viaBrowser.result.seconds.toFixed(1), ''],
    ['browser download: bytes', viaBrowser.result.bytes.toLocaleString('en'), ''],
    ['server peak RSS during the browser download, MiB', mib(viaBrowser.peak), ''],
    ['peak RSS of Chromium (all processes) + Playwright driver, MiB', mib(viaBrowser.result.browserPeak), 'streams to disk'],
  ]);
}

/**
 * Runs both benchmarks on a store of their own under `dir` (`smoothingOnly`: just the smoothing one, `--only=smoothing`;
 * the export then is not seeded).
 */
export async function runDataBenches(
  dir: string, quick: boolean, chromiumPath: string, args: string[], smoothingOnly = false, profileDir: string | null = null,
): Promise<void> {
  const db = join(dir, 'data.db');
  const exportPoints = quick ? 2_000_000 : 10_000_000;
  const t0 = performance.now();
  await seedSeries(db, 'smooth-1m', 1_000_000);
  if (!smoothingOnly) await seedSeries(db, 'export-big', exportPoints);
  console.log(`seeded 1,000,000${smoothingOnly ? '' : ` + ${exportPoints.toLocaleString('en')}`} points in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  const server = await startBenchServer(['--db', db]);
  const browser = await chromium.launch({ executablePath: chromiumPath, args });
  try {
    await smoothingBench(server, browser, 'smooth-1m', profileDir);
    if (!smoothingOnly) await exportBench(server, browser, 'export-big', exportPoints);
  } finally {
    await browser.close();
    await server.stop();
  }
}
