import { request } from 'node:http';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { otlpRoot } from '../src/server/otlp/schema.js';
import { startServer, type RunningServer } from '../src/server/index.js';
import { getJson } from './helpers/server.js';

/** OTLP/HTTP answers as the specification says, and bad bodies of every kind: 4xx, bounded memory, no crash. */

let server: RunningServer;
const t0 = Date.now();
const nowNs = () => BigInt(Date.now()) * 1_000_000n;

beforeAll(async () => {
  server = await startServer({ port: 0, db: ':memory:', otlpPort: 0 });
});
afterAll(async () => {
  await server.close();
});

const Request = () => otlpRoot().lookupType('ExportMetricsServiceRequest');
const Response = () => otlpRoot().lookupType('ExportMetricsServiceResponse');
const Status = () => otlpRoot().lookupType('Status');

function exportRequest(service: string, metrics: unknown[], resource: Record<string, string> = {}) {
  return {
    resourceMetrics: [{
      resource: { attributes: Object.entries({ 'service.name': service, ...resource }).map(([key, v]) => ({ key, value: { stringValue: v } })) },
      scopeMetrics: [{ metrics }],
    }],
  };
}

function protobuf(message: Record<string, unknown>): Buffer {
  return Buffer.from(Request().encode(Request().fromObject(message)).finish());
}

async function post(body: Buffer | string, headers: Record<string, string>, url = `${server.url}/v1/metrics`) {
  const res = await fetch(url, { method: 'POST', headers, body: typeof body === 'string' ? body : new Uint8Array(body) });
  return { status: res.status, headers: res.headers, body: Buffer.from(await res.arrayBuffer()) };
}

async function stat(service: string, metric: string, s: string): Promise<number | null> {
  const q = new URLSearchParams({ metric, stat: s, from: String(t0 - 60_000), to: String(Date.now() + 60_000), budget: '1' });
  const r = await getJson(`${server.url}/api/services/${service}/series?${q}`);
  return r.json.series?.[0]?.v?.find((x: number | null) => x !== null) ?? null;
}

const PB = { 'content-type': 'application/x-protobuf' };
const JS = { 'content-type': 'application/json' };

