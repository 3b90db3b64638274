import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { ingest, screenshots, SCREENSHOTS, startStudioServer, tempDb, type StudioServer } from './studio-server.js';

// Panel options (DESIGN.md): Smoothing, Log x, Log y, X axis and the downloads, on a real server and browser.
let server: StudioServer;
const N = 5000;
const xs = Array.from({ length: N }, (_, i) => i + 1);
// A noisy decay over four decades, with a few values a log axis cannot draw.
const ys: Array<number | string> = xs.map((x, i) => (i === 100 ? 0 : i === 200 ? -1 : i === 300 ? 'NaN' : Number((1000 * Math.exp(-x / 600) * (1 + 0.4 * Math.sin(x * 1.7))).toPrecision(12))));

test.beforeAll(async () => {
  server = await startStudioServer(tempDb());
  await ingest(server.url, {
    executions: [{
      id: 'opts-1', start: { name: 'options' },
      definitions: [{ key: 'loss', group: { name: 'training', units: 'step' } }, { key: 'acc', group: { name: 'training', units: 'step' } }],
      points: [{ key: 'loss', x: xs, y: ys }, { key: 'acc', x: xs.filter((x) => x % 2 === 0), y: xs.filter((x) => x % 2 === 0).map((x) => x / N) }],
    }],
  });
});

test.afterAll(async () => {
  await server?.stop();
});

const canvasPixels = (page: Page) => page.getByRole('region', { name: 'training' }).locator('canvas').evaluate((c: HTMLCanvasElement) => c.toDataURL());

async function openOptions(page: Page) {
  const panel = page.getByRole('region', { name: 'training' });
  await panel.getByRole('button', { name: 'Panel options' }).click();
  return panel.getByRole('dialog');
}

test('smoothing and Log y change the drawn chart and live in the URL', async ({ page }) => {
  await page.goto(`${server.url}/executions/opts-1`);
  const panel = page.getByRole('region', { name: 'training' });
  await expect(panel.locator('canvas')).toHaveCount(1);
  await page.waitForTimeout(300);
  const before = await canvasPixels(page);
  const yTicksBefore = await panel.locator('.chart').getAttribute('data-y-ticks');

  const options = await openOptions(page);
  await expect(options.getByRole('slider', { name: 'Smoothing' })).toHaveValue('0');
  await expect(options.getByRole('checkbox', { name: 'Log x' })).not.toBeChecked();
  await expect(options.getByRole('combobox', { name: 'X axis' })).toHaveValue('units');
  await expect(options.getByRole('option', { name: 'wall time' })).toBeDisabled();
  await options.getByRole('slider', { name: 'Smoothing' }).fill('0.9');
  await expect(page).toHaveURL(/po\.[^=]+=s0\.9/);
  await page.waitForTimeout(300);
  expect(await canvasPixels(page)).not.toBe(before);
  await screenshots(page, 'panel-options-smoothing');

  const legendBefore = await panel.locator('.legend-item').allTextContents();
  expect(legendBefore).toHaveLength(2);
  await options.getByRole('checkbox', { name: 'Log y' }).check();
  await expect(page).toHaveURL(/s0\.9%2Cly/);
  // Ticks at powers of ten; the non-positive values are counted on the panel.
  await expect(panel.locator('.chart')).not.toHaveAttribute('data-y-ticks', yTicksBefore ?? '');
  const ticks = JSON.parse((await panel.locator('.chart').getAttribute('data-y-ticks'))!) as string[][];
  expect(ticks[0]).toEqual(expect.arrayContaining(['1', '10', '100']));
  // Counted among the points in view: "at least", as the 5,000 points are held per-pixel downsampled (some of those stored).
  await expect(panel.getByText('At least 2 values ≤ 0 in view not drawn on the log scale.', { exact: true })).toBeVisible();
  // The legend writes values as it did on the linear scale.
  expect(await panel.locator('.legend-item').allTextContents()).toEqual(legendBefore);
  await screenshots(page, 'panel-options-logy');

  // A reload restores the options.
  await page.reload();
  const again = await openOptions(page);
  await expect(again.getByRole('slider', { name: 'Smoothing' })).toHaveValue('0.9');
  await expect(again.getByRole('checkbox', { name: 'Log y' })).toBeChecked();
});

