import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BINARY_BATCH_TYPE, decodeSeriesBinary, encodeBinaryBatch, LIMITS, SERIES_BINARY_TYPE } from '../src/protocol/index.js';
import { startServer, type RunningServer } from '../src/server/index.js';
import { getJson, postBody, postJson } from './helpers/server.js';

// Full-resolution export against the real server: 1 M points of awkward doubles go in, the CSV gives every one back.
const N = 1_000_000;
let server: RunningServer;
const xs = new Float64Array(N);
const ys = new Float64Array(N);

beforeAll(async () => {
  server = await startServer({ port: 0, db: ':memory:' });
  let seed = 12345;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  for (let i = 0; i < N; i++) {
    xs[i] = i * 0.1 + 0.05; // not exact in binary: the text must still round-trip
    const r = rand();
    ys[i] = i % 1000 === 7 ? NaN : i % 1000 === 8 ? Infinity : i % 1000 === 9 ? -Infinity : (r - 0.5) * 10 ** Math.floor(r * 40 - 20);
  }
  const step = 200_000;
  for (let at = 0; at < N; at += step) {
    const body = encodeBinaryBatch({
      batchId: `big-${at}`,
      executions: [{
        id: 'big', ...(at === 0 && { start: { name: 'export' }, definitions: [{ key: 'loss', group: { name: 'g', units: 'step' } }] }),
        points: [{ key: 'loss', x: xs.subarray(at, at + step), y: ys.subarray(at, at + step) }],
      }],
    });
    const ack = await postBody(`${server.url}/api/ingest`, body, { 'content-type': BINARY_BATCH_TYPE });
    expect(ack.status).toBe(200);
  }
  const small = await postJson(`${server.url}/api/ingest`, {
    executions: [{
      id: 'small', start: { name: 'small' },
      definitions: [{ key: 'a,"b"', group: { name: 'g' } }, { key: 'c', group: { name: 'g' } }],
      points: [{ key: 'a,"b"', x: [1, 2, 4], y: [10, 'NaN', -0.5] }, { key: 'c', x: [2, 3], y: ['-Infinity', 30] }],
    }],
  });
  expect(small.status).toBe(200);
}, 120_000);
afterAll(() => server.close());

const exportUrl = (id: string, query: string) => `${server.url}/api/executions/${id}/export?${query}`;