describe('OTLP/HTTP answers', () => {
  it('protobuf in, protobuf out: 200 with an empty ExportMetricsServiceResponse; the --otlp-port takes the same', async () => {
    const t = nowNs();
    const body = protobuf(exportRequest('pb', [{ name: 'g', gauge: { dataPoints: [{ timeUnixNano: String(t), asDouble: 3 }] } }]));
    const r = await post(body, PB);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('application/x-protobuf');
    expect(Response().toObject(Response().decode(r.body))).toEqual({});
    const other = await post(protobuf(exportRequest('pb', [{ name: 'g', gauge: { dataPoints: [{ timeUnixNano: String(t + 1n), asDouble: 4 }] } }])), PB, `http://127.0.0.1:${server.otlpPort}/v1/metrics`);
    expect(other.status).toBe(200);
    expect(await stat('pb', 'g', 'max')).toBe(4);
    expect((await fetch(`http://127.0.0.1:${server.otlpPort}/api/services`)).status).toBe(404);
  });

  it('partial_success in protobuf: rejected data points counted and named', async () => {
    const t = String(nowNs());
    const body = protobuf(exportRequest('pb2', [
      { name: 'h', histogram: { aggregationTemporality: 1, dataPoints: [{ timeUnixNano: t, count: 3, sum: 3, bucketCounts: [1, 1], explicitBounds: [1] }] } },
      { name: 'ok', gauge: { dataPoints: [{ timeUnixNano: t, asInt: 7 }] } },
    ]));
    const r = await post(body, PB);
    expect(r.status).toBe(200);
    const answer = Response().toObject(Response().decode(r.body), { longs: String });
    expect(answer.partialSuccess.rejectedDataPoints).toBe('1');
    expect(answer.partialSuccess.errorMessage).toMatch(/metrics\[0\]\.histogram\.dataPoints\[0\]: count \(3\) must equal the sum of bucketCounts \(2\)/);
    expect(await stat('pb2', 'ok', 'last')).toBe(7);
  });

  it('the request duration in ms (older HTTP conventions) lands as seconds, its attributes renamed to the standard ones', async () => {
    const t = String(nowNs());
    const attrs = [{ key: 'http.method', value: { stringValue: 'GET' } }, { key: 'http.status_code', value: { intValue: 200 } }];
    const body = exportRequest('legacy', [{
      name: 'http.server.duration', unit: 'ms',
      histogram: { aggregationTemporality: 1, dataPoints: [{ attributes: attrs, timeUnixNano: t, count: '2', sum: 300, min: 100, max: 200, bucketCounts: ['0', '2', '0'], explicitBounds: [50, 250] }] },
    }]);
    expect((await post(JSON.stringify(body), JS)).status).toBe(200);
    expect(await stat('legacy', 'http.server.request.duration', 'sum')).toBeCloseTo(0.3, 12);
    expect(await stat('legacy', 'http.server.request.duration', 'max')).toBeCloseTo(0.2, 12);
    const svc = await getJson(`${server.url}/api/services/legacy`);
    expect(svc.json.service.summary['2XX']).toBe(2);
  });

  it('400 with a google.rpc.Status for undecodable bodies, in the request\'s encoding', async () => {
    const valid = protobuf(exportRequest('trunc', [{ name: 'g', gauge: { dataPoints: [{ timeUnixNano: String(nowNs()), asDouble: 1 }] } }]));
    const r = await post(valid.subarray(0, valid.length - 3), PB);
    expect(r.status).toBe(400);
    const status = Status().toObject(Status().decode(r.body));
    expect(status.code).toBe(3);
    expect(status.message).toMatch(/not a protobuf ExportMetricsServiceRequest/);
    const j = await post('{"resourceMetrics": [', JS);
    expect(j.status).toBe(400);
    expect(JSON.parse(j.body.toString()).message).toMatch(/not valid JSON/);
    const shape = await post(JSON.stringify({ resourceMetrics: 'x' }), JS);
    expect(shape.status).toBe(400);
    expect(JSON.parse(shape.body.toString()).message).toMatch(/resourceMetrics must be a list/);
    const types = await post(JSON.stringify({ resourceMetrics: [{ scopeMetrics: [{ metrics: [{ name: 5 }] }] }] }), JS);
    expect(types.status).toBe(400);
    expect(JSON.parse(types.body.toString()).message).toMatch(/metrics\[0\]\.name must be a string/);
    expect((await post('x', { 'content-type': 'text/plain' })).status).toBe(415);
  });

  it('gzip: decompressed and capped after decompression (a gzip bomb stops at the cap: 413, bounded memory)', async () => {
    const body = exportRequest('gz', [{ name: 'g', gauge: { dataPoints: [{ timeUnixNano: String(nowNs()), asDouble: 9 }] } }]);
    expect((await post(gzipSync(JSON.stringify(body)), { ...JS, 'content-encoding': 'gzip' })).status).toBe(200);
    expect(await stat('gz', 'g', 'last')).toBe(9);
    const bomb = gzipSync(Buffer.alloc(64 * 1024 * 1024), { level: 9 }); // 64 MiB of zeros (twice the cap) in ~64 KiB
    const before = process.memoryUsage().rss;
    const r = await post(bomb, { ...PB, 'content-encoding': 'gzip' });
    expect(r.status).toBe(413);
    expect(process.memoryUsage().rss - before).toBeLessThan(150 * 1024 * 1024);
    expect((await post(Buffer.from('not gzip'), { ...PB, 'content-encoding': 'gzip' })).status).toBe(400);
  });

  it('huge repeated fields: buckets and data points beyond the limits are rejected by point, the rest kept', async () => {
    const t = String(nowNs());
    const body = exportRequest('huge', [
      { name: 'h', histogram: { aggregationTemporality: 1, dataPoints: [{ timeUnixNano: t, count: '0', sum: 0, bucketCounts: new Array(100_001).fill('0'), explicitBounds: Array.from({ length: 100_000 }, (_, i) => i) }] } },
      { name: 'g', gauge: { dataPoints: [{ timeUnixNano: t, asDouble: 1 }] } },
    ]);
    const r = await post(JSON.stringify(body), JS);
    expect(r.status).toBe(200);
    const json = JSON.parse(r.body.toString());
    expect(json.partialSuccess.rejectedDataPoints).toBe('1');
    expect(json.partialSuccess.errorMessage).toMatch(/at most 4096 are taken/);
    expect(await stat('huge', 'g', 'last')).toBe(1);
  });

  it('a seeded fuzz loop of mutated and truncated protobuf and JSON bodies: only 200 or 400, the server keeps serving', async () => {
    let s = 12345;
    const rand = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32);
    const t = String(nowNs());
    const seed = exportRequest('fuzz', [
      { name: 'c', sum: { isMonotonic: true, aggregationTemporality: 2, dataPoints: [{ startTimeUnixNano: t, timeUnixNano: t, asInt: 5, attributes: [{ key: 'a', value: { stringValue: 'b' } }] }] } },
      { name: 'h', exponentialHistogram: { aggregationTemporality: 1, dataPoints: [{ timeUnixNano: t, count: 3, sum: 6, scale: 3, zeroCount: 1, positive: { offset: 2, bucketCounts: [1, 1] } }] } },
      { name: 's', summary: { dataPoints: [{ timeUnixNano: t, count: 2, sum: 4, quantileValues: [{ quantile: 0.5, value: 2 }] }] } },
    ]);
    const pb = protobuf(seed);
    const js = Buffer.from(JSON.stringify(seed));
    const statuses = new Map<number, number>();
    for (let i = 0; i < 2000; i++) {
      const json = i % 2 === 1;
      const b = Buffer.from(json ? js : pb);
      const cut = rand() < 0.3 ? Math.floor(rand() * b.length) : b.length;
      for (let k = 0, n = 1 + Math.floor(rand() * 4); k < n; k++) b[Math.floor(rand() * cut)] = Math.floor(rand() * 256);
      const r = await post(b.subarray(0, cut), json ? JS : PB);
      statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
    }
    expect([...statuses.keys()].every((k) => k === 200 || k === 400), JSON.stringify([...statuses])).toBe(true);
    expect((await getJson(`${server.url}/api/health`)).status).toBe(200);
  }, 120_000);
});

