/// <reference lib="dom" />
/**
 * `npm run bench:studio -- --only=wide`: opening a finished execution of 2,000 series (issue #20's "wide" case, as users of
 * W&B or TensorBoard log per-layer or per-tag metrics):
 *  - `ungrouped`: 2,000 metrics without a group, 1,000 points each → 2,000 panels;
 *  - `grouped`: 200 groups × 10 series, 1,000 points each → 200 panels of 10 lines.
 * For each: navigation → the first panel with a painted chart, → every panel in the first screen painted (what a user
 * waits for), and → the page idle (no series read in flight, two frames); the series requests the page made; the page's
 * main-thread CPU from a Chromium trace (the figure to compare on a loaded machine). `--baseline-studio DIR` opens the
 * same pages with an earlier `dist/studio` (served through page.route), in turns with this build.
 */
import type { Browser, Page } from '@playwright/test';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { applyBatch } from '../src/server/ingest/apply.js';
import { openStore } from '../src/server/store/index.js';
import { median, report } from './machine.js';
import { startBenchServer } from './server-process.js';
import { useStudioFrom } from './studio-services.js';

export interface WideBenchOptions {
  db: string;
  /** Points per series. */
  points: number;
  /** An earlier `dist/studio` to measure in turns with this one. */
  baseline: string | null;
  /** Where traces go (kept when `profile`). */
  traceDir: string;
  profile: boolean;
  runs: number;
}

interface Shape {
  id: string;
  title: string;
  series: number;
  /** Series per group; 0: ungrouped. */
  perGroup: number;
}

const SHAPES: Shape[] = [
  { id: 'wide-ungrouped', title: '2,000 ungrouped metrics (2,000 panels)', series: 2000, perGroup: 0 },
  { id: 'wide-grouped', title: '200 groups × 10 series (200 panels)', series: 2000, perGroup: 10 },
];

/** Writes each shape as a finished execution straight into the store. */
async function seed(db: string, points: number): Promise<void> {
  const store = await openStore(db);
  for (const shape of SHAPES) {
    const definitions = Array.from({ length: shape.series }, (_, i) => ({
      key: shape.perGroup ? `layer_${String(Math.floor(i / shape.perGroup)).padStart(3, '0')}.param_${i % shape.perGroup}` : `layers.${String(i).padStart(4, '0')}.grad_norm`,
      ...(shape.perGroup > 0 && { group: { name: `layer_${String(Math.floor(i / shape.perGroup)).padStart(3, '0')}`, units: 'step' } }),
    }));
    await applyBatch(store, { executions: [{ id: shape.id, start: { name: `bench: ${shape.title}`, startedAt: Date.now() - 3_600_000 }, definitions }] }, Date.now());
    const x = Float64Array.from({ length: points }, (_, i) => i);
    for (let from = 0; from < definitions.length; from += 100) {
      await applyBatch(store, {
        executions: [{ id: shape.id, points: definitions.slice(from, from + 100).map((d, j) => ({ key: d.key, x, y: x.map((v) => Math.sin(v / 50 + from + j) * (1 + j / 10)) })) }],
      }, Date.now());
    }
    await applyBatch(store, { executions: [{ id: shape.id, end: { status: 'succeeded' } }] }, Date.now());
  }
  await store.compact();
  await store.close();
}

interface OpenFigures {
  firstPanel: number;
  visiblePanels: number;
  idle: number;
  seriesRequests: number;
  panelsPainted: number;
  /** Main-thread CPU of the page over the open, ms (trace thread time). */
  cpu: number;
}

interface TraceEvent { name: string; ph: string; pid: number; tid: number; ts: number; dur?: number; tdur?: number; args?: { name?: string } }

/**
 * CPU ms of the page's main thread (`CrRendererMain`) in a trace: thread time of its outermost complete events (a task
 * may be `ThreadControllerImpl::RunTask` or a bare `RunTask`, e.g. a microtask checkpoint; counting the outermost event
 * of either kind counts every task once).
 */
function mainThreadCpu(trace: { traceEvents: TraceEvent[] } | TraceEvent[]): number {
  const events = Array.isArray(trace) ? trace : trace.traceEvents;
  const main = events.filter((e) => e.name === 'thread_name' && e.args?.name === 'CrRendererMain').pop();
  if (!main) return NaN;
  const xs = events.filter((e) => e.pid === main.pid && e.tid === main.tid && e.ph === 'X' && e.dur !== undefined).sort((a, b) => a.ts - b.ts || b.dur! - a.dur!);
  let end = -Infinity;
  let cpu = 0;
  for (const e of xs) {
    if (e.ts < end) continue;
    end = e.ts + e.dur!;
    cpu += e.tdur ?? 0;
  }
  return cpu / 1000;
}

