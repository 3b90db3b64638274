import { expect, test, type Page } from '@playwright/test';
import { ingest, screenshots, startStudioServer, tempDb, type StudioServer } from './studio-server.js';

// Faults a fresh user found in the charts (session 2026-12-02): settings made from "All panels" reach a long live series.
let server: StudioServer;

test.beforeAll(async () => {
  server = await startStudioServer(tempDb());
});

test.afterAll(async () => {
  await server?.stop();
});

/** A noisy value at step s (a decay, a fast sine and a hash), so smoothing visibly changes the line. */
const noisy = (s: number) => 2 * Math.exp(-s / 20_000) + 0.5 * Math.sin(s * 0.9) + (((s * 7919) % 13) / 13 - 0.5);

/** Streams `per` points of `key` of execution `id` every `ms` from step `from`+1 until stopped. */
function stream(id: string, key: string, from: number, per = 200, ms = 100) {
  let step = from;
  let stopped = false;
  const done = (async () => {
    while (!stopped) {
      const x = Array.from({ length: per }, (_, i) => step + i + 1);
      step += per;
      await ingest(server.url, { executions: [{ id, points: [{ key, x, y: x.map(noisy) }] }] });
      await new Promise((r) => setTimeout(r, ms));
    }
  })();
  return { stop: async () => { stopped = true; await done; } };
}

const chartShot = (page: Page, name: string) => page.getByRole('region', { name }).locator('.chart').screenshot();

// The smoothing of a long series reads its stored points (or a smoothed line) from the server; that read was aborted by
// every live batch (its total changed) and never finished while points streamed fast: the line stayed raw until the run
// ended, whichever slider set it. Now growth waits for the read in flight (model/following-read.ts).
test('"All panels" smoothing smooths a long series while points stream in fast', async ({ page }) => {
  const id = 'live-long-1';
  const group = { name: 'training', units: 'step' };
  await ingest(server.url, { executions: [{ id, start: { name: 'live-long' }, definitions: [{ key: 'loss', group }] }] });
  const N = 300_000;
  for (let from = 0; from < N; from += 50_000) {
    const x = Array.from({ length: Math.min(50_000, N - from) }, (_, i) => from + i + 1);
    await ingest(server.url, { executions: [{ id, points: [{ key: 'loss', x, y: x.map(noisy) }] }] });
  }
  const producer = stream(id, 'loss', N, 2000, 30);
  try {
    await page.goto(`${server.url}/executions/${id}`);
    const panel = page.getByRole('region', { name: 'training' });
    const chart = panel.locator('.chart');
    await expect(panel.locator('.u-lines')).toBeVisible();
    await page.waitForTimeout(500);
    const raw = await chartShot(page, 'training');
    await page.getByRole('toolbar', { name: 'All panels' }).getByRole('slider', { name: 'Smoothing' }).fill('0.95');
    await expect(chart).toHaveAttribute('data-smoothing', 'ema:0.95', { timeout: 15_000 });
    // Still live: the line layer draws the smoothed line.
    await expect(panel.locator('.u-lines')).toBeVisible();
    await page.waitForTimeout(1500);
    await expect(chart).toHaveAttribute('data-smoothing', 'ema:0.95');
    const smoothed = await chartShot(page, 'training');
    expect(smoothed.equals(raw)).toBe(false);
    await screenshots(page, 'faults-live-all-panels-smoothing');
  } finally {
    await producer.stop();
  }
});

test('after a rewind, a zoom past the data\'s end shows no tooltip for a point outside the view', async ({ page }) => {
  const id = 'rewound-zoom';
  const x = Array.from({ length: 100 }, (_, i) => i + 1);
  await ingest(server.url, {
    executions: [{ id, start: { name: 'rewound' }, definitions: [{ key: 'loss', group: { name: 'training', units: 'step' } }], points: [{ key: 'loss', x, y: x.map((s) => 1 / s) }] }],
  });
  // Resumed from step 50: the points from 50 on are dropped.
  const res = await fetch(`${server.url}/api/ingest`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ executions: [{ id, rewind: { x: 50 } }] }),
  });
  expect(res.ok, await res.text()).toBe(true);
  await page.goto(`${server.url}/executions/${id}?from=70&to=90&x=step`);
  const panel = page.getByRole('region', { name: 'training' });
  const over = panel.locator('.u-over');
  await expect(panel.locator('canvas')).toHaveCount(1);
  const box = (await over.boundingBox())!;
  const tooltip = panel.locator('.chart-tooltip');
  for (const at of [0.1, 0.5, 0.9]) {
    await page.mouse.move(box.x + box.width * at, box.y + box.height / 2);
    await page.waitForTimeout(100);
    await expect(tooltip).toBeHidden();
  }
  // The legend does not take a value at the cursor either: it keeps the latest one.
  await expect(panel.getByRole('button', { name: /loss/ })).toContainText(/0\.0204/);
  // Zoomed where the data is, the tooltip shows the point under the cursor.
  await page.goto(`${server.url}/executions/${id}?from=10&to=40&x=step`);
  await expect(panel.locator('canvas')).toHaveCount(1);
  const box2 = (await over.boundingBox())!;
  await page.mouse.move(box2.x + box2.width / 2, box2.y + box2.height / 2);
  await expect(tooltip).toBeVisible();
  await expect(tooltip.locator('.chart-tooltip-title')).toContainText(/^2\d step/);
});

