// A plain node:http app instrumented the way its users do it, with no Plotline code: @opentelemetry/instrumentation-http
// plus the metrics SDK and the OTLP/protobuf exporter, configured only by the standard environment variables
// (OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES). Used by e2e/studio-otlp.spec.ts.
//
// Routes: /ok → 200, /slow → 200 after 60 ms, /missing → 404, /boom → 500, /hold → 200 once the process gets SIGUSR2.
// It also keeps the standard `http.server.active_requests` up-down counter (the Python ASGI/WSGI instrumentations record
// it; Node's instrumentation-http does not), so the in-flight panel has something to show.
// Prints `listening <port>` when ready; on SIGTERM exports what is left and exits.
import { createRequire } from 'node:module';
import { metrics } from '@opentelemetry/api';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { detectResources, envDetector } from '@opentelemetry/resources';

const interval = Number(process.env.OTEL_METRIC_EXPORT_INTERVAL ?? 60_000);
const reader = new PeriodicExportingMetricReader({
  exporter: new OTLPMetricExporter(),
  exportIntervalMillis: interval,
  exportTimeoutMillis: Math.min(interval, 30_000),
});
const provider = new MeterProvider({ resource: detectResources({ detectors: [envDetector] }), readers: [reader] });
metrics.setGlobalMeterProvider(provider);
const instrumentation = new HttpInstrumentation();
instrumentation.setMeterProvider(provider);
instrumentation.enable();
// Loaded after enable(), so the instrumentation patches it (as `node --require`/`--import` of a setup file would).
const http = createRequire(import.meta.url)('node:http');

const active = metrics.getMeter('otel-app').createUpDownCounter('http.server.active_requests', { unit: '{request}' });
const held = [];
const app = http.createServer((req, res) => {
  const attrs = { 'http.request.method': req.method ?? 'GET', 'url.scheme': 'http' };
  active.add(1, attrs);
  res.on('close', () => active.add(-1, attrs));
  const reply = (status) => {
    res.writeHead(status, { 'content-type': 'text/plain' });
    res.end(String(status));
  };
  switch (req.url) {
    case '/ok': return reply(200);
    case '/slow': return void setTimeout(() => reply(200), 60);
    case '/missing': return reply(404);
    case '/boom': return reply(500);
    case '/hold': return void held.push(() => reply(200));
    default: return reply(404);
  }
});
app.listen(0, '127.0.0.1', () => console.log(`listening ${app.address().port}`));

process.on('SIGUSR2', () => {
  for (const r of held.splice(0)) r();
});
process.on('SIGTERM', async () => {
  app.close();
  await reader.forceFlush().catch(() => {});
  await provider.shutdown().catch(() => {});
  process.exit(0);
});
