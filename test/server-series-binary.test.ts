import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeSeriesBinary, fromWireArray, SERIES_BINARY_TYPE, type SeriesResponse } from '../src/protocol/index.js';
import { startServer, type RunningServer } from '../src/server/index.js';
import { postJson } from './helpers/server.js';

let server: RunningServer;
beforeAll(async () => {
  server = await startServer({ port: 0, db: ':memory:' });
  const x = Array.from({ length: 20_000 }, (_, i) => i);
  const ok = await postJson(`${server.url}/api/ingest`, {
    executions: [{
      id: 'b', start: { name: 'binary' },
      points: [
        { key: 'wave', x, y: x.map((v) => (v === 7777 ? 'NaN' : v === 12_345 ? 1e6 : Math.sin(v / 300))) },
        { key: 'few', x: [1, 2, 3], y: [0, 'Infinity', 0.5] },
      ],
    }],
  });
  expect(ok.status).toBe(200);
});
afterAll(() => server.close());

async function both(query: string): Promise<{ json: SeriesResponse; binary: ReturnType<typeof decodeSeriesBinary>; type: string }> {
  const url = `${server.url}/api/executions/b/series?${query}`;
  const json = (await (await fetch(url)).json()) as SeriesResponse;
  const res = await fetch(url, { headers: { accept: SERIES_BINARY_TYPE } });
  return { json, binary: decodeSeriesBinary(await res.arrayBuffer()), type: res.headers.get('content-type') ?? '' };
}

describe('GET /api/executions/:id/series in binary', () => {
  it('answers float64 columns holding exactly what the JSON answer holds, downsampled, snapped or whole', async () => {
    for (const query of ['key=wave&key=few&budget=400', 'key=wave&budget=400&snap=true', 'key=few&key=wave&from=7000&to=8000&budget=50000']) {
      const { json, binary, type } = await both(query);
      expect(type).toBe(SERIES_BINARY_TYPE);
      expect(binary.map((s) => ({ key: s.key, total: s.total, downsampled: s.downsampled, x: Array.from(s.x), y: Array.from(s.y) })))
        .toEqual(json.series.map((s) => ({ ...s, y: Array.from(fromWireArray(s.y)) })));
    }
    const { binary } = await both('key=wave&key=few&budget=400');
    expect(binary[0]!.y).toContain(1e6);
    expect(Array.from(binary[0]!.y).some(Number.isNaN)).toBe(true);
  });

  it('answers errors as JSON naming the parameter, whatever was accepted', async () => {
    const res = await fetch(`${server.url}/api/executions/b/series?key=wave&snap=maybe`, { headers: { accept: SERIES_BINARY_TYPE } });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: expect.stringMatching(/snap: query parameter must be true or false/) });
  });
});
