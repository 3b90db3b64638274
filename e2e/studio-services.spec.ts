import { expect, test } from '@playwright/test';
import { connect, Metric, MetricsClient } from '../src/sdk/index.js';
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

/** Requests to the series API made by the page from now on (the panels' history reads). */
function countSeriesReads(page: import('@playwright/test').Page): { readonly urls: string[] } {
  const urls: string[] = [];
  page.on('request', (r) => {
    if (r.url().includes('/series?')) urls.push(r.url());
  });
  return { urls };
}

const chartOf = (page: import('@playwright/test').Page, panel: string) => page.getByRole('region', { name: panel, exact: true }).locator('.chart');
const xRange = async (page: import('@playwright/test').Page, panel: string): Promise<[number, number]> => {
  const chart = chartOf(page, panel);
  return [Number(await chart.getAttribute('data-x-min')), Number(await chart.getAttribute('data-x-max'))];
};

test('the service page moves through the stream: a new value shows within 2 s with no series read, the right edge follows now', async ({ page }) => {
  const send = (lines: string[]) => postBody(`${server.url}/api/ingest/statsd?service=live-svc`, lines.join('\n'), { 'content-type': 'text/plain' });
  expect((await send(['http.server.active_requests:5|g|#host:h0', 'http.server.request.duration:0.02|d|#host:h0,http.response.status_code:200', 'queue.depth:3|g|#host:h0'])).status).toBe(200);
  await page.goto(`${server.url}/services/live-svc`);
  const legendValue = (panel: string) => page.getByRole('region', { name: panel, exact: true }).locator('.legend-value').first();
  await expect(legendValue('In-flight requests')).toHaveText('5', { timeout: 5000 });
  await expect(legendValue('queue.depth')).toHaveText('3');
  await page.waitForTimeout(500); // history reads of the first render done
  const reads = countSeriesReads(page);
  const [, edge] = await xRange(page, 'Request rate');

  expect((await send(['http.server.active_requests:42|g|#host:h0', 'queue.depth:17|g|#host:h0'])).status).toBe(200);
  await expect(legendValue('In-flight requests')).toHaveText('42', { timeout: 2000 });
  await expect(legendValue('queue.depth')).toHaveText('17', { timeout: 2000 });
  // A closed interval adds a point too, still without a read.
  await page.waitForTimeout(1500);
  expect(reads.urls).toEqual([]);
  const [, later] = await xRange(page, 'Request rate');
  expect(later).toBeGreaterThan(edge); // the right edge follows now
  expect(Math.abs(later - Date.now())).toBeLessThan(2000);
});

