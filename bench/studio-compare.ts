/// <reference lib="dom" />
/**
 * Studio benchmarks of issue 16, run by `npm run bench:studio` (alone with `-- --only=compare`):
 *  1. a comparison of 10 finished runs × 4 metrics × 1,000,000 points: navigation → all panels painted;
 *  2. the runs table over 100,000 executions sorted by a summary value: API p50 per page, and the page painted.
 * `--quick` uses 600,000 points per metric (still more than 256 points, one block of the store, per pixel) and 20,000
 * executions.
 */
import type { Browser } from '@playwright/test';
import { applyBatch } from '../src/server/ingest/apply.js';
import { openStore } from '../src/server/store/index.js';
import { percentile, report } from './machine.js';
import { startBenchServer } from './server-process.js';
import { waitForPanels } from './studio-wait.js';

export interface CompareBenchOptions {
  db: string;
  runs: number;
  metrics: number;
  points: number;
  executions: number;
}

/** Writes `runs` finished executions straight into the store, each with `metrics` series of `points` points (one group per metric). */
async function seedRuns(db: string, runs: number, metrics: number, points: number): Promise<string[]> {
  const store = await openStore(db);
  const ids: string[] = [];
  const definitions = Array.from({ length: metrics }, (_, m) => ({ key: `metric_${m}`, group: { name: `group_${m}`, units: 'step' } }));
  const step = 50_000;
  for (let r = 0; r < runs; r++) {
    const id = `cmp-run-${r}`;
    ids.push(id);
    await applyBatch(store, { executions: [{ id, start: { name: `bench-run-${r}`, labels: { lr: String(10 ** -(r % 4)) }, startedAt: Date.now() - 3_600_000 }, definitions }] }, Date.now());
    for (let from = 0; from < points; from += step) {
      const x = Float64Array.from({ length: Math.min(step, points - from) }, (_, i) => from + i);
      await applyBatch(store, {
        executions: [{ id, points: definitions.map((d, m) => ({ key: d.key, x, y: x.map((v) => Math.sin(v / 5000 + m + r / 3) + (v % 99_991 === 0 ? 5 : 0)) })) }],
      }, Date.now());
    }
    await applyBatch(store, { executions: [{ id, end: { status: 'succeeded' } }] }, Date.now());
  }
  await store.compact();
  await store.close();
  return ids;
}

/** Writes `n` finished executions with summaries and labels, 1,000 per batch. */
async function seedExecutions(db: string, n: number): Promise<void> {
  const store = await openStore(db);
  const t0 = Date.now() - 30 * 86_400_000;
  for (let i = 0; i < n; i += 1000) {
    await applyBatch(store, {
      executions: Array.from({ length: Math.min(1000, n - i) }, (_, j) => {
        const k = i + j;
        return {
          id: `list-${k}`,
          start: { name: `sweep-${k % 37}`, labels: { model: ['r18', 'r50', 'vit'][k % 3]!, lr: String(10 ** -(k % 4)) }, startedAt: t0 + k * 10_000 },
          summary: [{ key: 'acc', value: ((k * 7919) % 100_003) / 1000, mode: 'replace' as const }, { key: 'timing.inference', value: (k % 977) / 100, mode: 'replace' as const }],
          end: { status: 'succeeded' as const, endedAt: t0 + k * 10_000 + (k % 600) * 1000 },
        };
      }),
    }, Date.now());
  }
  await store.close();
}

export async function runCompareBenches(browser: Browser, opts: CompareBenchOptions): Promise<void> {
  let t0 = performance.now();
  const ids = opts.runs > 0 ? await seedRuns(opts.db, opts.runs, opts.metrics, opts.points) : [];
  if (opts.runs > 0) console.log(`seeded ${opts.runs} runs × ${opts.metrics} metrics × ${opts.points.toLocaleString('en-US')} points in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  t0 = performance.now();
  await seedExecutions(opts.db, opts.executions);
  console.log(`seeded ${opts.executions.toLocaleString('en-US')} executions in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  const server = await startBenchServer(['--db', opts.db]);
  try {
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    await page.goto(`${server.url}/?q=nothing-matches-this`);
    const times: number[] = [];
    for (let run = 0; run < (opts.runs > 0 ? 3 : 0); run++) {
      const start = Date.now();
      await page.goto(`${server.url}/compare?ids=${ids.join(',')}`);
      await waitForPanels(page, opts.metrics);
      times.push(Date.now() - start);
      await page.goto(`${server.url}/?q=nothing-matches-this`);
    }
    if (opts.runs > 0) report(`Comparison of ${opts.runs} finished runs × ${opts.metrics} metrics × ${opts.points.toLocaleString('en-US')} points (${opts.metrics} panels)`, [
      ['navigation → all panels painted, ms (median of 3)', String([...times].sort((a, b) => a - b)[1]), 'target < 1500 (at 1 M points)'],
    ]);

    // The API: first pages and deep pages of the list sorted by a summary value.
    const api: number[] = [];
    const deep: number[] = [];
    let cursor: string | null = null;
    for (let i = 0; i < 60; i++) {
      const start = performance.now();
      const res = await fetch(`${server.url}/api/executions?sort=-summary.acc&limit=50${cursor ? `&cursor=${cursor}` : ''}`);
      const body = (await res.json()) as { nextCursor: string | null };
      (cursor ? deep : api).push(performance.now() - start);
      // Every other request continues deeper into the list, the others start over.
      cursor = i % 2 === 0 ? body.nextCursor : null;
    }
    const filtered: number[] = [];
    for (let i = 0; i < 30; i++) {
      const start = performance.now();
      await (await fetch(`${server.url}/api/executions?sort=-summary.acc&label=model:vit&where=summary.timing.inference%3E5&limit=50`)).json();
      filtered.push(performance.now() - start);
    }
    const paint: number[] = [];
    for (let run = 0; run < 3; run++) {
      await page.goto(`${server.url}/compare?ids=`);
      const start = Date.now();
      await page.goto(`${server.url}/?sort=-summary.acc&col=summary:acc&col=label:model`);
      await page.waitForFunction(() => document.querySelectorAll('table.executions tbody tr').length >= 50, null, { polling: 'raf' });
      await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
      paint.push(Date.now() - start);
    }
    const p50 = (xs: number[]) => percentile([...xs].sort((a, b) => a - b), 50).toFixed(1);
    report(`Runs table over ${opts.executions.toLocaleString('en-US')} executions sorted by summary.acc`, [
      ['API first page, p50 ms', p50(api), 'target < 50'],
      ['API next page (cursor), p50 ms', p50(deep), 'target < 50'],
      ['API with label + where filters, p50 ms', p50(filtered), ''],
      ['navigation → 50 rows painted, ms (median of 3)', String([...paint].sort((a, b) => a - b)[1]), 'target < 500'],
    ]);
  } finally {
    await server.stop();
  }
}
