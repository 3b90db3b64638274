import { expect, test } from '@playwright/test';
import { freePort, ingest, screenshots, startStudioServer, tempDb, type StudioServer } from './studio-server.js';

let server: StudioServer | undefined;

test.afterAll(async () => {
  await server?.stop();
});

const points = (x: number[], y: number[]) => ({ executions: [{ id: 'restart-1', points: [{ key: 'loss', x, y }] }] });

test('the page reconnects after a server restart and catches up without a reload', async ({ page }) => {
  const db = tempDb();
  const port = await freePort();
  server = await startStudioServer(db, port);
  await ingest(server.url, {
    executions: [{
      id: 'restart-1',
      start: { name: 'restart-run' },
      definitions: [{ key: 'loss', group: { name: 'training', units: 'step' }, scale: { name: 'loss' } }],
      points: [{ key: 'loss', x: [1, 2, 3], y: [3, 2, 1.5] }],
    }],
  });
  await page.goto(`${server.url}/executions/restart-1`);
  const legend = page.getByRole('region', { name: 'training' }).getByRole('button', { name: /loss/ });
  await expect(legend).toContainText('1.5');
  const connection = page.getByRole('status');
  await expect(connection).toHaveText('Live');

  await server.stop();
  await expect(connection).toHaveText(/Reconnecting…|Offline/);
  await screenshots(page, 'reconnecting');

  server = await startStudioServer(db, port);
  // Recorded while the page is still disconnected: it must come from the history reload after the resync.
  await ingest(server.url, points([4], [1.25]));
  await expect(connection).toHaveText('Live', { timeout: 15_000 });
  await expect(legend).toContainText('1.25');
  // And the stream carries on live.
  await ingest(server.url, points([5, 6], [1.1, 0.9]));
  await expect(legend).toContainText('0.9');
  expect(page.url()).toBe(`${server.url}/executions/restart-1`);
});