test('smoothing on: the tooltip shows the smoothed value and the raw one; +∞, −∞ and NaN get their own markers', async ({ page }) => {
  const id = 'smooth-tooltip';
  const x = Array.from({ length: 200 }, (_, i) => i + 1);
  const y: (number | string)[] = x.map((s) => 1 + 0.5 * Math.sin(s * 0.9));
  y[59] = 'Infinity';
  y[119] = '-Infinity';
  y[169] = 'NaN';
  await ingest(server.url, {
    executions: [{
      id, start: { name: 'smooth-tooltip' }, definitions: [{ key: 'loss', group: { name: 'training', units: 'step' } }],
      points: [{ key: 'loss', x, y }], end: { status: 'succeeded' },
    }],
  });
  await page.setViewportSize({ width: 1440, height: 900 });
  await page.goto(`${server.url}/executions/${id}?po=s0.9`);
  const panel = page.getByRole('region', { name: 'training' });
  await expect(panel.locator('.chart')).toHaveAttribute('data-smoothing', 'ema:0.9');
  const box = (await panel.locator('.u-over').boundingBox())!;
  await page.mouse.move(box.x + box.width * 0.2, box.y + box.height / 2);
  const value = panel.locator('.chart-tooltip-value').first();
  // The raw value on a line of its own under the smoothed one.
  await expect(value).toHaveText(/^-?[\d.]+$/);
  const note = panel.locator('.chart-tooltip-note').first();
  await expect(note).toHaveText(/^raw -?[\d.]+$/);
  const smoothed = Number(await value.textContent());
  const raw = Number((await note.textContent())!.slice(4));
  expect(smoothed).not.toBe(raw);
  await screenshots(page, 'faults-smoothed-tooltip');
  // The three non-finite values: a ▲ at the top (+∞), a ▼ at the bottom (−∞), a ring at the bottom (NaN), in the odd colour.
  await page.mouse.move(0, 0);
  const marks = await panel.locator('canvas').evaluate((c: HTMLCanvasElement) => {
    const ctx = c.getContext('2d')!;
    const over = c.parentElement!.querySelector('.u-over') as HTMLElement;
    const dpr = window.devicePixelRatio || 1;
    const left = over.offsetLeft * dpr;
    const top = over.offsetTop * dpr;
    const w = over.clientWidth * dpr;
    const h = over.clientHeight * dpr;
    // Opaque red pixels (the dashed lines are faint) in the top and bottom 10 px bands of the plot, by column.
    const red = (y0: number) => {
      const d = ctx.getImageData(left, y0, w, 10 * dpr).data;
      const cols = new Set<number>();
      for (let i = 0; i < d.length; i += 4) if (d[i]! > 150 && d[i + 1]! < 90 && d[i + 2]! < 90 && d[i + 3]! > 200) cols.add(Math.floor((i / 4) % w));
      return [...cols].sort((a, b) => a - b);
    };
    return { top: red(top), bottom: red(top + h - 10 * dpr), w };
  });
  // One group of red columns at the top (the +∞ at 60/200 of the width), two at the bottom (−∞ and NaN).
  const groups = (cols: number[]) => cols.reduce((n, c, i) => (i === 0 || c - cols[i - 1]! > 3 ? n + 1 : n), 0);
  expect(groups(marks.top), JSON.stringify(marks)).toBe(1);
  expect(groups(marks.bottom)).toBe(2);
  await page.setViewportSize({ width: 390, height: 844 });
  await page.waitForTimeout(300);
  await screenshots(page, 'faults-smoothed-tooltip-390');
});

test('live frames keep the x axis\'s first label ("0"): the x scale spans the data, not the sampled table\'s columns', async ({ page }) => {
  const id = 'live-zero';
  const group = { name: 'training', units: 'step' };
  const x0 = Array.from({ length: 5000 }, (_, i) => i);
  await ingest(server.url, { executions: [{ id, start: { name: 'live-zero' }, definitions: [{ key: 'loss', group }], points: [{ key: 'loss', x: x0, y: x0.map(noisy) }] }] });
  const producer = stream(id, 'loss', 4999, 100, 50);
  try {
    await page.goto(`${server.url}/executions/${id}`);
    const panel = page.getByRole('region', { name: 'training' });
    await expect(panel.locator('.u-lines')).toBeVisible();
    // Every x tick labelling written over 2 s of live frames starts at 0.
    const seen = await panel.locator('.chart').evaluate(async (host: HTMLElement) => {
      const out: string[] = [];
      const obs = new MutationObserver(() => out.push(host.dataset.xTicks ?? ''));
      obs.observe(host, { attributes: true, attributeFilter: ['data-x-ticks'] });
      await new Promise((r) => setTimeout(r, 2000));
      obs.disconnect();
      return out;
    });
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.filter((t) => JSON.parse(t)[0] !== '0')).toEqual([]);
  } finally {
    await producer.stop();
  }
});

