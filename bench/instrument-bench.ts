/**
 * Per-request overhead of `instrumentHttp`: requests are driven through a real `http.Server`'s 'request' event with
 * light request/response emitters (no sockets, so only the instrumentation's cost differs), instrumented and not, in
 * interleaved rounds; the buffered durations are sent over UDP to a local sink and that send is counted in.
 */
import { createSocket } from 'node:dgram';
import { EventEmitter } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { instrumentHttp, MetricsClient } from '../src/sdk/index.js';
import { median } from './machine.js';

const ROUTES = ['/predict', '/users/42', '/items/9f8e7d6c5b4a3f2e1d0c', '/health'];

/**
 * This process's CPU time in ms (user + system). On a shared machine wall time counts the moments another process held
 * the core; CPU time counts only work done here, so rounds disturbed by other load differ far less.
 */
function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

function drive(server: ReturnType<typeof createServer>, n: number, clock: () => number = cpuMs): number {
  const reqs = ROUTES.map((url) => Object.assign(new EventEmitter(), { url, method: 'GET' }) as unknown as IncomingMessage);
  const start = clock();
  for (let i = 0; i < n; i++) {
    const res = Object.assign(new EventEmitter(), { statusCode: i % 50 === 0 ? 500 : 200, req: reqs[i & 3] }) as unknown as ServerResponse;
    server.emit('request', reqs[i & 3]!, res);
    res.emit('close');
  }
  return clock() - start;
}

/**
 * Nanoseconds added per request (median of interleaved rounds), the send of the buffered durations included: in CPU time
 * of this process (`ns`, `perRound`) and in wall time (`wallNs`, disturbed by whatever else the machine runs).
 */
export async function instrumentOverheadNs(requests = 200_000, rounds = 5): Promise<{ ns: number; perRound: number[]; wallNs: number }> {
  const sink = createSocket('udp4');
  await new Promise<void>((r) => sink.bind(0, '127.0.0.1', r));
  sink.on('message', () => {});
  const metrics = new MetricsClient({ url: 'http://127.0.0.1:1', statsdPort: (sink.address() as AddressInfo).port, service: 'bench' });
  const bare = createServer();
  bare.on('request', () => {});
  const instrumented = createServer();
  instrumented.on('request', () => {});
  const inst = instrumentHttp(instrumented, { metrics, flushIntervalMs: 3_600_000 });
  drive(bare, requests / 10);
  drive(instrumented, requests / 10);
  await inst.flush();
  const perRound: number[] = [];
  const wall: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const w0 = performance.now();
    const base = drive(bare, requests);
    const w1 = performance.now();
    const t0 = cpuMs();
    drive(instrumented, requests);
    await inst.flush();
    const total = cpuMs() - t0;
    perRound.push(((total - base) * 1e6) / requests);
    wall.push(((performance.now() - w1 - (w1 - w0)) * 1e6) / requests);
  }
  await inst.stop();
  await metrics.close();
  sink.close();
  return { ns: median(perRound), perRound, wallNs: median(wall) };
}

/**
 * CPU nanoseconds per `MetricsClient.histogram(name, value, tags)` call over UDP to a local sink (formatting, tags and
 * the send included): the hot path of code that records per request by hand instead of through instrumentHttp.
 */
export async function metricsCallNs(calls = 200_000, rounds = 5): Promise<number> {
  const sink = createSocket('udp4');
  await new Promise<void>((r) => sink.bind(0, '127.0.0.1', r));
  sink.on('message', () => {});
  const metrics = new MetricsClient({ url: 'http://127.0.0.1:1', statsdPort: (sink.address() as AddressInfo).port, service: 'bench' });
  const tags = { 'http.route': '/predict', 'http.response.status_code': 200 };
  const perRound: number[] = [];
  for (let r = 0; r <= rounds; r++) {
    const t0 = cpuMs();
    for (let i = 0; i < calls; i++) metrics.histogram('http.server.request.duration', (i % 997) / 1000, tags);
    await metrics.flush();
    if (r > 0) perRound.push(((cpuMs() - t0) * 1e6) / calls);
  }
  await metrics.close();
  sink.close();
  return median(perRound);
}
