import { readFileSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import { ingest, screenshots, startStudioServer, tempDb, type StudioServer } from './studio-server.js';

// The runs table's "Download CSV" (#17): every run matching the filters (not the page shown), the shown columns.
let server: StudioServer;
const N = 130;

test.beforeAll(async () => {
  server = await startStudioServer(tempDb());
  const t0 = Date.now() - 3_600_000;
  await ingest(server.url, { executions: Array.from({ length: N }, (_, i) => ({
    id: `run-${i}`, start: { name: `sweep ${i}`, labels: { model: i % 2 ? 'vit' : 'r50' }, startedAt: t0 + i * 1000 },
    summary: [{ key: 'acc', value: i / 100, mode: 'replace' as const }],
    end: { status: 'succeeded' as const, endedAt: t0 + i * 1000 + 2000 },
  })) });
});

test.afterAll(async () => {
  await server?.stop();
});

test('Download CSV has every matching run with the shown columns, in the table\'s sort', async ({ page }) => {
  await page.goto(`${server.url}/?label=model:vit&sort=-summary.acc&col=summary:acc`);
  await expect(page.getByRole('link', { name: 'sweep 129' })).toBeVisible();
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Download CSV' }).click()]);
  expect(download.suggestedFilename()).toBe('runs-model_vit.csv');
  const lines = readFileSync((await download.path())!, 'utf8').trimEnd().split('\n');
  expect(lines[0]).toBe('id,name,status,labels,started,duration_s,metrics,summary:acc');
  // 65 vit runs, more than one page of the table (50), best acc first.
  expect(lines).toHaveLength(66);
  expect(lines[1]).toMatch(/^run-129,sweep 129,succeeded,model=vit,[^,]+,2,0,1\.29$/);
  expect(lines[65]).toMatch(/^run-1,sweep 1,succeeded,model=vit,.*,0\.01$/);
  await screenshots(page, 'runs-csv');
  await page.setViewportSize({ width: 390, height: 800 });
  await page.waitForTimeout(300);
  await screenshots(page, 'runs-csv-390');
});