test('Download CSV of a zoomed range has the header and every stored point in it; PNG downloads', async ({ page }) => {
  await page.goto(`${server.url}/executions/opts-1?from=1000&to=3999&x=step`);
  const options = await openOptions(page);
  const [csv] = await Promise.all([page.waitForEvent('download'), options.getByRole('button', { name: 'Download CSV' }).click()]);
  // Every file is named after the execution and the panel.
  expect(csv.suggestedFilename()).toBe('options-training.csv');
  const text = readFileSync((await csv.path())!, 'utf8');
  const lines = text.trimEnd().split('\n');
  expect(lines[0]).toBe('x,loss,acc');
  expect(lines.length - 1).toBe(3000);
  for (let i = 1; i < lines.length; i++) {
    const x = 999 + i;
    const [cx, cl, ca] = lines[i]!.split(',');
    expect(Number(cx)).toBe(x);
    expect(cl === 'NaN' ? 'NaN' : Number(cl)).toBe(ys[x - 1]);
    expect(ca).toBe(x % 2 === 0 ? String(x / N) : '');
  }

  const [json] = await Promise.all([page.waitForEvent('download'), options.getByRole('button', { name: 'Download JSON' }).click()]);
  expect(json.suggestedFilename()).toBe('options-training.json');
  const body = JSON.parse(readFileSync((await json.path())!, 'utf8')) as { series: Array<{ key: string; points: unknown[] }> };
  expect(body.series.map((s) => [s.key, s.points.length])).toEqual([['loss', 3000], ['acc', 1500]]);

  const [png] = await Promise.all([page.waitForEvent('download'), options.getByRole('button', { name: 'Download PNG' }).click()]);
  expect(png.suggestedFilename()).toBe('options-training.png');
  const bytes = readFileSync((await png.path())!);
  expect(bytes.subarray(1, 4).toString()).toBe('PNG');
  const chart = page.getByRole('region', { name: 'training' }).locator('.chart');
  const cssWidth = (await chart.boundingBox())!.width;
  // Width at device pixel ratio 2 (IHDR width, big-endian at byte 16).
  expect(Math.abs(bytes.readUInt32BE(16) - Math.round(cssWidth) * 2)).toBeLessThanOrEqual(4);
  // The lines are in it: pixels of the first line's colour, far more than its legend swatch has.
  const coloured = await page.evaluate(async (b64) => {
    const img = await createImageBitmap(new Blob([Uint8Array.from(atob(b64), (c) => c.charCodeAt(0))], { type: 'image/png' }));
    const canvas = new OffscreenCanvas(img.width, img.height);
    const ctx = canvas.getContext('2d')!;
    ctx.drawImage(img, 0, 0);
    const swatch = getComputedStyle(document.querySelector('[aria-label="training"] .legend-item .swatch')!).backgroundColor;
    const [r, g, b] = swatch.match(/\d+/g)!.map(Number);
    const data = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
    let n = 0;
    for (let i = 0; i < data.length; i += 4) if (Math.abs(data[i]! - r!) < 40 && Math.abs(data[i + 1]! - g!) < 40 && Math.abs(data[i + 2]! - b!) < 40) n++;
    return n;
  }, bytes.toString('base64'));
  expect(coloured).toBeGreaterThan(cssWidth);
  mkdirSync(SCREENSHOTS, { recursive: true });
  copyFileSync((await png.path())!, join(SCREENSHOTS, 'panel-options-download.png'));
});

test('the options popover fits a 390 px wide screen', async ({ page }) => {
  await page.setViewportSize({ width: 390, height: 800 });
  await page.goto(`${server.url}/executions/opts-1?po.${encodeURIComponent('group:training')}=s0.6`);
  const options = await openOptions(page);
  const box = (await options.boundingBox())!;
  expect(box.x).toBeGreaterThanOrEqual(0);
  expect(box.x + box.width).toBeLessThanOrEqual(390);
  await screenshots(page, 'panel-options-390');
});

test('a failed download’s message is never covered by the options popover (it closes when the message appears), wide and at 390 px', async ({ page }) => {
  for (const width of [1280, 390]) {
    const id = `opts-gone-${width}`;
    await ingest(server.url, {
      executions: [{ id, start: { name: 'gone' }, definitions: [{ key: 'loss', group: { name: 'training', units: 'step' } }], points: [{ key: 'loss', x: [1, 2, 3], y: [3, 2, 1] }] }],
    });
    await page.setViewportSize({ width, height: 800 });
    await page.goto(`${server.url}/executions/${id}`);
    const panel = page.getByRole('region', { name: 'training' });
    await expect(panel.locator('canvas')).toHaveCount(1);
    const options = await openOptions(page);
    // The execution is deleted meanwhile: the server refuses the export, and the panel says so.
    expect((await fetch(`${server.url}/api/executions/${id}`, { method: 'DELETE' })).ok).toBe(true);
    await options.getByRole('button', { name: 'Download CSV' }).click();
    const alert = panel.getByRole('alert');
    await expect(alert).toContainText('Download CSV failed');
    await expect(panel.getByRole('dialog')).toHaveCount(0);
    // Nothing lies over the message: the element at each end and the middle of its text is the message itself.
    const covered = await alert.evaluate((el) => {
      const range = document.createRange();
      range.selectNodeContents(el);
      return Array.from(range.getClientRects()).flatMap((r) => [r.left + 2, (r.left + r.right) / 2, r.right - 2].map((x) => {
        const at = document.elementFromPoint(x, (r.top + r.bottom) / 2);
        return at && el.contains(at) ? null : at?.className ?? 'nothing';
      })).filter(Boolean);
    });
    expect(covered).toEqual([]);
    // Focus went back to the options button, not to the page's start.
    await expect(panel.getByRole('button', { name: 'Panel options' })).toBeFocused();
    await screenshots(page, `panel-download-failed-${width}`);
  }
});
