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
      { id: 'p-3', start: { name: 'predict-medium', startedAt: now - 1000 }, summary: [{ key: 'token_count', value: 42, mode: 'replace' }] },
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
