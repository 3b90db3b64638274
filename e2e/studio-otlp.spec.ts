import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, test } from '@playwright/test';
import { spawnServer, type SpawnedServer } from '../test/helpers/server.js';
import { screenshots } from './studio-server.js';

/**
 * OpenTelemetry in, dashboard out: two replicas of a real node:http app instrumented with
 * @opentelemetry/instrumentation-http (e2e/otel-app.mjs), configured only by OTEL_* environment variables, export over
 * OTLP/protobuf to a real `plotline serve`; their requests show on /services and on the service page's ten request panels.
 */

const APP = fileURLToPath(new URL('./otel-app.mjs', import.meta.url));
const PANELS = ['Request rate', 'In-flight requests', 'Active replicas', '2XX responses', '4XX responses', '5XX responses', 'p50 latency', 'p90 latency', 'p99 latency', 'Average latency'];

interface App {
  base: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

function startApp(plotline: string, instance: string): Promise<App> {
  const child = spawn(process.execPath, [APP], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      OTEL_EXPORTER_OTLP_ENDPOINT: plotline,
      OTEL_SERVICE_NAME: 'shop',
      OTEL_RESOURCE_ATTRIBUTES: `service.instance.id=${instance}`,
      OTEL_METRIC_EXPORT_INTERVAL: '500',
    },
  });
  let out = '';
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      const m = /listening (\d+)/.exec(out);
      if (m) resolve({
        base: `http://127.0.0.1:${m[1]}`,
        child,
        stop: () => new Promise<void>((done) => {
          if (child.exitCode !== null || child.signalCode !== null) return done();
          child.once('exit', () => done());
          child.kill('SIGTERM');
        }),
      });
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`app exited with ${code}:\n${out}`)));
  });
}

let server: SpawnedServer;
let apps: App[] = [];

test.beforeAll(async () => {
  server = await spawnServer(['--db', ':memory:']);
  apps = await Promise.all([startApp(server.url, 'shop-a'), startApp(server.url, 'shop-b')]);
});
test.afterAll(async () => {
  await Promise.all(apps.map((a) => a.stop()));
  await server?.kill();
});

async function get(base: string, path: string, times: number): Promise<void> {
  for (let i = 0; i < times; i++) await (await fetch(`${base}${path}`)).text();
}

test('an app instrumented with OpenTelemetry lights up /services and the ten request panels', async ({ page }) => {
  const [a, b] = apps as [App, App];
  // Requests still in flight while the dashboard is open: 2 on shop-a, 1 on shop-b.
  const held = [a, a, b].map((app) => fetch(`${app.base}/hold`).then((r) => r.text()));
  // shop-a: 30 × 200 (10 slow), 4 × 404, 2 × 500; shop-b: 20 × 200 (5 slow), 2 × 404, 1 × 500.
  await Promise.all([
    (async () => { await get(a.base, '/ok', 20); await get(a.base, '/slow', 10); await get(a.base, '/missing', 4); await get(a.base, '/boom', 2); })(),
    (async () => { await get(b.base, '/ok', 15); await get(b.base, '/slow', 5); await get(b.base, '/missing', 2); await get(b.base, '/boom', 1); })(),
  ]);

  await page.goto(`${server.url}/services`);
  const table = page.getByRole('table');
  const shop = table.getByRole('row').filter({ has: page.getByRole('link', { name: 'shop', exact: true }) });
  // Columns: service, status, replicas, last update, requests/s, avg request, p99, 2XX, 4XX, 5XX.
  await expect(shop.getByRole('cell')).toHaveText(['shop', 'live', '2', /just now|\ds ago/, /\d/, /ms$/, /ms$/, '50', '6', '3'], { timeout: 10_000 });

  await page.getByRole('link', { name: 'shop', exact: true }).click();
  await expect(page).toHaveURL(/\/services\/shop$/);
  for (const name of PANELS) await expect(page.getByRole('region', { name, exact: true })).toBeVisible({ timeout: 5000 });
  const legendValue = (panel: string) => page.getByRole('region', { name: panel, exact: true }).locator('.legend-value').first();
  for (const name of PANELS) await expect(legendValue(name)).toHaveText(/\d/);
  await expect(legendValue('Request rate')).toHaveText(/req\/s$/);
  await expect(legendValue('Active replicas')).toHaveText('2');
  await expect(legendValue('In-flight requests')).toHaveText('3', { timeout: 5000 });
  for (const name of ['p50 latency', 'p90 latency', 'p99 latency', 'Average latency']) await expect(legendValue(name)).toHaveText(/ms$/);
  // 15 of 80 requests took ≥ 60 ms: the p99 is one of them, in a bucket from 50 ms up (how far up depends on the
  // machine's load); percentiles are in order.
  const ms = async (panel: string) => parseFloat((await legendValue(panel).textContent())!);
  const [p50, p90, p99] = [await ms('p50 latency'), await ms('p90 latency'), await ms('p99 latency')];
  expect(p99).toBeGreaterThanOrEqual(50);
  expect(p50).toBeLessThanOrEqual(p90);
  expect(p90).toBeLessThanOrEqual(p99);
  await screenshots(page, 'otlp-service-page');
  await page.setViewportSize({ width: 390, height: 844 });
  await page.waitForTimeout(300);
  await screenshots(page, 'otlp-service-page-390');
  await page.setViewportSize({ width: 1280, height: 800 });

  // The held requests finish: the in-flight gauge goes to 0 and the 2XX count takes them in.
  a.child.kill('SIGUSR2');
  b.child.kill('SIGUSR2');
  await Promise.all(held);
  await expect(legendValue('In-flight requests')).toHaveText('0', { timeout: 10_000 });
  await page.goto(`${server.url}/services`);
  await expect(shop.getByRole('cell').nth(7)).toHaveText('53', { timeout: 10_000 });
  await expect(shop.getByRole('cell').nth(2)).toHaveText('2');
  await screenshots(page, 'otlp-services-list');
});
