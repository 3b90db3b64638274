import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../src/server/index.js';

// −0 is a stored value like any other: every JSON export writes it `-0` (JSON.stringify would write `0`), so parsing
// the export gives −0 back, beside NaN/±Infinity as their wire strings.
let server: RunningServer;

beforeAll(async () => {
  server = await startServer({ port: 0, db: ':memory:' });
  // Written by hand: JSON.stringify(-0) is "0", so a body built with it could not carry −0.
  const body = '{"executions":[{"id":"nz","start":{"name":"nz"},"definitions":[{"key":"v","group":{"name":"g"}}],'
    + '"points":[{"key":"v","x":[1,2,3,4],"y":[-0,0,"NaN","-Infinity"]}]}]}';
  const res = await fetch(`${server.url}/api/ingest`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  expect(res.status).toBe(200);
});
afterAll(() => server.close());

const ys = (json: { series: Array<{ points: unknown[][] }> }) => json.series[0]!.points.map((p) => p[1]);

describe('JSON exports keep −0', () => {
  it('execution export writes −0 as -0', async () => {
    const text = await (await fetch(`${server.url}/api/executions/nz/export?key=v&format=json`)).text();
    const y = ys(JSON.parse(text));
    expect(Object.is(y[0], -0)).toBe(true);
    expect(Object.is(y[1], 0)).toBe(true);
    expect(y.slice(2)).toEqual(['NaN', '-Infinity']);
  });

  it('execution export with wall times writes −0 as -0', async () => {
    const text = await (await fetch(`${server.url}/api/executions/nz/export?key=v&format=json&time=wall`)).text();
    expect(Object.is(ys(JSON.parse(text))[0], -0)).toBe(true);
  });

  it('compare export writes −0 as -0', async () => {
    const text = await (await fetch(`${server.url}/api/compare/export?ids=nz&key=v&format=json`)).text();
    const y = ys(JSON.parse(text));
    expect(Object.is(y[0], -0)).toBe(true);
    expect(Object.is(y[1], 0)).toBe(true);
    expect(y.slice(2)).toEqual(['NaN', '-Infinity']);
  });
});
