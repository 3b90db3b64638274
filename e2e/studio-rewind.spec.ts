import { expect, test } from '@playwright/test';
import { connect, Metric } from '../src/sdk/index.js';
import { screenshots, startStudioServer, tempDb, type StudioServer } from './studio-server.js';

let server: StudioServer;

test.beforeAll(async () => {
  server = await startStudioServer(tempDb());
});

test.afterAll(async () => {
  await server?.stop();
});

test('a rewind redraws an open page live; the page says per metric what the SDK did not send', async ({ page }) => {
  const client = connect({ url: server.url, spool: false, warn: () => {} });
  const loss = new Metric('loss', { group: 'training', throttle: null });
  const lr = new Metric('lr', { group: 'training' }); // default throttle: 10 values per second
  const execution = client.startExecution('resumed-run');
  execution.run(() => {
    for (let step = 1; step <= 10; step++) {
      loss.record(step, { at: step });
      lr.record(step / 100, { at: step });
    }
  });
  await execution.flush();

  await page.goto(`${server.url}/executions/${execution.id}`);
  const panel = page.getByRole('region', { name: 'training' });
  await expect(panel.getByRole('button', { name: /loss/ })).toContainText('10');

  // Resumed from the checkpoint of step 7: the points from 7 on leave the open page without a reload.
  execution.rewind(7);
  await execution.flush();
  await expect(panel.getByRole('button', { name: /^loss/ })).toContainText('6');
  execution.run(() => {
    for (let step = 7; step <= 12; step++) loss.record(100 + step, { at: step });
    loss.record(0, { at: 3 }); // not increasing: refused and counted
    loss.record(0, { at: 4 });
  });
  await execution.flush();
  await expect(panel.getByRole('button', { name: /^loss/ })).toContainText('112');

  const report = await execution.end();
  expect(report.discarded.loss).toEqual({ xNotIncreasing: 2 });
  const note = page.getByRole('region', { name: 'Not recorded' });
  await expect(note).toContainText('loss: 2 points refused (x did not increase)');
  await expect(note).toContainText(`lr: ${report.discarded.lr!.throttled!.toLocaleString('en-US')} values discarded by the throttle`);
  await screenshots(page, 'rewind-discarded');
  await page.setViewportSize({ width: 390, height: 844 });
  await screenshots(page, 'rewind-discarded-390');
  await client.close();
});
