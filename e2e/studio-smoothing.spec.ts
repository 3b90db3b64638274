import { expect, test, type Page } from '@playwright/test';
import { seriesOf } from './series-answer.js';
import { ingest, screenshots, startStudioServer, tempDb, type StudioServer } from './studio-server.js';

// Smoothing algorithms (#17): a long series is held downsampled, so its smoothed line comes from the server, computed from
// every stored point; a short one is smoothed in the tab. Both follow the algorithm chosen in Panel options.
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

test('a long series is smoothed on the server from every point, with the chosen algorithm, kept in the URL', async ({ page }) => {
  await page.goto(`${server.url}/executions/sm-1`);
  const panel = page.getByRole('region', { name: 'training' });
  await expect(panel.locator('canvas')).toHaveCount(1);
  await page.waitForTimeout(300);
  const raw = await pixels(page, 'training');
  await panel.getByRole('button', { name: 'Panel options' }).click();
  const options = panel.getByRole('dialog');
  await expect(options.getByRole('combobox', { name: 'Smoothing algorithm' })).toHaveValue('ema');

  const smoothedRead = page.waitForResponse((r) => r.url().includes('smooth=twema%3A0.9') && r.ok());
  await options.getByRole('combobox', { name: 'Smoothing algorithm' }).selectOption('twema');
  await options.getByRole('slider', { name: 'Smoothing' }).fill('0.9');
  const body = { series: await seriesOf(await smoothedRead) };
  expect(body.series[0]!.key).toBe('loss');
  expect(body.series[0]!.downsampled).toBe(true);
  expect(body.series[0]!.smoothed!.x.length).toBeGreaterThan(100);
  await expect(page).toHaveURL(/s0\.9%2Catwema/);
  await page.waitForTimeout(400);
  const twema = await pixels(page, 'training');
  expect(twema).not.toBe(raw);

  const gaussianRead = page.waitForResponse((r) => r.url().includes('smooth=gaussian%3A0.9') && r.ok());
  await options.getByRole('combobox', { name: 'Smoothing algorithm' }).selectOption('gaussian');
  await gaussianRead;
  await page.waitForTimeout(400);
  expect(await pixels(page, 'training')).not.toBe(twema);
  await screenshots(page, 'smoothing-gaussian');

  await page.reload();
  await page.getByRole('region', { name: 'training' }).getByRole('button', { name: 'Panel options' }).click();
  await expect(page.getByRole('combobox', { name: 'Smoothing algorithm' })).toHaveValue('gaussian');
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
