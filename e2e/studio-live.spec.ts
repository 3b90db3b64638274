import { expect, test } from '@playwright/test';
import { connect, Metric, MetricGroup, MetricScale, recordMetric } from '../src/sdk/index.js';
import { screenshots, startStudioServer, tempDb, type StudioServer } from './studio-server.js';

let server: StudioServer;

test.beforeAll(async () => {
  server = await startStudioServer(tempDb());
});

test.afterAll(async () => {
  await server?.stop();
});

const training = new MetricGroup('training', { units: 'epoch' });
const lossScale = new MetricScale({ name: 'loss', units: 'nats' });
const trainLoss = new Metric('train_loss', { group: training, scale: lossScale, throttle: null });
const valLoss = new Metric('val_loss', { group: training, scale: lossScale, throttle: null });
const accuracy = new Metric('accuracy', { group: training, scale: new MetricScale({ units: '%', lower: 0, upper: 100 }), throttle: null });
const batches = new Metric('batches', { group: 'progress', scale: new MetricScale({ progress: true, upper: 50 }), throttle: null });
const gpu = new Metric('gpu_util', { throttle: null });

test('a recorded execution appears, charts and updates live, and reopens cold when finished', async ({ page, browser }) => {
  await page.goto(server.url);
  await expect(page.getByRole('heading', { name: 'No executions yet' })).toBeVisible();
  await screenshots(page, 'empty');

  const client = connect({ url: server.url });
  const execution = client.startExecution('e2e-training', { labels: { model: 'resnet' } });
  execution.run(() => {
    for (let epoch = 1; epoch <= 3; epoch++) {
      trainLoss.record(2 / epoch, { at: epoch });
      valLoss.record(2.2 / epoch, { at: epoch });
      accuracy.record(50 + epoch * 10, { at: epoch });
    }
    batches.record(10);
    gpu.record(75);
    recordMetric('timing.inference', 0.25);
    // A value that changes is also drawn over time.
    recordMetric('token_count', 5, 'incr');
    recordMetric('token_count', 7, 'incr');
  });
  await execution.flush();

  // The list updates without a reload: a link with the name and the status text.
  const link = page.getByRole('link', { name: /e2e-training/ });
  await expect(link).toBeVisible();
  await expect(link).toContainText('running');
  await screenshots(page, 'list');
  await link.click();
  await expect(page).toHaveURL(new RegExp(`/executions/${execution.id}$`));

  await expect(page.getByRole('heading', { name: 'e2e-training' })).toBeVisible();
  const trainingPanel = page.getByRole('region', { name: 'training' });
  await expect(trainingPanel.getByRole('button', { name: /train_loss/ })).toContainText('0.6667');
  await expect(trainingPanel.getByRole('button', { name: /accuracy/ })).toContainText('80');
  await expect(trainingPanel.locator('canvas')).toHaveCount(1);
  // An ungrouped metric gets a panel named after its key.
  await expect(page.getByRole('region', { name: 'gpu_util' }).getByRole('button', { name: /gpu_util/ })).toContainText('75');
  const bar = page.getByRole('progressbar', { name: 'batches' });
  await expect(bar).toHaveAttribute('aria-valuenow', '10');
  await expect(bar).toHaveAttribute('aria-valuemax', '50');
  await expect(bar).toHaveAttribute('aria-valuemin', '0');
  const summary = page.getByRole('region', { name: 'Summary' });
  await expect(summary).toContainText('timing.inference');
  await expect(summary).toContainText('0.25');
  await expect(summary.getByRole('figure', { name: 'Summary over time' })).toBeVisible();
  await expect(page.getByRole('region', { name: 'Summary' })).toHaveCount(1);

  // Live: new points, a NaN, progress and summary changes show up without a reload.
  execution.run(() => {
    trainLoss.record(NaN, { at: 4 });
    valLoss.record(0.4, { at: 4 });
    batches.record(25);
    gpu.record(91.5);
    recordMetric('token_count', 30, 'incr');
  });
  await execution.flush();
  await expect(trainingPanel.getByRole('button', { name: /train_loss/ })).toContainText('NaN');
  await expect(trainingPanel.getByRole('button', { name: /val_loss/ })).toContainText('0.4');
  await expect(bar).toHaveAttribute('aria-valuenow', '25');
  await expect(page.getByRole('region', { name: 'gpu_util' })).toContainText('91.5');
  await expect(summary).toContainText('42');

  // Legend toggles survive live updates.
  const valButton = trainingPanel.getByRole('button', { name: /val_loss/ });
  await valButton.click();
  await expect(valButton).toHaveAttribute('aria-pressed', 'false');
  execution.run(() => gpu.record(60));
  await execution.flush();
  await expect(page.getByRole('region', { name: 'gpu_util' })).toContainText('60');
  await expect(valButton).toHaveAttribute('aria-pressed', 'false');
  await valButton.click();

  await screenshots(page, 'execution-running');
  await execution.end('succeeded');
  await expect(page.locator('.exec-title')).toContainText('succeeded');
  await client.close();

  // A cold page on the finished execution shows the same data from history.
  const cold = await browser.newPage();
  await cold.goto(`${server.url}/executions/${execution.id}`);
  await expect(cold.getByRole('heading', { name: 'e2e-training' })).toBeVisible();
  await expect(cold.locator('.exec-title')).toContainText('succeeded');
  await expect(cold.getByRole('region', { name: 'training' }).getByRole('button', { name: /val_loss/ })).toContainText('0.4');
  await expect(cold.getByRole('region', { name: 'training' }).getByRole('button', { name: /train_loss/ })).toContainText('NaN');
  await expect(cold.getByRole('progressbar', { name: 'batches' })).toHaveAttribute('aria-valuenow', '25');
  await expect(cold.getByRole('region', { name: 'Summary' })).toContainText('predict_time');
  await screenshots(cold, 'execution-finished');

  // Back on the list, the status changed without a reload.
  await cold.goto(server.url);
  await expect(cold.getByRole('link', { name: /e2e-training/ })).toContainText('succeeded');
  await cold.close();
});

