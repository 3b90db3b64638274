import { expect, test, type Page } from '@playwright/test';
import { decodeSeriesBinary } from '../src/protocol/index.js';
import { ingest, screenshots, startStudioServer, tempDb, type StudioServer } from './studio-server.js';

// Smoothing algorithms (#17): a long series is held downsampled, so the tab reads every stored point of it once (the binary
// export) and smooths those — moving the slider or changing the algorithm reads nothing again; a short one is smoothed from
// the points held. Both follow the algorithm chosen in Panel options. (Series longer than the tab holds at full resolution
// are smoothed by the server: its `smooth=` read is tested in test/.)
let server: StudioServer;
const N = 200_000;

test.beforeAll(async () => {
  server = await startStudioServer(tempDb());
  const group = { name: 'training', units: 'step' };
  await ingest(server.url, { executions: [{ id: 'sm-1', start: { name: 'smoothing' }, definitions: [{ key: 'loss', group }, { key: 'short', group: { name: 'short' } }] }] });
  for (let from = 0; from < N; from += 50_000) {
    const x = Array.from({ length: 50_000 }, (_, i) => from + i + 1);
    // A decay with noise and a spike every 50 steps: the view's min/max buckets keep the spikes.
    await ingest(server.url, { executions: [{ id: 'sm-1', points: [{ key: 'loss', x, y: x.map((s) => 2 * Math.exp(-s / 60_000) + 0.3 * Math.sin(s * 0.7) + (s % 50 === 0 ? 3 : 0)) }] }] });
  }
  const sx = Array.from({ length: 300 }, (_, i) => i + 1);
  await ingest(server.url, { executions: [{ id: 'sm-1', points: [{ key: 'short', x: sx, y: sx.map((s) => Math.sin(s / 20) + ((s * 7919) % 13) / 13) }] }] });
});

test.afterAll(async () => {
  await server?.stop();
});

const pixels = (page: Page, name: string) => page.getByRole('region', { name }).locator('canvas').evaluate((c: HTMLCanvasElement) => c.toDataURL());

test('a long series is smoothed in the tab from every stored point, with the chosen algorithm, kept in the URL', async ({ page }) => {
  const reads: string[] = [];
  page.on('request', (r) => (r.url().includes('format=binary') || r.url().includes('smooth=')) && reads.push(r.url()));
  await page.goto(`${server.url}/executions/sm-1`);
  const panel = page.getByRole('region', { name: 'training' });
  await expect(panel.locator('canvas')).toHaveCount(1);
  await page.waitForTimeout(300);
  const raw = await pixels(page, 'training');
  await panel.getByRole('button', { name: 'Panel options' }).click();
  const options = panel.getByRole('dialog');
  await expect(options.getByRole('combobox', { name: 'Smoothing algorithm' })).toHaveValue('ema');

  const fullRead = page.waitForResponse((r) => r.url().includes('/export?key=loss&format=binary') && r.ok());
  await options.getByRole('combobox', { name: 'Smoothing algorithm' }).selectOption('twema');
  await options.getByRole('slider', { name: 'Smoothing' }).fill('0.9');
  // Every stored point, not the downsampled view the chart holds.
  const body = await (await fullRead).body();
  const frames = decodeSeriesBinary(new Uint8Array(body).buffer);
  expect(frames.reduce((n, f) => n + f.x.length, 0)).toBe(N);
  await expect(panel.locator('[data-smoothing="twema:0.9"]')).toHaveCount(1);
  await expect(page).toHaveURL(/s0\.9%2Catwema/);
  const twema = await pixels(page, 'training');
  expect(twema).not.toBe(raw);

  await options.getByRole('combobox', { name: 'Smoothing algorithm' }).selectOption('gaussian');
  await expect(panel.locator('[data-smoothing="gaussian:0.9"]')).toHaveCount(1);
  await options.getByRole('slider', { name: 'Smoothing' }).fill('0.6');
  await expect(panel.locator('[data-smoothing="gaussian:0.6"]')).toHaveCount(1);
  await options.getByRole('slider', { name: 'Smoothing' }).fill('0.9');
  await expect(panel.locator('[data-smoothing="gaussian:0.9"]')).toHaveCount(1);
  expect(await pixels(page, 'training')).not.toBe(twema);
  // One read of the points; the slider and the algorithm re-smooth them in the tab.
  expect(reads.filter((u) => u.includes('format=binary'))).toHaveLength(1);
  expect(reads.filter((u) => u.includes('smooth='))).toEqual([]);
  await screenshots(page, 'smoothing-gaussian');

  await page.reload();
  await page.getByRole('region', { name: 'training' }).getByRole('button', { name: 'Panel options' }).click();
  await expect(page.getByRole('region', { name: 'training' }).getByRole('dialog').getByRole('combobox', { name: 'Smoothing algorithm' })).toHaveValue('gaussian');
  await page.setViewportSize({ width: 390, height: 800 });
  await page.waitForTimeout(400);
  await screenshots(page, 'smoothing-gaussian-390');
});

