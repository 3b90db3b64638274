/// <reference lib="dom" />
/**
 * `npm run bench:studio`: the studio in headless Chromium against a real server.
 *  1. navigation → every panel painted, for a finished execution with 20 series × 1,000,000 points;
 *  2. frame times (p95, dropped frames), long tasks and the page main thread's CPU ms per second (from a trace, with what
 *     each task over 50 ms was) while 50 series stream at 20 points/s each (all in one group with ~95-character names
 *     and no scale: one chart, 50 lines, a legend with 50 values; then spread over 10 groups), with the load average
 *     (`bench/studio-streaming.ts`; `--seconds N` per run, default 15; with `--baseline-studio DIR` an earlier studio
 *     build is measured in turns with this one; `--untraced` measures frames and long tasks without the trace, which
 *     itself costs the page main-thread time);
 *  3. JS heap while that streaming goes on (default 10 minutes; --quick: 1 minute);
 *  4. the service page: 10 request panels + 20 custom panels over 24 h at 10 s intervals → all painted, frames while live
 *     (`bench/studio-services.ts`; `--only=services` runs only it).
 *  5. a finished execution of 2,000 series (2,000 ungrouped panels; 200 groups × 10): first panel and the first screen painted
 *     (`bench/studio-wide.ts`; `--only=wide` runs only it).
 *    `--warm-seconds N`: each streaming run's page follows the stream N seconds before its frames are measured (450: a
 *    chart whose live window is full, `LIVE_POINTS_PER_SERIES` points a series, and reduced per pixel); `--one-group`
 *    measures only the one-group page. The full run (not --quick) measures the one-group page again after the heap run
 *    with its window full (`FULL_WINDOW_SECONDS`);
 * `--streaming-only` runs only 2 (no 20M-point seed, no heap run; `--heap` adds the heap run). `--packed` opens 1. once
 * compaction has packed it (the default opens it as ingest wrote it, while the server packs it in the background).
 * `--profile DIR` also records, for each streaming run,
 * a Chromium trace through Playwright (`<name>.trace.json`, open it in DevTools' Performance panel) and the page's CPU
 * profile (`<name>.cpuprofile`), and prints the functions that took the most time.
 */
import { chromium, type Page } from '@playwright/test';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyBatch } from '../src/server/ingest/apply.js';
import { openStore } from '../src/server/store/index.js';
import { connect, Metric, MetricGroup } from '../src/sdk/index.js';
import { LIVE_POINTS_PER_SERIES } from '../src/studio/live/followed.js';
import { machineLine, report } from './machine.js';
import { startBenchServer } from './server-process.js';
import { runCompareBenches } from './studio-compare.js';
import { runDataBenches } from './studio-data.js';
import { runServicePageBench, useStudioFrom } from './studio-services.js';
import { waitForPanels } from './studio-wait.js';
import { streamingFrames, type StreamingOptions } from './studio-streaming.js';
import { runWideBench } from './studio-wide.js';
import { profileDuring } from './profile.js';
import { measureHeap } from './studio-heap.js';

const argv = process.argv.slice(2);
const quick = argv.includes('--quick');
const heapSeconds = quick ? 60 : 600;
const streamingOnly = argv.includes('--streaming-only');
/** With --streaming-only: run the heap measurement (3) too. */
const heapToo = argv.includes('--heap');
const profileIndex = argv.indexOf('--profile');
const profileDir = profileIndex >= 0 ? argv[profileIndex + 1]! : null;
/** `--baseline-studio DIR`: an earlier `dist/studio`, measured in turns with this build (streaming runs, the service page, the wide execution), and beside it in the heap run. */
const baselineIndex = argv.indexOf('--baseline-studio');
const baselineStudio = baselineIndex >= 0 ? argv[baselineIndex + 1]! : null;
/** `--seconds N`: seconds of frames per streaming run (default 15). */
const secondsIndex = argv.indexOf('--seconds');
const streamingSeconds = secondsIndex >= 0 ? Number(argv[secondsIndex + 1]) : 15;
/** `--trace-dir DIR`: keep the streaming runs' traces there (with --profile: the profile directory). */
const traceDirIndex = argv.indexOf('--trace-dir');
/** The streaming runs' traces go to the profile or trace directory, else to this run's temporary one. */
let traceDir = '';
const warmIndex = argv.indexOf('--warm-seconds');
/** Seconds of 20 points/s that fill a live series' window (`LIVE_POINTS_PER_SERIES`), with a margin. */
const FULL_WINDOW_SECONDS = Math.ceil(LIVE_POINTS_PER_SERIES / 20) + 40;
const streamingOptions = (serverUrl: string): StreamingOptions => ({
  serverUrl, seconds: streamingSeconds, traceDir: profileDir ?? (traceDirIndex >= 0 ? argv[traceDirIndex + 1]! : traceDir), profile: profileDir !== null, baseline: baselineStudio,
  trace: !argv.includes('--untraced'),
  warmSeconds: warmIndex >= 0 ? Number(argv[warmIndex + 1]) : 0,
});
/** `--one-group`: the streaming runs measure the one-group page only. */
const oneGroupOnly = argv.includes('--one-group');
/** `--heap-snapshots DIR`: the heap run also takes heap snapshots (first, middle, last sample) into DIR and prints what grew. */
const heapSnapshotIndex = argv.indexOf('--heap-snapshots');
const heapSnapshotDir = heapSnapshotIndex >= 0 ? argv[heapSnapshotIndex + 1]! : null;
const CHROMIUM = process.env.PLOTLINE_CHROMIUM ?? '/usr/bin/chromium';
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic', '--no-first-run',
  '--disable-component-update', '--disable-sync', '--enable-precise-memory-info'];