/** Pixels of `png` (a screenshot) within 40 of the colour of the panel's first legend swatch in each channel. */
async function swatchPixels(panel: import('@playwright/test').Locator, png: Buffer): Promise<number> {
  return panel.evaluate(async (el, b64) => {
    const img = await createImageBitmap(new Blob([Uint8Array.from(atob(b64), (c) => c.charCodeAt(0))], { type: 'image/png' }));
    const canvas = new OffscreenCanvas(img.width, img.height);
    const ctx = canvas.getContext('2d')!;
    ctx.drawImage(img, 0, 0);
    const [r, g, b] = getComputedStyle(el.querySelector('.legend-item .swatch')!).backgroundColor.match(/\d+/g)!.map(Number);
    const data = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
    let n = 0;
    for (let i = 0; i < data.length; i += 4) if (Math.abs(data[i]! - r!) < 40 && Math.abs(data[i + 1]! - g!) < 40 && Math.abs(data[i + 2]! - b!) < 40) n++;
    return n;
  }, png.toString('base64'));
}

test('while points stream in, the lines are drawn off the main thread; once still, on the chart canvas itself', async ({ page }) => {
  const client = connect({ url: server.url });
  const group = new MetricGroup('waves', { units: 'step' });
  const waves = [0, 1, 2].map((i) => new Metric(`wave_${i}`, { group, throttle: null }));
  const execution = client.startExecution('e2e-waves');
  let step = 0;
  const producer = setInterval(() => execution.run(() => {
    step++;
    waves.forEach((m, i) => m.record(Math.sin(step / 10 + i), { at: step }));
  }), 50);
  const panel = page.getByRole('region', { name: 'waves' });
  const layer = panel.locator('.u-lines');
  try {
    await page.goto(`${server.url}/executions/${execution.id}`);
    // Live: the line layer shows (it has drawn what it was handed), and the chart still has one canvas.
    await expect(layer).toBeVisible();
    await expect(panel.locator('canvas')).toHaveCount(1);
    await expect.poll(() => layer.evaluate((el: HTMLElement) => Number(el.dataset.drawn) > 5 && el.dataset.drawn !== undefined)).toBe(true);
    // The lines are on screen: a 1 px line across most of the plot has hundreds of pixels of its colour.
    const live = await panel.locator('.chart').screenshot();
    expect(await swatchPixels(panel, live)).toBeGreaterThan(200);
    await screenshots(page, 'live-line-layer');
  } finally {
    clearInterval(producer);
  }
  await execution.end('succeeded');
  await client.close();
  // Still (1 s after the last point): uPlot draws the lines on its own canvas again and the layer is hidden.
  await expect(layer).toBeHidden({ timeout: 10_000 });
  const onCanvas = await panel.locator('canvas').evaluate((canvas: HTMLCanvasElement) => {
    const [r, g, b] = getComputedStyle(canvas.closest('[role="region"]')!.querySelector('.legend-item .swatch')!).backgroundColor.match(/\d+/g)!.map(Number);
    const data = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
    let n = 0;
    for (let i = 0; i < data.length; i += 4) if (Math.abs(data[i]! - r!) < 40 && Math.abs(data[i + 1]! - g!) < 40 && Math.abs(data[i + 2]! - b!) < 40) n++;
    return n;
  });
  expect(onCanvas).toBeGreaterThan(200);
});
