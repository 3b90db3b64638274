import { createSocket } from 'node:dgram';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import StatsD from 'hot-shots';
import { startServer, type RunningServer } from '../src/server/index.js';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MetricsClient, connect, instrumentHttp } from '../src/sdk/index.js';
import { eventually } from './helpers/eventually.js';
import { getJson, spawnServer } from './helpers/server.js';

let server: RunningServer;
beforeAll(async () => {
  server = await startServer({ port: 0, db: ':memory:', statsdPort: 0 });
});
afterAll(async () => {
  await server.close();
});

/** UDP is fire-and-forget: the test waits for the server to have what was sent. */
const until = <T>(read: () => Promise<T>, done: (v: T) => boolean) => eventually(read, done, 10_000);

async function stat(service: string, metric: string, stat: string, extra = ''): Promise<number | null> {
  const now = Date.now();
  const r = await getJson(`${server.url}/api/services/${encodeURIComponent(service)}/series?metric=${encodeURIComponent(metric)}&stat=${stat}&from=${now - 60_000}&to=${now + 1000}&budget=1${extra}`);
  if (r.status !== 200) return null;
  return r.json.series[0]?.v.at(-1) ?? null;
}

function sendRaw(text: string): Promise<void> {
  const socket = createSocket('udp4');
  return new Promise((resolve, reject) => socket.send(text, server.statsdPort!, '127.0.0.1', (err) => {
    socket.close();
    if (err) reject(err);
    else resolve();
  }));
}

describe('DogStatsD over UDP', () => {
  it('takes what hot-shots sends: counters, gauges, histograms, distributions, timings, sets, tags', async () => {
    const client = new StatsD({ host: '127.0.0.1', port: server.statsdPort!, globalTags: { service: 'shop', host: 'web-1' }, errorHandler: (e) => { throw e; } });
    for (let i = 0; i < 10; i++) client.increment('orders', 2, { model: 'v1' });
    client.gauge('queue.depth', 5);
    client.gauge('queue.depth', 3);
    for (let i = 1; i <= 100; i++) client.histogram('latency', i, ['route:/buy']);
    client.distribution('size', 1024);
    client.timing('db.query', 12);
    client.set('visitors', 'ann');
    client.set('visitors', 'bob');
    client.set('visitors', 'ann');
    await new Promise<void>((resolve) => client.close(() => resolve()));

    expect(await until(() => stat('shop', 'orders', 'count'), (v) => v === 20)).toBe(20);
    expect(await stat('shop', 'orders', 'count', '&tag=model:v1')).toBe(20);
    expect(await until(() => stat('shop', 'queue.depth', 'last'), (v) => v === 3)).toBe(3);
    expect(await stat('shop', 'queue.depth', 'max')).toBe(5);
    expect(await until(() => stat('shop', 'latency', 'count'), (v) => v === 100)).toBe(100);
    expect(await stat('shop', 'latency', 'sum')).toBe(5050);
    const p50 = (await stat('shop', 'latency', 'p50'))!;
    expect(Math.abs(p50 - 50) / 50).toBeLessThanOrEqual(0.01);
    expect(await until(() => stat('shop', 'visitors', 'count'), (v) => v === 2)).toBe(2);
    expect(await until(() => stat('shop', 'db.query', 'max'), (v) => v !== null)).toBe(12);
    const detail = (await getJson(`${server.url}/api/services/shop`)).json;
    expect(detail.service).toMatchObject({ name: 'shop', status: 'live', replicas: 1 });
    expect(detail.metrics.find((m: { name: string }) => m.name === 'latency')).toMatchObject({ kind: 'distribution', tags: { host: ['web-1'], route: ['/buy'] } });
  });

  it('scales by sample rate, places |T lines in their interval, and counts malformed lines per service', async () => {
    const t = Math.floor(Date.now() / 1000) - 30;
    await sendRaw(`hits:1|c|@0.25|#service:raw\nhits:1|c|#service:raw\nold:7|c|#service:raw|T${t}\nbroken|c|#service:raw\nnope:1|zz|#service:raw\n_e{1,1}:a|b\n_sc|check|0`);
    expect(await until(() => stat('raw', 'hits', 'count'), (v) => v === 5)).toBe(5);
    const now = Date.now();
    const old = (await getJson(`${server.url}/api/services/raw/series?metric=old&stat=count&from=${now - 60_000}&to=${now}&budget=6`)).json;
    const placed = old.series[0].t.findIndex((start: number, i: number) => old.series[0].v[i] === 7);
    expect(old.series[0].t[placed]).toBe(Math.floor((t * 1000) / 10_000) * 10_000);
    const list = (await getJson(`${server.url}/api/services`)).json;
    expect(list.services.find((s: { name: string }) => s.name === 'raw').malformedLines).toBe(2);
    expect(list.ingest).toMatchObject({ statsdPort: server.statsdPort, events: 1, serviceChecks: 1 });
    expect(list.ingest.udpDropped).toBeGreaterThanOrEqual(0);
  });

  it('keeps a bare tag (no value) bare: reported as the value \'\', filtered by its key, `k:` the same tag', async () => {
    await sendRaw('flags:1|c|#service:bare,env\nflags:2|c|#service:bare,canary:\nflags:4|c|#service:bare,env:prod');
    const metrics = new MetricsClient({ url: server.url, transport: 'http', service: 'bare', tags: { host: 'h' } });
    metrics.increment('flags', 8, { canary: '' });
    await metrics.close();
    expect(await until(() => stat('bare', 'flags', 'count'), (v) => v === 15)).toBe(15);
    const detail = (await getJson(`${server.url}/api/services/bare`)).json;
    expect(detail.metrics.find((m: { name: string }) => m.name === 'flags').tags).toMatchObject({ env: ['', 'prod'], canary: [''] });
    expect(await stat('bare', 'flags', 'count', '&tag=env')).toBe(1);
    expect(await stat('bare', 'flags', 'count', '&tag=canary')).toBe(10);
    expect(await stat('bare', 'flags', 'count', '&tag=canary:')).toBe(10);
    expect(await stat('bare', 'flags', 'count', '&tag=env:prod')).toBe(4);
  });

  it('MetricsClient sends over UDP (tags object or strings, service option, host = hostname:pid)', async () => {
    const metrics = new MetricsClient({ url: server.url, statsdPort: server.statsdPort!, service: 'sdk-udp', tags: { region: 'eu' } });
    for (let i = 0; i < 300; i++) metrics.increment('calls', 1, ['model:v1']); // several datagrams of several lines
    metrics.timing('work', 40, { model: 'v1' });
    metrics.gauge('inflight', 2);
    metrics.increment('calls', 1, { service: 'other' });
    await metrics.close();
    expect(await until(() => stat('sdk-udp', 'calls', 'count'), (v) => v === 300)).toBe(300);
    expect(await until(() => stat('other', 'calls', 'count'), (v) => v === 1)).toBe(1);
    const detail = (await getJson(`${server.url}/api/services/sdk-udp`)).json;
    const calls = detail.metrics.find((m: { name: string }) => m.name === 'calls');
    expect(calls.tags.region).toEqual(['eu']);
    expect(calls.tags.host[0]).toMatch(new RegExp(`:${process.pid}$`));
    expect(metrics.errors).toBe(0);
  });

  it('MetricsClient over HTTP is acknowledged; bad input is counted and warned once, never thrown', async () => {
    const warnings: string[] = [];
    const metrics = new MetricsClient({ url: server.url, transport: 'http', service: 'sdk-http', warn: (m) => warnings.push(m) });
    for (let i = 1; i <= 1000; i++) metrics.histogram('latency', i, { status: i % 10 === 0 ? '500' : '200' });
    metrics.increment('bad name', 1);
    metrics.gauge('g', Number.NaN);
    metrics.set('s', 'ok');
    await metrics.flush();
    expect(await stat('sdk-http', 'latency', 'count')).toBe(1000);
    expect(await stat('sdk-http', 'latency', 'count', '&tag=status:500')).toBe(100);
    expect(metrics.errors).toBe(2);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('"bad name"');
    await metrics.close();
  });

  it('client.metrics of connect() sends to the server host', async () => {
    process.env.PLOTLINE_STATSD_PORT = String(server.statsdPort);
    const client = connect({ url: server.url });
    client.metrics.increment('pings', 1, { service: 'via-connect' });
    await client.close();
    delete process.env.PLOTLINE_STATSD_PORT;
    expect(await until(() => stat('via-connect', 'pings', 'count'), (v) => v === 1)).toBe(1);
  });
});

