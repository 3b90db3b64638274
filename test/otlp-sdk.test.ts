import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OTLPMetricExporter as JsonExporter, AggregationTemporalityPreference } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPMetricExporter as ProtoExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { AggregationType, MeterProvider, PeriodicExportingMetricReader, type ViewOptions } from '@opentelemetry/sdk-metrics';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { startServer, type RunningServer } from '../src/server/index.js';
import { getJson } from './helpers/server.js';

/**
 * The real OpenTelemetry JS SDK exports to a real Plotline server over OTLP/HTTP (JSON and protobuf, gzip for one), and
 * every value is read back through the services API: counts and sums exactly, percentiles within the stated bound.
 */

let server: RunningServer;
const t0 = Date.now();

beforeAll(async () => {
  server = await startServer({ port: 0, db: ':memory:' });
});
afterAll(async () => {
  await server.close();
});

type Protocol = 'json' | 'proto';

function provider(protocol: Protocol, temporality: 'delta' | 'cumulative', service: string, views: ViewOptions[] = [], gzip = false) {
  const options = {
    url: `${server.url}/v1/metrics`,
    temporalityPreference: temporality === 'delta' ? AggregationTemporalityPreference.DELTA : AggregationTemporalityPreference.CUMULATIVE,
    ...(gzip && { compression: 'gzip' as never }),
  };
  const exporter = protocol === 'json' ? new JsonExporter(options) : new ProtoExporter(options);
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 });
  const mp = new MeterProvider({
    resource: resourceFromAttributes({ 'service.name': service, 'service.instance.id': `${service}-1` }),
    readers: [reader],
    views,
  });
  return { meter: mp.getMeter('test'), flush: () => reader.forceFlush(), shutdown: () => mp.shutdown() };
}

/** One stat over the whole test, merged over tag sets (budget 1: a single bucket), optionally filtered by tags. */
async function stat(service: string, metric: string, s: string, tags: string[] = []): Promise<number | null> {
  const q = new URLSearchParams({ metric, stat: s, from: String(t0 - 60_000), to: String(Date.now() + 60_000), budget: '1' });
  for (const t of tags) q.append('tag', t);
  const r = await getJson(`${server.url}/api/services/${service}/series?${q}`);
  expect(r.status, JSON.stringify(r.json)).toBe(200);
  const v = (r.json.series[0]?.v ?? []).filter((x: number | null) => x !== null);
  return v.length === 0 ? null : v[0];
}

for (const protocol of ['json', 'proto'] as const) {
  describe(`OpenTelemetry SDK → Plotline over OTLP/HTTP ${protocol}`, () => {
    for (const temporality of ['delta', 'cumulative'] as const) {
      it(`counters, up-down counters, gauges and attributes (${temporality})`, async () => {
        const service = `${protocol}-${temporality}-c`;
        const p = provider(protocol, temporality, service, [], protocol === 'proto' && temporality === 'cumulative');
        const requests = p.meter.createCounter('app.requests');
        const queue = p.meter.createUpDownCounter('app.queue');
        const temp = p.meter.createGauge('app.temperature');
        requests.add(5, { route: '/a' });
        requests.add(2, { route: '/b' });
        queue.add(10);
        temp.record(21.5, { room: 'x' });
        await p.flush();
        requests.add(3, { route: '/a' });
        queue.add(-4);
        temp.record(19, { room: 'x' });
        await p.flush();
        await p.flush(); // nothing new: a cumulative repeat adds 0
        await p.shutdown();
        expect(await stat(service, 'app.requests', 'count')).toBe(10);
        expect(await stat(service, 'app.requests', 'count', ['route:/a'])).toBe(8);
        expect(await stat(service, 'app.requests', 'count', ['route:/b'])).toBe(2);
        expect(await stat(service, 'app.requests', 'count', [`host:${service}-1`])).toBe(10);
        expect(await stat(service, 'app.queue', 'last')).toBe(6);
        expect(await stat(service, 'app.temperature', 'last', ['room:x'])).toBe(19);
        expect(await stat(service, 'app.temperature', 'max')).toBe(21.5);
        const svc = await getJson(`${server.url}/api/services/${service}`);
        expect(svc.json.service.replicas).toBe(1);
      });

      it(`explicit and exponential histograms: exact count/sum/min/max, percentiles within the bound (${temporality})`, async () => {
        const service = `${protocol}-${temporality}-h`;
        const bounds = [5, 10, 25, 50, 75, 100, 250, 500];
        const p = provider(protocol, temporality, service, [
          { instrumentName: 'app.exp', aggregation: { type: AggregationType.EXPONENTIAL_HISTOGRAM } },
        ]);
        const explicit = p.meter.createHistogram('app.explicit', { advice: { explicitBucketBoundaries: bounds } });
        const exp = p.meter.createHistogram('app.exp');
        const values: number[] = [];
        for (let round = 0; round < 2; round++) {
          for (let i = 1; i <= 300; i++) {
            const v = round === 0 ? i : i * 1.5;
            values.push(v);
            explicit.record(v, { k: 'v' });
            exp.record(v);
          }
          await p.flush();
        }
        await p.shutdown();
        const sorted = [...values].sort((a, b) => a - b);
        const sum = values.reduce((a, b) => a + b, 0);
        for (const metric of ['app.explicit', 'app.exp']) {
          expect(await stat(service, metric, 'count')).toBe(values.length);
          expect(await stat(service, metric, 'sum')).toBeCloseTo(sum, 6);
          expect(await stat(service, metric, 'min')).toBe(1);
          expect(await stat(service, metric, 'max')).toBe(450);
        }
        for (const q of [0.5, 0.9, 0.99]) {
          const truth = sorted[Math.floor(q * (sorted.length - 1))]!;
          // Explicit buckets: half the width of the bucket holding the true value (clipped to min/max), plus 1 %.
          const i = bounds.findIndex((b) => truth <= b);
          const lo = i <= 0 ? 1 : bounds[i - 1]!, hi = i < 0 ? 450 : bounds[i]!;
          const got = (await stat(service, 'app.explicit', `p${Math.round(q * 100)}`))!;
          expect(Math.abs(got - truth), `explicit p${q * 100}: ${got} vs ${truth}`).toBeLessThanOrEqual((hi - lo) / 2 + 0.01 * truth + 1e-9);
          // Exponential buckets (scale 20 shrinks to fit 160 buckets: base ≤ 2^(1/8) here): (base − 1)/2 relative, plus 1 %.
          const gotExp = (await stat(service, 'app.exp', `p${Math.round(q * 100)}`))!;
          expect(Math.abs(gotExp - truth) / truth, `exp p${q * 100}: ${gotExp} vs ${truth}`).toBeLessThanOrEqual((2 ** (1 / 8) - 1) / 2 + 0.01 + 0.02);
        }
      });
    }

    it('a cumulative counter reset (a restarted app: new start time, lower value) counts what the new process counted', async () => {
      const service = `${protocol}-reset`;
      const a = provider(protocol, 'cumulative', service);
      const c1 = a.meter.createCounter('app.jobs');
      c1.add(5);
      await a.flush();
      c1.add(3);
      await a.flush();
      await a.shutdown();
      const b = provider(protocol, 'cumulative', service);
      const c2 = b.meter.createCounter('app.jobs');
      c2.add(2);
      await b.flush();
      await b.shutdown();
      expect(await stat(service, 'app.jobs', 'count')).toBe(10);
    });
  });
}