test('drag-zoom reads the zoomed range and narrows the axis; hovering shows cursor values in every legend; the time range refetches', async ({ page }) => {
  const lines = Array.from({ length: 50 }, (_, i) => `http.server.request.duration:${(i + 1) / 1000}|d|#host:h0,http.response.status_code:200`);
  expect((await postBody(`${server.url}/api/ingest/statsd?service=zoom-svc`, lines.join('\n'), { 'content-type': 'text/plain' })).status).toBe(200);
  await page.goto(`${server.url}/services/zoom-svc`);
  await expect(page.getByRole('region', { name: 'p99 latency', exact: true }).locator('.legend-value')).toHaveText(/ms$/, { timeout: 5000 });
  const [min0, max0] = await xRange(page, 'Request rate');
  expect(max0 - min0).toBeGreaterThan(3_590_000); // last 1 h

  // Hover: every panel's legend shows the value under the synced cursor.
  const over = chartOf(page, 'Request rate').locator('.u-over');
  const box = (await over.boundingBox())!;
  await page.mouse.move(box.x + box.width - 3, box.y + box.height / 2);
  await expect(page.getByRole('region', { name: 'Request rate', exact: true }).locator('.legend-cursor')).toHaveText(/^at cursor .*req\/s$/);
  await expect(page.getByRole('region', { name: 'p99 latency', exact: true }).locator('.legend-cursor')).toHaveText(/^at cursor [\d.]+ ms$/);

  // Drag the right quarter: the zoomed range is read (a series request for it) and the axis shows it.
  const zoomRead = page.waitForRequest((r) => r.url().includes('/series?') && r.url().includes('metric=http.server.request.duration'));
  await page.mouse.move(box.x + box.width * 0.75, box.y + box.height / 2);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width * 0.9, box.y + box.height / 2, { steps: 5 });
  await page.mouse.move(box.x + box.width - 2, box.y + box.height / 2, { steps: 5 });
  await page.mouse.up();
  const url = new URL((await zoomRead).url());
  const from = Number(url.searchParams.get('from')), to = Number(url.searchParams.get('to'));
  expect(to - from).toBeGreaterThan(600_000);
  expect(to - from).toBeLessThan(1_200_000); // about a quarter of the hour
  expect(from).toBeGreaterThan(min0 + 2_400_000);
  await expect(page.getByLabel('Time range')).toHaveValue('custom');
  await expect(page.getByLabel('Live')).not.toBeChecked();
  await expect.poll(async () => (await xRange(page, 'p99 latency'))[0]).toBeGreaterThan(min0 + 2_400_000);
  const [zMin, zMax] = await xRange(page, 'p99 latency');
  expect(Math.abs(zMin - from)).toBeLessThan(1000);
  expect(Math.abs(zMax - to)).toBeLessThan(1000);

  // The zoomed range is in the URL: a reload shows the same range (not the last hour again).
  await expect.poll(() => new URL(page.url()).searchParams.get('from')).not.toBeNull();
  await page.reload();
  await expect(page.getByLabel('Time range')).toHaveValue('custom');
  await expect.poll(async () => (await xRange(page, 'p99 latency'))[0]).toBeGreaterThan(min0 + 2_400_000);
  const [rMin, rMax] = await xRange(page, 'p99 latency');
  expect(Math.abs(rMin - zMin)).toBeLessThan(1000);
  expect(Math.abs(rMax - zMax)).toBeLessThan(1000);

  // Time range: 6 h reads 6 h and the axis spans it, live again.
  const sixHours = page.waitForRequest((r) => {
    const p = new URL(r.url()).searchParams;
    return r.url().includes('/series?') && Number(p.get('to')) - Number(p.get('from')) > 6 * 3_600_000 - 5000;
  });
  await page.getByLabel('Time range').selectOption('6h');
  await sixHours;
  await expect.poll(async () => { const [a, b] = await xRange(page, 'Request rate'); return b - a; }).toBeGreaterThan(6 * 3_600_000 - 5000);
  await expect(page.getByLabel('Live')).toBeChecked();
  await expect.poll(() => new URL(page.url()).search).toBe('?range=6h');
});

test('a service that also runs executions keeps both; the executions list is unchanged', async ({ page }) => {
  const before = await (await fetch(`${server.url}/api/executions`)).json() as { executions: Array<{ id: string }> };
  const client = connect({ url: server.url, metrics: { transport: 'http', service: 'nightly-eval' } });
  const execution = client.startExecution('nightly-eval', { labels: { kind: 'service-and-execution' } });
  execution.run(() => new Metric('accuracy', { throttle: null }).record(0.9, { at: 1 }));
  await execution.flush();
  client.metrics.increment('eval.batches', 4);
  client.metrics.distribution('http.server.request.duration', 0.03, { 'http.response.status_code': 200 });
  await client.metrics.flush();

  await page.goto(`${server.url}/`);
  const link = page.getByRole('link', { name: /nightly-eval/ });
  await expect(link).toBeVisible({ timeout: 5000 });
  await expect(link).toContainText('running');
  const after = await (await fetch(`${server.url}/api/executions`)).json() as { executions: Array<{ id: string; name: string }> };
  expect(after.executions.map((e) => e.id).sort()).toEqual([...before.executions.map((e) => e.id), execution.id].sort());
  await expect(page.getByRole('link', { name: /nightly-eval/ })).toHaveCount(1); // the service adds no row to the executions list

  await page.getByRole('link', { name: 'Services' }).click();
  await expect(page.getByRole('table').getByRole('link', { name: 'nightly-eval' })).toBeVisible({ timeout: 5000 });
  await page.getByRole('table').getByRole('link', { name: 'nightly-eval' }).click();
  await expect(page.getByRole('region', { name: 'eval.batches', exact: true })).toBeVisible();
  await expect(page.getByRole('region', { name: 'Request rate', exact: true })).toBeVisible();
  await execution.end('succeeded');
  await page.goto(`${server.url}/executions/${execution.id}`);
  await expect(page.getByRole('region', { name: 'accuracy' })).toBeVisible();
  await client.close();
});