describe('load shedding', () => {
  it('429 with Retry-After past the requests in flight, 503 with Retry-After while the store is behind', async () => {
    const busy = await startServer({ port: 0, db: ':memory:', services: { otlp: { maxInFlight: 1 } } });
    const behind = await startServer({ port: 0, db: ':memory:', services: { otlp: { maxBacklog: -1 } } });
    try {
      // One request sends its headers and holds its body back: it is in flight.
      const held = request(`${busy.url}/v1/metrics`, { method: 'POST', headers: { ...PB, 'content-length': '10' } });
      held.on('error', () => {});
      held.write('x');
      // Until the server has taken the held request's headers (an empty export is a valid one: 200 before that).
      let r = await post(Buffer.alloc(0), PB, `${busy.url}/v1/metrics`);
      for (let i = 0; i < 50 && r.status === 200; i++) {
        await new Promise((ok) => setTimeout(ok, 100));
        r = await post(Buffer.alloc(0), PB, `${busy.url}/v1/metrics`);
      }
      expect(r.status).toBe(429);
      expect(r.headers.get('retry-after')).toBe('1');
      held.destroy();
      const b = await post(Buffer.alloc(0), JS, `${behind.url}/v1/metrics`);
      expect(b.status).toBe(503);
      expect(b.headers.get('retry-after')).toBe('5');
      expect(JSON.parse(b.body.toString()).code).toBe(14);
    } finally {
      await busy.close();
      await behind.close();
    }
  });
});