test('"All panels" Log y and ignore outliers reach a long series while points stream in', async ({ page }) => {
  const id = 'live-long-2';
  const group = { name: 'training', units: 'step' };
  // Around 1, a spike to 1000 at 0.25 % of the points: outside the 1st-99th percentiles of every point, but a few % of
  // the reduced points held for the older part (each spike is its bucket's highest point).
  const value = (s: number) => (s % 400 === 200 ? 1000 : 1 + 0.1 * Math.sin(s * 0.7));
  await ingest(server.url, { executions: [{ id, start: { name: 'live-long-2' }, definitions: [{ key: 'loss', group }] }] });
  for (let from = 0; from < 40_000; from += 20_000) {
    const x = Array.from({ length: 20_000 }, (_, i) => from + i + 1);
    await ingest(server.url, { executions: [{ id, points: [{ key: 'loss', x, y: x.map(value) }] }] });
  }
  let step = 40_000;
  let stopped = false;
  const producer = (async () => {
    while (!stopped) {
      const x = Array.from({ length: 500 }, (_, i) => step + i + 1);
      step += 500;
      await ingest(server.url, { executions: [{ id, points: [{ key: 'loss', x, y: x.map(value) }] }] });
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  try {
    await page.goto(`${server.url}/executions/${id}`);
    const panel = page.getByRole('region', { name: 'training' });
    const chart = panel.locator('.chart');
    await expect(panel.locator('.u-lines')).toBeVisible();
    const top = async () => Math.max(...(JSON.parse((await chart.getAttribute('data-y-ticks'))!)[0] as string[]).map((l) => Number(l.replace(/,/g, ''))));
    await expect.poll(top).toBeGreaterThanOrEqual(1000);
    const bar = page.getByRole('toolbar', { name: 'All panels' });
    // Ignore outliers: the axis frames the values around 1 (the 99th percentile of every point, not of the reduced ones,
    // where each spike is a bucket's highest point).
    await bar.getByRole('combobox', { name: /Y range/ }).selectOption('outliers');
    await expect.poll(top).toBeLessThan(2);
    await expect(panel.locator('.u-lines')).toBeVisible();
    await page.waitForTimeout(1000);
    expect(await top()).toBeLessThan(2);
    await expect(panel.locator('.panel-clip-note')).toContainText('outside the y range');
    await screenshots(page, 'faults-live-outliers');
    await page.setViewportSize({ width: 390, height: 844 });
    await page.waitForTimeout(300);
    await screenshots(page, 'faults-live-outliers-390');
    await page.setViewportSize({ width: 1440, height: 900 });
    await bar.getByRole('combobox', { name: /Y range/ }).selectOption('auto');
    await expect.poll(top).toBeGreaterThanOrEqual(1000);
    // Log y: powers of ten, still following.
    await bar.getByRole('checkbox', { name: 'Log y' }).check();
    await expect.poll(async () => JSON.parse((await chart.getAttribute('data-y-ticks'))!)[0]).toContain('1000');
    await page.waitForTimeout(1000);
    expect(JSON.parse((await chart.getAttribute('data-y-ticks'))!)[0]).toContain('1000');
    await screenshots(page, 'faults-live-log-y');
  } finally {
    stopped = true;
    await producer;
  }
});

// The legend's value at the cursor was set through React state in the next animation frame: while live it showed the
// previous frame's value beside the tooltip's. Now both are written in the same frame (model/value-store.ts).
test('while live, the legend at the cursor reads what the tooltip reads in every frame', async ({ page }) => {
  const id = 'live-legend';
  const group = { name: 'training', units: 'step' };
  const x0 = Array.from({ length: 3000 }, (_, i) => i);
  await ingest(server.url, { executions: [{ id, start: { name: 'live-legend' }, definitions: [{ key: 'loss', group }], points: [{ key: 'loss', x: x0, y: x0.map(noisy) }] }] });
  const producer = stream(id, 'loss', 2999, 20, 50);
  try {
    await page.goto(`${server.url}/executions/${id}`);
    const panel = page.getByRole('region', { name: 'training' });
    await expect(panel.locator('.u-lines')).toBeVisible();
    const box = (await panel.locator('.u-over').boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.5, box.y + box.height / 2);
    await page.waitForTimeout(300);
    const seen = await panel.evaluate(async (el: HTMLElement) => {
      const out: [string, string][] = [];
      const t0 = performance.now();
      while (performance.now() - t0 < 2000) {
        await new Promise((r) => requestAnimationFrame(r));
        const tip = el.querySelector('.chart-tooltip-value')?.textContent ?? '';
        const leg = el.querySelector('.legend-item')?.textContent ?? '';
        out.push([tip, leg.replace(/^loss/, '')]);
      }
      return out;
    });
    expect(new Set(seen.map(([tip]) => tip)).size).toBeGreaterThan(3); // the value under the cursor changed while live
    expect(seen.filter(([tip, leg]) => tip !== leg)).toEqual([]);
  } finally {
    await producer.stop();
  }
});
