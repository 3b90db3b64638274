/**
 * Store benchmarks, in process, file DB: bare write speed in the SDK's batch shape, bytes on disk per point after
 * compaction (big batches, tiny live batches, irregular x), and downsampled read time of a 10,000,000-point series.
 * Run alone with `node dist/bench/store-bench.js [--quick]` after `npm run build:node`.
 */
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { AcceptedBatch, SeriesColumns } from '../src/protocol/index.js';
import { applyBatch } from '../src/server/ingest/apply.js';
import { DEFAULT_BATCH_LIMITS } from '../src/sdk/pending.js';
import { openStore, type Store } from '../src/server/store/index.js';
import { machineLine, median, report } from './machine.js';
import { seriesValue, trendAt } from './points.js';
import { WORKLOADS, type Workload } from './workloads.js';

export interface StoreBenchOptions {
  quick?: boolean;
}

type Figures = Record<string, number | string>;

function dirBytes(dir: string): number {
  return readdirSync(dir).reduce((sum, f) => sum + statSync(join(dir, f)).size, 0);
}

/**
 * A fresh file store in its own temp directory; `finish` compacts it all (merging and packing, as background compaction
 * does over time), closes it (checkpoint) and returns bytes on disk.
 */
async function tempStore(): Promise<{ store: Store; finish: () => Promise<number> }> {
  const dir = mkdtempSync(join(tmpdir(), 'plotline-store-bench-'));
  const store = await openStore(join(dir, 'bench.db'));
  return {
    store,
    finish: async () => {
      await store.compact();
      await store.close();
      const bytes = dirBytes(dir);
      rmSync(dir, { recursive: true, force: true });
      return bytes;
    },
  };
}

/**
 * Writes `series` × `perSeries` points in rounds of `perBatch` points per series, each round committed in batches of
 * `seriesPerBatch` series (all of them unless told). `xOf(i)` is the x of the i-th point. Returns points/s of applyBatch,
 * the CPU seconds of this process while it ran (all its threads: JS, garbage collection, SQLite) and bytes per point
 * after close.
 */
async function writeSeries(
  series: number, perSeries: number, perBatch: number, xOf: (i: number) => number, seriesPerBatch = series,
): Promise<{ pointsPerSecond: number; cpuSeconds: number; bytesPerPoint: number }> {
  const { store, finish } = await tempStore();
  await applyBatch(store, { executions: [{ id: 'bench', start: { name: 'bench' } }] }, Date.now());
  let ms = 0;
  let cpuMicros = 0;
  for (let from = 0, n = 0; from < perSeries; from += perBatch) {
    const to = Math.min(perSeries, from + perBatch);
    for (let first = 0; first < series; first += seriesPerBatch, n++) {
      const points: SeriesColumns[] = [];
      for (let s = first; s < Math.min(series, first + seriesPerBatch); s++) {
        const x = new Float64Array(to - from);
        const y = new Float64Array(to - from);
        for (let i = from; i < to; i++) {
          x[i - from] = xOf(i);
          y[i - from] = seriesValue(trendAt(i), s);
        }
        points.push({ key: `series_${s}`, x, y });
      }
      // Columns, as the store takes them from a decoded binary batch: the bare write pays no conversion.
      const batch: AcceptedBatch = { batchId: `b${n}`, executions: [{ id: 'bench', points }] };
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      await applyBatch(store, batch, Date.now());
      ms += performance.now() - t0;
      const cpu = process.cpuUsage(cpu0);
      cpuMicros += cpu.user + cpu.system;
    }
  }
  const total = series * perSeries;
  return { pointsPerSecond: total / (ms / 1000), cpuSeconds: cpuMicros / 1e6, bytesPerPoint: (await finish()) / total };
}

/**
 * The bare in-process write the ingest benchmark compares with, in the batch shape the SDK sends when it has a backlog:
 * 100 series, 5,000 points per series per item, commits of DEFAULT_BATCH_LIMITS.points (250,000) points, so 50 series a
 * batch (the SDK takes whole series buffers up to its point limit: ~45 series × ~5,500 points). File DB, batch ids (the
 * server keeps them too). Points/s and CPU seconds.
 */
export async function bareWrite(perSeries: number): Promise<{ pointsPerSecond: number; cpuSeconds: number }> {
  const perItem = 5000;
  const seriesPerBatch = Math.max(1, Math.floor(DEFAULT_BATCH_LIMITS.points / perItem));
  return writeSeries(100, perSeries, perItem, (i) => i, seriesPerBatch);
}

