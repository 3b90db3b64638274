import { mkdtempSync, readdirSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { connect, Metric, type Client } from '../src/sdk/index.js';
import { spoolDirectory } from '../src/sdk/spool.js';
import { startServer, type RunningServer } from '../src/server/index.js';
import { runSdkScript } from './helpers/sdk-script.js';
import { exportSeries, getJson } from './helpers/server.js';

const cleanups: Array<() => Promise<unknown> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function memoryServer(port = 0): Promise<RunningServer> {
  const server = await startServer({ port, db: ':memory:' });
  cleanups.push(() => server.close());
  return server;
}

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as AddressInfo;
  await new Promise((r) => s.close(r));
  return port;
}

function spoolBase(): string {
  return mkdtempSync(join(tmpdir(), 'plotline-spool-test-'));
}

function client(url: string, warned: string[], spoolDir = spoolBase()): Client {
  const c = connect({ url, spool: { dir: spoolDir }, warn: (m) => warned.push(m) });
  cleanups.push(() => Promise.race([c.close(), new Promise((r) => setTimeout(r, 2000))]));
  return c;
}

async function stored(url: string, id: string, key: string): Promise<{ total: number; x: number[] }> {
  return (await getJson(`${url}/api/executions/${id}/series?key=${encodeURIComponent(key)}&budget=4`)).json.series[0];
}

describe('a synchronous loop against a healthy server', () => {
  // The examples: 1.2 M lost the first 200,000 points, 2 M the first 1,000,000, and the warning blamed the server.
  for (const n of [1_200_000, 2_000_000]) {
    it(`stores all ${n.toLocaleString('en-US')} points of a loop that never yields, drops none and warns nothing`, async () => {
      const server = await memoryServer();
      const warned: string[] = [];
      const c = client(server.url, warned);
      const loss = new Metric('loss', { throttle: null });
      const ex = c.startExecution('sync-loop');
      ex.run(() => { for (let s = 1; s <= n; s++) loss.record(1 / s, { at: s }); });
      expect(c.droppedPoints).toBe(0);
      expect(c.bufferedPoints).toBe(n);
      expect(c.spooledPoints).toBeGreaterThan(0);
      await ex.end();
      expect(c.droppedPoints).toBe(0);
      expect(c.bufferedPoints).toBe(0);
      expect(warned).toEqual([]);
      const s = await stored(server.url, ex.id, 'loss');
      expect(s.total).toBe(n);
      expect([s.x[0], s.x.at(-1)]).toEqual([1, n]);
      expect((await getJson(`${server.url}/api/executions/${ex.id}`)).json.execution.status).toBe('succeeded');
    });
  }

  it('deletes its spool file once everything is delivered and the client closes', async () => {
    const server = await memoryServer();
    const base = spoolBase();
    const c = client(server.url, [], base);
    const m = new Metric('m', { throttle: null });
    const ex = c.startExecution('cleanup');
    ex.run(() => { for (let i = 0; i < 1_100_000; i++) m.record(i, { at: i }); });
    const path = c.spoolPath;
    expect(path).toMatch(/\.spool$/);
    await ex.end();
    await c.close();
    expect(readdirSync(spoolDirectory(base, server.url, null))).toEqual([]);
  });
});

describe('a spool across processes', () => {
  it('survives a SIGKILL of the recording process and is delivered, exactly once, by the next process of the same client', async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const spoolDir = spoolBase();
    // Unreachable server: memory holds 10,000 points, the rest goes to the spool, which the process reports, then it is killed.
    const recorder = runSdkScript(`
const m = new Metric('killed', { throttle: null });
const e = client.startExecution('killed-run');
console.error('id=' + e.id);
e.run(() => m.record(-1, { at: -1 }));
await new Promise((r) => setTimeout(r, 300));
e.run(() => { for (let i = 0; i < 500_000; i++) m.record(i, { at: i * 1.5 }); });
console.error('spooled=' + client.spooledPoints);
setInterval(() => {}, 1000);`, { url, spoolDir, clientOptions: `{ url: ${JSON.stringify(url)}, maxBufferedPoints: 10000 }` });
    const id = (await recorder.waitFor(/id=(\S+)/))[1]!;
    const spooled = Number((await recorder.waitFor(/spooled=(\d+)/))[1]);
    expect(spooled).toBeGreaterThanOrEqual(490_000);
    recorder.child.kill('SIGKILL');
    expect((await recorder.exited).signal).toBe('SIGKILL');

    const server = await memoryServer(port);
    const next = runSdkScript('await client.flush(); console.error("flushed");', { url, spoolDir });
    const { code, stderr } = await next.exited;
    expect(code).toBe(0);
    expect(stderr).toMatch(new RegExp(`sending ${spooled} points that an earlier process left unsent`));
    expect(stderr).toMatch(/flushed/);
    const s = await stored(server.url, id, 'killed');
    expect(s.total).toBe(spooled);
    const all = await exportSeries(server.url, id, 'killed');
    // The oldest points, in order, each once: x = -1, then i * 1.5 for i = 0 … spooled - 2.
    expect(all.x).toEqual([-1, ...Array.from({ length: spooled - 1 }, (_, i) => i * 1.5)]);
    expect(readdirSync(spoolDirectory(spoolDir, url, null))).toEqual([]);
  }, 60_000);

  it('keeps what process.exit() cut off in the spool; the next start of the client sends it', async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const spoolDir = spoolBase();
    const server = await memoryServer(port);
    const first = runSdkScript(`
const m = new Metric('cut', { throttle: null });
const e = client.startExecution('cut-run');
console.error('id=' + e.id);
e.run(() => { for (let i = 0; i < 3000; i++) m.record(i, { at: i }); });
e.end('succeeded');
process.exit(0);`, { url, spoolDir });
    const done = await first.exited;
    const id = /id=(\S+)/.exec(done.stderr)![1]!;
    expect(done.stderr).toMatch(/\(3000 points\) is kept in .*; the next connect\(\) to this server sends it/);
    expect((await getJson(`${server.url}/api/executions/${id}`)).status).toBe(404);
    const second = await runSdkScript('await client.flush();', { url, spoolDir }).exited;
    expect(second.code).toBe(0);
    expect((await stored(server.url, id, 'cut')).total).toBe(3000);
    expect((await getJson(`${server.url}/api/executions/${id}`)).json.execution.status).toBe('succeeded');
  }, 30_000);
});
