import { expect, test, type Response } from '@playwright/test';
import { seriesOf } from './series-answer.js';
import { ingest, screenshots, startStudioServer, tempDb, type StudioServer } from './studio-server.js';

let server: StudioServer;
const N = 1_000_000;
const SPIKE_AT = 777_777;

test.beforeAll(async () => {
  server = await startStudioServer(tempDb());
  const chunk = 250_000;
  for (let start = 0; start < N; start += chunk) {
    const x: number[] = [];
    const y: number[] = [];
    for (let i = start; i < start + chunk; i++) {
      x.push(i);
      y.push(i === SPIKE_AT ? 50 : Math.round(Math.sin(i / 5000) * 1000) / 1000);
    }
    await ingest(server.url, {
      executions: [{
        id: 'big-1',
        ...(start === 0 && { start: { name: 'one-million' } }),
        ...(start === 0 && { definitions: [{ key: 'signal', group: { name: 'waves', units: 'step' } }] }),
        points: [{ key: 'signal', x, y }],
        ...(start + chunk >= N && { end: { status: 'succeeded' } }),
      }],
    });
  }
});

test.afterAll(async () => {
  await server?.stop();
});

function isSeriesRead(r: Response): boolean {
  return r.url().includes('/api/executions/big-1/series');
}


test('a 1M-point series opens fast, keeps its spike, refines on zoom and restores the zoom from the URL', async ({ page }) => {
  const started = Date.now();
  const firstRead = page.waitForResponse(isSeriesRead);
  await page.goto(`${server.url}/executions/big-1`);
  const body = { series: await seriesOf(await firstRead) };
  const panel = page.getByRole('region', { name: 'waves' });
  await expect(panel.getByRole('button', { name: /signal/ })).toContainText('-0.')
  await expect(panel.locator('canvas')).toHaveCount(1);
  expect(Date.now() - started).toBeLessThan(5000);
  const s = body.series[0]!;
  expect(s.total).toBe(N);
  expect(s.downsampled).toBe(true);
  expect(s.x.length).toBeLessThan(20_000);
  expect(Math.max(...s.y.map(Number))).toBe(50);
  await screenshots(page, 'million');

  // Drag-select the middle of the chart: the range goes into the URL and is read again at finer resolution.
  const over = panel.locator('.u-over');
  await expect(over).toBeVisible();
  const box = (await over.boundingBox())!;
  const refined = page.waitForResponse((r) => isSeriesRead(r) && r.url().includes('from='));
  await page.mouse.move(box.x + box.width * 0.76, box.y + box.height / 2);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width * 0.79, box.y + box.height / 2, { steps: 5 });
  await page.mouse.up();
  await expect(page).toHaveURL(/from=\d+.*to=\d+.*x=step/);
  const fine = { series: await seriesOf(await refined) };
  const url = new URL(page.url());
  const from = Number(url.searchParams.get('from'));
  const to = Number(url.searchParams.get('to'));
  expect(from).toBeGreaterThan(700_000);
  expect(to).toBeLessThan(820_000);
  const fx = fine.series[0]!.x;
  expect(fx[0]).toBeGreaterThanOrEqual(from);
  expect(fx.at(-1)).toBeLessThanOrEqual(to);
  expect(Math.max(...fine.series[0]!.y.map(Number))).toBe(50);
  await expect(panel.getByRole('button', { name: 'Reset zoom' })).toBeVisible();
  await screenshots(page, 'million-zoomed');

  // Reload restores the zoom (and reads the range again).
  const again = page.waitForResponse((r) => isSeriesRead(r) && r.url().includes(`from=${url.searchParams.get('from')}`));
  await page.reload();
  await again;
  await expect(page).toHaveURL(new RegExp(`from=${url.searchParams.get('from')}`));
  await expect(panel.getByRole('button', { name: 'Reset zoom' })).toBeVisible();

  // A finished execution offers "Reset zoom" (there is nothing live to follow); double-click returns to the whole series.
  await expect(panel.getByRole('button', { name: 'Follow live' })).toHaveCount(0);
  await panel.locator('.u-over').dblclick();
  await expect(page).not.toHaveURL(/from=/);
  await expect(panel.getByRole('button', { name: 'Reset zoom' })).toHaveCount(0);
});