/** Opens `url` and records when the first panel and all panels in the viewport had a canvas, and when reads settled. */
async function open(page: Page, browser: Browser, url: string, tracePath: string): Promise<OpenFigures> {
  await page.goto('about:blank');
  let seriesRequests = 0;
  let inFlight = 0;
  const onRequest = (r: { url(): string }) => { if (/\/series\?|\/api\/series\?/.test(r.url())) { seriesRequests++; inFlight++; } };
  const onDone = (r: { url(): string }) => { if (/\/series\?|\/api\/series\?/.test(r.url())) inFlight--; };
  page.on('request', onRequest);
  page.on('requestfinished', onDone);
  page.on('requestfailed', onDone);
  await browser.startTracing(page, { path: tracePath, screenshots: false });
  try {
    const start = Date.now();
    await page.goto(url);
    // Polled every frame in the page: when a region first has a canvas, and when every region intersecting the viewport has one.
    const marks = await page.evaluate(() => new Promise<{ first: number; visible: number }>((resolve) => {
      let first = -1;
      const deadline = performance.now() + 180_000;
      const poll = () => {
        const regions = Array.from(document.querySelectorAll('.panels > [role="region"]'));
        const painted = (r: Element) => r.querySelector('canvas') !== null;
        if (first < 0 && regions.some(painted)) first = performance.now();
        const inView = regions.filter((r) => {
          const b = r.getBoundingClientRect();
          return b.bottom > 0 && b.top < innerHeight;
        });
        if (first >= 0 && inView.length > 0 && inView.every(painted)) return resolve({ first, visible: performance.now() });
        if (performance.now() > deadline) return resolve({ first, visible: -1 });
        requestAnimationFrame(poll);
      };
      poll();
    }));
    const nav = await page.evaluate(() => performance.timeOrigin);
    const since = (t: number) => t + nav - start;
    while (inFlight > 0 || seriesRequests === 0) await page.waitForTimeout(10);
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    const idle = Date.now() - start;
    const panelsPainted = await page.evaluate(() => Array.from(document.querySelectorAll('[role="region"]')).filter((r) => r.querySelector('canvas')).length);
    await browser.stopTracing();
    return {
      firstPanel: since(marks.first), visiblePanels: since(marks.visible), idle, seriesRequests, panelsPainted,
      cpu: mainThreadCpu(JSON.parse(readFileSync(tracePath, 'utf8'))),
    };
  } finally {
    page.off('request', onRequest);
    page.off('requestfinished', onDone);
    page.off('requestfailed', onDone);
  }
}

/** Seeds the wide executions, then opens each shape `runs` times (in turns with the baseline build when given) and prints the figures. */
export async function runWideBench(browser: Browser, opts: WideBenchOptions): Promise<void> {
  const t0 = performance.now();
  await seed(opts.db, opts.points);
  console.log(`seeded ${SHAPES.length} executions × 2,000 series × ${opts.points.toLocaleString('en-US')} points in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  const server = await startBenchServer(['--db', opts.db, '--statsd-port', 'off']);
  // Both served through page.route when compared (it intercepts every request, the API's too: same cost for both).
  const variants: Array<{ name: string; studio: string | null }> = opts.baseline
    ? [{ name: 'before', studio: opts.baseline }, { name: 'after', studio: fileURLToPath(new URL('../studio', import.meta.url)) }]
    : [{ name: 'this build', studio: null }];
  mkdirSync(opts.traceDir, { recursive: true });
  try {
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    for (const shape of SHAPES) {
      const figures = new Map<string, OpenFigures[]>(variants.map((v) => [v.name, []]));
      for (let run = 0; run < opts.runs; run++) {
        for (const { name, studio } of variants) {
          await useStudioFrom(page, server.url, studio);
          const trace = join(opts.traceDir, `${shape.id}-${name.replace(/\W+/g, '-')}-${run}.trace.json`);
          figures.get(name)!.push(await open(page, browser, `${server.url}/executions/${shape.id}`, trace));
          if (!opts.profile) rmSync(trace, { force: true });
        }
      }
      const rows: Array<[string, string, string]> = [];
      for (const [name, runs] of figures) {
        const med = (f: (o: OpenFigures) => number) => median(runs.map(f)).toFixed(0);
        const each = (f: (o: OpenFigures) => number) => runs.map((o) => f(o).toFixed(0)).join(' ');
        rows.push(
          [`${name}: navigation → first panel painted, ms`, med((o) => o.firstPanel), `target < 1500 (each: ${each((o) => o.firstPanel)})`],
          [`${name}: navigation → every panel in view painted, ms`, med((o) => o.visiblePanels), `target < 3000 (each: ${each((o) => o.visiblePanels)})`],
          [`${name}: navigation → reads settled, ms`, med((o) => o.idle), `(each: ${each((o) => o.idle)})`],
          [`${name}: page main-thread CPU over the open, ms (trace)`, med((o) => o.cpu), `(each: ${each((o) => o.cpu)})`],
          [`${name}: series requests; panels with a chart at the end`, `${med((o) => o.seriesRequests)}; ${med((o) => o.panelsPainted)}`, ''],
        );
      }
      report(`Finished execution, ${shape.title}, ${opts.points.toLocaleString('en-US')} points each, median of ${opts.runs} (load average ${loadavg().map((l) => l.toFixed(1)).join(' ')})`, rows);
    }
  } finally {
    await server.stop();
  }
}
