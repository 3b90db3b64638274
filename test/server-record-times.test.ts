/**
 * Record times of points recorded with `at` (issue #17): through the TS SDK, JSON ingest, the series read and the export's
 * `time=wall`, against a real server.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, Metric, MetricGroup, type Client } from '../src/sdk/index.js';
import { startServer, type RunningServer } from '../src/server/index.js';
import { timeAtX } from '../src/protocol/index.js';
import { getJson, postJson } from './helpers/server.js';

let server: RunningServer;
let client: Client;
beforeAll(async () => {
  server = await startServer({ port: 0, db: ':memory:' });
  client = connect({ url: server.url });
});
afterAll(async () => {
  await client.close();
  await server.close();
});

const series = async (id: string, key: string) =>
  (await getJson(`${server.url}/api/executions/${id}/series?key=${encodeURIComponent(key)}`)).json.series[0];
const exported = async (id: string, query: string) => {
  const res = await fetch(`${server.url}/api/executions/${id}/export?${query}`);
  return { status: res.status, text: await res.text() };
};

describe('record times', () => {
  it('the TS SDK sends when points recorded with at were recorded; the read answers marks that bracket each step', async () => {
    const loss = new Metric('loss', { group: new MetricGroup('train', { units: 'step' }), throttle: null });
    const plain = new Metric('plain', { throttle: null });
    const before = Date.now();
    let id = '';
    const stepTimes: number[] = [];
    await client.withExecution('timed', async (e) => {
      id = e.id;
      for (let step = 1; step <= 3; step++) {
        stepTimes.push(Date.now());
        loss.record(1 / step, { at: step });
        plain.record(step);
        await e.flush();
        await new Promise((r) => setTimeout(r, 150));
      }
    });
    const after = Date.now();
    const s = await series(id, 'loss');
    expect(s.x).toEqual([1, 2, 3]);
    expect(s.times.x).toEqual([1, 2, 3]);
    for (let i = 0; i < 3; i++) {
      // Each step was flushed on its own: its mark lies between its record() and its flush.
      expect(s.times.t[i]).toBeGreaterThanOrEqual(stepTimes[i]!);
      expect(s.times.t[i]).toBeLessThanOrEqual(stepTimes[i]! + 140);
    }
    expect(s.times.t[2] - s.times.t[0]).toBeGreaterThanOrEqual(300);
    expect(s.times.t[0]).toBeGreaterThanOrEqual(before);
    expect(s.times.t[2]).toBeLessThanOrEqual(after);
    // A series recorded without at has x in seconds already: no marks are kept for it.
    expect((await series(id, 'plain')).times).toBeUndefined();
  });

  it('JSON ingest keeps t; the export adds wall_time (CSV, ISO 8601 UTC) and t (JSON, ms) with time=wall', async () => {
    const t0 = Date.now() - 60_000;
    const start = { name: 'csv', startedAt: t0 };
    const ack = await postJson(`${server.url}/api/ingest`, { executions: [{ id: 'ex-t', start, definitions: [{ key: 'loss', group: { name: 'g', units: 'step' } }, { key: 'old', group: { name: 'g', units: 'step' } }],
      points: [
        { key: 'loss', x: [0, 10, 20], y: [1, 0.5, 'NaN'], t: [t0, t0 + 2000] },
        { key: 'old', x: [5], y: [7] },
        { key: 'secs', x: [1.5], y: [3] },
      ] }] });
    expect(ack.status).toBe(200);
    expect((await series('ex-t', 'loss')).times).toEqual({ x: [0, 20], t: [t0, t0 + 2000] });

    const csv = await exported('ex-t', 'key=loss&key=old&time=wall');
    const iso = (ms: number) => new Date(ms).toISOString();
    expect(csv.text).toBe(`x,wall_time,loss,old\n0,${iso(t0)},1,\n5,${iso(t0 + 500)},,7\n10,${iso(t0 + 1000)},0.5,\n20,${iso(t0 + 2000)},NaN,\n`);
    // Without marks and with a step x, nothing can tell when a point was recorded: the cell stays empty.
    expect((await exported('ex-t', 'key=old&time=wall')).text).toBe('x,wall_time,old\n5,,7\n');
    // x in seconds since the start (no group units): the start plus x.
    expect((await exported('ex-t', 'key=secs&time=wall')).text).toBe(`x,wall_time,secs\n1.5,${iso(t0 + 1500)},3\n`);
    // Without time=wall the CSV is as before.
    expect((await exported('ex-t', 'key=loss')).text).toBe('x,loss\n0,1\n10,0.5\n20,NaN\n');

    const json = JSON.parse((await exported('ex-t', 'key=loss&key=old&format=json&time=wall')).text);
    expect(json).toEqual({ series: [
      { key: 'loss', points: [[0, 1, t0], [10, 0.5, t0 + 1000], [20, 'NaN', t0 + 2000]] },
      { key: 'old', points: [[5, 7, null]] },
    ] });
    expect(timeAtX((await series('ex-t', 'loss')).times, 15)).toBe(t0 + 1500);
  });

  it('refuses a bad time parameter and bad t by name', async () => {
    const bad = await exported('ex-t', 'key=loss&time=local');
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.text)).toMatchObject({ path: 'time' });
    const refused = await postJson(`${server.url}/api/ingest`, { executions: [{ id: 'ex-t', points: [{ key: 'loss', x: [30], y: [1], t: [Date.now() / 1000] }] }] });
    expect(refused.status).toBe(400);
    expect(refused.json).toMatchObject({ path: 'executions[0].points[0].t[0]' });
    expect(refused.json.error).toMatch(/seconds/);
  });
});
