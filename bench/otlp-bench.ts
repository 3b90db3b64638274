import { otlpRoot } from '../src/server/otlp/schema.js';
import { DEFAULT_OTLP_LIMITS, mapExport, TagCache } from '../src/server/otlp/map.js';
import { ServicesEngine } from '../src/server/services/engine.js';
import { SqliteRollups } from '../src/server/services/sqlite-rollups.js';
import { startBenchServer, type BenchServer } from './server-process.js';

/**
 * OTLP figures: data points per second through `POST /v1/metrics` to a server process, protobuf and JSON bodies, each a
 * realistic export (histograms of request durations, counters and gauges over 3 replicas × 5 routes × 2 statuses).
 */

const fmt = (n: number) => n.toLocaleString('en-US', { maximumFractionDigits: 0 });

/** One export request of `points` data points (a third each: explicit histograms, delta counters, gauges). */
export function exportRequest(points: number, round: number): Record<string, unknown> {
  const now = String(BigInt(Date.now()) * 1_000_000n + BigInt(round));
  const per = Math.floor(points / 3 / 3);
  const bounds = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];
  const attrs = (i: number) => [
    { key: 'http.route', value: { stringValue: `/r${i % 5}` } },
    { key: 'http.response.status_code', value: { intValue: i % 20 === 0 ? 500 : 200 } },
    { key: 'series', value: { intValue: i } },
  ];
  return {
    resourceMetrics: ['web-0', 'web-1', 'web-2'].map((host) => ({
      resource: { attributes: [{ key: 'service.name', value: { stringValue: 'otlp-bench' } }, { key: 'service.instance.id', value: { stringValue: host } }] },
      scopeMetrics: [{
        metrics: [
          {
            name: 'http.server.request.duration', unit: 's',
            histogram: { aggregationTemporality: 1, dataPoints: Array.from({ length: per }, (_, i) => ({ attributes: attrs(i), timeUnixNano: now, count: 15, sum: 3.2, min: 0.004, max: 9, bucketCounts: bounds.map(() => 1).concat(1), explicitBounds: bounds })) },
          },
          { name: 'app.jobs', sum: { isMonotonic: true, aggregationTemporality: 1, dataPoints: Array.from({ length: per }, (_, i) => ({ attributes: attrs(i), timeUnixNano: now, asInt: 3 })) } },
          { name: 'app.queue', gauge: { dataPoints: Array.from({ length: per }, (_, i) => ({ attributes: attrs(i), timeUnixNano: now, asDouble: i })) } },
        ],
      }],
    })),
  };
}

/**
 * Data points per second for bodies of `perRequest` points, `requests` requests one at a time: per wall-clock second, and
 * per CPU second of the server process (steadier on a shared machine). The server's 10 s flushes into SQLite fall inside.
 */
async function pointsPerSecond(server: BenchServer, encoding: 'protobuf' | 'json', perRequest: number, requests: number): Promise<{ wall: number; cpu: number }> {
  const url = server.url;
  const type = otlpRoot().lookupType('ExportMetricsServiceRequest');
  const bodies: Uint8Array<ArrayBuffer>[] = [];
  let points = 0;
  for (let r = 0; r < requests; r++) {
    const req = exportRequest(perRequest, r);
    bodies.push(encoding === 'protobuf' ? new Uint8Array(type.encode(type.fromObject(req)).finish()) : new TextEncoder().encode(JSON.stringify(req)));
    points += 9 * Math.floor(perRequest / 9);
  }
  const t0 = performance.now();
  const c0 = server.cpuSeconds();
  for (const body of bodies) {
    const res = await fetch(`${url}/v1/metrics`, { method: 'POST', body, headers: { 'content-type': encoding === 'protobuf' ? 'application/x-protobuf' : 'application/json' } });
    const text = await res.text();
    if (res.status !== 200 || text.includes('rejected')) throw new Error(`OTLP export refused (${res.status}): ${text.slice(0, 300)}`);
  }
  return { wall: points / ((performance.now() - t0) / 1000), cpu: points / (server.cpuSeconds() - c0) };
}

/** Decode + map + aggregate in this process (no network), data points per CPU second: steady on a loaded machine. */
export function inProcessPerCpuSecond(encoding: 'protobuf' | 'json', perRequest: number, requests: number): number {
  const type = otlpRoot().lookupType('ExportMetricsServiceRequest');
  const bodies = Array.from({ length: requests }, (_, r) => {
    const req = exportRequest(perRequest, r);
    return encoding === 'protobuf' ? Buffer.from(type.encode(type.fromObject(req)).finish()) : Buffer.from(JSON.stringify(req));
  });
  const engine = new ServicesEngine({ store: new SqliteRollups(':memory:') });
  const tags = new TagCache();
  const run = (body: Buffer) => {
    const decoded = encoding === 'protobuf' ? type.decode(body) : JSON.parse(body.toString('utf8'));
    engine.ingestSamples(mapExport(decoded, DEFAULT_OTLP_LIMITS, tags).samples);
  };
  run(bodies[0]!); // warm-up, creates the series
  const c0 = process.cpuUsage();
  for (const body of bodies) run(body);
  const cpu = process.cpuUsage(c0);
  void engine.store.close();
  return (requests * 9 * Math.floor(perRequest / 9)) / ((cpu.user + cpu.system) / 1e6);
}

export async function runOtlpBench(quick: boolean, report: (title: string, rows: Array<[string, string, string]>) => void): Promise<void> {
  const server = await startBenchServer(['--db', ':memory:', '--statsd-port', 'off']);
  try {
    const requests = quick ? 10 : 40;
    const perRequest = 9_000;
    await pointsPerSecond(server, 'protobuf', perRequest, 2); // warm-up
    const pb = await pointsPerSecond(server, 'protobuf', perRequest, requests);
    const json = await pointsPerSecond(server, 'json', perRequest, requests);
    report(`OTLP/HTTP POST /v1/metrics → server process (${fmt(requests)} requests of ${fmt(perRequest)} data points: histograms, counters, gauges)`, [
      ['protobuf, data points/s', fmt(pb.wall), ''],
      ['JSON, data points/s', fmt(json.wall), ''],
      ['protobuf, data points per server CPU second', fmt(pb.cpu), ''],
      ['JSON, data points per server CPU second', fmt(json.cpu), ''],
      ['protobuf, decoded + mapped + aggregated in process, data points per CPU second', fmt(inProcessPerCpuSecond('protobuf', perRequest, requests)), ''],
      ['JSON, decoded + mapped + aggregated in process, data points per CPU second', fmt(inProcessPerCpuSecond('json', perRequest, requests)), ''],
    ]);
  } finally {
    await server.stop();
  }
}
