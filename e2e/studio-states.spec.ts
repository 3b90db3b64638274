import { expect, test, type Page } from '@playwright/test';
import { applyBatch } from '../src/server/ingest/apply.js';
import { openStore } from '../src/server/store/index.js';
import { freePort, ingest, screenshots, startStudioServer, tempDb, type StudioServer } from './studio-server.js';

/** Pages that tell the truth about an execution's state, whatever an older store holds, and fit a phone (issue #10). */

let server: StudioServer | undefined;
test.afterEach(async () => {
  await server?.stop();
  server = undefined;
});

const MIN = 60_000;

function progressRun(id: string, end: 'failed' | 'cancelled' | null) {
  return {
    executions: [{
      id,
      start: { name: id, startedAt: Date.now() - 5 * MIN },
      definitions: [
        { key: 'batches', group: { name: 'train', units: 'step' }, scale: { progress: true, upper: 1000 } },
        { key: 'loss', group: { name: 'train', units: 'step' } },
      ],
      points: [
        { key: 'batches', x: [0, 1, 2, 3], y: [0, 200, 400, 411] },
        { key: 'loss', x: [0, 1, 2, 3], y: [2, 1.5, 1.2, 1.1] },
      ],
      ...(end && { end: { status: end } }),
    }],
  };
}

const durationText = (page: Page) => page.locator('.exec-meta div', { hasText: 'Duration' }).locator('dd').textContent();

test('an ended execution: the progress bar stops in its status colour, zoom offers "Reset zoom"', async ({ page }) => {
  server = await startStudioServer(tempDb());
  await ingest(server.url, progressRun('ended-failed', 'failed'));
  await ingest(server.url, progressRun('still-running', null));

  await page.goto(`${server.url}/executions/still-running`);
  const runningBar = page.locator('.progress', { has: page.getByRole('progressbar', { name: 'batches' }) });
  await expect(runningBar).toContainText('/s');

  await page.goto(`${server.url}/executions/ended-failed`);
  const bar = page.getByRole('progressbar', { name: 'batches' });
  await expect(bar).toHaveAttribute('aria-valuenow', '411');
  await expect(bar).toHaveAttribute('aria-valuemax', '1000');
  await expect(bar).toHaveAttribute('aria-valuemin', '0');
  const head = page.locator('.progress', { has: bar });
  await expect(head).not.toContainText('/s');
  await expect(head).not.toContainText('ETA');
  await expect(head).toContainText('failed');
  const [fill, failed] = await bar.evaluate((el) => [
    getComputedStyle(el.querySelector('.progress-fill')!).backgroundColor,
    getComputedStyle(document.querySelector('.status-failed')!).color,
  ]);
  expect(fill).toBe(failed);

  // Zoomed into a finished execution: "Reset zoom", never "Follow live".
  await page.goto(`${server.url}/executions/ended-failed?from=1&to=2&x=step`);
  const panel = page.getByRole('region', { name: 'train' });
  await expect(panel.getByRole('button', { name: 'Reset zoom' })).toBeVisible();
  await expect(panel.getByRole('button', { name: 'Follow live' })).toHaveCount(0);
  await screenshots(page, 'state-ended-progress');
  await panel.getByRole('button', { name: 'Reset zoom' }).click();
  await expect(page).toHaveURL(`${server.url}/executions/ended-failed`);

  await page.goto(`${server.url}/executions/still-running?from=1&to=2&x=step`);
  await expect(page.getByRole('region', { name: 'train' }).getByRole('button', { name: 'Follow live' })).toBeVisible();
});

test('a lost execution\'s duration stops at when it was last seen', async ({ page }) => {
  server = await startStudioServer(tempDb(), 0, ['--lost-after', '1']);
  const startedAt = Date.now() - 30_000;
  await ingest(server.url, { executions: [{ id: 'lost-1', start: { name: 'lost-run', startedAt }, points: [{ key: 'loss', x: [1], y: [1] }] }] });
  await page.goto(`${server.url}/executions/lost-1`);
  await expect(page.locator('.exec-title .status')).toHaveText('lost', { timeout: 15_000 });
  const first = await durationText(page);
  expect(first).toMatch(/^3\ds$/);
  await page.waitForTimeout(2500);
  expect(await durationText(page)).toBe(first);
});

test('an unknown id and an unknown path are Not found pages with a way back', async ({ page }) => {
  server = await startStudioServer(tempDb());
  await page.goto(`${server.url}/executions/no-such-run`);
  await expect(page.getByRole('heading', { name: 'Not found' })).toBeVisible();
  await expect(page.getByText('No execution has the id “no-such-run”.')).toBeVisible();
  await expect(page.getByText(/id: id:/)).toHaveCount(0);
  await screenshots(page, 'state-not-found');
  await page.getByRole('link', { name: /Back to all executions/ }).click();
  await expect(page).toHaveURL(`${server.url}/`);
  await page.goto(`${server.url}/no/such/page`);
  await expect(page.getByRole('heading', { name: 'Not found' })).toBeVisible();
  await expect(page.getByRole('link', { name: /Back to all executions/ })).toBeVisible();
});

