import { expect, test } from '@playwright/test';
import { connect, Metric, MetricGroup } from '../src/sdk/index.js';
import { FULL_RESOLUTION_SERIES_MAX } from '../src/studio/model/full-resolution.js';
import { startStudioServer, tempDb, type StudioServer } from './studio-server.js';

// Smoothing on the compare page (#17) for runs whose series are longer than the tab holds at full resolution: each run's
// line is smoothed by the server from every stored point (one `smooth=` read per run), never from the downsampled view,
// and never left unsmoothed.
let server: StudioServer;
const N = FULL_RESOLUTION_SERIES_MAX + 1_000;
const ids: string[] = [];

test.beforeAll(async () => {
  test.setTimeout(180_000);
  server = await startStudioServer(tempDb());
  const client = connect({ url: server.url });
  for (const [r, name] of ['long-a', 'long-b'].entries()) {
    const execution = client.startExecution(name);
    const loss = new Metric('loss', { group: new MetricGroup('long', { units: 'step' }), throttle: null });
    execution.run(() => {
      for (let s = 1; s <= N; s++) loss.record(2 * Math.exp(-s / 600_000) + 0.4 * Math.sin(s * 0.7 + r) + (s % 997 === 0 ? 2 : 0), { at: s });
    });
    await execution.end();
    ids.push(execution.id);
  }
});

test.afterAll(async () => {
  await server?.stop();
});

test('a compared run longer than the tab holds is smoothed by the server, one read per run', async ({ page }) => {
  test.setTimeout(120_000);
  const smoothReads: string[] = [];
  const binaryReads: string[] = [];
  page.on('request', (r) => {
    if (r.url().includes('smooth=')) smoothReads.push(r.url());
    if (r.url().includes('format=binary')) binaryReads.push(r.url());
  });
  await page.goto(`${server.url}/compare?ids=${ids.join(',')}`);
  const panel = page.getByRole('region', { name: 'long' });
  await expect(panel.locator('canvas')).toHaveCount(1);
  await page.waitForTimeout(500);
  const pixels = () => panel.locator('canvas').evaluate((c: HTMLCanvasElement) => c.toDataURL());
  const raw = await pixels();
  const answers = Promise.all(ids.map((id) => page.waitForResponse((r) => r.url().includes(`/api/executions/${encodeURIComponent(id)}/series`) && r.url().includes('smooth='), { timeout: 60_000 })));
  await page.getByRole('toolbar', { name: 'All panels' }).getByRole('slider', { name: 'Smoothing' }).fill('0.9');
  for (const a of await answers) expect(a.status()).toBe(200);
  await expect.poll(pixels, { timeout: 10_000 }).not.toBe(raw);
  // One read per run, each naming only that run's series and the chosen smoothing; nothing read into the tab.
  expect(new Set(smoothReads.map((u) => new URL(u).pathname))).toEqual(new Set(ids.map((id) => `/api/executions/${encodeURIComponent(id)}/series`)));
  for (const u of smoothReads) expect(new URL(u).searchParams.get('smooth')).toMatch(/:0\.9$/);
  expect(binaryReads).toEqual([]);
});