describe('GET /api/executions/:id/export', () => {
  it('streams 1 M points as CSV with the header and every value exactly', async () => {
    const res = await fetch(exportUrl('big', 'key=loss'));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
    // Named after what it holds: the execution ("export") and the group of its series ("g").
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="export-g.csv"');
    expect(res.headers.get('content-length')).toBeNull(); // streamed, not built whole
    const lines = (await res.text()).split('\n');
    expect(lines[0]).toBe('x,loss');
    expect(lines.at(-1)).toBe('');
    expect(lines.length).toBe(N + 2);
    let mismatches = 0;
    for (let i = 0; i < N; i++) {
      const [x, y] = lines[i + 1]!.split(',');
      if (!Object.is(Number(x), xs[i]) || !Object.is(Number(y), ys[i])) mismatches++;
    }
    expect(mismatches).toBe(0);
    expect(lines[8]).toMatch(/,NaN$/);
    expect(lines[9]).toMatch(/,Infinity$/);
    expect(lines[10]).toMatch(/,-Infinity$/);
  }, 120_000);

  it('exports exactly the points with x in [from, to], far beyond the series API cap', async () => {
    const from = xs[123_456]!;
    const to = xs[400_000]!;
    const text = await (await fetch(exportUrl('big', `key=loss&from=${from}&to=${to}`))).text();
    const lines = text.trimEnd().split('\n');
    expect(lines.length - 1).toBe(400_000 - 123_456 + 1);
    expect(Number(lines[1]!.split(',')[0])).toBe(from);
    expect(Number(lines.at(-1)!.split(',')[0])).toBe(to);
  }, 60_000);

  it('joins several keys on x and quotes keys as CSV needs', async () => {
    const text = await (await fetch(exportUrl('small', `key=${encodeURIComponent('a,"b"')}&key=c`))).text();
    expect(text).toBe('x,"a,""b""",c\n1,10,\n2,NaN,-Infinity\n3,,30\n4,-0.5,\n');
  });

  it('exports JSON with non-finite values as the wire strings', async () => {
    const res = await fetch(exportUrl('small', `key=c&key=${encodeURIComponent('a,"b"')}&format=json&from=2`));
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await res.json()).toEqual({
      series: [{ key: 'c', points: [[2, '-Infinity'], [3, 30]] }, { key: 'a,"b"', points: [[2, 'NaN'], [4, -0.5]] }],
    });
  });

  it('gives every point in binary frames (what the studio smooths from), exactly, in x order', async () => {
    const res = await fetch(exportUrl('big', 'key=loss&format=binary&from=0.05'));
    expect(res.headers.get('content-type')).toBe(SERIES_BINARY_TYPE);
    const frames = decodeSeriesBinary(await res.arrayBuffer());
    expect(frames.length).toBeGreaterThan(1); // streamed window by window
    expect(new Set(frames.map((f) => f.key))).toEqual(new Set(['loss']));
    const x = new Float64Array(N);
    const y = new Float64Array(N);
    let n = 0;
    for (const f of frames) {
      x.set(f.x, n);
      y.set(f.y, n);
      n += f.x.length;
    }
    expect(n).toBe(N);
    let mismatches = 0;
    for (let i = 0; i < N; i++) if (!Object.is(x[i], xs[i]) || !Object.is(y[i], ys[i])) mismatches++;
    expect(mismatches).toBe(0);
    const small = decodeSeriesBinary(await (await fetch(exportUrl('small', 'key=c&format=binary&from=2.5'))).arrayBuffer());
    expect(small.map((f) => [f.key, [...f.x], [...f.y]])).toEqual([['c', [3], [30]]]);
  });

  it('refuses bad parameters by name before streaming anything', async () => {
    expect(await getJson(exportUrl('small', ''))).toMatchObject({ status: 400, json: { path: 'key' } });
    expect(await getJson(exportUrl('small', 'key=c&format=xml'))).toMatchObject({ status: 400, json: { path: 'format', error: expect.stringMatching(/csv, json or binary/) } });
    expect(await getJson(exportUrl('small', 'key=c&from=3&to=1'))).toMatchObject({ status: 400, json: { path: 'to' } });
    expect(await getJson(exportUrl('small', 'key=c&from=abc'))).toMatchObject({ status: 400, json: { path: 'from' } });
    const many = Array.from({ length: LIMITS.maxKeysPerRead + 1 }, (_, i) => `key=k${i}`).join('&');
    expect(await getJson(exportUrl('small', many))).toMatchObject({ status: 400, json: { path: 'key' } });
    expect(await getJson(exportUrl('nope', 'key=c'))).toMatchObject({ status: 404, json: { path: 'id' } });
  });

  it('names the file after the execution and what the asker calls the series, made safe for file systems', async () => {
    const disposition = async (query: string) => (await fetch(exportUrl('small', query))).headers.get('content-disposition');
    expect(await disposition('key=c&format=json')).toBe('attachment; filename="small-g.json"');
    expect(await disposition(`key=c&name=${encodeURIComponent('val/loss: "best"?')}`)).toBe('attachment; filename="small-val_loss_best.csv"');
    expect(await disposition(`key=c&name=${encodeURIComponent('损失')}`)).toBe(`attachment; filename="small-_.csv"; filename*=UTF-8''small-%E6%8D%9F%E5%A4%B1.csv`);
    // Keys without one shared group: the keys.
    expect(await disposition('key=missing&key=c')).toBe('attachment; filename="small-missing+c.csv"');
    const long = await getJson(exportUrl('small', `key=c&name=${'n'.repeat(LIMITS.maxNameLength + 1)}`));
    expect(long).toMatchObject({ status: 400, json: { path: 'name' } });
  });

  it('gives only the header for a key with no points', async () => {
    expect(await (await fetch(exportUrl('small', 'key=missing'))).text()).toBe('x,missing\n');
  });
});