test('with the server down the page says so, durations stop, and it recovers without a reload', async ({ page }) => {
  const db = tempDb();
  const port = await freePort();
  server = await startStudioServer(db, port);
  await ingest(server.url, { executions: [{ id: 'down-1', start: { name: 'down-run' }, points: [{ key: 'loss', x: [1], y: [1] }] }] });
  await page.goto(`${server.url}/executions/down-1`);
  await expect(page.getByRole('status')).toHaveText('Live');
  // The page must have loaded the execution before the server goes (else it says it could not load it, rightly).
  await expect(page.getByRole('region', { name: 'loss' }).getByRole('button', { name: /loss/ })).toContainText('1');
  await expect(page.getByRole('alert')).toHaveCount(0);

  await server.stop();
  server = undefined;
  const banner = page.getByRole('alert').filter({ hasText: 'the server cannot be reached' });
  await expect(banner).toBeVisible();
  await expect(banner).toContainText(/since \d\d:\d\d:\d\d/);
  const stopped = await durationText(page);
  await page.waitForTimeout(2200);
  expect(await durationText(page)).toBe(stopped);
  await screenshots(page, 'state-offline');

  server = await startStudioServer(db, port);
  await expect(page.getByRole('status')).toHaveText('Live', { timeout: 15_000 });
  await expect(banner).toHaveCount(0);
  await ingest(server.url, { executions: [{ id: 'down-1', points: [{ key: 'loss', x: [2], y: [0.5] }] }] });
  await expect(page.getByRole('region', { name: 'loss' }).getByRole('button', { name: /loss/ })).toContainText('0.5');
});

test('times an older store holds that are not milliseconds show as "invalid time"; every page still works', async ({ page }) => {
  const db = tempDb();
  // Written past ingest's validation, as a store from before the time rule holds them.
  const store = await openStore(db);
  const now = Date.now();
  const bad: [string, number][] = [['seconds', Math.floor(now / 1000)], ['nanoseconds', now * 1e6], ['huge', 1e300], ['negative', -5e12]];
  for (const [id, startedAt] of bad) {
    await applyBatch(store, { executions: [{ id, start: { name: `bad-${id}`, startedAt }, points: [{ key: 'loss', x: Float64Array.of(1, 2), y: Float64Array.of(1, 0.5) }] }] }, now);
  }
  await applyBatch(store, { executions: [{ id: 'good', start: { name: 'good-run', startedAt: now - MIN }, end: { status: 'succeeded', endedAt: now } }] }, now);
  await store.close();
  server = await startStudioServer(db);

  await page.goto(server.url);
  for (const [id] of bad) await expect(page.getByRole('link', { name: new RegExp(`bad-${id}`) })).toBeVisible();
  await expect(page.getByRole('link', { name: /good-run/ })).toBeVisible();
  await expect(page.getByRole('cell', { name: 'invalid time' })).toHaveCount(4);
  await expect(page.getByRole('cell', { name: '1m', exact: true })).toBeVisible();
  await screenshots(page, 'state-invalid-times-list');

  await page.getByRole('link', { name: /bad-huge/ }).click();
  await expect(page.getByRole('heading', { name: 'bad-huge' })).toBeVisible();
  await expect(page.locator('.exec-meta')).toContainText('invalid time');
  await expect(page.getByRole('region', { name: 'loss' }).getByRole('button', { name: /loss/ })).toContainText('0.5');
  await screenshots(page, 'state-invalid-times-execution');
});

test('390 px wide: the list and an execution page fit the viewport', async ({ page }) => {
  server = await startStudioServer(tempDb());
  await ingest(server.url, progressRun('narrow-run-with-a-rather-long-name', null));
  await ingest(server.url, {
    executions: [{
      id: 'narrow-many',
      start: { name: 'narrow many', labels: { model: 'resnet50', dataset: 'imagenet' } },
      definitions: Array.from({ length: 12 }, (_, i) => ({ key: `optimizer.param_groups.${i}.gradient_norm_after_clipping`, group: { name: 'train', units: 'step' } })),
      points: Array.from({ length: 12 }, (_, i) => ({ key: `optimizer.param_groups.${i}.gradient_norm_after_clipping`, x: [0, 1, 2], y: [i, i + 1, i * 2] })),
    }],
  });
  await page.setViewportSize({ width: 390, height: 844 });
  const fits = () => page.evaluate(() => document.documentElement.scrollWidth);

  await page.goto(server.url);
  await expect(page.getByRole('link', { name: /narrow many/ })).toBeVisible();
  expect(await fits()).toBeLessThanOrEqual(390);
  await screenshots(page, 'narrow-list');

  for (const id of ['narrow-run-with-a-rather-long-name', 'narrow-many']) {
    await page.goto(`${server.url}/executions/${id}`);
    await expect(page.getByRole('region', { name: 'train' }).locator('canvas')).toHaveCount(1);
    expect(await fits(), id).toBeLessThanOrEqual(390);
    const panelRight = await page.getByRole('region', { name: 'train' }).evaluate((el) => el.getBoundingClientRect().right);
    expect(panelRight).toBeLessThanOrEqual(390);
    await screenshots(page, `narrow-${id === 'narrow-many' ? 'many' : 'progress'}`);
  }
});