test('/services updates from the stream, not by polling each second: a new service and its counts show, few list reads', async ({ page }) => {
  await page.goto(`${server.url}/services`);
  await expect(page.getByRole('heading', { name: 'Services' })).toBeVisible({ timeout: 5000 });
  await page.waitForTimeout(500);
  const reads: string[] = [];
  page.on('request', (r) => { if (r.url().includes('/api/services?')) reads.push(r.url()); });
  const started = Date.now();
  const send = (n: number) => postBody(`${server.url}/api/ingest/statsd?service=list-svc`, Array.from({ length: n }, () => 'http.server.request.duration:0.01|d|#host:l1,http.response.status_code:200').join('\n'), { 'content-type': 'text/plain' });
  expect((await send(7)).status).toBe(200);
  const row = page.getByRole('table').getByRole('row').filter({ has: page.getByRole('link', { name: 'list-svc' }) });
  await expect(row).toBeVisible({ timeout: 2000 });
  await expect(row.getByRole('cell').nth(7)).toHaveText('7', { timeout: 12_000 }); // 2XX, once its interval closed at the latest
  expect((await send(5)).status).toBe(200);
  await expect(row.getByRole('cell').nth(7)).toHaveText('12', { timeout: 12_000 });
  const seconds = (Date.now() - started) / 1000;
  // Polling each second would have read it about `seconds` times (the new service and its counts may each cause one).
  expect(reads.length).toBeLessThanOrEqual(2 + seconds / 2);
  // And nothing changes for 3 s: a polling page would read it 3 more times.
  const busy = reads.length;
  await page.waitForTimeout(3000);
  expect(reads.length - busy).toBeLessThanOrEqual(1);
});

test('demo service: split by model, then a tag filter on a model raises no page error and draws the filtered line', async ({ page }) => {
  test.setTimeout(150_000);
  const demo = await spawnServer(['--db', ':memory:', '--demo']);
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(`${e.message}\n${e.stack ?? ''}`));
  try {
    await page.goto(`${demo.url}/services/inference-api`);
    const panel = page.getByRole('region', { name: 'tokens_generated' });
    await expect(panel.locator('canvas')).toHaveCount(1, { timeout: 30_000 });
    // The demo's tags show as its traffic arrives: wait for the ones this needs (a loaded machine is slow to start it).
    await expect(panel.getByRole('combobox', { name: 'Split by tag' }).locator('option[value="model"]')).toBeAttached({ timeout: 45_000 });
    await expect(panel.getByRole('combobox', { name: 'Tag filter' }).locator('option[value="model:llama-3-8b"]')).toBeAttached({ timeout: 45_000 });
    await panel.getByRole('combobox', { name: 'Split by tag' }).selectOption('model');
    await expect(panel.locator('canvas')).toHaveCount(1);
    await panel.getByRole('combobox', { name: 'Tag filter' }).selectOption('model:llama-3-8b');
    await page.waitForTimeout(1500);
    await expect(panel.locator('canvas')).toHaveCount(1);
    await expect(panel.getByRole('list', { name: 'Legend' }).getByRole('listitem')).toHaveText([/llama-3-8b/]);
    expect(errors).toEqual([]);
    // And back: no split with the filter, then neither.
    await panel.getByRole('combobox', { name: 'Split by tag' }).selectOption('');
    await panel.getByRole('combobox', { name: 'Tag filter' }).selectOption('');
    await page.waitForTimeout(1000);
    expect(errors).toEqual([]);
    await screenshots(page, 'service-split-filter');
  } finally {
    await demo.kill();
  }
});