/** Writes a finished execution straight into a store file: 20 series in 4 groups, 1M points each. */
async function seedBigExecution(dbPath: string, series: number, points: number): Promise<string> {
  const store = await openStore(dbPath);
  const id = 'bench-big';
  const definitions = Array.from({ length: series }, (_, i) => ({ key: `series_${i}`, group: { name: `group_${i % 4}`, units: 'step' } }));
  await applyBatch(store, { executions: [{ id, start: { name: 'bench: 20 × 1M points', startedAt: Date.now() - 3_600_000 }, definitions }] }, Date.now());
  const step = 50_000;
  for (let from = 0; from < points; from += step) {
    const x = Float64Array.from({ length: step }, (_, i) => from + i);
    await applyBatch(store, {
      executions: [{ id, points: definitions.map((d, s) => ({ key: d.key, x, y: x.map((v) => Math.sin(v / 5000 + s) + (v % 99_991 === 0 ? 5 : 0)) })) }],
    }, Date.now());
  }
  await applyBatch(store, { executions: [{ id, end: { status: 'succeeded' } }] }, Date.now());
  // `--packed`: as a server leaves a finished execution once it has been quiet for a while (compaction packed every
  // sealed chunk); else as ingest wrote it, so the server packs it in the background while the page opens.
  if (argv.includes('--packed')) await store.compact();
  await store.close();
  return id;
}

/**
 * `--only=compare` runs just the comparison and runs-table benchmarks; `--only=list` just the runs table; `--only=open` just
 * the 20 × 1M execution; `--only=data` just issue #17's smoothing and export figures (bench/studio-data.ts; `--only=smoothing`
 * only the smoothing one); `--only=services`
 * the service page.
 */
const only = argv.find((a) => a.startsWith('--only='))?.slice('--only='.length);

async function compareBenches(dir: string, listOnly = false): Promise<void> {
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  try {
    await runCompareBenches(browser, {
      db: join(dir, 'compare.db'), runs: listOnly ? 0 : 10, metrics: 4, points: quick ? 600_000 : 1_000_000, executions: quick ? 20_000 : 100_000,
    });
  } finally {
    await browser.close();
  }
}

const profiled = <T>(page: Page, name: string, during: () => Promise<T>) => profileDuring(profileDir, page, name, during);

interface OpenTimes {
  total: number;
  steps: Array<[string, string]>;
}

/** CPU time and run-queue wait of a process's main thread so far, ms (Linux `/proc/<pid>/task/<pid>/schedstat`). */
function threadTimes(pid: number): { cpu: number; wait: number } {
  const [cpu, wait] = readFileSync(`/proc/${pid}/task/${pid}/schedstat`, 'utf8').split(' ').map(Number);
  return { cpu: cpu! / 1e6, wait: wait! / 1e6 };
}

/**
 * Opens the big execution's page and waits until every panel is painted; the breakdown comes from the page's resource
 * timings (HTML, script, execution detail, series reads: request sent, first byte, last byte), the moment every panel
 * had its canvas, the server's main-thread CPU time and run-queue wait over the whole open, and the page's main-thread
 * busy time (long tasks).
 */
