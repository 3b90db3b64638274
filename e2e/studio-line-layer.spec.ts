import { expect, test, type Locator, type Page } from '@playwright/test';
import { ingest, screenshots, startStudioServer, tempDb, type StudioServer } from './studio-server.js';

// The line layer (src/studio/chart/line-layer.ts) when its worker cannot draw. A worker script can fail to load
// although `new Worker` succeeded: a studio redeployed while the page was open (the old hashed file name is answered
// with the app's HTML page), a proxy, a CSP `worker-src`. Live charts must keep their lines (uPlot's), and the page must
// stop copying frames for a worker that will never draw them.
let server: StudioServer;

test.beforeAll(async () => {
  server = await startStudioServer(tempDb());
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

/** A rising line across the whole plot: its colour in most columns of the plot. */
async function expectLineDrawn(page: Page, panel: Locator): Promise<void> {
  const plotWidth = (await panel.locator('.u-over').boundingBox())!.width;
  await expect.poll(async () => colouredColumns(page, await panel.locator('.chart').screenshot({ animations: 'disabled' }))).toBeGreaterThan(plotWidth * 0.8);
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

failures.forEach(([name, breakWorker], n) => {
  test(`a live chart keeps its lines when ${name}, and no line layer is left fed`, async ({ page }) => {
    const id = `layer-${n}`;
    let x = 0;
    const send = (count: number) => {
      const xs = Array.from({ length: count }, () => x++);
      return ingest(server.url, { executions: [{ id, ...(xs[0] === 0 && { start: { name: 'layer' }, definitions: [{ key: 'lin', group: { name: 'known', units: 'step' } }] }), points: [{ key: 'lin', x: xs, y: xs }] }] });
    };
    await send(20);
    await breakWorker(page);
    await page.goto(`${server.url}/executions/${id}`);
    const panel = page.getByRole('region', { name: 'known' });
    await expect(panel.locator('canvas')).toHaveCount(1);
    // Live data: the chart would hand its lines to the worker.
    const producer = setInterval(() => void send(2), 100);
    try {
      await page.waitForTimeout(1500);
      await expectLineDrawn(page, panel);
      // The failed worker has no layer left to feed (a layer is only made for a worker that can draw).
      await expect(panel.locator('.u-lines')).toHaveCount(0);
    } finally {
      clearInterval(producer);
    }
    if (n === 2) await screenshots(page, 'line-layer-no-worker');
  });
});
