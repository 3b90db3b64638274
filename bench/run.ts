/**
 * `npm run bench`: the core's speed and memory figures. Flags: --quick (smaller sizes, 30 s memory run),
 * --rss-seconds N (length of the memory run, default 300), --pairs N (bare/SDK ingest pairs, default 9; quick 5),
 * --only ingest (only the SDK ingest figures, to compare a change; with --before OTHER/dist also that build's server and
 * SDK in every pair, interleaved, for a before/after comparison; its Node options from PLOTLINE_BENCH_BEFORE_NODE_ARGS), --only services (only the service-metrics figures),
 * --only otlp (only OTLP/HTTP ingest), --only http (only instrumentHttp's per-request overhead), --only health (only
 * /api/health latency under heavy reads, paused followers and slowloris), --db postgres://… (instead: the PostgreSQL
 * backend next to SQLite, see pg-bench.ts).
 */
import { bareWrite, runStoreBench, workloadRows } from './store-bench.js';
import { join } from 'node:path';
import { ingestThroughSdk, recordToStreamLatency, rssUnderLoad, syncLoop, type SdkIngestFigures } from './sdk-bench.js';
import { loadavg } from 'node:os';
import { machineLine, median, percentile, report, trend } from './machine.js';
import { runPgBench } from './pg-bench.js';
import { runServicesBench } from './services-bench.js';
import { runOtlpBench } from './otlp-bench.js';
import { instrumentOverheadNs, metricsCallNs } from './instrument-bench.js';
import { runHealthBench } from './health-bench.js';

const argv = process.argv.slice(2);
const quick = argv.includes('--quick');
const rssIndex = argv.indexOf('--rss-seconds');
const rssSeconds = rssIndex >= 0 ? Number(argv[rssIndex + 1]) : quick ? 30 : 300;
const pairsIndex = argv.indexOf('--pairs');
const pairCount = pairsIndex >= 0 ? Number(argv[pairsIndex + 1]) : quick ? 5 : 9;
const onlyIndex = argv.indexOf('--only');
const only = onlyIndex >= 0 ? argv[onlyIndex + 1] : null;

const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

