import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { startServer, type RunningServer } from '../src/server/index.js';
import { getJson } from './helpers/server.js';

/**
 * A real node:http server instrumented by @opentelemetry/instrumentation-http, exporting over OTLP/protobuf: its
 * `http.server.request.duration` (seconds, explicit buckets, cumulative) becomes the service's request metrics — rate,
 * status classes, latency percentiles — through the services API, with no Plotline code in the app.
 */

let plotline: RunningServer;
beforeAll(async () => {
  plotline = await startServer({ port: 0, db: ':memory:' });
});
afterAll(async () => {
  await plotline.close();
});

it('an instrumented node:http server lights up the service\'s request metrics', async () => {
  const reader = new PeriodicExportingMetricReader({ exporter: new OTLPMetricExporter({ url: `${plotline.url}/v1/metrics` }), exportIntervalMillis: 3_600_000 });
  const provider = new MeterProvider({ resource: resourceFromAttributes({ 'service.name': 'shop', 'service.instance.id': 'shop-a' }), readers: [reader] });
  const instrumentation = new HttpInstrumentation();
  instrumentation.setMeterProvider(provider);
  instrumentation.enable();
  // Loaded after enable(), so the instrumentation patches it (as `node --require` would in an app).
  const http = createRequire(import.meta.url)('node:http') as typeof import('node:http');
  const app = http.createServer((req, res) => {
    const status = req.url === '/missing' ? 404 : req.url === '/boom' ? 500 : 200;
    setTimeout(() => {
      res.writeHead(status);
      res.end('ok');
    }, req.url === '/slow' ? 60 : 1);
  });
  await new Promise<void>((r) => app.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(app.address() as AddressInfo).port}`;
  try {
    const paths = [...Array(20).fill('/ok'), ...Array(5).fill('/slow'), ...Array(3).fill('/missing'), ...Array(2).fill('/boom')];
    for (const p of paths) await (await fetch(`${base}${p}`)).text();
  } finally {
    // Before exporting: the patched module is this process's, so Plotline's own server would count the export request.
    instrumentation.disable();
    await new Promise((r) => app.close(r));
    await reader.forceFlush();
    await provider.shutdown();
  }
  const svc = await getJson(`${plotline.url}/api/services/shop?window=15m`);
  expect(svc.status).toBe(200);
  expect(svc.json.service.replicas).toBe(1);
  expect(svc.json.service.summary).toMatchObject({ requests: 30, '2XX': 25, '4XX': 3, '5XX': 2 });
  // 5 of 30 requests took ≥ 60 ms: p90 falls in the (0.05, 0.075] or (0.075, 0.1] bucket, never below 50 ms.
  const q = new URLSearchParams({ metric: 'http.server.request.duration', stat: 'p90', from: String(Date.now() - 600_000), to: String(Date.now() + 60_000), budget: '1' });
  const p90 = (await getJson(`${plotline.url}/api/services/shop/series?${q}`)).json.series[0].v.find((v: number | null) => v !== null);
  expect(p90).toBeGreaterThanOrEqual(0.05);
  expect(p90).toBeLessThanOrEqual(0.1);
  const list = await getJson(`${plotline.url}/api/services?window=15m`);
  const shop = list.json.services.find((s: { name: string }) => s.name === 'shop');
  expect(shop.summary.requests).toBe(30);
  expect(shop.summary.p99Ms).toBeGreaterThanOrEqual(50);
});
