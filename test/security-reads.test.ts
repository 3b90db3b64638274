import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LIMITS } from '../src/protocol/index.js';
import { startServer, type RunningServer } from '../src/server/index.js';
import { applyBatch } from '../src/server/ingest/apply.js';
import { rawRequest } from './helpers/raw-http.js';
import { exportSeries } from './helpers/server.js';

const N = 1_000_000;

/** Issue 19, fault 2: one GET must not stall everyone (88 s of blocked event loop, 3.4 GiB, then 500). */
describe('reads that would stall everyone', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer({ port: 0, db: ':memory:' });
    const x = new Float64Array(N);
    const y = new Float64Array(N);
    for (let i = 0; i < N; i++) {
      x[i] = i;
      y[i] = Math.sin(i / 1000);
    }
    await applyBatch(server.store, { executions: [{ id: 'e', start: { name: 'e' } }] }, Date.now());
    for (const key of ['big', 'big2', 'big3']) {
      for (let at = 0; at < N; at += 250_000) {
        await applyBatch(server.store, { executions: [{ id: 'e', points: [{ key, x: x.subarray(at, at + 250_000), y: y.subarray(at, at + 250_000) }] }] }, Date.now());
      }
    }
  }, 120_000);
  afterAll(() => server.close());

  it('the input of the issue, ?key=big 100 times with no budget: one series, downsampled to a default budget', async () => {
    const res = await rawRequest(server.url, { path: `/api/executions/e/series?${Array(100).fill('key=big').join('&')}` });
    expect(res.status).toBe(200);
    expect(res.json.series).toHaveLength(1);
    expect(res.json.series[0]).toMatchObject({ key: 'big', total: N, downsampled: true });
    expect(res.json.series[0].x.length).toBeLessThanOrEqual(LIMITS.maxBudget);
  });

  it('full resolution comes through the streamed CSV export: every point, once, in order', async () => {
    const all = await exportSeries(server.url, 'e', 'big');
    expect(all.x.length).toBe(N);
    for (let i = 0; i < N; i += 9973) expect(all.x[i]).toBe(i);
    expect(all.x.every((v, i) => v === i)).toBe(true);
    expect(all.y[1234]).toBeCloseTo(Math.sin(1234 / 1000), 12);
    const none = await rawRequest(server.url, { path: '/api/executions/e/export?key=missing' });
    expect(none.text).toBe('x,missing\n');
    // Several keys are joined on x (DESIGN.md "Panel options"), up to the per-read cap of distinct keys.
    expect((await rawRequest(server.url, { path: '/api/executions/e/export?key=a&key=b&key=a' })).text).toBe('x,a,b\n');
    const many = Array.from({ length: LIMITS.maxKeysPerRead + 1 }, (_, i) => `key=k${i}`).join('&');
    expect((await rawRequest(server.url, { path: `/api/executions/e/export?${many}` })).status).toBe(400);
  }, 60_000);

  it('caps distinct keys per request, and keys × budget', async () => {
    const many = Array.from({ length: LIMITS.maxKeysPerRead + 1 }, (_, i) => `key=k${i}`).join('&');
    const res = await rawRequest(server.url, { path: `/api/executions/e/series?${many}` });
    expect(res.status).toBe(400);
    expect(res.json).toMatchObject({ path: 'key' });
    const keys = Array.from({ length: LIMITS.maxPointsPerRead / LIMITS.maxBudget + 1 }, (_, i) => `key=k${i}`).join('&');
    const over = await rawRequest(server.url, { path: `/api/executions/e/series?${keys}&budget=${LIMITS.maxBudget}` });
    expect(over.status).toBe(400);
    expect(over.json).toMatchObject({ path: 'budget' });
  });

  it('while the worst allowed read runs, /api/health keeps answering (the read yields between series)', async () => {
    const keys = ['big', 'big2', 'big3', ...Array.from({ length: LIMITS.maxPointsPerRead / LIMITS.maxBudget - 3 }, (_, i) => `none${i}`)]
      .map((k) => `key=${k}`).join('&');
    const worst = rawRequest(server.url, { path: `/api/executions/e/series?${keys}&budget=${LIMITS.maxBudget}` });
    const waits: number[] = [];
    let done = false;
    void worst.finally(() => { done = true; });
    while (!done) {
      const t = performance.now();
      expect((await rawRequest(server.url, { path: '/api/health' })).status).toBe(200);
      waits.push(performance.now() - t);
    }
    const res = await worst;
    expect(res.status).toBe(200);
    expect(res.json.series.filter((s: { total: number }) => s.total === N)).toHaveLength(3);
    // Tolerant on a shared machine (the benchmark measures p99 < 100 ms): nothing like the 87.6 s of the issue.
    expect(Math.max(...waits)).toBeLessThan(5000);
  }, 60_000);

  it('a downsampled answer written in slices is exactly the JSON of what the store read', async () => {
    const res = await rawRequest(server.url, { path: `/api/executions/e/series?key=big&key=big2&budget=${LIMITS.maxBudget}` });
    const read = [
      ...(await server.store.readSeries('e', ['big'], { budget: LIMITS.maxBudget })),
      ...(await server.store.readSeries('e', ['big2'], { budget: LIMITS.maxBudget })),
    ];
    expect(read[0]!.x.length).toBeGreaterThan(20_000);
    expect(res.text).toBe(JSON.stringify({ series: read }));
  }, 60_000);

  it('a streamed export to a client that reads as fast as it can still lets /api/health in before it ends', async () => {
    // The socket's drain can come synchronously while writing to a fast reader (another process); resuming then chained
    // the whole export through the microtask queue, and /api/health waited until the 1 M-point export was done. The
    // other process reads the export and, once its first bytes came, asks for health; it says which answer ended first.
    const child = spawn(process.execPath, ['-e', `
      const http = require('node:http');
      const [url] = process.argv.slice(1);
      let bytes = 0, healthAt = 0;
      http.get(url + '/api/executions/e/export?key=big', (res) => {
        res.on('data', (c) => {
          if (bytes === 0) http.get(url + '/api/health', (h) => { h.resume(); h.on('end', () => { healthAt = performance.now(); }); });
          bytes += c.length;
        });
        res.on('end', () => console.log(JSON.stringify({ bytes, healthFirst: healthAt > 0 })));
      });`, server.url], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => { out += c.toString(); });
    await new Promise((resolve) => child.on('exit', resolve));
    const { bytes, healthFirst } = JSON.parse(out) as { bytes: number; healthFirst: boolean };
    expect(bytes).toBeGreaterThan(10_000_000);
    expect(healthFirst).toBe(true);
  }, 60_000);
});
