import { expect, test, type Page } from '@playwright/test';
import { ingest, screenshots, startStudioServer, tempDb, type StudioServer } from './studio-server.js';

/** The runs table as a query: label chips, summary columns sorted across pages, the URL, deleting. */

let server: StudioServer;
const N = 120;
const accOf = (i: number) => Math.round(((i * 37) % N) * 10 + 5) / 10; // distinct values 0.5 … 119.5

test.beforeAll(async () => {
  server = await startStudioServer(tempDb());
  const now = Date.now();
  await ingest(server.url, {
    executions: Array.from({ length: N }, (_, i) => ({
      id: `run-${String(i).padStart(3, '0')}-${(i * 7919).toString(36)}`,
      // Names repeat (as sweeps do): rows are told apart by short id and start time.
      start: { name: `train-resnet${i % 2 ? '50' : '18'}`, startedAt: now - 3_600_000 + i * 10_000, labels: { model: i % 2 ? 'r50' : 'r18', lr: ['0.1', '0.01', '0.001'][i % 3]! } },
      summary: [{ key: 'acc', value: accOf(i), mode: 'replace' }, { key: 'loss', value: 1 / (i + 1), mode: 'replace' }],
      ...(i % 10 === 3
        ? { end: { status: 'failed', endedAt: now - 3_000_000 + i * 10_000, error: `RuntimeError: CUDA error: an illegal memory access was encountered (run ${i}); compile with TORCH_USE_CUDA_DSA to enable device-side assertions. Traceback follows…` } }
        : { end: { status: 'succeeded', endedAt: now - 3_000_000 + i * 10_000 } }),
    })),
  });
});

test.afterAll(async () => {
  await server?.stop();
});

const rows = (page: Page) => page.locator('table.executions tbody tr');
/** The acc column's numbers, in row order. */
async function accColumn(page: Page): Promise<number[]> {
  const index = await page.locator('table.executions thead th').evaluateAll((ths) => ths.findIndex((th) => th.textContent?.includes('acc')));
  return (await page.locator(`table.executions tbody tr td:nth-child(${index + 1})`).allTextContents()).map(Number);
}

