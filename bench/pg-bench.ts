/**
 * `npm run bench -- --db postgres://…`: the PostgreSQL backend next to SQLite. Ingest through the SDK into a server on
 * each (same points, interleaved pairs), bytes stored per point, a downsampled read of one long series (budget 2,000),
 * and the stream latency from an acknowledgement on one replica to a stream on another. Every run uses a schema of its
 * own, dropped at the end.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { AcceptedBatch } from '../src/protocol/index.js';
import { applyBatch } from '../src/server/ingest/apply.js';
import { openStore } from '../src/server/store/index.js';
import { TestStreamClient } from '../test/helpers/sse-client.js';
import { machineLine, median, percentile, report } from './machine.js';
import { ingestThroughSdk, sqliteTarget, type IngestTarget } from './sdk-bench.js';
import { startBenchServer } from './server-process.js';

const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

/** A fresh schema on the database of `url`; `drop` removes it. */
function freshSchema(url: string): { db: string; schema: string; drop: () => Promise<void>; query: <T extends pg.QueryResultRow>(sql: string, params?: unknown[]) => Promise<T[]> } {
  const schema = `bench_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  const u = new URL(url);
  u.searchParams.set('schema', schema);
  const base = new URL(url);
  base.searchParams.delete('schema');
  const query = async <T extends pg.QueryResultRow>(sql: string, params: unknown[] = []) => {
    const c = new pg.Client({ connectionString: base.toString() });
    await c.connect();
    try {
      return (await c.query<T>(sql, params)).rows;
    } finally {
      await c.end();
    }
  };
  return { db: u.toString(), schema, query, drop: async () => void (await query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)) };
}

/** Bytes of every table of the schema (heap, TOAST and indexes) after a VACUUM, as a store on disk. */
function pgTarget(url: string, cleanups: Array<() => Promise<void>>): IngestTarget {
  const s = freshSchema(url);
  cleanups.push(s.drop);
  return {
    db: s.db,
    bytes: async () => {
      await s.query(`VACUUM "${s.schema}".chunks`);
      const [row] = await s.query<{ bytes: string }>(
        `SELECT sum(pg_total_relation_size(c.oid)) AS bytes FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = $1 AND c.relkind = 'r'`, [s.schema]);
      return Number(row!.bytes);
    },
  };
}

/**
 * Read time of one long series (random walk with one spike): whole range and a 1% zoom, budget 2,000, on a fresh schema of
 * the PostgreSQL database `url`, or (url null) on a fresh SQLite file, for comparison in the same conditions.
 */
export async function readLongSeries(url: string | null, points: number): Promise<Array<[string, string, string]>> {
  const dir = url ? null : mkdtempSync(join(tmpdir(), 'plotline-bench-read-'));
  const s = url ? freshSchema(url) : { db: join(dir!, 'read.db'), drop: async () => rmSync(dir!, { recursive: true, force: true }) };
  const store = await openStore(s.db);
  try {
    await applyBatch(store, { executions: [{ id: 'long', start: { name: 'long' } }] }, Date.now());
    const spikeAt = Math.floor(points * 0.637);
    let walk = 0;
    const t0 = performance.now();
    for (let from = 0; from < points; from += 250_000) {
      const n = Math.min(points, from + 250_000) - from;
      const x = new Float64Array(n);
      const y = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        walk += Math.random() - 0.5;
        x[i] = from + i;
        y[i] = from + i === spikeAt ? 1e6 : walk;
      }
      const batch: AcceptedBatch = { executions: [{ id: 'long', points: [{ key: 'walk', x, y }] }] };
      await applyBatch(store, batch, Date.now());
    }
    const writeSeconds = (performance.now() - t0) / 1000;
    const timeRead = async (from?: number, to?: number) => {
      const times: number[] = [];
      let spikeKept = false;
      for (let r = 0; r < 5; r++) {
        const t = performance.now();
        const [data] = await store.readSeries('long', ['walk'], { ...(from !== undefined && { from }), ...(to !== undefined && { to }), budget: 2000 });
        times.push(performance.now() - t);
        spikeKept = data!.y.includes(1e6);
      }
      return { ms: median(times), spikeKept };
    };
    const whole = await timeRead();
    const zoom = await timeRead(points * 0.63, points * 0.64);
    return [
      [`in-process write of ${fmt(points)} points (one series, 250k-point batches), points/s`, fmt(points / writeSeconds), ''],
      [`read ${fmt(points)} pts, budget 2000: median ms`, fmt(whole.ms, 1), 'target < 100'],
      ['read 1% zoom, budget 2000: median ms', fmt(zoom.ms, 1), ''],
      ['spike kept in both reads', whole.spikeKept && zoom.spikeKept ? 'yes' : 'NO', ''],
    ];
  } finally {
    await store.close();
    await s.drop();
  }
}

/** Ack on replica A → event on a stream of replica B, for `batches` one-point batches sent one after the other. */
async function crossReplicaLatency(url: string, batches: number): Promise<{ p50: number; p99: number }> {
  const s = freshSchema(url);
  const a = await startBenchServer(['--db', s.db]);
  const b = await startBenchServer(['--db', s.db]);
  const stream = new TestStreamClient(b.url, ['lat']);
  try {
    const post = (body: unknown) => fetch(`${a.url}/api/ingest`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
      .then(async (r) => {
        if (!r.ok) throw new Error(`ingest: HTTP ${r.status} ${await r.text()}`);
      });
    await post({ executions: [{ id: 'lat', start: { name: 'latency' } }] });
    await stream.connect();
    const acked: number[] = [];
    for (let i = 0; i < batches; i++) {
      await post({ executions: [{ id: 'lat', points: [{ key: 'v', x: [i], y: [i] }] }] });
      acked.push(performance.now());
    }
    await stream.waitFor(() => stream.points('lat', 'v').x.length >= batches, 30_000);
    const latencies: number[] = [];
    for (const e of stream.events) {
      if (e.event.type !== 'points') continue;
      for (const series of e.event.series) for (const x of series.x) latencies.push(Math.max(0, e.arrivedAt - acked[x]!));
    }
    latencies.sort((x, y) => x - y);
    return { p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
  } finally {
    stream.disconnect();
    await a.stop();
    await b.stop();
    await s.drop();
  }
}

export async function runPgBench(url: string, quick: boolean): Promise<void> {
  console.log(`Plotline PostgreSQL benchmarks on ${machineLine()}${quick ? ' (quick)' : ''}; database ${new URL(url).host}${new URL(url).pathname}`);
  console.log('This machine may be shared and noisy: compare ratios, and rerun before trusting a single figure.');
  const perSeries = quick ? 20_000 : 100_000;
  const cleanups: Array<() => Promise<void>> = [];
  try {
    const pairs: Array<{ sqlite: number; pg: number; memory: number; sqliteBytes: number; pgBytes: number }> = [];
    for (let i = 0; i < 3; i++) {
      const lite = await ingestThroughSdk(100, perSeries, sqliteTarget());
      const onPg = await ingestThroughSdk(100, perSeries, pgTarget(url, cleanups));
      // The same path into a store in memory: what the SDK, HTTP and the server's own work allow on this machine.
      const memory = await ingestThroughSdk(100, perSeries, { db: ':memory:', bytes: async () => 0 });
      pairs.push({ sqlite: lite.pointsPerSecond, pg: onPg.pointsPerSecond, memory: memory.pointsPerSecond, sqliteBytes: lite.bytesPerPoint, pgBytes: onPg.bytesPerPoint });
    }
    report(`Ingest: SDK → HTTP → one server → store (${fmt(100 * perSeries)} points, 100 series, median of 3 interleaved runs; load average ${loadavg().map((l) => l.toFixed(1)).join(' ')})`, [
      ['PostgreSQL points/s', fmt(median(pairs.map((p) => p.pg))), 'target ≥ 3,000,000'],
      ['SQLite file points/s', fmt(median(pairs.map((p) => p.sqlite))), ''],
      [':memory: points/s (the path without storage: a ceiling for both)', fmt(median(pairs.map((p) => p.memory))), ''],
      ['PostgreSQL / SQLite in each pair', pairs.map((p) => fmt(p.pg / p.sqlite, 2)).join(' '), ''],
      ['PostgreSQL bytes per point (tables, TOAST, indexes)', fmt(median(pairs.map((p) => p.pgBytes)), 1), ''],
      ['SQLite bytes per point (file)', fmt(median(pairs.map((p) => p.sqliteBytes)), 1), ''],
    ]);
    const long = quick ? 2_000_000 : 10_000_000;
    report(`Downsampled read on PostgreSQL (in process; load average ${loadavg().map((l) => l.toFixed(1)).join(' ')})`, await readLongSeries(url, long));
    report('… and on a SQLite file, same series, same moment', await readLongSeries(null, long));
    const batches = quick ? 300 : 1000;
    const latency = await crossReplicaLatency(url, batches);
    report(`Replica → replica: ack on A → event on a stream of B (${fmt(batches)} one-point batches)`, [
      ['p50 ms', fmt(latency.p50, 1), ''],
      ['p99 ms', fmt(latency.p99, 1), 'target ≤ 100'],
    ]);
  } finally {
    for (const c of cleanups) await c().catch(() => undefined);
  }
}
