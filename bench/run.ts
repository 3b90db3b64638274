/**
 * `npm run bench`: the core's speed and memory figures. Flags: --quick (smaller sizes, 30 s memory run),
 * --rss-seconds N (length of the memory run, default 300), --only ingest (only the SDK ingest figures, to compare a change),
 * --only services (only the service-metrics figures), --only otlp (only OTLP/HTTP ingest), --only http (only instrumentHttp's
 * per-request overhead), --only health (only /api/health latency under heavy reads, paused followers and slowloris), --db postgres://… (instead: the PostgreSQL backend next to SQLite,
 * see pg-bench.ts).
 */
import { bareWritePointsPerSecond, runStoreBench } from './store-bench.js';
import { ingestThroughSdk, recordToStreamLatency, rssUnderLoad, syncLoop } from './sdk-bench.js';
import { machineLine, median, report, trend } from './machine.js';
import { runPgBench } from './pg-bench.js';
import { runServicesBench } from './services-bench.js';
import { runOtlpBench } from './otlp-bench.js';
import { instrumentOverheadNs, metricsCallNs } from './instrument-bench.js';
import { runHealthBench } from './health-bench.js';

const argv = process.argv.slice(2);
const quick = argv.includes('--quick');
const rssIndex = argv.indexOf('--rss-seconds');
const rssSeconds = rssIndex >= 0 ? Number(argv[rssIndex + 1]) : quick ? 30 : 300;
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
  if (only === 'health') return runHealthBench(quick, report);
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
  if (only === 'http') return;

  if (only === null) {
    const store = await runStoreBench({ quick });
    report('Store (in-process, file DB)', Object.entries(store).map(([k, v]): [string, string, string] => [k, typeof v === 'number' ? fmt(v, v < 100 ? 2 : 0) : String(v), '']));
  }

  // The same 100 × perSeries points, written bare and sent through the SDK, in interleaved pairs so that load from
  // elsewhere on a shared machine weighs on both sides of the ratio alike.
  const perSeries = quick ? 20_000 : 100_000;
  const pairs: Array<{ bare: number; sdk: number; bytesPerPoint: number }> = [];
  for (let i = 0; i < 3; i++) {
    const bare = await bareWritePointsPerSecond(perSeries);
    const sdk = await ingestThroughSdk(100, perSeries);
    pairs.push({ bare, sdk: sdk.pointsPerSecond, bytesPerPoint: sdk.bytesPerPoint });
  }
  const sdkRate = median(pairs.map((p) => p.sdk));
  const bareRate = median(pairs.map((p) => p.bare));
  report(`Ingest: SDK → HTTP → server → SQLite file (${fmt(100 * perSeries)} points, median of 3)`, [
    ['points/s', fmt(sdkRate), 'target ≥ 1,000,000'],
    ['bare in-process write of the same points, points/s', fmt(bareRate), ''],
    ['ratio to bare in-process write', fmt(sdkRate / bareRate, 2), 'target ≥ 0.5'],
    ['ratio in each pair', pairs.map((p) => fmt(p.sdk / p.bare, 2)).join(' '), ''],
    ['bytes on disk per point', fmt(median(pairs.map((p) => p.bytesPerPoint)), 1), 'target ≤ 16'],
  ]);

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
