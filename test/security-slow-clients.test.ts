import type { Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../src/server/index.js';
import { openPartial, rawRequest, untilClosed } from './helpers/raw-http.js';

/** Issue 19, fault 5: requests that never finish must neither be held forever nor deny service to anyone else. */
describe('requests that never finish', () => {
  let server: RunningServer;
  const held: Socket[] = [];
  beforeAll(async () => {
    server = await startServer({
      port: 0, db: ':memory:',
      edge: { headersTimeoutMs: 1500, requestTimeoutMs: 10_000, bodyIdleMs: 1500, checkIntervalMs: 250, maxInFlightBodyBytes: 1024 * 1024 },
    });
  });
  afterAll(async () => {
    for (const s of held) s.destroy();
    await server.close();
  });

  it('a slowloris run (half-sent headers and bodies) does not deny service to a well-behaved client, and is closed by the server', async () => {
    for (let i = 0; i < 300; i++) held.push(await openPartial(server.url, 'POST /api/ingest HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: '));
    const bodies: Socket[] = [];
    for (let i = 0; i < 50; i++) {
      bodies.push(await openPartial(server.url, 'POST /api/ingest HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"exec'));
    }
    held.push(...bodies);
    const closedHeads = held.slice(0, 300).map((s) => untilClosed(s, 8000));
    const closedBodies = bodies.map((s) => untilClosed(s, 8000));

    const health = await rawRequest(server.url, { path: '/api/health' });
    expect(health.status).toBe(200);
    const ingest = await rawRequest(server.url, {
      method: 'POST', path: '/api/ingest', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ executions: [{ id: 'ok', start: { name: 'ok' }, points: [{ key: 'a', x: [1], y: [1] }] }] }),
    });
    expect(ingest.status).toBe(200);

    const heads = await Promise.all(closedHeads);
    expect(heads.every((h) => h.closed)).toBe(true);
    const abandoned = await Promise.all(closedBodies);
    expect(abandoned.every((b) => b.closed)).toBe(true);
    expect(abandoned[0]!.data).toMatch(/^HTTP\/1\.1 408/);
    expect(abandoned[0]!.data).toMatch(/no data arrived/);
  });

  it('caps the bytes of ingest bodies in flight: over it, 503 with Retry-After at once, before the body is read', async () => {
    const big = 700 * 1024;
    const first = await openPartial(server.url, `POST /api/ingest HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${big}\r\n\r\n{`);
    held.push(first);
    await new Promise((r) => setTimeout(r, 100));
    const second = await rawRequest(server.url, { method: 'POST', path: '/api/ingest', headers: { 'content-type': 'application/json', 'content-length': String(big) }, body: ' '.repeat(big) });
    expect(second.status).toBe(503);
    expect(second.headers['retry-after']).toBe('1');
    expect(second.json.path).toBe('body');
    // Small batches are still let through next to the held one.
    const small = await rawRequest(server.url, {
      method: 'POST', path: '/api/ingest', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ executions: [{ id: 'small', start: { name: 'small' } }] }),
    });
    expect(small.status).toBe(200);
    first.destroy();
  });

  it('caps the connections one address holds: one more is answered 503 and closed, and served again once it closes some', async () => {
    const capped = await startServer({ port: 0, db: ':memory:', edge: { maxConnectionsPerAddress: 20, capLoopback: true } });
    const mine: Socket[] = [];
    try {
      for (let i = 0; i < 20; i++) mine.push(await openPartial(capped.url, 'POST /api/ingest HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: '));
      const refused = await rawRequest(capped.url, { path: '/api/health' });
      expect(refused.status).toBe(503);
      expect(refused.headers['retry-after']).toBe('1');
      expect(refused.json.path).toBe('connection');
      // Once the address closes some, it is served again.
      for (const s of mine.splice(0, 5)) s.destroy();
      await new Promise((r) => setTimeout(r, 200));
      expect((await rawRequest(capped.url, { path: '/api/health' })).status).toBe(200);
    } finally {
      for (const s of mine) s.destroy();
      await capped.close();
    }
    // By default loopback peers (the SDK, the studio) are never capped: the slowloris test above held 350 of them.
  });
});
