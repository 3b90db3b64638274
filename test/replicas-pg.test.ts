/**
 * Two real `plotline serve` processes on one PostgreSQL database (each test on a schema of its own): what is acknowledged
 * by one replica is on the other's streams and queries, ids mean the same on both, a killed replica loses nothing it
 * acknowledged, and a batch id retried on both is stored once.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { connect, Metric } from '../src/sdk/index.js';
import { freshPgDb, PG_URL, sayPgSkipped } from './helpers/pg.js';
import { getJson, postJson, spawnServer, type SpawnedServer } from './helpers/server.js';
import { TestStreamClient } from './helpers/sse-client.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function twoReplicas(): Promise<[SpawnedServer, SpawnedServer]> {
  const db = freshPgDb();
  cleanups.push(() => db.drop());
  const a = await spawnServer(['--db', db.url]);
  cleanups.push(() => a.kill());
  const b = await spawnServer(['--db', db.url]);
  cleanups.push(() => b.kill());
  return [a, b];
}

function follow(url: string, ids: string[]): TestStreamClient {
  const client = new TestStreamClient(url, ids);
  cleanups.push(() => client.disconnect());
  return client;
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;

sayPgSkipped('replicas on one PostgreSQL database');

// Real processes and a real database on a shared machine: generous timeouts (1,000 sequential commits take a while).
describe.skipIf(!PG_URL)('replicas on one PostgreSQL database', { timeout: 180_000 }, () => {
  it('streams on B every point the SDK wrote to A, with no gap or duplicate, and B answers queries with all of it', async () => {
    const [a, b] = await twoReplicas();
    const client = connect({ url: a.url });
    const run = await client.startExecution('replicated');
    const stream = follow(b.url, [run.id]);
    await stream.connect();
    const metric = new Metric('loss', { throttle: null });
    const n = 20_000;
    for (let from = 0; from < n; from += 2000) {
      run.run(() => {
        for (let i = from; i < from + 2000; i++) metric.record(i / n, { at: i });
      });
      await run.flush();
    }
    await run.end();
    await stream.waitFor(() => stream.points(run.id, 'loss').x.length >= n, 10_000);
    expect(stream.points(run.id, 'loss').x).toEqual(Array.from({ length: n }, (_, i) => i));
    await stream.waitFor((ev) => ev.some((e) => e.event.type === 'execution' && e.event.execution.id === run.id && e.event.execution.status === 'succeeded'));
    const series = (await getJson(`${b.url}/api/executions/${run.id}/series?key=loss`)).json.series[0];
    expect(series.total).toBe(n);
    expect(series.x).toEqual(Array.from({ length: n }, (_, i) => i));
    expect((await getJson(`${b.url}/api/executions/${run.id}`)).json.execution.status).toBe('succeeded');
  });

  it('brings each batch acknowledged by A to a stream on B within 100 ms (p99 over 1,000 batches, printed)', async () => {
    const [a, b] = await twoReplicas();
    await postJson(`${a.url}/api/ingest`, { executions: [{ id: 'lat', start: { name: 'latency' } }] });
    const stream = follow(b.url, ['lat']);
    await stream.connect();
    const acked: number[] = [];
    const batches = 1000;
    for (let i = 0; i < batches; i++) {
      const res = await postJson(`${a.url}/api/ingest`, { executions: [{ id: 'lat', points: [{ key: 'v', x: [i], y: [i] }] }] });
      expect(res.status).toBe(200);
      acked.push(performance.now());
    }
    await stream.waitFor(() => stream.points('lat', 'v').x.length >= batches, 10_000);
    const arrived = new Map<number, number>();
    for (const e of stream.events) {
      if (e.event.type !== 'points') continue;
      for (const s of e.event.series) for (const x of s.x) arrived.set(x, e.arrivedAt);
    }
    const latencies = acked.map((t, i) => Math.max(0, arrived.get(i)! - t)).sort((x, y) => x - y);
    console.log(`cross-replica stream latency over ${batches} batches: p50 ${percentile(latencies, 0.5).toFixed(1)} ms, `
      + `p99 ${percentile(latencies, 0.99).toFixed(1)} ms, max ${latencies.at(-1)!.toFixed(1)} ms (target p99 ≤ 100 ms)`);
    expect(stream.points('lat', 'v').x).toEqual(Array.from({ length: batches }, (_, i) => i));
    // Tolerant: this machine is shared; the figure above is what counts (and `npm run bench -- --db` measures it too).
    expect(percentile(latencies, 0.99)).toBeLessThan(1000);
  });

  it('keeps on B every batch A acknowledged before it was killed with SIGKILL', async () => {
    const [a, b] = await twoReplicas();
    await postJson(`${a.url}/api/ingest`, { executions: [{ id: 'k', start: { name: 'killed' } }] });
    let acknowledged = 0;
    for (let batch = 0; batch < 20; batch++) {
      const x = Array.from({ length: 500 }, (_, i) => batch * 500 + i);
      const res = await postJson(`${a.url}/api/ingest`, { batchId: `k-${batch}`, executions: [{ id: 'k', points: [{ key: 'v', x, y: x }] }] });
      expect(res.status).toBe(200);
      acknowledged += x.length;
    }
    // Sent one after the other without waiting for the ack to be read: killed while some are in flight.
    let late = 0;
    const inFlight = (async () => {
      for (let k = 0; k < 50; k++) {
        const x = Array.from({ length: 500 }, (_, i) => 10_000 + k * 500 + i);
        const res = await postJson(`${a.url}/api/ingest`, { batchId: `late-${k}`, executions: [{ id: 'k', points: [{ key: 'v', x, y: x }] }] })
          .catch(() => null);
        if (res?.status !== 200) return;
        late += x.length;
      }
    })();
    await new Promise((r) => setTimeout(r, 30));
    await a.kill('SIGKILL');
    await inFlight;
    const series = (await getJson(`${b.url}/api/executions/k/series?key=v`)).json.series[0];
    expect(series.total).toBeGreaterThanOrEqual(acknowledged + late);
    expect(series.x.slice(0, acknowledged + late)).toEqual(Array.from({ length: acknowledged + late }, (_, i) => (i < acknowledged ? i : 10_000 + i - acknowledged)));
  });

  it('resumes a stream moved from A to B with no gap and no duplicate (event ids mean the same on both)', async () => {
    const [a, b] = await twoReplicas();
    const send = (url: string, xs: number[], start = false) => postJson(`${url}/api/ingest`, {
      executions: [{ id: 'm', ...(start && { start: { name: 'moved' } }), points: [{ key: 'v', x: xs, y: xs }] }],
    });
    const stream = follow(a.url, ['m']);
    await stream.connect();
    await send(a.url, [1, 2, 3], true);
    await send(b.url, [4]);
    await stream.waitFor(() => stream.points('m', 'v').x.length === 4);
    stream.disconnect();
    // While it is away, both replicas take batches.
    await send(a.url, [5, 6]);
    await send(b.url, [7]);
    const moved = new TestStreamClient(b.url, ['m']);
    cleanups.push(() => moved.disconnect());
    await moved.connect(stream.lastEventId);
    await send(a.url, [8]);
    await moved.waitFor(() => moved.points('m', 'v').x.includes(8));
    expect(moved.events.some((e) => e.event.type === 'resync')).toBe(false);
    expect([...stream.points('m', 'v').x, ...moved.points('m', 'v').x]).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    // The same events carry the same ids on both replicas.
    const onA = follow(a.url, ['m']);
    await onA.connect(stream.lastEventId);
    await onA.waitFor(() => onA.points('m', 'v').x.includes(8));
    const ids = (c: TestStreamClient) => c.events.filter((e) => e.event.type !== 'hello').map((e) => [e.id, e.event]);
    expect(ids(onA)).toEqual(ids(moved));
  });

  it('stores a batch id retried on both replicas once', async () => {
    const [a, b] = await twoReplicas();
    await postJson(`${a.url}/api/ingest`, { executions: [{ id: 'r', start: { name: 'retried' } }] });
    for (let i = 0; i < 20; i++) {
      const batch = { batchId: `retry-${i}`, executions: [{ id: 'r', points: [{ key: 'v', x: [i], y: [i] }] }] };
      const acks = await Promise.all([postJson(`${a.url}/api/ingest`, batch), postJson(`${b.url}/api/ingest`, batch)]);
      expect(acks.map((r) => r.status)).toEqual([200, 200]);
      expect(acks.map((r) => r.json.duplicate).sort()).toEqual([false, true]);
      expect(acks.map((r) => r.json.points)).toEqual([1, 1]);
    }
    const series = (await getJson(`${b.url}/api/executions/r/series?key=v`)).json.series[0];
    expect(series.x).toEqual(Array.from({ length: 20 }, (_, i) => i));
  });
});
