import { expect, test } from '@playwright/test';
import { FIRST_READ_KEYS } from '../src/studio/live/live-core.js';
import { ingest, SCREENSHOTS, startStudioServer, tempDb, type StudioServer } from './studio-server.js';

/**
 * An execution of 2,000 ungrouped metrics (2,000 panels; issue #20): the page shows its first screen from a first read of
 * the keys it shows first, every panel is in the page with its legend value, and charts are made only near the screen
 * (before, all 2,000 charts were made in one task of ~45 s). How fast it opens is `npm run bench:studio -- --only=wide`.
 */

let server: StudioServer;
const N = 2000;
const key = (i: number) => `layers.${String(i).padStart(4, '0')}.grad_norm`;

test.beforeAll(async () => {
  server = await startStudioServer(tempDb());
  const x = Array.from({ length: 20 }, (_, i) => i);
  await ingest(server.url, { executions: [{ id: 'wide', start: { name: 'two thousand metrics' } }] });
  for (let from = 0; from < N; from += 500) {
    await ingest(server.url, {
      executions: [{ id: 'wide', points: Array.from({ length: 500 }, (_, j) => ({ key: key(from + j), x, y: x.map((v) => (from + j) + v / 100) })) }],
    });
  }
  await ingest(server.url, { executions: [{ id: 'wide', end: { status: 'succeeded' } }] });
});

test.afterAll(async () => {
  await server?.stop();
});

test('2,000 panels: the first screen is read first, every panel is in the page with its value, charts are made near the screen only', async ({ page }) => {
  test.setTimeout(120_000);
  const reads: string[][] = [];
  page.on('request', (r) => {
    if (r.url().includes('/api/executions/wide/series?')) reads.push(new URL(r.url()).searchParams.getAll('key'));
  });
  await page.goto(`${server.url}/executions/wide`);
  const first = page.getByRole('region', { name: key(0) });
  await expect(first.getByRole('button', { name: key(0) })).toContainText('0.19');
  await expect(first.locator('canvas')).toHaveCount(1);
  // The first read names the keys of the first panels only.
  expect(reads[0]).toEqual(Array.from({ length: FIRST_READ_KEYS }, (_, i) => key(i)));

  // Every panel ends up in the page, named after its metric, its legend giving the latest value as text.
  await expect(page.locator('.panels').getByRole('region')).toHaveCount(N, { timeout: 60_000 });
  const last = page.getByRole('region', { name: key(N - 1) });
  await expect(last.getByRole('button', { name: key(N - 1) })).toContainText('1,999.19');
  // Charts are made only on and near the screen.
  const canvases = await page.locator('.panels canvas').count();
  expect(canvases).toBeGreaterThan(0);
  expect(canvases).toBeLessThan(60);
  await page.screenshot({ path: `${SCREENSHOTS}wide-top-light.png` });

  // Scrolled to the end: the last panel's chart is made, those far above are dropped.
  await last.scrollIntoViewIfNeeded();
  await expect(last.locator('canvas')).toHaveCount(1);
  await expect(first.locator('canvas')).toHaveCount(0);
  expect(await page.locator('.panels canvas').count()).toBeLessThan(60);
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    await page.waitForTimeout(300);
    await page.screenshot({ path: `${SCREENSHOTS}wide-bottom-${scheme}.png` });
  }
});