async function main(): Promise<void> {
  const dbIndex = argv.indexOf('--db');
  if (dbIndex >= 0) {
    const db = argv[dbIndex + 1] ?? '';
    if (!/^postgres(ql)?:\/\//i.test(db)) throw new Error('--db: give a postgres:// URL (the SQLite figures are the default run)');
    await runPgBench(db, quick);
    return;
  }
  console.log(`Plotline core benchmarks on ${machineLine()}${quick ? ' (quick)' : ''}`);
  console.log('This machine may be shared and noisy: compare ratios, and rerun before trusting a single figure.');
  if (only === 'services') return runServicesBench(quick, report);
  if (only === 'otlp') return runOtlpBench(quick, report);
  // `--before OTHER/dist`: scenario (a) from this build and that one, interleaved (a before/after comparison).
  const beforeIndex = argv.indexOf('--before');
  if (only === 'health') return runHealthBench(quick, report, beforeIndex >= 0 ? { before: argv[beforeIndex + 1]! } : {});
  if (only === null || only === 'http') {
    const http = await instrumentOverheadNs(quick ? 100_000 : 500_000);
    report('instrumentHttp: per-request overhead (request event to close, durations sent packed over UDP)', [
      ['CPU ns per request, median of 5 rounds', fmt(http.ns), 'target < 2,000'],
      ['CPU ns per request, fastest round', fmt(Math.min(...http.perRound)), ''],
      ['each round (CPU ns)', http.perRound.map((n) => fmt(n)).join(' '), ''],
      ['wall ns per request, median (counts other processes\' time on a shared core)', fmt(http.wallNs), ''],
    ]);
    report('MetricsClient: one histogram(name, value, tags) call over UDP (tags, line format, send)', [
      ['CPU ns per call, median of 5 rounds', fmt(await metricsCallNs(quick ? 50_000 : 200_000)), ''],
    ]);
  }
  if (only === 'http') return;

  if (only === null) {
    report('Compression on the issue #20 workloads (file DB, after close)', await workloadRows(quick ? 0.1 : 1));
    const store = await runStoreBench({ quick });
    report('Store (in-process, file DB)', Object.entries(store).map(([k, v]): [string, string, string] => [k, typeof v === 'number' ? fmt(v, v < 100 ? 2 : 0) : String(v), '']));
  }

  // The same 100 × perSeries points, written bare and sent through the SDK, in interleaved pairs so that load from
  // elsewhere on a shared machine weighs on both sides of each ratio alike; the order within a pair alternates so a
  // drifting load favours neither side. Both sides are warmed up, write the same points in the same batch shape (see
  // bareWrite) to a SQLite file with batch ids. The figure is the median of the pairs' ratios, with their spread; the
  // CPU ratio (bare CPU seconds over the server's) does not count time spent waiting for a core, so load moves it less.
  const perSeries = quick ? 20_000 : 100_000;
  const before = only === 'ingest' && beforeIndex >= 0
    ? { cli: join(argv[beforeIndex + 1]!, 'src/cli/main.js'), sdk: join(argv[beforeIndex + 1]!, 'src/sdk/index.js'), nodeOptions: process.env.PLOTLINE_BENCH_BEFORE_NODE_ARGS ?? process.env.PLOTLINE_BENCH_SERVER_NODE_ARGS }
    : null;
  // 4 M points before timing, on both sides. With a tenth of the points (0.2–1 M) the server was still compiling its
  // ingest path while timed — V8 optimised chunkOf, validatePoints, chooseCodec, writeChunks … then, about 250 ms of
  // TurboFan on its helper threads per 4 M points, a third of what the server's CPU seconds counted — while the bare
  // write runs in this process, compiled by the pairs before it. After 4 M points about 40 ms of it is left.
  const warmupPerSeries = 40_000;
  await bareWrite(warmupPerSeries);
  type Pair = { bare: number; sdk: number; cpu: number; clientNs: number; main: SdkIngestFigures['serverMainThread']; bytesPerPoint: number; load: number };
  const pairs: Pair[] = [];
  const beforePairs: Pair[] = [];
  for (let i = 0; i < pairCount; i++) {
    let bare = { pointsPerSecond: 0, cpuSeconds: 0 };
    if (i % 2 === 0) bare = await bareWrite(perSeries);
    // With --before, the two servers swap places every other pair too, so that neither always follows the bare write.
    const sdkFirst = i % 4 < 2 || !before;
    const sdk = sdkFirst ? await ingestThroughSdk(100, perSeries, undefined, undefined, warmupPerSeries) : null;
    const old = before ? await ingestThroughSdk(100, perSeries, undefined, before, warmupPerSeries) : null;
    const mine = sdk ?? await ingestThroughSdk(100, perSeries, undefined, undefined, warmupPerSeries);
    if (i % 2 === 1) bare = await bareWrite(perSeries);
    const load = loadavg()[0]!;
    pairs.push({ bare: bare.pointsPerSecond, sdk: mine.pointsPerSecond, cpu: bare.cpuSeconds / mine.serverCpuSeconds, clientNs: mine.clientCpuSeconds * 1e9 / (100 * perSeries), main: mine.serverMainThread, bytesPerPoint: mine.bytesPerPoint, load });
    if (old) beforePairs.push({ bare: bare.pointsPerSecond, sdk: old.pointsPerSecond, cpu: bare.cpuSeconds / old.serverCpuSeconds, clientNs: old.clientCpuSeconds * 1e9 / (100 * perSeries), main: old.serverMainThread, bytesPerPoint: old.bytesPerPoint, load });
  }
  const spread = (sorted: number[]) => [sorted[0]!, percentile(sorted, 25), percentile(sorted, 75), sorted[sorted.length - 1]!].map((r) => fmt(r, 2)).join(' ');
  const ingestRows = (ps: Pair[]): Array<[string, string, string]> => {
    const ratios = ps.map((p) => p.sdk / p.bare).sort((a, b) => a - b);
    const cpuRatios = ps.map((p) => p.cpu).sort((a, b) => a - b);
    return [
      ['points/s (median)', fmt(median(ps.map((p) => p.sdk))), 'target ≥ 1,000,000'],
      ['bare in-process write of the same points, points/s (median)', fmt(median(ps.map((p) => p.bare))), ''],
      ['ratio to bare in-process write (median of the pairs)', fmt(median(ratios), 2), 'target ≥ 0.5, aim 0.8 (issue #20)'],
      ['spread of the pair ratios: min, quartiles, max', spread(ratios), ''],
      ['ratio in each pair, in run order', ps.map((p) => fmt(p.sdk / p.bare, 2)).join(' '), ''],
      ['1-minute load average after each pair', ps.map((p) => fmt(p.load, 1)).join(' '), ''],
      ['CPU ratio: bare write CPU s / server CPU s (median; min, quartiles, max)', `${fmt(median(cpuRatios), 2)}; ${spread(cpuRatios)}`, ''],
      ['CPU ratio in each pair, in run order', ps.map((p) => fmt(p.cpu, 2)).join(' '), ''],
      ['recording process (the SDK, and the loop computing the values): CPU ns per point (median)', fmt(median(ps.map((p) => p.clientNs))), ''],
      ['server main thread, % of the time: on a core / waiting for a core / neither (next body, I/O), medians',
        (['running', 'waiting', 'idle'] as const).map((k) => fmt(100 * median(ps.map((p) => p.main[k])))).join(' / '), ''],
      ['bytes on disk per point', fmt(median(ps.map((p) => p.bytesPerPoint)), 1), 'target ≤ 16'],
    ];
  };
  const title = `Ingest: SDK → HTTP → server → SQLite file (${fmt(100 * perSeries)} points, ${pairCount} interleaved pairs; load average ${loadavg().map((l) => l.toFixed(1)).join(' ')})`;
  report(before ? `${title}, this build` : title, ingestRows(pairs));
  if (before) report(`${title}, BEFORE: ${argv[beforeIndex + 1]} (in the same pairs)`, ingestRows(beforePairs));

  const loopPoints = quick ? 1_000_000 : 5_000_000;
  const loop = await syncLoop(loopPoints);
  report(`Synchronous loop of ${fmt(loopPoints)} points that never yields, then await end(), server healthy`, [
    ['points stored / points recorded', fmt(loop.storedRatio, 3), 'must be 1.000'],
    ['peak RSS of the recording process, MiB', fmt(loop.peakRssMiB), ''],
    ['the loop, ms', fmt(loop.loopMs), ''],
    ['from the loop\'s end until end() resolves, ms', fmt(loop.endMs), ''],
    ['points in the spool file when the loop ended', fmt(loop.spooled), ''],
  ]);

  if (only !== null) return;

  const latency = await recordToStreamLatency(quick ? 500 : 2000);
  report('Latency: record() → live-stream client (loopback)', [
    ['p50 ms', fmt(latency.p50, 2), 'target ≤ 10'],
    ['p99 ms', fmt(latency.p99, 2), 'target ≤ 50'],
  ]);

  console.log(`\nServer memory at 50,000 points/s for ${rssSeconds} s (sampling RSS)...`);
  const rss = await rssUnderLoad(rssSeconds);
  report('Server RSS under load', [
    ['samples MiB', rss.samplesMiB.join(' '), ''],
    ['spread (max-min)/min', `${fmt(rss.spread * 100, 1)}%`, 'target ≤ 20%'],
    ['growth, last third vs first third', `${fmt(trend(rss.samplesMiB) * 100, 1)}%`, 'target within ±20%'],
  ]);

  await runServicesBench(quick, report);
  await runOtlpBench(quick, report);
  await runHealthBench(quick, report);
}

main().then(() => process.exit(0), (err: unknown) => {
  console.error(err);
  process.exit(1);
});
