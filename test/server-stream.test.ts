import { afterEach, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../src/server/index.js';
import { postJson, spawnServer, tempDbPath, type SpawnedServer } from './helpers/server.js';
import { TestStreamClient } from './helpers/sse-client.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function send(url: string, id: string, key: string, xs: number[], start = false) {
  return postJson(`${url}/api/ingest`, {
    executions: [{ id, ...(start && { start: { name: 'streamed' } }), points: [{ key, x: xs, y: xs.map((v) => v * 10) }] }],
  });
}

describe('live stream', () => {
  it('delivers list changes to everyone and points only to followers', async () => {
    const server = await startServer({ port: 0, db: ':memory:' });
    cleanups.push(() => server.close());
    const follower = new TestStreamClient(server.url, ['s-1']);
    const other = new TestStreamClient(server.url, []);
    cleanups.push(() => follower.disconnect(), () => other.disconnect());
    await follower.connect();
    await other.connect();
    await send(server.url, 's-1', 'loss', [1, 2], true);
    await follower.waitFor((ev) => ev.some((e) => e.event.type === 'points'));
    await other.waitFor((ev) => ev.some((e) => e.event.type === 'execution'));
    expect(follower.points('s-1', 'loss')).toEqual({ x: [1, 2], y: [10, 20] });
    expect(other.events.some((e) => e.event.type === 'points')).toBe(false);
  });

  it('resumes after the client drops with no gap and no duplicate', async () => {
    const server = await startServer({ port: 0, db: ':memory:' });
    cleanups.push(() => server.close());
    const client = new TestStreamClient(server.url, ['s-2']);
    cleanups.push(() => client.disconnect());
    await client.connect();
    await send(server.url, 's-2', 'a', [1, 2, 3], true);
    await client.waitFor(() => client.points('s-2', 'a').x.length === 3);
    client.disconnect();
    await send(server.url, 's-2', 'a', [4, 5]);
    await send(server.url, 's-2', 'a', [6]);
    await client.connect();
    await send(server.url, 's-2', 'a', [7]);
    await client.waitFor(() => client.points('s-2', 'a').x.includes(7));
    expect(client.points('s-2', 'a').x).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(client.events.some((e) => e.event.type === 'resync')).toBe(false);
  });

  it('tells a client whose position is no longer kept to resync', async () => {
    const server = await startServer({ port: 0, db: ':memory:', stream: { ringEvents: 5 } });
    cleanups.push(() => server.close());
    const client = new TestStreamClient(server.url, ['s-3']);
    cleanups.push(() => client.disconnect());
    await client.connect();
    await send(server.url, 's-3', 'a', [0], true);
    await client.waitFor(() => client.points('s-3', 'a').x.length === 1);
    client.disconnect();
    for (let i = 1; i <= 1100; i++) await send(server.url, 's-3', 'a', [i]);
    const from = client.events.length;
    await client.connect();
    await client.waitFor((ev) => ev.some((e) => e.event.type === 'resync'), 5000, from);
  });

  it('after a server restart: resync, and history + stream join with no gap and no duplicate', async () => {
    const db = tempDbPath();
    let server: SpawnedServer = await spawnServer(['--db', db]);
    cleanups.push(() => server.kill());
    const client = new TestStreamClient(server.url, ['s-4']);
    cleanups.push(() => client.disconnect());
    await client.connect();
    await send(server.url, 's-4', 'a', [1, 2], true);
    await client.waitFor(() => client.points('s-4', 'a').x.length === 2);
    client.disconnect();
    await server.kill('SIGTERM');
    const port = new URL(server.url).port;
    server = await spawnServer(['--db', db, '--port', port]);
    await send(server.url, 's-4', 'a', [3, 4]);
    const from = client.events.length;
    await client.connect();
    await client.waitFor((ev) => ev.some((e) => e.event.type === 'resync'), 5000, from);
    // What a studio does on resync: refetch history, then merge streamed points above the last x it holds.
    await send(server.url, 's-4', 'a', [5]);
    await client.waitFor(() => client.points('s-4', 'a').x.includes(5));
    const history = (await (await fetch(`${server.url}/api/executions/s-4/series?key=a`)).json()).series[0];
    const lastX = history.x[history.x.length - 1];
    const merged = [...history.x, ...client.points('s-4', 'a').x.filter((x) => x > lastX)];
    expect(merged).toEqual([1, 2, 3, 4, 5]);
  });
});