test('long names wrap or are cut, never widen a page: a 190-character metric key, a 190-character service name', async ({ page }) => {
  server = await startStudioServer(tempDb());
  const key = `encoder.${'layer_norm_'.repeat(17)}out`.slice(0, 190);
  await ingest(server.url, { executions: [{ id: 'long-key', start: { name: 'long key' }, points: [{ key, x: [0, 1, 2], y: [1, 2, 3] }, { key: 'loss', x: [0, 1], y: [1, 0.5] }] }] });
  const service = `svc-${'s'.repeat(186)}`;
  const res = await fetch(`${server.url}/api/ingest/statsd`, {
    method: 'POST', headers: { 'content-type': 'text/plain' }, body: `http.server.request.duration:0.02|d|#service:${service},http.response.status_code:200`,
  });
  expect(res.status).toBe(200);
  const width = () => page.evaluate(() => document.documentElement.scrollWidth);
  for (const viewport of [1280, 390]) {
    await page.setViewportSize({ width: viewport, height: 900 });
    await page.goto(`${server.url}/executions/long-key`);
    await expect(page.getByRole('region', { name: key }).locator('canvas')).toHaveCount(1);
    expect(await width(), `execution page at ${viewport}`).toBeLessThanOrEqual(viewport);
    await page.goto(`${server.url}/services`);
    await expect(page.getByRole('link', { name: service })).toBeVisible();
    // The columns stay on screen: the status cell of the row is within the viewport (the table scrolls only at 390 px).
    if (viewport === 1280) {
      const statusRight = await page.getByRole('row', { name: new RegExp(service) }).getByRole('cell').nth(1).evaluate((el) => el.getBoundingClientRect().right);
      expect(statusRight).toBeLessThanOrEqual(viewport);
    }
    expect(await width(), `/services at ${viewport}`).toBeLessThanOrEqual(viewport);
    await screenshots(page, `long-names-services-${viewport}`);
    await page.goto(`${server.url}/services/${service}`);
    await expect(page.getByRole('region', { name: 'Request rate' })).toBeVisible();
    expect(await width(), `service page at ${viewport}`).toBeLessThanOrEqual(viewport);
  }
});

test('a 200-character execution name and label value without spaces wrap: the page and the runs table keep their width', async ({ page }) => {
  server = await startStudioServer(tempDb());
  const name = `sweep_lr0.001_bs32_${'x'.repeat(181)}`;
  const label = 'cfg'.repeat(66);
  await ingest(server.url, { executions: [{ id: 'long-name', start: { name, labels: { config: label } }, points: [{ key: 'loss', x: [0, 1], y: [1, 0.5] }] }] });
  await ingest(server.url, { executions: [{ id: 'short-name', start: { name: 'short' }, points: [{ key: 'loss', x: [0, 1], y: [1, 0.5] }] }] });
  const width = () => page.evaluate(() => document.documentElement.scrollWidth);
  for (const viewport of [1280, 390]) {
    await page.setViewportSize({ width: viewport, height: 900 });
    await page.goto(`${server.url}/executions/long-name`);
    await expect(page.getByRole('region', { name: 'loss' }).locator('canvas')).toHaveCount(1);
    expect(await width(), `execution page at ${viewport}`).toBeLessThanOrEqual(viewport);
    await screenshots(page, `long-name-execution-${viewport}`);
    await page.goto(server.url);
    await expect(page.getByRole('link', { name: /short/ })).toBeVisible();
    expect(await width(), `runs table at ${viewport}`).toBeLessThanOrEqual(viewport);
    // One long name must not push the other columns out of the table (it scrolls only at 390 px).
    if (viewport === 1280) {
      const wrap = await page.locator('.table-wrap').evaluate((el) => ({ scroll: el.scrollWidth, client: el.clientWidth }));
      expect(wrap.scroll, 'runs table scroll width').toBeLessThanOrEqual(wrap.client);
    }
    await screenshots(page, `long-name-runs-${viewport}`);
  }
});