test('filter by a label chip, sort by a summary column across pages, and the URL reproduces the view', async ({ page }) => {
  await page.goto(server.url);
  await expect(rows(page)).toHaveCount(50);

  // A summary column from the searchable menu.
  await page.getByText('Columns').click();
  await page.getByRole('searchbox', { name: 'Search columns' }).fill('ac');
  const menu = page.getByRole('group', { name: 'Columns' });
  await expect(menu.getByRole('checkbox')).toHaveCount(1);
  await menu.getByLabel('acc').check();
  await page.keyboard.press('Escape');
  await page.getByRole('columnheader', { name: /acc/ }).getByRole('button').click();
  await expect(page.getByRole('columnheader', { name: /acc/ })).toHaveAttribute('aria-sort', 'descending');

  // The best run of all 120 is first (sorted by the server, not within a loaded page), and page 2 continues the order.
  await expect.poll(async () => (await accColumn(page))[0]).toBe(119.5);
  const first = await accColumn(page);
  expect(first).toEqual([...first].sort((a, b) => b - a));
  await page.getByRole('button', { name: 'Next →' }).click();
  await expect(page.getByText('Page 2')).toBeVisible();
  await expect.poll(async () => (await accColumn(page))[0]).toBeLessThan(first.at(-1)!);
  const second = await accColumn(page);
  expect(second).toEqual([...second].sort((a, b) => b - a));

  // A label chip in a row filters by it; the filter shows as a removable chip; the sort stays.
  await rows(page).getByRole('button', { name: /model\s*r18/ }).first().click();
  await expect(page.getByRole('group', { name: 'Active filters' })).toContainText('model: r18');
  await expect(page).not.toHaveURL(/after=/);
  await expect(rows(page)).toHaveCount(50);
  for (const text of await page.locator('table.executions tbody td:nth-child(3)').allTextContents()) expect(text).toContain('r18');
  await expect.poll(async () => (await accColumn(page))[0]).toBe(Math.max(...Array.from({ length: N }, (_, i) => i).filter((i) => i % 2 === 0).map(accOf)));

  // Repeated names are told apart by a short id.
  await expect(rows(page).first().locator('.run-id')).toHaveText(/^#run-\d{3}/);

  // The URL holds it all: another tab opening it sees the same view.
  const url = page.url();
  expect(url).toContain('label=model:r18');
  expect(url).toContain('sort=-summary.acc');
  expect(url).toContain('col=summary:acc');
  const shown = await accColumn(page);
  const other = await page.context().newPage();
  await other.goto(url);
  await expect(other.getByRole('group', { name: 'Active filters' })).toContainText('model: r18');
  await expect(other.getByRole('columnheader', { name: /acc/ })).toHaveAttribute('aria-sort', 'descending');
  await expect.poll(() => accColumn(other)).toEqual(shown);
  await other.close();

  // Removing the chip removes the filter.
  await page.getByRole('button', { name: 'Remove filter model: r18' }).click();
  await expect(page.getByRole('group', { name: 'Active filters' })).not.toContainText('model: r18');
  await expect.poll(async () => (await accColumn(page))[0]).toBe(119.5);

  // A summary condition typed in the filter bar.
  await page.getByRole('textbox', { name: 'Add a summary condition' }).fill('acc < 10');
  await page.keyboard.press('Enter');
  await expect(page.getByRole('group', { name: 'Active filters' })).toContainText('acc < 10');
  await expect(rows(page)).toHaveCount(10);
});

test('a label on an execution page, and in a comparison, opens the runs table filtered by it', async ({ page }) => {
  const id = `run-001-${(7919).toString(36)}`;
  await page.goto(`${server.url}/executions/${id}`);
  await expect(page.getByRole('heading', { name: 'train-resnet50' })).toBeVisible();
  const chip = page.getByRole('link', { name: 'Runs labelled model: r50' });
  await expect(chip).toHaveAttribute('href', '/?label=model:r50');
  await chip.click();
  await expect(page).toHaveURL(/\/\?label=model:r50$/);
  await expect(page.getByRole('group', { name: 'Active filters' })).toContainText('model: r50');
  // 60 runs are labelled model r50: a full first page of them, and only them.
  await expect(rows(page)).toHaveCount(50);
  const names = await page.locator('table.executions tbody .exec-name').allTextContents();
  expect(new Set(names)).toEqual(new Set(['train-resnet50']));

  // Back on the execution page (history), then the same from the compare header.
  await page.goBack();
  await expect(page.getByRole('heading', { name: 'train-resnet50' })).toBeVisible();
  await page.goto(`${server.url}/compare?ids=${id},run-002-${(2 * 7919).toString(36)}`);
  await page.getByRole('list', { name: 'Runs' }).getByRole('link', { name: 'Runs labelled lr: 0.001' }).click();
  await expect(page.getByRole('group', { name: 'Active filters' })).toContainText('lr: 0.001');
  await expect(rows(page)).toHaveCount(40);
});

test('a failed run shows its error in the row, truncated, in full on hover', async ({ page }) => {
  await page.goto(`${server.url}/?status=failed`);
  const error = rows(page).first().locator('.row-error');
  await expect(error).toContainText('RuntimeError: CUDA error');
  expect((await error.textContent())!.endsWith('…')).toBe(true);
  await expect(error).toHaveAttribute('title', /Traceback follows…$/);
});

test('the table with 10 columns, light, dark and 390 px wide', async ({ page }) => {
  await page.goto(`${server.url}/?col=label:model&col=label:lr&col=summary:acc&col=summary:loss&sort=-summary.acc`);
  await expect(page.locator('table.executions thead th')).toHaveCount(10);
  await expect(rows(page)).toHaveCount(50);
  await rows(page).nth(1).getByRole('checkbox').check();
  await rows(page).nth(2).getByRole('checkbox').check();
  await screenshots(page, 'runs-table-10-columns');
  await page.setViewportSize({ width: 390, height: 844 });
  await screenshots(page, 'runs-table-10-columns-390');
});

test('deleting selected runs asks first, says what goes, and open pages drop them', async ({ page }) => {
  await page.goto(`${server.url}/?q=resnet18&sort=name`);
  // Another tab showing the same rows: the stream tells it what was deleted.
  const watcher = await page.context().newPage();
  await watcher.goto(`${server.url}/?q=resnet18&sort=name`);
  await expect(rows(watcher)).toHaveCount(50);
  // The acting tab in front: a background tab gets no animation frames, which Playwright's actions wait for.
  await page.bringToFront();
  await expect(rows(page)).toHaveCount(50);
  const victims = [rows(page).nth(0), rows(page).nth(1)];
  const ids: string[] = [];
  for (const v of victims) {
    ids.push((await v.locator('.run-id').getAttribute('title'))!);
    await expect(watcher.getByTitle(ids.at(-1)!, { exact: true })).toHaveCount(1);
    await v.getByRole('checkbox').check();
  }
  await expect(page.getByRole('toolbar', { name: 'Selection' })).toContainText('2 selected');
  await page.getByRole('button', { name: 'Delete…' }).click();
  const dialog = page.getByRole('dialog', { name: 'Delete 2 executions' });
  await expect(dialog).toContainText('every metric, point and summary value');
  for (const id of ids) await expect(dialog).toContainText(id);
  // Cancel keeps everything.
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await expect(dialog).toHaveCount(0);
  for (const id of ids) await expect(page.getByTitle(id, { exact: true })).toHaveCount(1);

  await page.getByRole('button', { name: 'Delete…' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Delete 2 executions' }).click();
  await expect(page.getByRole('dialog')).toHaveCount(0);
  for (const id of ids) {
    await expect(page.getByTitle(id, { exact: true })).toHaveCount(0);
    await expect(watcher.getByTitle(id, { exact: true })).toHaveCount(0);
    expect((await fetch(`${server.url}/api/executions/${id}`)).status).toBe(404);
  }
  await expect(page.getByRole('toolbar', { name: 'Selection' })).toContainText('Select runs to compare');
  await watcher.close();
});
