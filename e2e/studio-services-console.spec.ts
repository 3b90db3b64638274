import { expect, test } from '@playwright/test';
import { postBody, spawnServer, type SpawnedServer } from '../test/helpers/server.js';

let server: SpawnedServer;

test.beforeAll(async () => {
  server = await spawnServer(['--db', ':memory:']);
});
test.afterAll(async () => {
  await server?.kill();
});

// A DogStatsD-only service records request durations but no in-flight gauge: its "In-flight requests" panel shows "—"
// and the page asks for no metric the service lacks, so the console stays clean (no 404 for the missing metric).
test('a DogStatsD service without an in-flight gauge: no failed request, no console error', async ({ page }) => {
  const lines = ['http.server.request.duration:0.02|d|#host:h0,http.response.status_code:200', 'queue.depth:4|g|#host:h0'];
  expect((await postBody(`${server.url}/api/ingest/statsd?service=statsd-only`, lines.join('\n'), { 'content-type': 'text/plain' })).status).toBe(200);
  const errors: string[] = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('pageerror', (e) => errors.push(String(e)));
  const failed: string[] = [];
  page.on('response', (r) => { if (r.status() >= 400) failed.push(`${r.status()} ${r.url()}`); });
  // History (a fixed range) and live both read every panel once.
  const to = Date.now() + 1000;
  await page.goto(`${server.url}/services/statsd-only?from=${to - 3_600_000}&to=${to}`);
  await expect(page.getByRole('region', { name: 'Request rate', exact: true }).locator('.legend-value')).not.toHaveText('', { timeout: 10_000 });
  await expect(page.getByRole('region', { name: 'In-flight requests', exact: true })).toContainText('—');
  await page.goto(`${server.url}/services/statsd-only`);
  await expect(page.getByRole('region', { name: 'p99 latency', exact: true }).locator('.legend-value')).not.toHaveText('', { timeout: 10_000 });
  await page.waitForTimeout(1500); // the panels' reads go out together; give any stray one time to answer (the stream never idles)
  expect(failed).toEqual([]);
  expect(errors).toEqual([]);
});
