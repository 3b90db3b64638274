import { readFileSync } from 'node:fs';
import { expect, test, type Locator, type Page } from '@playwright/test';
import { ingest, screenshots, startStudioServer, tempDb, type StudioServer } from './studio-server.js';

// The line layer (src/studio/chart/line-layer.ts) when its worker cannot draw: the lines are drawn on the page instead,
// never left out. A worker script can fail to load although `new Worker` succeeded: a studio redeployed while the page
// was open (the old hashed file name is answered with the app's HTML page), a proxy, a CSP `worker-src`.
let server: StudioServer;
const xs = Array.from({ length: 11 }, (_, i) => i);

test.beforeAll(async () => {
  server = await startStudioServer(tempDb());
  await ingest(server.url, {
    executions: [{
      id: 'layer-1', start: { name: 'layer' },
      definitions: [{ key: 'lin', group: { name: 'known', units: 'step' } }],
      points: [{ key: 'lin', x: xs, y: xs.map((x) => 10 * x) }],
    }],
  });
});

test.afterAll(async () => {
  await server?.stop();
});

/** Columns of a PNG holding coloured pixels (the series'; axes, grid and text are grey), counted in the page. */
function colouredColumns(page: Page, png: Buffer): Promise<number> {
  return page.evaluate(async (b64) => {
    const img = await createImageBitmap(new Blob([Uint8Array.from(atob(b64), (c) => c.charCodeAt(0))], { type: 'image/png' }));
    const canvas = new OffscreenCanvas(img.width, img.height);
    const ctx = canvas.getContext('2d')!;
    ctx.drawImage(img, 0, 0);
    const data = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
    const columns = new Set<number>();
    for (let i = 0; i < data.length; i += 4) {
      const [r, g, b] = [data[i]!, data[i + 1]!, data[i + 2]!];
      if (Math.max(r, g, b) - Math.min(r, g, b) > 40) columns.add((i / 4) % canvas.width);
    }
    return columns.size;
  }, png.toString('base64'));
}

/** The line from (0, 0) to (10, 100) is drawn across the plot: its colour in most columns of the plot, not only at its 11 dots. */
async function expectLineDrawn(page: Page, panel: Locator): Promise<void> {
  const layer = panel.locator('canvas.u-lines');
  await expect(layer).toHaveCount(1);
  await expect.poll(() => layer.evaluate((c: HTMLCanvasElement) => c.dataset.posted !== undefined && c.dataset.drawn === c.dataset.posted)).toBe(true);
  const plotWidth = (await layer.boundingBox())!.width;
  const shot = await panel.locator('.chart').screenshot({ animations: 'disabled' });
  expect(await colouredColumns(page, shot)).toBeGreaterThan(plotWidth * 0.8);
}

const failures: Array<[string, (page: Page) => Promise<unknown>]> = [
  ['Worker throws', (page) => page.addInitScript(() => {
    (globalThis as { Worker: unknown }).Worker = function NoWorker() {
      throw new Error('workers are disabled here');
    };
  })],
  ['the worker script is missing (404)', (page) => page.route('**/line-worker*', (r) => r.fulfill({ status: 404, body: 'not found' }))],
  ['the worker script is the app page (an old asset name after a redeploy)', (page) => page.route('**/line-worker*', (r) => r.fulfill({ status: 200, contentType: 'text/html', body: '<!doctype html><title>Plotline</title>' }))],
];

for (const [name, breakWorker] of failures) {
  test(`lines are drawn on the page when ${name}, and the PNG export has them`, async ({ page }) => {
    await breakWorker(page);
    await page.goto(`${server.url}/executions/layer-1`);
    const panel = page.getByRole('region', { name: 'known' });
    await expectLineDrawn(page, panel);
    // The chart drawn after the failure (a new chart: Log y rebuilds it) draws on the page from the start.
    await panel.getByRole('button', { name: 'Panel options' }).click();
    const options = panel.getByRole('dialog');
    await options.getByRole('checkbox', { name: 'Log y' }).check();
    await page.keyboard.press('Escape');
    await expect(options).toHaveCount(0);
    await expectLineDrawn(page, panel);
    await panel.getByRole('button', { name: 'Panel options' }).click();
    const [png] = await Promise.all([page.waitForEvent('download', { timeout: 10_000 }), options.getByRole('button', { name: 'Download PNG' }).click()]);
    // At PNG_PIXEL_RATIO 2: twice the plot's CSS width.
    expect(await colouredColumns(page, readFileSync((await png.path())!))).toBeGreaterThan((await panel.locator('canvas.u-lines').boundingBox())!.width * 1.6);
  });
}

test('the page with no line worker, light and dark, 390 px', async ({ page }) => {
  await page.route('**/line-worker*', (r) => r.fulfill({ status: 404, body: 'not found' }));
  await page.setViewportSize({ width: 390, height: 800 });
  await page.goto(`${server.url}/executions/layer-1`);
  await expectLineDrawn(page, page.getByRole('region', { name: 'known' }));
  await screenshots(page, 'line-layer-no-worker-390');
});
