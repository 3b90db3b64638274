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
import { openStore, type Store } from '../src/server/store/index.js';
import { machineLine, median, report } from './machine.js';
import { seriesValue, trendAt } from './points.js';

export interface StoreBenchOptions {
  quick?: boolean;
}

type Figures = Record<string, number | string>;

function dirBytes(dir: string): number {
  return readdirSync(dir).reduce((sum, f) => sum + statSync(join(dir, f)).size, 0);
}

/** A fresh file store in its own temp directory; `finish` closes it (compaction, checkpoint) and returns bytes on disk. */
async function tempStore(): Promise<{ store: Store; finish: () => Promise<number> }> {
  const dir = mkdtempSync(join(tmpdir(), 'plotline-store-bench-'));
  const store = await openStore(join(dir, 'bench.db'));
  return {
    store,
    finish: async () => {
      await store.close();
      const bytes = dirBytes(dir);
      rmSync(dir, { recursive: true, force: true });
      return bytes;
    },
  };
}

/**
 * Writes `series` × `perSeries` points in batches of `perBatch` points per series (every series in every batch, as the
 * SDK flushes). `xOf(i)` is the x of the i-th point. Returns points/s of applyBatch and bytes per point after close.
 */
async function writeSeries(
  series: number, perSeries: number, perBatch: number, xOf: (i: number) => number,
): Promise<{ pointsPerSecond: number; bytesPerPoint: number }> {
  const { store, finish } = await tempStore();
  await applyBatch(store, { executions: [{ id: 'bench', start: { name: 'bench' } }] }, Date.now());
  let ms = 0;
  for (let from = 0, n = 0; from < perSeries; from += perBatch, n++) {
    const to = Math.min(perSeries, from + perBatch);
    const points: SeriesColumns[] = [];
    for (let s = 0; s < series; s++) {
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
    const t0 = performance.now();
    await applyBatch(store, batch, Date.now());
    ms += performance.now() - t0;
  }
  const total = series * perSeries;
  return { pointsPerSecond: total / (ms / 1000), bytesPerPoint: (await finish()) / total };
}

/** The bare in-process write the ingest benchmark compares with: 100 series, 5,000 points per series per batch, file DB. */
export async function bareWritePointsPerSecond(perSeries: number): Promise<number> {
  return (await writeSeries(100, perSeries, 5000, (i) => i)).pointsPerSecond;
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
  const whole = await timeRead();
  const zoom = await timeRead(points * 0.63, points * 0.64);
  await finish();
  return {
    [`read ${points.toLocaleString('en-US')} pts, budget 2000: median ms`]: whole.ms,
    'read 1% zoom, budget 2000: median ms': zoom.ms,
    'spike kept in both reads': whole.spikeKept && zoom.spikeKept ? 'yes' : 'NO',
  };
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
  const figures = await runStoreBench({ quick });
  report('Store (in-process, file DB)', Object.entries(figures).map(([k, v]): [string, string, string] => [
    k, typeof v === 'number' ? v.toLocaleString('en-US', { maximumFractionDigits: v < 100 ? 2 : 0 }) : v, '',
  ]));
}
