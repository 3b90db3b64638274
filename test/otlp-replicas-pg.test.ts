/**
 * Cumulative OTLP streams behind a load balancer: two real `plotline serve` replicas on one PostgreSQL database take turns
 * receiving one app's exports (and retried, reordered and concurrent ones); the cumulative→delta state lives in the
 * store, so the totals read back are exact — not the first delta each replica saw counted again.
 */
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { OTLPMetricExporter as JsonExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPMetricExporter as ProtoExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { MeterProvider, PeriodicExportingMetricReader, type PushMetricExporter, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { freshPgDb, PG_URL, sayPgSkipped } from './helpers/pg.js';
import { mulberry32 } from './helpers/rng.js';
import { getJson, postJson, spawnServer, type SpawnedServer } from './helpers/server.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

sayPgSkipped('OTLP cumulative streams across replicas on one PostgreSQL database');

async function start(db: string): Promise<SpawnedServer> {
  const s = await spawnServer(['--db', db]);
  cleanups.push(() => s.kill());
  return s;
}

/** Stops the replicas (each writes its open intervals), then reads `stat` of a metric through a third one. */
async function totalAfterShutdown(db: string, replicas: SpawnedServer[], service: string, metric: string, stat: string): Promise<number | null> {
  for (const r of replicas) await r.kill();
  const reader = await start(db);
  const q = new URLSearchParams({ metric, stat, from: String(Date.now() - 600_000), to: String(Date.now() + 60_000), budget: '1' });
  const r = await getJson(`${reader.url}/api/services/${service}/series?${q}`);
  expect(r.status, JSON.stringify(r.json)).toBe(200);
  return (r.json.series[0]?.v ?? []).find((v: number | null) => v !== null) ?? null;
}

/** A load balancer in front of the replicas: each export goes to the next one in turn. */
class Alternating implements PushMetricExporter {
  private next = 0;
  constructor(private readonly exporters: PushMetricExporter[]) {}
  export(metrics: ResourceMetrics, done: Parameters<PushMetricExporter['export']>[1]): void {
    this.exporters[this.next++ % this.exporters.length]!.export(metrics, done);
  }
  async forceFlush(): Promise<void> {}
  async shutdown(): Promise<void> {
    await Promise.all(this.exporters.map((e) => e.shutdown()));
  }
}

describe.skipIf(!PG_URL)('OTLP cumulative streams across replicas on one PostgreSQL database', { timeout: 120_000 }, () => {
  it('the real SDK\'s cumulative counter and histogram, exports alternating between replicas (protobuf, JSON): exact totals', async () => {
    const db = freshPgDb();
    cleanups.push(() => db.drop());
    const a = await start(db.url);
    const b = await start(db.url);
    const reader = new PeriodicExportingMetricReader({
      exporter: new Alternating([new ProtoExporter({ url: `${a.url}/v1/metrics` }), new JsonExporter({ url: `${b.url}/v1/metrics` })]),
      exportIntervalMillis: 3_600_000,
    });
    const provider = new MeterProvider({ resource: resourceFromAttributes({ 'service.name': 'lb-app', 'service.instance.id': 'app-1' }), readers: [reader] });
    const meter = provider.getMeter('test');
    const jobs = meter.createCounter('app.jobs');
    const latency = meter.createHistogram('app.latency');
    const added = [5, 3, 7, 1, 12, 2];
    const values: number[] = [];
    for (const [i, n] of added.entries()) {
      jobs.add(n, { queue: 'q1' });
      for (let k = 0; k < n; k++) {
        const v = 0.01 * (i + 1) * (k + 1);
        latency.record(v);
        values.push(v);
      }
      await reader.forceFlush();
    }
    await provider.shutdown();
    expect(await totalAfterShutdown(db.url, [a, b], 'lb-app', 'app.jobs', 'count')).toBe(30);
    const reader2 = await start(db.url);
    const q = (stat: string) => new URLSearchParams({ metric: 'app.latency', stat, from: String(Date.now() - 600_000), to: String(Date.now() + 60_000), budget: '1' });
    const read = async (stat: string) => (await getJson(`${reader2.url}/api/services/lb-app/series?${q(stat)}`)).json.series[0].v.find((v: number | null) => v !== null);
    expect(await read('count')).toBe(values.length);
    expect(await read('sum')).toBeCloseTo(values.reduce((x, y) => x + y, 0), 9);
  });

  it('retried, reordered and concurrent exports of one cumulative counter on two replicas add up to its last value', async () => {
    const db = freshPgDb();
    cleanups.push(() => db.drop());
    const a = await start(db.url);
    const b = await start(db.url);
    const startNs = BigInt(Date.now()) * 1_000_000n;
    const body = (i: number, value: number) => ({
      resourceMetrics: [{
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'lb-hand' } }, { key: 'service.instance.id', value: { stringValue: 'h1' } }] },
        scopeMetrics: [{ metrics: [{ name: 'app.ticks', sum: { isMonotonic: true, aggregationTemporality: 2, dataPoints: [{ startTimeUnixNano: String(startNs), timeUnixNano: String(startNs + BigInt(i) * 1_000_000n), asInt: String(value) }] } }] }],
      }],
    });
    const send = async (to: SpawnedServer, i: number) => {
      let r = await postJson(`${to.url}/v1/metrics`, body(i, 10 * i));
      // Shed (more than 8 requests at once on a replica): retried as an OTLP exporter does.
      while (r.status === 429) {
        await new Promise((done) => setTimeout(done, 50 + Math.random() * 100));
        r = await postJson(`${to.url}/v1/metrics`, body(i, 10 * i));
      }
      expect(r.status, JSON.stringify(r.json)).toBe(200);
      expect(r.json).toEqual({});
    };
    // In turn, with a retry of export 2 on the other replica, and export 5 overtaking export 4.
    await send(a, 1);
    await send(b, 2);
    await send(a, 2);
    await send(b, 3);
    await send(a, 5);
    await send(b, 4);
    // Then exports 6..40 all at once, each to a replica picked at random (seeded), some sent twice.
    const random = mulberry32(18);
    await Promise.all(Array.from({ length: 35 }, (_, k) => k + 6).flatMap((i) => [send(random() < 0.5 ? a : b, i), ...(i % 7 === 0 ? [send(random() < 0.5 ? a : b, i)] : [])]));
    expect(await totalAfterShutdown(db.url, [a, b], 'lb-hand', 'app.ticks', 'count')).toBe(400);
  });

  it('a store that fails while exchanging states answers 503 with Retry-After; the retried export then counts once', async () => {
    const db = freshPgDb();
    cleanups.push(() => db.drop());
    const a = await start(db.url);
    const startNs = BigInt(Date.now()) * 1_000_000n;
    const body = (i: number) => ({
      resourceMetrics: [{
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'lb-down' } }] },
        scopeMetrics: [{ metrics: [{ name: 'app.ticks', sum: { isMonotonic: true, aggregationTemporality: 2, dataPoints: [{ startTimeUnixNano: String(startNs), timeUnixNano: String(startNs + BigInt(i)), asInt: String(10 * i) }] } }] }],
      }],
    });
    expect((await postJson(`${a.url}/v1/metrics`, body(1))).status).toBe(200);
    const schema = new URL(db.url).searchParams.get('schema')!;
    const admin = new pg.Client({ connectionString: PG_URL! });
    await admin.connect();
    cleanups.push(() => admin.end());
    await admin.query(`ALTER TABLE "${schema}".svc_streams RENAME TO svc_streams_away`);
    const down = await postJson(`${a.url}/v1/metrics`, body(2));
    expect(down.status).toBe(503);
    expect(down.json).toMatchObject({ code: 14, message: expect.stringMatching(/retry later/) });
    await admin.query(`ALTER TABLE "${schema}".svc_streams_away RENAME TO svc_streams`);
    expect((await postJson(`${a.url}/v1/metrics`, body(2))).status).toBe(200);
    expect(await totalAfterShutdown(db.url, [a], 'lb-down', 'app.ticks', 'count')).toBe(20);
  });
});