/** Read time of one long series (random walk with one spike): whole range at budget 2000, and a 1% zoom. */
async function readLongSeries(points: number): Promise<Figures> {
  const { store, finish } = await tempStore();
  await applyBatch(store, { executions: [{ id: 'long', start: { name: 'long' } }] }, Date.now());
  const spikeAt = Math.floor(points * 0.637);
  let walk = 0;
  const perBatch = 100_000;
  for (let from = 0; from < points; from += perBatch) {
    const to = Math.min(points, from + perBatch);
    const x = new Float64Array(to - from);
    const y = new Float64Array(to - from);
    for (let i = from; i < to; i++) {
      walk += Math.random() - 0.5;
      x[i - from] = i;
      y[i - from] = i === spikeAt ? 1e6 : walk;
    }
    await applyBatch(store, { executions: [{ id: 'long', points: [{ key: 'walk', x, y }] }] }, Date.now());
  }
  const timeRead = async (from?: number, to?: number) => {
    const times: number[] = [];
    let spikeKept = false;
    for (let r = 0; r < 5; r++) {
      const t0 = performance.now();
      const [data] = await store.readSeries('long', ['walk'], { from, to, budget: 2000 });
      times.push(performance.now() - t0);
      spikeKept = data!.y.includes(1e6);
    }
    return { ms: median(times), spikeKept };
  };
  // As ingest wrote it, then packed by compaction (what a finished execution is read from).
  const whole = await timeRead();
  const zoom = await timeRead(points * 0.63, points * 0.64);
  const t0 = performance.now();
  await store.compact();
  const packMs = performance.now() - t0;
  const packedWhole = await timeRead();
  const packedZoom = await timeRead(points * 0.63, points * 0.64);
  await finish();
  const n = points.toLocaleString('en-US');
  return {
    [`read ${n} pts, budget 2000: median ms (as written)`]: whole.ms,
    'read 1% zoom, budget 2000: median ms (as written)': zoom.ms,
    [`packing ${n} pts by compaction: points/s`]: points / (packMs / 1000),
    [`read ${n} pts, budget 2000: median ms (packed)`]: packedWhole.ms,
    'read 1% zoom, budget 2000: median ms (packed)': packedZoom.ms,
    'spike kept in all reads': whole.spikeKept && zoom.spikeKept && packedWhole.spikeKept && packedZoom.spikeKept ? 'yes' : 'NO',
  };
}

/**
 * Bytes on disk per point after compaction and close for a workload (issue #20's W1/W2), written series by series in batches of 20,000
 * points, and the write speed; `scale` < 1 writes that fraction of each series.
 */
export async function workloadBytes(
  w: Workload, scale = 1,
): Promise<{ bytesPerPoint: number; pointsPerSecond: number; packPointsPerSecond: number }> {
  const { store, finish } = await tempStore();
  await applyBatch(store, { executions: [{ id: 'w', start: { name: w.name } }] }, Date.now());
  const perSeries = Math.round(w.perSeries * scale);
  const perBatch = 20_000;
  let ms = 0;
  for (let s = 0; s < w.series; s++) {
    const { key, x, y } = w.generate(s, perSeries);
    for (let from = 0; from < perSeries; from += perBatch) {
      const to = Math.min(perSeries, from + perBatch);
      const t0 = performance.now();
      await applyBatch(store, { batchId: `${s}-${from}`, executions: [{ id: 'w', points: [{ key, x: x.subarray(from, to), y: y.subarray(from, to) }] }] }, Date.now());
      ms += performance.now() - t0;
    }
  }
  const total = w.series * perSeries;
  const t0 = performance.now();
  await store.compact();
  const packMs = performance.now() - t0;
  return { bytesPerPoint: (await finish()) / total, pointsPerSecond: total / (ms / 1000), packPointsPerSecond: total / (packMs / 1000) };
}

/** Rows for `report`: each workload's bytes/point next to its target. */
export async function workloadRows(scale = 1): Promise<Array<[string, string, string]>> {
  const rows: Array<[string, string, string]> = [];
  for (const w of WORKLOADS) {
    const r = await workloadBytes(w, scale);
    const n = Math.round(w.perSeries * scale).toLocaleString('en-US');
    rows.push(
      [`${w.name} bytes/point on disk (${w.series} × ${n})`, r.bytesPerPoint.toFixed(3), `target ≤ ${w.targetBytesPerPoint}  (${w.label})`],
      [`${w.name} write points/s`, Math.round(r.pointsPerSecond).toLocaleString('en-US'), ''],
      [`${w.name} packing by compaction, points/s`, Math.round(r.packPointsPerSecond).toLocaleString('en-US'), ''],
    );
  }
  return rows;
}

export async function runStoreBench(opts: StoreBenchOptions = {}): Promise<Figures> {
  const perSeries = opts.quick ? 20_000 : 100_000;
  const bulk = await writeSeries(100, perSeries, 5000, (i) => i);
  const live = await writeSeries(20, opts.quick ? 5000 : 20_000, 10, (i) => i);
  // Seconds since the start at ms resolution, jittered: not evenly spaced.
  const irregular = await writeSeries(20, opts.quick ? 20_000 : 100_000, 5000, (i) => (i * 100 + (i % 7)) / 1000);
  return {
    machine: machineLine(),
    'points/s (100 series × 5k-point batches)': bulk.pointsPerSecond,
    'bytes/point after compaction (100 series × 5k-point batches)': bulk.bytesPerPoint,
    'bytes/point after compaction (10-point live batches)': live.bytesPerPoint,
    'bytes/point after compaction (irregular ms x)': irregular.bytesPerPoint,
    'points/s with 10-point live batches': live.pointsPerSecond,
    ...await readLongSeries(opts.quick ? 2_000_000 : 10_000_000),
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const quick = process.argv.includes('--quick');
  console.log(`Plotline store benchmarks on ${machineLine()}${quick ? ' (quick)' : ''}`);
  report('Compression on the issue #20 workloads', await workloadRows(quick ? 0.1 : 1));
  const figures = await runStoreBench({ quick });
  report('Store (in-process, file DB)', Object.entries(figures).map(([k, v]): [string, string, string] => [
    k, typeof v === 'number' ? v.toLocaleString('en-US', { maximumFractionDigits: v < 100 ? 2 : 0 }) : v, '',
  ]));
}
