import { expect, test } from '@playwright/test';
import { postBody, spawnServer, type SpawnedServer } from '../test/helpers/server.js';

let server: SpawnedServer;

test.beforeAll(async () => {
  server = await spawnServer(['--db', ':memory:']);
});
test.afterAll(async () => {
  await server?.kill();
});

// DESIGN.md: "Active replicas (replicas heard from)"; a service's replicas are the distinct `host` values — of every
// metric, as `plotline get`'s `replicas` column counts them. h0 and h1 serve requests, h2 only reports a queue gauge.
test('Active replicas counts the hosts of every metric, in history as live and as `plotline get`', async ({ page }) => {
  const lines = [
    'http.server.request.duration:0.02|d|#host:h0,http.response.status_code:200',
    'http.server.request.duration:0.03|d|#host:h1,http.response.status_code:200',
    'queue.depth:4|g|#host:h2',
  ];
  expect((await postBody(`${server.url}/api/ingest/statsd?service=replica-svc`, lines.join('\n'), { 'content-type': 'text/plain' })).status).toBe(200);
  const list = await (await fetch(`${server.url}/api/services`)).json() as { services: Array<{ name: string; replicas: number }> };
  expect(list.services.find((s) => s.name === 'replica-svc')!.replicas).toBe(3);

  const legendValue = () => page.getByRole('region', { name: 'Active replicas', exact: true }).locator('.legend-value');
  // Live: the stream's open interval.
  await page.goto(`${server.url}/services/replica-svc`);
  await expect(legendValue()).toHaveText('3', { timeout: 5000 });
  // History only: a fixed range that ended a moment ago (no live edge drawn over it).
  const to = Date.now() + 1000;
  await page.goto(`${server.url}/services/replica-svc?from=${to - 3_600_000}&to=${to}`);
  await expect(page.getByLabel('Live')).not.toBeChecked();
  await expect(legendValue()).toHaveText('3', { timeout: 5000 });
});