test('a short series is smoothed in the tab: each algorithm draws differently, without a smoothed read', async ({ page }) => {
  const smoothRequests: string[] = [];
  page.on('request', (r) => r.url().includes('smooth=') && smoothRequests.push(r.url()));
  await page.goto(`${server.url}/executions/sm-1`);
  const panel = page.getByRole('region', { name: 'short' });
  await expect(panel.locator('canvas')).toHaveCount(1);
  await panel.getByRole('button', { name: 'Panel options' }).click();
  const options = panel.getByRole('dialog');
  await options.getByRole('slider', { name: 'Smoothing' }).fill('0.8');
  const drawn: string[] = [];
  for (const algorithm of ['ema', 'twema', 'gaussian']) {
    await options.getByRole('combobox', { name: 'Smoothing algorithm' }).selectOption(algorithm);
    await page.waitForTimeout(300);
    drawn.push(await pixels(page, 'short'));
  }
  expect(new Set(drawn).size).toBe(3);
  expect(smoothRequests.filter((u) => u.includes('key=short'))).toEqual([]);
});

test('a dragged slider redraws on each move and writes the URL once, when it settles (released or idle)', async ({ page }) => {
  await page.goto(`${server.url}/executions/sm-1`);
  const panel = page.getByRole('region', { name: 'short' });
  await expect(panel.locator('canvas')).toHaveCount(1);
  await panel.getByRole('button', { name: 'Panel options' }).click();
  const slider = panel.getByRole('dialog').getByRole('slider', { name: 'Smoothing' });
  // Ten moves as a drag sends them (input events, no change), counted in one task so no timer can run in between.
  const during = await slider.evaluate((el: HTMLInputElement) => {
    const w = window as unknown as { replaced: number };
    w.replaced = 0;
    const replace = history.replaceState.bind(history);
    history.replaceState = (...a: Parameters<History['replaceState']>) => { w.replaced++; replace(...a); };
    const set = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value')!.set!;
    for (let v = 1; v <= 10; v++) {
      set.call(el, String(v / 20));
      el.dispatchEvent(new Event('input', { bubbles: true }));
    }
    return { replaced: w.replaced, search: location.search };
  });
  expect(during.replaced).toBe(0);
  expect(during.search).not.toContain('s0.5');
  await expect(panel.locator('[data-smoothing$=":0.5"]')).toHaveCount(1); // drawn with the last move meanwhile
  await expect(page).toHaveURL(/s0\.5/); // written SETTLE_MS after the last move
  expect(await page.evaluate(() => (window as unknown as { replaced: number }).replaced)).toBe(1);
  // Released (the native change): written at once.
  const released = await slider.evaluate((el: HTMLInputElement) => {
    Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value')!.set!.call(el, '0.7');
    el.dispatchEvent(new Event('input', { bubbles: true }));
    el.dispatchEvent(new Event('change', { bubbles: true }));
    return location.search;
  });
  expect(released).toContain('s0.7');
  await page.reload();
  await page.getByRole('region', { name: 'short' }).getByRole('button', { name: 'Panel options' }).click();
  await expect(page.getByRole('region', { name: 'short' }).getByRole('dialog').getByRole('slider', { name: 'Smoothing' })).toHaveValue('0.7');
});
