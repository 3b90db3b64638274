import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServiceInterval, StreamEvent } from '../src/protocol/index.js';
import { startServer, type RunningServer } from '../src/server/index.js';
import { postBody } from './helpers/server.js';
import { TestStreamClient } from './helpers/sse-client.js';

const T0 = Math.floor(Date.now() / 10_000) * 10_000 + 2_000;
let now = T0;
let server: RunningServer;

beforeAll(async () => {
  server = await startServer({ port: 0, db: ':memory:', services: { clock: () => now } });
});
afterAll(async () => {
  await server.close();
});

const lines = (text: string) => postBody(`${server.url}/api/ingest/statsd?service=shop`, text, { 'content-type': 'text/plain' });

function intervals(c: TestStreamClient): ServiceInterval[] {
  return c.events.map((e) => e.event).filter((e): e is Extract<StreamEvent, { type: 'serviceInterval' }> => e.type === 'serviceInterval').map((e) => e.interval);
}

describe('live service metrics on the stream', () => {
  it('sends list changes to everyone, the open interval (≤ 1/s) and each closed one to followers only', async () => {
    const follower = new TestStreamClient(server.url, [], ['shop']);
    const bystander = new TestStreamClient(server.url, []);
    await follower.connect();
    await bystander.connect();
    await lines('http.server.request.duration:0.05|d|#host:a,http.response.status_code:200\nhttp.server.request.duration:0.15|d|#host:b,http.response.status_code:500\nhttp.server.active_requests:3|g|#host:a\nhttp.server.active_requests:4|g|#host:b');
    await follower.waitFor((ev) => ev.some((e) => e.event.type === 'serviceInterval'), 5000);
    const open = intervals(follower)[0]!;
    expect(open).toMatchObject({ service: 'shop', start: T0 - 2000, closed: false, replicas: 2, requests: { requests: 2, '2XX': 1, '5XX': 1 } });
    const inflight = open.metrics.find((m) => m.metric === 'http.server.active_requests')!;
    expect(inflight.last).toBe(7); // summed over replicas
    await bystander.waitFor((ev) => ev.some((e) => e.event.type === 'service'), 5000);
    expect(bystander.events.find((e) => e.event.type === 'service')!.event).toMatchObject({ service: { name: 'shop', status: 'live', replicas: 2 } });

    // More traffic in the same interval: a new running aggregate; then the interval closes.
    await lines('http.server.request.duration:0.25|d|#host:a,http.response.status_code:200');
    await follower.waitFor(() => intervals(follower).some((i) => !i.closed && i.requests.requests === 3), 5000);
    now = T0 + 10_000;
    await follower.waitFor(() => intervals(follower).some((i) => i.closed), 5000);
    const closed = intervals(follower).find((i) => i.closed)!;
    expect(closed).toMatchObject({ start: T0 - 2000, requests: { requests: 3 } });
    const duration = closed.metrics.find((m) => m.metric === 'http.server.request.duration')!;
    expect(duration).toMatchObject({ kind: 'distribution', count: 3, max: 0.25, min: 0.05 });
    expect(Math.abs(duration.p50! - 0.15) / 0.15).toBeLessThanOrEqual(0.01);
    // At most one running aggregate per second: no two open-interval events in the same second of arrival.
    const arrivals = follower.events.filter((e) => e.event.type === 'serviceInterval' && !(e.event as { interval: ServiceInterval }).interval.closed).map((e) => e.arrivedAt);
    for (let i = 1; i < arrivals.length; i++) expect(arrivals[i]! - arrivals[i - 1]!).toBeGreaterThan(500);
    expect(intervals(bystander)).toEqual([]);
    follower.disconnect();
    bystander.disconnect();
  });
});
