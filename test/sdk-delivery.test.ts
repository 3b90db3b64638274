import { mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BINARY_BATCH_TYPE, decodeBinaryBatch, type IngestAck, type IngestBatch, type SeriesColumns } from '../src/protocol/index.js';
import { connect, Metric } from '../src/sdk/index.js';
import { ExecutionHandle } from '../src/sdk/execution.js';
import { DEFAULT_BATCH_LIMITS } from '../src/sdk/pending.js';
import { Sender } from '../src/sdk/sender.js';
import { startServer, type RunningServer } from '../src/server/index.js';
import { runSdkScript } from './helpers/sdk-script.js';
import { getJson, spawnServer, tempDbPath } from './helpers/server.js';

const cleanups: Array<() => Promise<unknown> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function seriesAt(url: string, id: string, key: string) {
  return (await getJson(`${url}/api/executions/${id}/series?key=${encodeURIComponent(key)}`)).json.series?.[0];
}

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

async function listen(server: Server, port = 0): Promise<number> {
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

async function freePort(): Promise<number> {
  const s = createServer();
  const port = await listen(s);
  await new Promise((r) => s.close(r));
  return port;
}

/**
 * A real HTTP hop in front of the server that records every ingest batch and answer, counts concurrent requests, and can
 * lose the answer to the first `dropAnswers` requests after the server stored them (as a connection reset would).
 */
async function ingestProxy(target: string, dropAnswers = 0) {
  const batches: IngestBatch<SeriesColumns>[] = [];
  const answers: Array<{ status: number; body: IngestAck & { error?: string } }> = [];
  let concurrent = 0;
  let maxConcurrent = 0;
  const server = createServer(async (req, res) => {
    concurrent++;
    maxConcurrent = Math.max(maxConcurrent, concurrent);
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks);
    expect(req.headers['content-type']).toBe(BINARY_BATCH_TYPE);
    batches.push(decodeBinaryBatch(body) as IngestBatch<SeriesColumns>);
    const upstream = await fetch(`${target}${req.url}`, {
      method: req.method,
      headers: { 'content-type': BINARY_BATCH_TYPE, ...(req.headers.authorization && { authorization: req.headers.authorization }) },
      body,
    });
    const text = await upstream.text();
    answers.push({ status: upstream.status, body: JSON.parse(text) });
    concurrent--;
    if (dropAnswers > 0) {
      dropAnswers--;
      req.socket.destroy();
      return;
    }
    res.writeHead(upstream.status, { 'content-type': 'application/json' }).end(text);
  });
  const port = await listen(server);
  cleanups.push(() => new Promise((r) => { server.closeAllConnections(); server.close(r); }));
  return { url: `http://127.0.0.1:${port}`, batches, answers, maxConcurrent: () => maxConcurrent };
}

async function memoryServer(opts: { port?: number; token?: string } = {}): Promise<RunningServer> {
  const server = await startServer({ port: opts.port ?? 0, db: ':memory:', ...(opts.token && { token: opts.token }) });
  cleanups.push(() => server.close());
  return server;
}

function trackedClient(...args: Parameters<typeof connect>) {
  const client = connect(...args);
  cleanups.push(() => Promise.race([client.close(), new Promise((r) => setTimeout(r, 2000))]));
  return client;
}

