import { expect, test } from '@playwright/test';
import { MetricsClient } from '../src/sdk/index.js';
import { postBody, spawnServer, type SpawnedServer } from '../test/helpers/server.js';
import { screenshots } from './studio-server.js';

let server: SpawnedServer;

test.beforeAll(async () => {
  server = await spawnServer(['--db', ':memory:']);
});
test.afterAll(async () => {
  await server?.kill();
});

const PANELS = ['Request rate', 'In-flight requests', 'Active replicas', '2XX responses', '4XX responses', '5XX responses', 'p50 latency', 'p90 latency', 'p99 latency', 'Average latency'];

// 200 requests with latencies 1..200 ms (exact p99, nearest rank: 198 ms), 180 × 200, 15 × 404, 5 × 500, on two replicas.
const latencies = Array.from({ length: 200 }, (_, i) => i + 1);
const exactP99 = [...latencies].sort((a, b) => a - b)[Math.ceil(0.99 * latencies.length) - 1]!;

function httpTraffic(): string {
  const lines = latencies.map((ms, i) => `http.server.request.duration:${ms / 1000}|d|#host:h${i % 2},http.response.status_code:${i < 180 ? 200 : i < 195 ? 404 : 500},http.route:/checkout`);
  lines.push('http.server.active_requests:3|g|#host:h0', 'http.server.active_requests:4|g|#host:h1');
  for (let i = 0; i < 30; i++) lines.push(`cart.items:${i < 20 ? 5 : 1}|c|#host:h0,region:${i < 20 ? 'eu' : 'us'}`);
  return lines.join('\n');
}

test('traffic over UDP and HTTP shows on /services and the ten panels; p99 exact to 1 %; filter, split and window refetch', async ({ page }) => {
  await page.goto(`${server.url}/`);
  await page.getByRole('link', { name: 'Services' }).click();
  await expect(page).toHaveURL(/\/services$/);

  const sent = Date.now();
  expect((await postBody(`${server.url}/api/ingest/statsd?service=checkout`, httpTraffic(), { 'content-type': 'text/plain' })).status).toBe(200);
  const udp = new MetricsClient({ url: server.url, service: 'udp-api', statsdPort: server.statsdPort!, tags: { host: 'u1' } });
  for (let i = 0; i < 20; i++) udp.distribution('http.server.request.duration', 0.01 * (i + 1), { 'http.response.status_code': 200 });
  await udp.flush();

  const table = page.getByRole('table');
  const checkout = table.getByRole('row').filter({ has: page.getByRole('link', { name: 'checkout' }) });
  await expect(checkout).toBeVisible({ timeout: 2000 });
  await expect(table.getByRole('link', { name: 'udp-api' })).toBeVisible({ timeout: 2000 });
  await expect(checkout.getByRole('cell')).toHaveText(['checkout', 'live', '2', /just now|\ds ago/, /\d/, '101 ms', /ms$/, '180', '15', '5']);
  expect(Date.now() - sent).toBeLessThan(4000);

  // Window selector: a new read of the list with the window.
  const refetch = page.waitForRequest((r) => r.url().includes('/api/services?window=15m'));
  await page.getByLabel('Window').selectOption('15m');
  await refetch;
  // Sorting: by 5XX descending puts checkout first.
  await page.getByRole('button', { name: /^5XX/ }).click();
  await expect(table.getByRole('row').nth(1)).toContainText('checkout');
  await screenshots(page, 'services-list');

  await page.getByRole('link', { name: 'checkout' }).click();
  for (const name of PANELS) await expect(page.getByRole('region', { name, exact: true })).toBeVisible({ timeout: 2000 });
  const legendValue = (panel: string) => page.getByRole('region', { name: panel, exact: true }).locator('.legend-value').first();
  await expect(legendValue('Request rate')).toHaveText(/req\/s$/);
  await expect(legendValue('In-flight requests')).toHaveText('7');
  await expect(legendValue('Active replicas')).toHaveText('2');
  const p99 = parseFloat((await legendValue('p99 latency').textContent())!);
  expect(Math.abs(p99 - exactP99) / exactP99).toBeLessThanOrEqual(0.01);
  await expect(legendValue('Average latency')).toHaveText('100.5 ms');

  // Custom metric: a region named after it; split by region gives one line per value, a filter changes the value.
  const cart = page.getByRole('region', { name: 'cart.items', exact: true });
  await expect(cart).toBeVisible();
  await cart.getByLabel('Stat').selectOption('count');
  await expect(cart.locator('.legend-value').first()).toHaveText('110');
  await cart.getByLabel('Split by tag').selectOption('region');
  await expect(cart.locator('.legend-key')).toHaveText(['eu', 'us']);
  await expect(cart.locator('.legend-value')).toHaveText(['100', '10']);
  await cart.getByLabel('Split by tag').selectOption('');
  await cart.getByLabel('Tag filter').selectOption('region:us');
  await expect(cart.locator('.legend-value')).toHaveText(['10']);

  // Time range: another range refetches the series.
  const series = page.waitForRequest((r) => r.url().includes('/series?') && r.url().includes('metric=http.server.request.duration'));
  await page.getByLabel('Time range').selectOption('6h');
  await series;
  await screenshots(page, 'service-page');
  await page.setViewportSize({ width: 390, height: 844 });
  await page.waitForTimeout(300);
  await screenshots(page, 'service-page-390');
  await page.goto(`${server.url}/services`);
  await expect(page.getByRole('table')).toBeVisible();
  await screenshots(page, 'services-list-390');
  await udp.close();
});
