import { readFileSync } from 'node:fs';
import { expect, test, type Page } from '@playwright/test';
import { ingest, screenshots, startStudioServer, tempDb, type StudioServer } from './studio-server.js';

// A panel of 2,000 series downloads whole (its keys no longer fit in a URL); a download that fails says why in the panel.
// Steps recorded with `at` in a group without units are labelled as steps, not as time since start.
let server: StudioServer;
const SERIES = 2000;
const value = (s: number, i: number) => (s + 1) / 7 + i * 0.1;
const T0 = Date.UTC(2026, 0, 1, 9, 0, 0);

test.beforeAll(async () => {
  server = await startStudioServer(tempDb());
  const group = { name: 'many' };
  const keys = Array.from({ length: SERIES }, (_, s) => `s${s}`);
  await ingest(server.url, {
    executions: [{
      id: 'many-1', start: { name: 'many', startedAt: T0 }, definitions: keys.map((key) => ({ key, group })),
      points: keys.map((key, s) => ({ key, x: [0, 1, 2, 3, 4], y: [0, 1, 2, 3, 4].map((i) => value(s, i)) })),
    }],
  });
  await ingestTiny();
});

/** "tiny": steps 0…199 recorded with `at` over 0.48 s, in a group with no units, and the same ungrouped ("loose"). */
async function ingestTiny() {
  const x = Array.from({ length: 200 }, (_, i) => i);
  await ingest(server.url, {
    executions: [{
      id: 'tiny-1', start: { name: 'tiny', startedAt: T0 }, definitions: [{ key: 'tiny', group: { name: 'tiny' } }, { key: 'loose' }],
      points: [
        { key: 'tiny', x, y: x.map((i) => 1 / (i + 1)), t: [T0 + 10, T0 + 490] },
        { key: 'loose', x, y: x.map((i) => i), t: [T0 + 10, T0 + 490] },
      ],
    }],
  });
}

test.afterAll(async () => {
  await server?.stop();
});

async function openOptions(page: Page, name: string) {
  const panel = page.getByRole('region', { name });
  await panel.getByRole('button', { name: 'Panel options' }).click();
  return panel.getByRole('dialog');
}

test('Download CSV of a 2,000-series panel has 2,001 columns and every row, values round-tripping', async ({ page }) => {
  await page.goto(`${server.url}/executions/many-1`);
  const panel = page.getByRole('region', { name: 'many' });
  await expect(panel.locator('canvas')).toHaveCount(1, { timeout: 30_000 });
  const options = await openOptions(page, 'many');
  const [csv] = await Promise.all([page.waitForEvent('download'), options.getByRole('button', { name: 'Download CSV' }).click()]);
  expect(csv.suggestedFilename()).toBe('many-many.csv');
  const lines = readFileSync((await csv.path())!, 'utf8').trimEnd().split('\n');
  expect(lines).toHaveLength(6);
  const header = lines[0]!.split(',');
  expect(header).toHaveLength(SERIES + 1);
  expect(header.slice(0, 2)).toEqual(['x', 's0']);
  for (let i = 0; i < 5; i++) {
    const cells = lines[i + 1]!.split(',').map(Number);
    expect(cells).toHaveLength(SERIES + 1);
    expect(cells[0]).toBe(i);
    for (let s = 0; s < SERIES; s++) expect(cells[s + 1]).toBe(value(s, i));
  }
  await expect(panel.getByRole('alert')).toHaveCount(0);
});

test('a download that fails says why in the panel', async ({ page }) => {
  await page.goto(`${server.url}/executions/tiny-1`);
  const options = await openOptions(page, 'tiny');
  // The execution goes away after the page loaded: the export answers 404.
  const del = await fetch(`${server.url}/api/executions/tiny-1`, { method: 'DELETE' });
  expect(del.ok).toBe(true);
  await options.getByRole('button', { name: 'Download JSON' }).click();
  const alert = page.getByRole('region', { name: 'tiny' }).getByRole('alert');
  await expect(alert).toContainText('Download JSON failed');
  await expect(alert).toContainText('no execution');
  await screenshots(page, 'download-failed');
  await page.setViewportSize({ width: 390, height: 800 });
  await expect(alert).toBeVisible();
  await screenshots(page, 'download-failed-390');
  // Put it back for the other tests.
  await ingestTiny();
});

test('steps recorded with at in a group without units read as steps, with relative and wall time offered', async ({ page }) => {
  await page.goto(`${server.url}/executions/tiny-1`);
  for (const name of ['tiny', 'loose']) {
    const panel = page.getByRole('region', { name });
    await expect(panel.locator('canvas')).toHaveCount(1);
    const ticks = JSON.parse((await panel.locator('.chart').getAttribute('data-x-ticks'))!) as string[];
    // Steps 0…199, not durations 0s…3m.
    expect(ticks.length).toBeGreaterThanOrEqual(2);
    for (const t of ticks) expect(t).toMatch(/^\d+$/);
    expect(ticks).toContain('100');
    const options = await openOptions(page, name);
    const select = options.getByRole('combobox', { name: 'X axis' });
    await expect(select).toHaveValue('units');
    expect(await select.locator('option').allTextContents()).toEqual(['step', 'relative time', 'wall time']);
    await expect(options.getByRole('option', { name: 'relative time' })).toBeEnabled();
    await select.selectOption('relative');
    // 0.48 s of recording: sub-second durations, nothing near 3 minutes.
    await expect.poll(async () => JSON.parse((await panel.locator('.chart').getAttribute('data-x-ticks'))!) as string[]).not.toEqual(ticks);
    const rel = JSON.parse((await panel.locator('.chart').getAttribute('data-x-ticks'))!) as string[];
    for (const t of rel) expect(t).not.toMatch(/m/);
    await select.selectOption('units');
    await panel.getByRole('button', { name: 'Panel options' }).click();
  }
  await screenshots(page, 'tiny-steps');
});
