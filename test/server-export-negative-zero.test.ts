import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../src/server/index.js';

// −0 is a stored value like any other: every JSON answer (exports, series reads, the stream) writes it `-0` (JSON.stringify would write `0`), so parsing
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

describe('JSON series reads and the live stream keep −0', () => {
  it('a series read writes −0 as -0 (x and y)', async () => {
    const body = await (await fetch(`${server.url}/api/executions/nz/series?key=v`)).text();
    const s = JSON.parse(body).series[0];
    expect(Object.is(s.y[0], -0)).toBe(true);
    expect(Object.is(s.y[1], 0)).toBe(true);
    expect(s.y.slice(2)).toEqual(['NaN', '-Infinity']);
  });

  it('the stream writes −0 as -0 to a follower', async () => {
    const ac = new AbortController();
    const res = await fetch(`${server.url}/api/stream?follow=nz0`, { signal: ac.signal });
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    // The follow is in place once the stream has answered; then a point at x = −0 with y = −0 arrives live.
    await reader.read().then(({ value }) => (text += decoder.decode(value)));
    const ingest = '{"executions":[{"id":"nz0","start":{"name":"nz0"},"points":[{"key":"w","x":[-0,1],"y":[-0,2]}]}]}';
    expect((await fetch(`${server.url}/api/ingest`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: ingest })).status).toBe(200);
    const deadline = Date.now() + 5000;
    let points: { x: unknown[]; y: unknown[] } | undefined;
    while (!points && Date.now() < deadline) {
      const { value, done } = await reader.read();
      if (done) break;
      text += decoder.decode(value);
      for (const line of text.split('\n')) {
        if (!line.startsWith('data: ')) continue;
        const event = JSON.parse(line.slice(6)) as { series?: Array<{ key: string; x: unknown[]; y: unknown[] }> };
        points ??= event.series?.find((s) => s.key === 'w');
      }
    }
    ac.abort();
    expect(points).toBeDefined();
    expect(Object.is(points!.x[0], -0)).toBe(true);
    expect(Object.is(points!.y[0], -0)).toBe(true);
    expect(points!.y[1]).toBe(2);
  });
});

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
