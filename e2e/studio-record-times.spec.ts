import { readFileSync } from 'node:fs';
import { expect, test, type Page } from '@playwright/test';
import { ingest, screenshots, startStudioServer, tempDb, type StudioServer } from './studio-server.js';

// Record times (#17): steps recorded with `at` keep when they were recorded, so the X axis offers relative and wall time.
let server: StudioServer;
const T0 = Date.UTC(2026, 0, 1, 9, 0, 0);
const steps = Array.from({ length: 2000 }, (_, i) => i + 1);

test.beforeAll(async () => {
  server = await startStudioServer(tempDb());
  const group = { name: 'training', units: 'step' };
  // Twenty items of 100 steps, each recorded over 9 s, one every 10 s: 200 s of training.
  await ingest(server.url, { executions: [{ id: 'rt-1', start: { name: 'timed steps', startedAt: T0 }, definitions: [{ key: 'loss', group }] }] });
  for (let b = 0; b < 20; b++) {
    const x = steps.slice(b * 100, b * 100 + 100);
    await ingest(server.url, { executions: [{ id: 'rt-1', points: [{ key: 'loss', x, y: x.map((s) => 2 * Math.exp(-s / 500) + 0.05 * Math.sin(s)), t: [T0 + b * 10_000, T0 + b * 10_000 + 9000] }] }] });
  }
  // The same steps without record times (as stored before Plotline kept them).
  await ingest(server.url, { executions: [{ id: 'rt-old', start: { name: 'old steps', startedAt: T0 }, definitions: [{ key: 'loss', group }], points: [{ key: 'loss', x: steps, y: steps.map((s) => 1 / s) }] }] });
});

test.afterAll(async () => {
  await server?.stop();
});

const xTicks = async (page: Page) => JSON.parse((await page.getByRole('region', { name: 'training' }).locator('.chart').getAttribute('data-x-ticks'))!) as string[];

async function openOptions(page: Page) {
  const panel = page.getByRole('region', { name: 'training' });
  await panel.getByRole('button', { name: 'Panel options' }).click();
  return panel.getByRole('dialog');
}

test('a step axis shows relative and wall time from the record times, in the URL and after a reload', async ({ page }) => {
  await page.goto(`${server.url}/executions/rt-1`);
  const panel = page.getByRole('region', { name: 'training' });
  await expect(panel.locator('canvas')).toHaveCount(1);
  const stepTicks = await xTicks(page);
  expect(stepTicks.every((t) => /^[\d,]+$/.test(t))).toBe(true);

  const options = await openOptions(page);
  const select = options.getByRole('combobox', { name: 'X axis' });
  await expect(options.getByRole('option', { name: 'relative time' })).toBeEnabled();
  await expect(options.getByRole('option', { name: 'wall time' })).toBeEnabled();

  await select.selectOption('relative');
  await expect(page).toHaveURL(/xrelative/);
  await expect.poll(() => xTicks(page)).not.toEqual(stepTicks);
  const relative = await xTicks(page);
  // 200 s of training: durations such as 0m 1m 2m 3m, or 30s steps.
  expect(relative.length).toBeGreaterThanOrEqual(2);
  for (const t of relative) expect(t).toMatch(/^(\d+m( \d+s)?|\d+s|\d+m\d+s|0m|\d+h.*)$/);
  await expect(panel.getByText('time since start', { exact: true })).toHaveCount(0); // drawn on the canvas, not as text

  await select.selectOption('wall');
  await expect(page).toHaveURL(/xwall/);
  await expect.poll(async () => (await xTicks(page)).every((t) => /^\d{1,2}:\d{2}(:\d{2})?/.test(t))).toBe(true);
  // The first tick is the start's clock time in the browser's zone.
  const startClock = await page.evaluate((t0) => new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit', second: '2-digit' }).format(new Date(t0)), T0);
  // (to the minute when the ticks are minutes apart)
  const first = (await xTicks(page))[0]!;
  expect(first).toMatch(/^\d{2}:\d{2}(:\d{2})?$/);
  expect(startClock.startsWith(first)).toBe(true);
  await screenshots(page, 'record-times-wall');

  // The CSV of a time axis says when each point was recorded.
  const [csv] = await Promise.all([page.waitForEvent('download'), options.getByRole('button', { name: 'Download CSV' }).click()]);
  const lines = readFileSync((await csv.path())!, 'utf8').trimEnd().split('\n');
  expect(lines[0]).toBe('x,wall_time,loss');
  expect(lines).toHaveLength(2001);
  expect(lines[1]!.split(',')[1]).toBe(new Date(T0).toISOString());
  expect(lines[100]!.split(',')[1]).toBe(new Date(T0 + 9000).toISOString());

  await page.reload();
  const again = await openOptions(page);
  await expect(again.getByRole('combobox', { name: 'X axis' })).toHaveValue('wall');
  await page.setViewportSize({ width: 390, height: 800 });
  await page.waitForTimeout(300);
  await screenshots(page, 'record-times-wall-390');
});

test('older steps without record times keep the choice disabled, with a note', async ({ page }) => {
  await page.goto(`${server.url}/executions/rt-old`);
  const options = await openOptions(page);
  await expect(options.getByRole('option', { name: 'wall time' })).toBeDisabled();
  await expect(options.getByRole('option', { name: 'relative time' })).toBeDisabled();
  await expect(options.getByText(/No record times were stored with these points/)).toBeVisible();
});