async function openBigExecution(page: Page, url: string, serverPid: number): Promise<OpenTimes> {
  await page.goto('about:blank');
  const s0 = threadTimes(serverPid);
  const start = Date.now();
  await page.goto(url);
  await waitForPanels(page, 4);
  const total = Date.now() - start;
  const s1 = threadTimes(serverPid);
  const t = await page.evaluate(() => {
    const nav = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming;
    const res = performance.getEntriesByType('resource') as PerformanceResourceTiming[];
    const pick = (f: (r: PerformanceResourceTiming) => boolean) => res.filter(f).map((r) => ({ name: r.name, start: r.startTime, first: r.responseStart, end: r.responseEnd, bytes: r.encodedBodySize }));
    return {
      html: nav.responseEnd, dom: nav.domContentLoadedEventEnd,
      scripts: pick((r) => r.initiatorType === 'script' || r.name.endsWith('.js')),
      detail: pick((r) => /\/api\/executions\/[^/?]+$/.test(r.name)),
      series: pick((r) => r.name.includes('/series?')),
      stream: pick((r) => r.name.includes('/api/stream')),
      painted: performance.now(),
    };
  });
  const ms = (v: number) => v.toFixed(0);
  const steps: Array<[string, string]> = [
    ['HTML loaded', ms(t.html)],
    ...t.scripts.map((r): [string, string] => [`script ${r.name.split('/').pop()} (${Math.round(r.bytes / 1024)} KiB)`, `${ms(r.start)} → ${ms(r.end)}`]),
    ['DOMContentLoaded', ms(t.dom)],
    ...t.stream.map((r): [string, string] => ['stream opened', ms(r.start)]),
    ...t.detail.map((r): [string, string] => ['execution detail: sent → first byte → end', `${ms(r.start)} → ${ms(r.first)} → ${ms(r.end)}`]),
    ...t.series.map((r): [string, string] => [`series read (${Math.round(r.bytes / 1024)} KiB): sent → first byte → end`, `${ms(r.start)} → ${ms(r.first)} → ${ms(r.end)}`]),
    ['all panels painted (seen by the page, after 2 frames)', ms(t.painted)],
    ['server main thread over the open: CPU, run-queue wait', `${ms(s1.cpu - s0.cpu)}, ${ms(s1.wait - s0.wait)}`],
  ];
  return { total, steps };
}

/** An execution recording `metrics` at 20 points/s each until stopped. */
function stream(client: ReturnType<typeof connect>, name: string, metrics: Metric[]) {
  const live = client.startExecution(name);
  let tick = 0;
  const producer = setInterval(() => live.run(() => {
    tick++;
    metrics.forEach((m, i) => m.record(Math.sin(tick / 20 + i) * (1 + i / 10)));
  }), 50);
  return { id: live.id, stop: async () => { clearInterval(producer); await live.end(); } };
}

/** 50 series in one group: no scale (the group's default axis), names of about 95 characters. */
async function oneGroupOf50(page: Page, serverUrl: string, client: ReturnType<typeof connect>, warmSeconds?: number): Promise<void> {
  const group = new MetricGroup('one_group', { units: 'step' });
  const metrics = Array.from({ length: 50 }, (_, i) =>
    new Metric(`model.encoder.layers.${String(i).padStart(2, '0')}.self_attention.output_projection.weight.gradient_norm_l2_clipped`, { group, throttle: null }));
  const run = stream(client, 'bench: 50 series in one group', metrics);
  const options = { ...streamingOptions(serverUrl), ...(warmSeconds !== undefined && { warmSeconds }) };
  const title = `Streaming: 50 series × 20 points/s in one group (one chart, 50-entry legend)${options.warmSeconds > 0 ? `, after ${options.warmSeconds} s of it` : ''}`;
  try {
    await streamingFrames(page, `/executions/${run.id}`, 1, title, options.warmSeconds > 0 ? 'one-group-warm' : 'one-group', options);
  } finally {
    await run.stop();
  }
}

async function main(): Promise<void> {
  console.log(`Plotline studio benchmarks on ${machineLine()}${quick ? ' (quick)' : ''}`);
  const dir = mkdtempSync(join(tmpdir(), 'plotline-studio-bench-'));
  traceDir = join(dir, 'traces');
  try {
    await runBenches(dir);
  } finally {
    // Its databases hold tens of millions of points (150–250 MB each): a shared /tmp keeps none of them.
    rmSync(dir, { recursive: true, force: true });
  }
}