describe('SDK delivery', () => {
  it('retries while a file-DB server restarts and stores each batch once', async () => {
    const db = tempDbPath();
    let spawned = await spawnServer(['--db', db]);
    const url = spawned.url;
    const port = new URL(url).port;
    const c = trackedClient({ url, warn: () => {} });
    const m = new Metric('retried', { throttle: null });
    const e = c.startExecution('retry');
    e.run(() => { for (let i = 0; i < 100; i++) m.record(i, { at: i }); });
    await e.flush();
    await spawned.kill('SIGKILL');
    e.run(() => { for (let i = 100; i < 200; i++) m.record(i, { at: i }); });
    await new Promise((r) => setTimeout(r, 300));
    spawned = await spawnServer(['--db', db, '--port', port]);
    try {
      await e.end();
      expect((await seriesAt(url, e.id, 'retried')).x).toEqual(range(0, 200));
    } finally {
      await spawned.kill();
    }
  });

  it('buffers while no server listens yet, warns once, and delivers everything when it starts', async () => {
    const port = await freePort();
    const warned: string[] = [];
    const c = trackedClient({ url: `http://127.0.0.1:${port}`, warn: (m) => warned.push(m) });
    const m = new Metric('early', { throttle: null });
    const e = c.startExecution('server-later');
    e.run(() => { for (let i = 0; i < 500; i++) m.record(i, { at: i }); });
    const ended = e.end();
    await new Promise((r) => setTimeout(r, 400));
    expect(warned.filter((w) => w.includes('cannot reach'))).toHaveLength(1);
    const server = await memoryServer({ port });
    await ended;
    expect((await seriesAt(server.url, e.id, 'early')).x).toEqual(range(0, 500));
    expect((await getJson(`${server.url}/api/executions/${e.id}`)).json.execution.status).toBe('succeeded');
    expect(warned.at(-1)).toMatch(/reconnected/);
  });

  /** An execution whose sender points at a port nobody listens on (yet), collecting warnings. */
  async function unreachableExecution(stillWaitingEveryMs: number) {
    const port = await freePort();
    const warned: string[] = [];
    const sender = new Sender({ url: `http://127.0.0.1:${port}`, token: null, maxBufferedPoints: 1000, spool: null, warn: (m) => warned.push(m), stillWaitingEveryMs });
    cleanups.push(() => sender.close());
    const e = new ExecutionHandle(sender, 'unreachable', {}, (m) => warned.push(m));
    return { port, warned, e, m: new Metric('late', { throttle: null }) };
  }

  it('reminds a program waiting in end() that the server is still unreachable, then delivers when it comes', async () => {
    const { port, warned, e, m } = await unreachableExecution(300);
    e.run(() => { for (let i = 0; i < 50; i++) m.record(i, { at: i }); });
    const ended = e.end();
    const deadline = Date.now() + 5000;
    while (!warned.some((w) => w.includes('still waiting')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(warned.filter((w) => w.includes('cannot reach'))).toHaveLength(1);
    expect(warned.find((w) => w.includes('still waiting'))).toMatch(
      /^plotline: still waiting for http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED, unreachable for \d+ s\) to acknowledge 50 points; retrying\.$/);
    const server = await memoryServer({ port });
    await ended;
    expect((await seriesAt(server.url, e.id, 'late')).x).toEqual(range(0, 50));
    expect(warned.at(-1)).toMatch(/reconnected/);
  });

  it('does not remind anyone when nobody awaits delivery', async () => {
    const { warned, e, m } = await unreachableExecution(100);
    e.run(() => m.record(1, { at: 1 }));
    await new Promise((r) => setTimeout(r, 1600)); // retries at about 0.1, 0.3, 0.7 and 1.5 s
    expect(warned).toHaveLength(1);
    expect(warned[0]).toMatch(/cannot reach/);
  });

  /** Records x = 0…total-1 of `key` in one go through a proxy that loses the answer to the first request, then ends. */
  async function recordThroughLostAnswer(key: string, total: number) {
    const server = await memoryServer();
    const proxy = await ingestProxy(server.url, 1);
    const c = trackedClient({ url: proxy.url, warn: () => {} });
    const m = new Metric(key, { throttle: null });
    const e = c.startExecution(key);
    e.run(() => { for (let i = 0; i < total; i++) m.record(i, { at: i }); });
    const bufferedBeforeEnd = c.bufferedPoints;
    await e.end();
    return { server, proxy, c, e, bufferedBeforeEnd };
  }

  it('resends a batch whose answer was lost with the same batch id; the server stores it once', async () => {
    const { server, proxy, e } = await recordThroughLostAnswer('once', 300);
    expect(proxy.batches[1]!.batchId).toBe(proxy.batches[0]!.batchId);
    expect(proxy.answers[0]!.body).toMatchObject({ ok: true, duplicate: false });
    expect(proxy.answers[1]!.body).toMatchObject({ ok: true, duplicate: true });
    expect((await seriesAt(server.url, e.id, 'once')).x).toEqual(range(0, 300));
  });

  it('sends the batch encoded while another was on its way only after that one is stored, retries included', async () => {
    // Recorded in one go: while the first full batch is on its way, the next full one is already waiting (and prepared).
    const total = DEFAULT_BATCH_LIMITS.points * 3;
    const { server, proxy, c, e, bufferedBeforeEnd } = await recordThroughLostAnswer('ordered', total);
    expect(bufferedBeforeEnd).toBe(total);
    const ids = proxy.batches.map((b) => b.batchId);
    expect(ids[1]).toBe(ids[0]); // the lost answer: resent before anything that follows it
    expect(new Set(ids).size).toBe(ids.length - 1);
    expect(proxy.maxConcurrent()).toBe(1);
    expect(proxy.answers.every((a) => a.status === 200)).toBe(true);
    expect(c.bufferedPoints).toBe(0);
    const stored = await seriesAt(server.url, e.id, 'ordered');
    expect(stored.total).toBe(total);
  });

  it('keeps one request in flight, sends each definition once, and splits big batches', async () => {
    const server = await memoryServer();
    const proxy = await ingestProxy(server.url);
    const c = trackedClient({ url: proxy.url });
    const a = new Metric('a', { throttle: null, group: 'g' });
    const b = new Metric('b', { throttle: null });
    const e = c.startExecution('split');
    const total = DEFAULT_BATCH_LIMITS.points * 2 + 20_000;
    await e.run(async () => {
      for (let i = 0; i < total; i++) {
        a.record(i, { at: i });
        if (i % 1000 === 0) b.record(i);
        if (i % 20_000 === 0) await new Promise((r) => setImmediate(r));
      }
    });
    await e.end();
    expect(proxy.maxConcurrent()).toBe(1);
    expect(proxy.batches.length).toBeGreaterThanOrEqual(3);
    for (const batch of proxy.batches) {
      expect(batch.executions.flatMap((u) => u.points ?? []).reduce((n, p) => n + p.x.length, 0)).toBeLessThanOrEqual(DEFAULT_BATCH_LIMITS.points);
    }
    const defs = proxy.batches.flatMap((batch) => batch.executions.flatMap((u) => u.definitions ?? []));
    expect(defs.map((d) => d.key).sort()).toEqual(['a', 'b']);
    expect(proxy.batches.flatMap((batch) => batch.executions.filter((u) => u.start))).toHaveLength(1);
    expect(proxy.batches.at(-1)!.executions.at(-1)!.end).toMatchObject({ status: 'succeeded' });
    expect((await seriesAt(server.url, e.id, 'a')).total).toBe(total);
    expect((await seriesAt(server.url, e.id, 'b')).total).toBe(total / 1000);
  });

  it('drops a refused batch with a warning naming the server error, and keeps sending the next ones', async () => {
    const server = await memoryServer({ token: 'secret' });
    const warned: string[] = [];
    const wrong = trackedClient({ url: server.url, token: 'nope', warn: (m) => warned.push(m) });
    const refused = wrong.startExecution('refused');
    await refused.end();
    await wrong.startExecution('refused-again').end();
    expect(warned).toHaveLength(1);
    expect(wrong.refusedBatches).toBe(2);
    expect(warned[0]).toMatch(/HTTP 401.*authorization.*Bearer/);
    const right = trackedClient({ url: server.url, token: 'secret' });
    const m = new Metric('authorised', { throttle: null });
    await right.withExecution('accepted', (e) => {
      m.record(1, { at: 1 });
      return e.id;
    });
    const list = (await getJson(`${server.url}/api/executions`, { authorization: 'Bearer secret' })).json.executions.map((x: { name: string }) => x.name);
    expect(list).toEqual(['accepted']);
  });

  it('takes the URL and token from PLOTLINE_URL / PLOTLINE_TOKEN, and refuses a bad URL', async () => {
    const server = await memoryServer({ token: 't0k' });
    const saved = { url: process.env.PLOTLINE_URL, token: process.env.PLOTLINE_TOKEN };
    process.env.PLOTLINE_URL = `${server.url}/`;
    process.env.PLOTLINE_TOKEN = 't0k';
    try {
      const c = trackedClient({ warn: (m) => { throw new Error(m); } });
      expect(c.url).toBe(server.url);
      let id = '';
      await c.withExecution('from-env', (e) => { id = e.id; });
      expect((await getJson(`${server.url}/api/executions/${id}`, { authorization: 'Bearer t0k' })).json.execution.status).toBe('succeeded');
    } finally {
      for (const [k, v] of [['PLOTLINE_URL', saved.url], ['PLOTLINE_TOKEN', saved.token]] as const) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
    expect(() => connect({ url: 'localhost:7777' })).toThrow(/url must/);
  });

  it('keeps memory and spool bounded while the server is unreachable: drops the oldest, counted as unreachable, one warning naming the outage and the full spool', async () => {
    const port = await freePort();
    const warned: string[] = [];
    const spoolDir = mkdtempSync(join(tmpdir(), 'plotline-spool-'));
    // 1 MiB of spool holds about 130,000 points of evenly spaced x (8 bytes each: x travels as start and step).
    const c = trackedClient({ url: `http://127.0.0.1:${port}`, maxBufferedPoints: 1000, spool: { dir: spoolDir, maxBytes: 2 ** 20 },
      warn: (m) => warned.push(m) });
    const m = new Metric('bounded', { throttle: null });
    const e = c.startExecution('bounded');
    e.run(() => m.record(-1, { at: -1 }));
    while (!warned.some((w) => w.includes('cannot reach'))) await new Promise((r) => setTimeout(r, 20));
    e.run(() => { for (let i = 0; i < 300_000; i++) m.record(i, { at: i }); });
    expect(c.droppedByCause).toEqual({ unreachable: c.droppedPoints, refused: 0, spoolDamaged: 0 });
    expect(c.droppedPoints).toBeGreaterThan(100_000);
    expect(c.spooledPoints).toBeGreaterThan(100_000);
    expect(c.bufferedPoints - c.spooledPoints).toBeLessThanOrEqual(1000 + DEFAULT_BATCH_LIMITS.points);
    const drops = warned.filter((w) => w.includes('dropping the oldest'));
    expect(drops).toHaveLength(1);
    expect(drops[0]).toMatch(/unreachable \(ECONNREFUSED\).*fill memory \(1000 points\) and the spool \(the spool .* holds its limit of 1048576 bytes\)/);
    const server = await memoryServer({ port });
    await e.end();
    const s = await seriesAt(server.url, e.id, 'bounded');
    expect(s.total).toBe(300_001 - c.droppedPoints);
    expect(s.x.at(-1)).toBe(299_999);
    expect((await getJson(`${server.url}/api/executions/${e.id}`)).json.definitions).toEqual([{ key: 'bounded' }]);
  });
});

describe('SDK delivery at process exit', () => {
  const script = `
const m = new Metric('exit', { throttle: 2 });
const e = client.startExecution('exit-flush');
e.run(() => { for (let i = 0; i < 1000; i++) m.record(i, { at: i }); });
console.error('id=' + e.id);`;

  it('delivers throttled trailing values when the program runs out of work (beforeExit)', async () => {
    const server = await memoryServer();
    const { code, stderr } = await runSdkScript(script, { url: server.url }).exited;
    expect(code).toBe(0);
    const id = /id=(\S+)/.exec(stderr)![1]!;
    expect((await seriesAt(server.url, id, 'exit')).y).toEqual([0, 999]);
  });

  it('exits after a bounded wait when the server is unreachable, keeping what waits in the spool', async () => {
    const { code, stderr, ms } = await runSdkScript(script, { url: `http://127.0.0.1:${await freePort()}` }).exited;
    expect(code).toBe(0);
    expect(stderr).toMatch(/exiting before .* acknowledged the last 2 points/);
    expect(stderr).toMatch(/has not acknowledged yet \(2 points\) is kept in .*\.spool; the next connect\(\) to this server sends it/);
    expect(ms).toBeLessThan(15_000);
  }, 20_000);
});