describe('instrumentHttp', () => {
  it('records request durations with status codes and in-flight requests of a node:http server', async () => {
    const metrics = new MetricsClient({ url: server.url, transport: 'http', service: 'web' });
    const app = createServer((req, res) => {
      const status = req.url === '/missing' ? 404 : req.url === '/fail' ? 500 : 200;
      setTimeout(() => res.writeHead(status).end('ok'), 5);
    });
    const stop = instrumentHttp(app, { service: 'web', metrics, route: (req) => (req.url === '/fail' ? '/fail' : undefined) });
    await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(app.address() as AddressInfo).port}`;
    for (const path of ['/', '/a', '/b', '/missing', '/fail']) await (await fetch(base + path)).text();
    stop();
    await new Promise<void>((resolve) => app.close(() => resolve()));
    await metrics.close();
    const detail = (await getJson(`${server.url}/api/services/web`)).json;
    expect(detail.service.summary).toMatchObject({ requests: 5, '2XX': 3, '4XX': 1, '5XX': 1 });
    expect(detail.service.summary.avgRequestMs).toBeGreaterThanOrEqual(4);
    const duration = detail.metrics.find((m: { name: string }) => m.name === 'http.server.request.duration');
    expect(duration.tags).toMatchObject({ 'http.request.method': ['GET'], 'http.response.status_code': ['200', '404', '500'], 'http.route': ['/fail'] });
    expect(await stat('web', 'http.server.active_requests', 'last')).toBe(0);
  });
});

describe('plotline serve --statsd-port', () => {
  it('prints the DogStatsD address, and `off` disables it', async () => {
    const on = await spawnServer(['--db', ':memory:']);
    expect(on.output()).toMatch(/DogStatsD: udp:\/\/127\.0\.0\.1:\d+/);
    expect(on.statsdPort).toBeGreaterThan(0);
    expect(on.statsdPort).not.toBe(8125);
    await on.kill();
    const off = await spawnServer(['--db', ':memory:', '--statsd-port', 'off']);
    expect(off.output()).toContain('DogStatsD: off');
    expect((await getJson(`${off.url}/api/services`)).json.ingest.statsdPort).toBeNull();
    await off.kill();
  });
});