async function runBenches(dir: string): Promise<void> {
  if (only === 'compare' || only === 'list') return compareBenches(dir, only === 'list');
  if (only === 'data' || only === 'smoothing') return runDataBenches(dir, quick, CHROMIUM, ARGS, only === 'smoothing', profileDir);
  if (only === 'services') return servicePageBench(dir);
  if (only === 'wide') return wideBench(dir);
  const db = join(dir, 'studio.db');
  const t0 = performance.now();
  const openOnly = only === 'open';
  const bigId = streamingOnly ? null : await seedBigExecution(db, 20, 1_000_000);
  if (bigId) console.log(`seeded 20 × 1,000,000 points in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  const server = await startBenchServer(['--db', db]);
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  try {
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    await page.goto(`${server.url}/`);
    if (bigId) {
      const runs: OpenTimes[] = [];
      for (let run = 0; run < 3; run++) {
        runs.push(await profiled(page, `open-${run}`, () => openBigExecution(page, `${server.url}/executions/${bigId}`, server.child.pid!)));
      }
      const mid = [...runs].sort((a, b) => a.total - b.total)[1]!;
      report(`Finished execution, 20 series × 1,000,000 points (4 panels) (load average ${loadavg().map((l) => l.toFixed(1)).join(' ')})`, [
        ['navigation → all panels painted, ms (median of 3)', mid.total.toFixed(0), 'target < 1000'],
        ['each run, ms', runs.map((r) => r.total.toFixed(0)).join(' '), ''],
        ['breakdown of the median run, ms since navigation start:', '', ''],
        ...mid.steps.map(([what, ms]): [string, string, string] => [`  ${what}`, ms, '']),
      ]);
    }

    if (openOnly) return;
    const client = connect({ url: server.url });
    await oneGroupOf50(page, server.url, client);
    if (oneGroupOnly) {
      await client.close();
      return;
    }
    const groups = Array.from({ length: 10 }, (_, g) => new MetricGroup(`live_${g}`));
    const metrics = Array.from({ length: 50 }, (_, i) => new Metric(`live_${i}`, { group: groups[i % 10]!, throttle: null }));
    const live = stream(client, 'bench: 50 series streaming', metrics);
    try {
      await streamingFrames(page, `/executions/${live.id}`, 10, 'Streaming: 50 series × 20 points/s in 10 groups', 'ten-groups', streamingOptions(server.url));
      if (streamingOnly && !heapToo) return;

      // Opened afresh (the frame runs may have left the baseline build in it), so the heap run starts from a page load.
      // With --baseline-studio, the earlier build follows the same stream at the same time, in a context (renderer) of its own.
      await page.goto(`${server.url}/executions/${live.id}`);
      await waitForPanels(page, 10);
      const variants = [{ name: baselineStudio ? 'this build' : 'studio', page }];
      if (baselineStudio) {
        const before = await (await browser.newContext({ viewport: { width: 1440, height: 900 } })).newPage();
        await useStudioFrom(before, server.url, baselineStudio);
        await before.goto(`${server.url}/executions/${live.id}`);
        await waitForPanels(before, 10);
        variants.push({ name: 'baseline', page: before });
      }
      await measureHeap(variants, { seconds: heapSeconds, samples: 10, series: 50, pointsPerSecond: 20, snapshotDir: heapSnapshotDir, allocSeconds: 20 });
      // The steady state of a tab left open: the live window full (and reduced per pixel) before the frames are measured.
      if (!streamingOnly && !quick) await oneGroupOf50(page, server.url, client, FULL_WINDOW_SECONDS);
    } finally {
      await live.stop();
      await client.close();
    }
  } finally {
    await browser.close();
    await server.stop();
  }
  if (openOnly || streamingOnly) return;
  await servicePageBench(dir);
  await compareBenches(dir);
  await runDataBenches(dir, quick, CHROMIUM, ARGS);
  await wideBench(dir);
}

/** Issue #20's wide execution: 2,000 series (bench/studio-wide.ts). */
async function wideBench(dir: string): Promise<void> {
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  try {
    await runWideBench(browser, { db: join(dir, 'wide.db'), points: 1000, baseline: baselineStudio, traceDir: profileDir ?? dir, profile: profileDir !== null, runs: quick ? 2 : 3 });
  } finally {
    await browser.close();
  }
}

async function servicePageBench(dir: string): Promise<void> {
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  try {
    await runServicePageBench(browser, { db: join(dir, 'services.db'), quick, baseline: baselineStudio, traceDir: profileDir ?? dir, profile: profileDir !== null });
  } finally {
    await browser.close();
  }
}

main().then(() => process.exit(0), (err: unknown) => {
  console.error(err);
  process.exit(1);
});
