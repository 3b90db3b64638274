/** Smoothed series reads (issue #17): smoothed from every stored point on the server, not from the downsampled view. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromWireArray, smoothSeries } from '../src/protocol/index.js';
import { startServer, type RunningServer } from '../src/server/index.js';
import { getJson, postJson } from './helpers/server.js';

let server: RunningServer;
const N = 60_000;
const x = Array.from({ length: N }, (_, i) => i + 1);
// A slow trend under large spikes: min/max buckets of a downsampled view keep the spikes and bias any average of it.
const y = x.map((v) => Math.sin(v / 5000) + (v % 10 === 0 ? 20 : 0));

beforeAll(async () => {
  server = await startServer({ port: 0, db: ':memory:' });
  for (let from = 0; from < N; from += 20_000) {
    const batch = { executions: [{ id: 'sm', ...(from === 0 && { start: { name: 'smooth' } }), points: [{ key: 'loss', x: x.slice(from, from + 20_000), y: y.slice(from, from + 20_000) }] }] };
    expect((await postJson(`${server.url}/api/ingest`, batch)).status).toBe(200);
  }
});
afterAll(async () => {
  await server.close();
});

const read = async (q: string) => (await getJson(`${server.url}/api/executions/sm/series?key=loss&${q}`));

describe('smoothed reads', () => {
  for (const algorithm of ['ema', 'twema', 'gaussian'] as const) {
    it(`${algorithm}: every returned value is the smoothing of all stored points at that x, at any zoom`, async () => {
      const full = smoothSeries(algorithm, x, y, 0.9, N - 1);
      const { json } = await read(`budget=400&smooth=${algorithm}:0.9`);
      const s = json.series[0];
      expect(s.downsampled).toBe(true);
      expect(s.smoothed.x.length).toBeLessThanOrEqual(400);
      const sy = fromWireArray(s.smoothed.y);
      s.smoothed.x.forEach((xi: number, i: number) => expect(sy[i]).toBeCloseTo(full[xi - 1]!, 9));
      // Zoomed in, the smoothed values do not change: the smoothing still starts from the series' first point.
      const zoom = (await read(`from=30000&to=30100&budget=400&smooth=${algorithm}:0.9`)).json.series[0];
      expect(zoom.smoothed.x).toEqual(x.slice(29_999, 30_100));
      fromWireArray(zoom.smoothed.y).forEach((v, i) => expect(v).toBeCloseTo(full[29_999 + i]!, 9));
    });
  }

  it('differs from smoothing the downsampled view, which the spikes bias', async () => {
    const { json } = await read('budget=400&smooth=ema:0.99');
    const s = json.series[0];
    const fromView = smoothSeries('ema', s.x, fromWireArray(s.y), 0.99);
    const server = fromWireArray(s.smoothed.y);
    const mean = (a: Float64Array) => a.reduce((p, v) => p + v, 0) / a.length;
    // Every tenth point is a +20 spike: the true average sits near 2 above the trend; the view's buckets keep many more spikes.
    expect(Math.abs(mean(server) - 2)).toBeLessThan(0.3);
    expect(mean(fromView)).toBeGreaterThan(mean(server) + 2);
  });

  it('refuses a malformed smooth parameter by name', async () => {
    for (const bad of ['box:0.5', 'ema', 'ema:2', 'ema:x']) {
      const r = await read(`smooth=${bad}`);
      expect(r.status).toBe(400);
      expect(r.json).toMatchObject({ path: 'smooth' });
    }
  });
});