describe('OTLP/JSON written by hand', () => {
  const post = (body: unknown) => fetch(`${server.url}/v1/metrics`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const now = BigInt(Date.now()) * 1_000_000n;
  const sum = (start: bigint, points: [bigint, number][]) => ({
    resourceMetrics: [{
      resource: { attributes: [{ key: 'service.name', value: { stringValue: 'json-hand' } }, { key: 'host.name', value: { stringValue: 'h1' } }, { key: 'process.pid', value: { intValue: '42' } }] },
      scopeMetrics: [{ metrics: [{ name: 'app.ticks', sum: { isMonotonic: true, aggregationTemporality: 2, dataPoints: points.map(([t, v]) => ({ startTimeUnixNano: String(start), timeUnixNano: String(t), asInt: String(v) })) } }] }],
    }],
  });

  it('a cumulative value that goes down with the same start time is a reset; host.name + pid is the replica', async () => {
    const start = now - 5_000_000_000n;
    // Start time before the server started: the first point is a baseline only.
    expect((await post(sum(BigInt(t0 - 10_000) * 1_000_000n, [[now, 1000]]))).status).toBe(200);
    expect((await post(sum(start, [[now, 7]]))).status).toBe(200); // a new start time: a reset, counts 7
    expect((await post(sum(start, [[now + 1n, 9]]))).status).toBe(200); // +2
    expect((await post(sum(start, [[now + 2n, 4]]))).status).toBe(200); // went down: a reset, +4
    expect(await stat('json-hand', 'app.ticks', 'count')).toBe(13);
    expect(await stat('json-hand', 'app.ticks', 'count', ['host:h1:42'])).toBe(13);
  });

  it('200 with partial_success naming the rejected data points and why', async () => {
    const body = sum(now, [[now, 1]]);
    const metrics = body.resourceMetrics[0]!.scopeMetrics[0]!.metrics as unknown[];
    metrics.push({ name: 'app.bad', gauge: { dataPoints: [{ timeUnixNano: String(now), asDouble: 'lots' }, { timeUnixNano: String(now), asDouble: 2 }] } });
    metrics.push({ name: 'app.old', gauge: { dataPoints: [{ timeUnixNano: '1000', asDouble: 1 }] } });
    const res = await post(body);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
    const json = await res.json();
    expect(json.partialSuccess.rejectedDataPoints).toBe('2');
    expect(json.partialSuccess.errorMessage).toMatch(/metrics\[1\]\.gauge\.dataPoints\[0\]: asDouble must be a number/);
    expect(json.partialSuccess.errorMessage).toMatch(/app\.old: time must be within/);
    expect(await stat('json-hand', 'app.bad', 'last')).toBe(2);
  });
});
