import { expect, test } from '@playwright/test';
import { ingest, screenshots, startStudioServer, tempDb, type StudioServer } from './studio-server.js';

let server: StudioServer;

test.beforeAll(async () => {
  server = await startStudioServer(tempDb());
  const now = Date.now();
  const executions = Array.from({ length: 55 }, (_, i) => ({
    id: `batch-${i}`,
    start: { name: `batch-job-${String(i).padStart(2, '0')}`, startedAt: now - 600_000 + i * 1000, labels: { kind: 'batch' } },
    end: { status: 'succeeded' as const, endedAt: now - 500_000 + i * 1000 },
  }));
  await ingest(server.url, { executions });
  await ingest(server.url, {
    executions: [
      { id: 'p-1', start: { name: 'predict-small', startedAt: now - 3000 }, summary: [{ key: 'token_count', value: 7, mode: 'replace' }], end: { status: 'succeeded' } },
      { id: 'p-2', start: { name: 'predict-large', startedAt: now - 2000 }, summary: [{ key: 'token_count', value: 300, mode: 'replace' }], end: { status: 'failed', error: 'CUDA out of memory' } },
      { id: 'p-3', start: { name: 'predict-medium', startedAt: now - 1000, labels: { version: 'a1b2c3', model: 'vit-b16', config: 'x'.repeat(200) } }, summary: [{ key: 'token_count', value: 42, mode: 'replace' }] },
    ],
  });
});

test.afterAll(async () => {
  await server?.stop();
});

test('the list filters by text and status, pages, and shows summary keys as sortable columns', async ({ page }) => {
  await page.goto(server.url);
  const rows = page.locator('table.executions tbody tr');
  // Newest first; 50 per page.
  await expect(rows).toHaveCount(50);
  await expect(rows.first()).toContainText('predict-medium');
  await expect(rows.first()).toContainText('running');
  await page.getByRole('button', { name: 'Next →' }).click();
  await expect(rows).toHaveCount(8);
  await expect(page.getByRole('button', { name: 'Next →' })).toBeDisabled();
  await page.getByRole('button', { name: '← Previous' }).click();
  await expect(rows).toHaveCount(50);

  await page.getByRole('searchbox', { name: 'Filter by name' }).fill('predict');
  await expect(rows).toHaveCount(3);
  await page.getByRole('group', { name: 'Filter by status' }).getByRole('button', { name: 'failed' }).click();
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toContainText('predict-large');
  await page.getByRole('group', { name: 'Filter by status' }).getByRole('button', { name: 'failed' }).click();
  await expect(rows).toHaveCount(3);

  await page.getByText('Columns').click();
  await page.getByRole('group', { name: 'Columns' }).getByLabel('token_count').check();
  await page.keyboard.press('Escape');
  const header = page.getByRole('columnheader', { name: /token_count/ });
  await expect(header).toBeVisible();
  await header.getByRole('button').click();
  await expect(rows.nth(0)).toContainText('300');
  await expect(rows.nth(2)).toContainText('7');
  await header.getByRole('button').click();
  await expect(rows.nth(0)).toContainText('predict-small');
  // The failed run's error is in its row.
  await expect(page.getByRole('row', { name: /predict-large/ })).toContainText('CUDA out of memory');
  await screenshots(page, 'list-columns');

  // A status change arrives live and the row follows it.
  await ingest(server.url, { executions: [{ id: 'p-3', end: { status: 'succeeded' } }] });
  await expect(page.getByRole('link', { name: /predict-medium/ })).toContainText('succeeded');
});

test('label chips keep short keys and values on one line, a 200-character value wraps in the header and is cut in the table, and names keep their line', async ({ page }) => {
  type Scope = ReturnType<typeof page.locator>;
  /** Lines the text of `element` takes (a key once broke as "versi|on"). */
  const lines = (element: Scope) => element.evaluate((el) => {
    const range = document.createRange();
    range.selectNodeContents(el);
    return new Set(Array.from(range.getClientRects(), (r) => Math.round(r.top))).size;
  });
  const chipPart = (scope: Scope, text: string) => scope.locator('.label-key, .label-value').filter({ hasText: new RegExp(`^${text}$`) }).first();
  const check = async (scope: Scope, where: string, width: number) => {
    await expect(scope.locator('.label-chip')).toHaveCount(3);
    for (const text of ['version', 'a1b2c3', 'model', 'vit-b16', 'config']) expect(await lines(chipPart(scope, text)), `${text}, ${where} at ${width} px`).toBe(1);
    expect(await page.evaluate(() => document.documentElement.scrollWidth), `${where} at ${width} px`).toBeLessThanOrEqual(width);
  };
  for (const width of [1400, 800]) {
    await page.setViewportSize({ width, height: 900 });
    await page.goto(server.url);
    await check(page.getByRole('row', { name: /predict-medium/ }), 'runs table', width);
    const name = page.getByRole('row', { name: /batch-job-54/ }).getByText('batch-job-54', { exact: true });
    expect(await lines(name), `a run name beside a long label at ${width} px`).toBe(1);
    await screenshots(page, `label-chips-runs-${width}`);
  }
  for (const width of [1400, 390]) {
    await page.setViewportSize({ width, height: 900 });
    await page.goto(`${server.url}/executions/p-3`);
    await check(page.locator('header.exec-head'), 'execution header', width);
  }
  await screenshots(page, 'label-chips');
});
