import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeSeriesBinary, fromWireArray, SERIES_BINARY_TYPE, type SeriesResponse } from '../src/protocol/index.js';
import { startServer, type RunningServer } from '../src/server/index.js';
import { postJson } from './helpers/server.js';

/** `GET /api/series?exec=…&key=…`: one read of several executions, as a comparison opens. */
let server: RunningServer;
beforeAll(async () => {
  server = await startServer({ port: 0, db: ':memory:' });
  const x = Array.from({ length: 5_000 }, (_, i) => i);
  const ok = await postJson(`${server.url}/api/ingest`, {
    executions: [
      { id: 'run-a', start: { name: 'a' }, points: [{ key: 'loss', x, y: x.map((v) => Math.exp(-v / 1000)) }, { key: 'acc', x: [1, 2], y: [0.5, 'NaN'] }] },
      { id: 'run-b', start: { name: 'b' }, points: [{ key: 'loss', x, y: x.map((v) => (v === 4321 ? 9 : Math.exp(-v / 900))) }] },
    ],
  });
  expect(ok.status).toBe(200);
});
afterAll(() => server.close());

const one = async (id: string, query: string) => ((await (await fetch(`${server.url}/api/executions/${id}/series?${query}`)).json()) as SeriesResponse).series;

describe('GET /api/series', () => {
  it('answers each execution × key as the read of that execution alone would, naming the execution, in JSON and in binary', async () => {
    const query = 'key=loss&key=acc&budget=400&snap=true';
    const expected = [...(await one('run-a', query)).map((s) => ({ exec: 'run-a', ...s })), ...(await one('run-b', query)).map((s) => ({ exec: 'run-b', ...s }))];
    const url = `${server.url}/api/series?exec=run-a&exec=run-b&${query}`;
    const json = (await (await fetch(url)).json()) as { series: Array<SeriesResponse['series'][number] & { exec: string }> };
    expect(json.series).toEqual(expected);
    // run-b has no `acc`: it reads as empty, like a missing key of one execution.
    expect(json.series.map((s) => [s.exec, s.key, s.x.length > 0])).toEqual([['run-a', 'loss', true], ['run-a', 'acc', true], ['run-b', 'loss', true], ['run-b', 'acc', false]]);
    expect(json.series[2]!.y).toContain(9);
    const res = await fetch(url, { headers: { accept: SERIES_BINARY_TYPE } });
    expect(res.headers.get('content-type')).toBe(SERIES_BINARY_TYPE);
    const binary = decodeSeriesBinary(await res.arrayBuffer());
    expect(binary.map((s) => ({ ...s, x: Array.from(s.x), y: Array.from(s.y) }))).toEqual(expected.map((s) => ({ ...s, y: Array.from(fromWireArray(s.y)) })));
  });

  it('refuses a read over the caps or of an unknown execution, naming the parameter', async () => {
    const err = async (query: string) => {
      const res = await fetch(`${server.url}/api/series?${query}`, { headers: { accept: SERIES_BINARY_TYPE } });
      return { status: res.status, error: ((await res.json()) as { error: string }).error };
    };
    expect(await err('key=loss')).toEqual({ status: 400, error: expect.stringMatching(/^exec: query parameter is required/) });
    expect(await err('exec=run-a')).toEqual({ status: 400, error: expect.stringMatching(/^key: query parameter is required/) });
    const keys = Array.from({ length: 129 }, (_, i) => `key=k${i}`).join('&');
    expect(await err(`exec=run-a&exec=run-b&${keys}`)).toEqual({ status: 400, error: expect.stringMatching(/^key: .*at most 256 series per request \(got executions × keys \(2 × 129\) = 258\)/) });
    const eleven = Array.from({ length: 11 }, (_, i) => `key=k${i}`).join('&');
    expect(await err(`exec=run-a&exec=run-b&${eleven}&budget=50000`)).toEqual({ status: 400, error: expect.stringMatching(/^budget: 22 executions × keys \(2 × 11\) × budget 50000 exceeds 1000000 points/) });
    expect(await err('exec=run-a&exec=nope&key=loss')).toEqual({ status: 404, error: 'exec: no execution "nope"' });
  });
});
