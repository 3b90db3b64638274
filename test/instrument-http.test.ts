import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collapsePath, instrumentHttp, MetricsClient } from '../src/sdk/index.js';
import { startServer, type RunningServer } from '../src/server/index.js';
import { eventually } from './helpers/eventually.js';
import { getJson } from './helpers/server.js';

let plotline: RunningServer;
beforeAll(async () => {
  plotline = await startServer({ port: 0, db: ':memory:', statsdPort: 0 });
});
afterAll(async () => {
  await plotline.close();
});

function listen(server: Server): Promise<string> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)));
}

/** GET, resolving with the status and how long the client waited (ms), measured around the whole exchange. */
function timedGet(url: string): Promise<{ status: number; ms: number }> {
  const start = performance.now();
  return new Promise((resolve, reject) => {
    request(url, { agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode!, ms: performance.now() - start }));
    }).on('error', reject).end();
  });
}

async function service(name: string): Promise<any> {
  return (await getJson(`${plotline.url}/api/services/${name}?window=15m`)).json;
}

const durationOf = (detail: any) => detail.metrics?.find((m: any) => m.name === 'http.server.request.duration');

describe('instrumentHttp', () => {
  it('plain node:http: counts by status class, in-flight while requests are held open, durations within measured bounds', async () => {
    const held: Array<() => void> = [];
    const app = createServer((req, res) => {
      if (req.url!.startsWith('/items/')) res.end('ok');
      else if (req.url === '/boom') { res.statusCode = 500; res.end(); }
      else if (req.url === '/hold') held.push(() => res.end('late'));
      else { res.statusCode = 404; res.end(); }
    });
    const metrics = new MetricsClient({ url: plotline.url, transport: 'http' });
    const inst = instrumentHttp(app, { service: 'plain', metrics });
    const base = await listen(app);

    const done = await Promise.all([
      ...Array.from({ length: 10 }, (_, i) => timedGet(`${base}/items/${1000 + i}?x=1`)),
      ...Array.from({ length: 3 }, () => timedGet(`${base}/missing`)),
      ...Array.from({ length: 2 }, () => timedGet(`${base}/boom`)),
    ]);
    const holding = [timedGet(`${base}/hold`), timedGet(`${base}/hold`), timedGet(`${base}/hold`)];
    while (held.length < 3) await new Promise((r) => setTimeout(r, 5));
    await inst.flush();
    const during = await eventually(() => service('plain'), (d) => d.metrics?.find((m: any) => m.name === 'http.server.active_requests')?.window?.last === 3);
    expect(during.metrics.find((m: any) => m.name === 'http.server.active_requests').window.last).toBe(3);

    await new Promise((r) => setTimeout(r, 30));
    held.forEach((release) => release());
    const late = await Promise.all(holding);
    await inst.flush();
    const after = await eventually(() => service('plain'), (d) => d.service?.summary.requests === 18);
    expect(after.service.summary).toMatchObject({ requests: 18, '2XX': 13, '4XX': 3, '5XX': 2 });
    expect(after.metrics.find((m: any) => m.name === 'http.server.active_requests').window.last).toBe(0);
    const d = durationOf(after);
    expect(d.tags['http.route']).toEqual(['/boom', '/hold', '/items/:id', '/missing']);
    expect(d.tags['http.request.method']).toEqual(['GET']);
    expect(d.tags['http.response.status_code']).toEqual(['200', '404', '500']);
    // The server-side duration lies inside what the client measured: held ones ≥ 30 ms, none longer than its request.
    const slowest = Math.max(...[...done, ...late].map((r) => r.ms)) / 1000;
    const max = (await getJson(`${plotline.url}/api/services/plain/series?metric=http.server.request.duration&stat=max&from=${Date.now() - 60_000}&budget=1`)).json;
    const min = (await getJson(`${plotline.url}/api/services/plain/series?metric=http.server.request.duration&stat=min&from=${Date.now() - 60_000}&budget=1`)).json;
    const maxSeen = Math.max(...max.series[0].v.filter((v: number | null) => v !== null));
    expect(maxSeen).toBeGreaterThanOrEqual(0.03);
    expect(maxSeen).toBeLessThanOrEqual(slowest);
    expect(Math.min(...min.series[0].v.filter((v: number | null) => v !== null))).toBeGreaterThan(0);
    await inst.stop();
    app.close();
    await metrics.close();
  });

  it('a real Express app: the matched route (with its router prefix) as http.route', async () => {
    const app = express();
    app.get('/users/:id', (_req, res) => { res.send('user'); });
    const router = express.Router();
    router.post('/things/:thing', (_req, res) => { res.status(201).send('made'); });
    router.get('/fail', (_req, res) => { res.status(503).send('no'); });
    app.use('/api', router);
    const server = createServer(app);
    const metrics = new MetricsClient({ url: plotline.url, transport: 'http', service: 'shop-api' });
    const inst = instrumentHttp(server, { metrics });
    const base = await listen(server);
    for (let i = 0; i < 4; i++) expect((await timedGet(`${base}/users/${i}`)).status).toBe(200);
    await new Promise<void>((resolve, reject) => request(`${base}/api/things/abc`, { method: 'POST', agent: false }, (res) => { res.resume(); res.on('end', resolve); }).on('error', reject).end());
    expect((await timedGet(`${base}/api/fail`)).status).toBe(503);
    expect((await timedGet(`${base}/nowhere/123`)).status).toBe(404);
    await inst.flush();
    const detail = await eventually(() => service('shop-api'), (d) => d.service?.summary.requests === 7);
    expect(detail.service.summary).toMatchObject({ requests: 7, '2XX': 5, '4XX': 1, '5XX': 1 });
    const d = durationOf(detail);
    expect(d.tags['http.route']).toEqual(['/api/fail', '/api/things/:thing', '/nowhere/:id', '/users/:id']);
    expect(d.tags['http.request.method']).toEqual(['GET', 'POST']);
    server.close();
    await inst.stop();
    await metrics.close();
  });

  it('collapses ids in paths without a framework route', () => {
    expect(collapsePath('/users/42/orders/123e4567-e89b-12d3-a456-426614174000?q=1')).toBe('/users/:id/orders/:id');
    expect(collapsePath('/blob/9f8e7d6c5b4a3f2e1d0c')).toBe('/blob/:id');
    expect(collapsePath('/v1/models/resnet50')).toBe('/v1/models/resnet50');
    expect(collapsePath('/tokens/aB3dE5fG7hJ9kL1mN3pQ5r')).toBe('/tokens/:id');
    expect(collapsePath('')).toBe('/');
  });
});
