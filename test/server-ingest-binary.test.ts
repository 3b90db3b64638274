import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BINARY_BATCH_TYPE, encodeBinaryBatch, type IngestBatch, type NumberColumns } from '../src/protocol/index.js';
import { startServer, type RunningServer } from '../src/server/index.js';
import { exportSeries, getJson, postBody, postJson, storeSnapshot } from './helpers/server.js';
import { TestStreamClient } from './helpers/sse-client.js';

let server: RunningServer;
beforeAll(async () => {
  server = await startServer({ port: 0, db: ':memory:' });
});
afterAll(() => server.close());

const postBinary = (body: Uint8Array<ArrayBuffer>) => postBody(`${server.url}/api/ingest`, body, { 'content-type': BINARY_BATCH_TYPE });
const binary = (batch: IngestBatch<NumberColumns>) => encodeBinaryBatch(batch);
const series = async (id: string, key: string) => (await getJson(`${server.url}/api/executions/${id}/series?key=${key}`)).json.series[0];

/** A well-formed binary body, then edited by hand: header JSON and column bytes as given. */
function handMade(header: unknown, columns: number[], opts: { magic?: string; headerLength?: number; pad?: boolean } = {}): Uint8Array<ArrayBuffer> {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const start = opts.pad === false ? 8 + json.length : Math.ceil((8 + json.length) / 8) * 8;
  const bytes = new Uint8Array(start + columns.length * 8);
  bytes.set(new TextEncoder().encode(opts.magic ?? 'PLB1'), 0);
  new DataView(bytes.buffer).setUint32(4, opts.headerLength ?? json.length, true);
  bytes.set(json, 8);
  columns.forEach((v, i) => new DataView(bytes.buffer).setFloat64(start + 8 * i, v, true));
  return bytes;
}

describe('binary ingest', () => {
  beforeAll(async () => {
    const ok = await postBinary(binary({
      batchId: 'bin-seed',
      executions: [{ id: 'bin-1', start: { name: 'binary' }, definitions: [{ key: 'loss', group: { name: 'g', units: 'step' } }], points: [{ key: 'loss', x: [1, 2], y: [0.5, 0.25] }] }],
    }));
    expect(ok.status).toBe(200);
    expect(ok.json).toMatchObject({ ok: true, batchId: 'bin-seed', duplicate: false, points: 2 });
  });

  it('stores exactly what the same batch stores as JSON, NaN, ±Infinity and awkward doubles included', async () => {
    const x = [0.1, 0.1 + 0.2, 1e-300 + 1, 7, 1e15 + 0.5];
    const y = [NaN, Infinity, -Infinity, 5e-324, -0.1 * 3];
    const asBinary = await postBinary(binary({ executions: [{ id: 'twin-bin', start: { name: 'twin' }, points: [{ key: 'v', x, y }] }] }));
    const asJson = await postJson(`${server.url}/api/ingest`, {
      executions: [{ id: 'twin-json', start: { name: 'twin' }, points: [{ key: 'v', x, y: y.map((v) => (Number.isFinite(v) ? v : String(v))) }] }],
    });
    expect([asBinary.status, asJson.status]).toEqual([200, 200]);
    const [b, j] = [await series('twin-bin', 'v'), await series('twin-json', 'v')];
    expect(b).toEqual(j);
    expect(b.y).toEqual(['NaN', 'Infinity', '-Infinity', 5e-324, -0.1 * 3]);
    expect(b.x).toEqual(x);
  });

  it('acknowledges a retried binary batch again but stores it once', async () => {
    const body = binary({ batchId: 'bin-retry', executions: [{ id: 'bin-1', points: [{ key: 'loss', x: [3], y: [0.2] }] }] });
    expect((await postBinary(body)).json).toMatchObject({ duplicate: false, points: 1 });
    expect((await postBinary(body)).json).toMatchObject({ duplicate: true, points: 1 });
    expect((await series('bin-1', 'loss')).x).toEqual([1, 2, 3]);
  });

  it('accepts a batch without points whose header is not padded', async () => {
    const res = await postBinary(handMade({ executions: [{ id: 'bin-1', definitions: [{ key: 'other' }] }] }, [], { pad: false }));
    expect(res.status).toBe(200);
  });

  it('takes x as xStart and xStep without an x column', async () => {
    const res = await postBinary(handMade({ executions: [{ id: 'bin-1', points: [{ key: 'regular', n: 3, xStart: 10, xStep: 0.5 }] }] }, [7, 8, 9]));
    expect(res.status).toBe(200);
    expect(await series('bin-1', 'regular')).toMatchObject({ x: [10, 10.5, 11], y: [7, 8, 9] });
  });

  const points = (n: unknown, extra: Record<string, unknown> = {}) => ({ executions: [{ id: 'bin-1', points: [{ key: 'loss', n, ...extra }] }] });
  const bad: Array<[string, Uint8Array<ArrayBuffer>, RegExp]> = [
    ['a wrong magic', handMade(points(1), [10, 1], { magic: 'JSON' }), /body: .*must start with "PLB1"/],
    ['a body shorter than the preamble', new Uint8Array([0x50, 0x4c, 0x42]), /body: .*must start with "PLB1"/],
    ['a header length past the end', handMade(points(1), [10, 1], { headerLength: 10_000 }), /body: header length 10000 runs past the end/],
    ['a header that is not JSON', handMade('x', [], { headerLength: 2 }), /body: the binary batch header must be valid JSON/],
    ['x and y in the header', handMade(points(1, { x: [10] }), [10, 1]), /executions\[0\]\.points\[0\]\.x: a binary batch carries x and y in its column section/],
    ['a negative count', handMade(points(-1), []), /executions\[0\]\.points\[0\]\.n: must be a whole number of points/],
    ['a fractional count', handMade(points(1.5), [10, 1]), /executions\[0\]\.points\[0\]\.n: must be a whole number of points/],
    ['more points than bytes', handMade(points(3), [10, 1]), /executions\[0\]\.points\[0\]\.n: 3 points run past the end of the body/],
    ['bytes left after the columns', handMade(points(1), [10, 1, 99]), /body: the body holds 8 bytes more/],
    ['x not increasing', handMade(points(2), [20, 20, 1, 2]), /executions\[0\]\.points\[0\]\.x\[1\]: x must increase within a series/],
    ['x not above the stored x', handMade(points(1), [2, 1]), /x must increase: 2 is not greater than the last stored x 3/],
    ['a NaN x', handMade(points(1), [NaN, 1]), /executions\[0\]\.points\[0\]\.x\[0\]: must be a finite number/],
    ['an infinite last x', handMade(points(2), [1, Infinity, 1, 2]), /executions\[0\]\.points\[0\]\.x\[1\]: must be a finite number/],
    ['xStart without xStep', handMade(points(1, { xStart: 50 }), [1]), /executions\[0\]\.points\[0\]\.xStep: must be a finite number \(xStart and xStep go together\)/],
    ['a huge count with xStart and xStep', handMade(points(2 ** 40, { xStart: 1, xStep: 1 }), [1]), /executions\[0\]\.points\[0\]\.n: 1099511627776 points run past the end of the body/],
    ['a step that does not increase x', handMade(points(2, { xStart: 50, xStep: 0 }), [1, 2]), /executions\[0\]\.points\[0\]\.x\[1\]: x must increase/],
    ['a regular x that goes past 2^53', handMade(points(3, { xStart: 2 ** 53 - 2, xStep: 2 }), [1, 2, 3]), /executions\[0\]\.points\[0\]\.x\[2\]: x must be at most 2\^53/],
    // 2^53 − 1 + 2 · 1 reads as 2^53 in doubles: the same x twice unless counted exactly.
    ['a regular x whose exact x passes 2^53 by one', handMade(points(3, { xStart: 2 ** 53 - 1, xStep: 1 }), [1, 2, 3]), /executions\[0\]\.points\[0\]\.x\[2\]: x must be at most 2\^53 \(9007199254740992\) in magnitude; .*\(got 9007199254740993 = xStart \+ 2 · xStep\)/],
    ['a regular x of four from 2^53 − 2', handMade(points(4, { xStart: 2 ** 53 - 2, xStep: 1 }), [1, 2, 3, 4]), /executions\[0\]\.points\[0\]\.x\[3\]: x must be at most 2\^53 .*\(got 9007199254740993/],
    // 2^52 + 0.25 is not a double (it would read as 2^52: x repeats): refused as the inexact regular x it is.
    ['a step so small that x repeats', handMade(points(3, { xStart: 2 ** 52, xStep: 0.25 }), [1, 2, 3]), /executions\[0\]\.points\[0\]\.x\[1\]: x must increase/],
    // 3 · (2^52 + 1) reads as 3 · 2^52 + 4 in doubles: x[3] would be stored as 2^52 + 4 instead of 2^52 + 3.
    ['a regular x whose product rounds (xStart near −2^53, a large step)', handMade(points(4, { xStart: -(2 ** 53), xStep: 2 ** 52 + 1 }), [1, 2, 3, 4]), /executions\[0\]\.points\[0\]\.xStep: xStep · 3 = 13510798882111491 is beyond 2\^53, so xStart \+ xStep · i \(i < n\) is not exact in doubles/],
    ['a step so large that x overflows', handMade(points(2, { xStart: 0, xStep: 1.7e308 }), [1, 2]), /executions\[0\]\.points\[0\]\.x\[1\]: x must be at most 2\^53/],
    ['an unknown field in a points item', handMade(points(1, { z: 1 }), [10, 1]), /executions\[0\]\.points\[0\]\.z: is not a known field/],
    ['an unknown execution', handMade({ executions: [{ id: 'ghost', points: [{ key: 'a', n: 1 }] }] }, [1, 1]), /executions\[0\]\.id: unknown execution "ghost"/],
  ];

  for (const [what, body, message] of bad) {
    it(`rejects ${what}, naming the field and rule, and stores nothing`, async () => {
      const before = await storeSnapshot(server.url);
      const res = await postBinary(body);
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
      expect(res.json.error).toMatch(message);
      expect(typeof res.json.rule).toBe('string');
      expect(await storeSnapshot(server.url)).toEqual(before);
    });
  }
});

describe('regular x decoded into reused memory', () => {
  it('every batch streams and stores its own x, also when replayed from the ring after later batches reused the memory', async () => {
    // Following another execution: the batches' events are not sent (nor encoded) until the replay asks for them.
    const bystander = new TestStreamClient(server.url, ['someone-else']);
    await bystander.connect();
    const hello = bystander.lastEventId;
    // 2^15 points a batch fill a reused block exactly, so that the ring would keep views of it if it kept x as decoded.
    const n = 2 ** 15;
    const steps = [[0, 1], [n, 1], [3 * n, 3], [20 * n, 1]] as const;
    const batches = steps.map(([start, step], b) => ({
      key: b % 2 === 0 ? 'a' : 'b',
      x: Array.from({ length: n }, (_, i) => start + step * i),
      y: Array.from({ length: n }, (_, i) => b * 1e6 + i),
    }));
    // A fraction in xStart: regular but not whole numbers, decoded into memory of its own.
    batches.push({ key: 'c', x: Array.from({ length: 100 }, (_, i) => 0.5 + i), y: Array.from({ length: 100 }, (_, i) => -1 - i) });
    for (const [b, p] of batches.entries()) {
      const res = await postBinary(binary({ executions: [{ id: 'reuse', ...(b === 0 && { start: { name: 'reuse' } }), points: [p] }] }));
      expect(res.status).toBe(200);
    }
    const expected = (key: string) => {
      const mine = batches.filter((p) => p.key === key);
      return { x: mine.flatMap((p) => p.x), y: mine.flatMap((p) => p.y) };
    };
    // A client replays the ring from before the first batch.
    const replay = new TestStreamClient(server.url, ['reuse']);
    await replay.connect(hello);
    await replay.waitFor(() => replay.points('reuse', 'c').x.length === 100, 10_000);
    for (const key of ['a', 'b', 'c']) {
      expect(replay.points('reuse', key)).toEqual(expected(key));
      expect(await exportSeries(server.url, 'reuse', key)).toEqual(expected(key));
    }
    bystander.disconnect();
    replay.disconnect();
  });

  it('series recorded at the same steps (one x decoded for all of them) each store and stream their own points', async () => {
    const live = new TestStreamClient(server.url, ['same-steps-1', 'same-steps-2']);
    await live.connect();
    const steps = (from: number, n: number, step = 1) => Array.from({ length: n }, (_, i) => from + step * i);
    const sent: Record<string, Record<string, { x: number[]; y: number[] }>> = { 'same-steps-1': {}, 'same-steps-2': {} };
    const item = (execution: string, key: string, x: number[], first: number) => {
      const y = x.map((_, i) => first + i);
      const s = (sent[execution]![key] ??= { x: [], y: [] });
      s.x.push(...x);
      s.y.push(...y);
      return { key, x, y };
    };
    for (let b = 0; b < 2; b++) {
      const from = 1000 * b;
      const res = await postBinary(binary({
        executions: [
          { id: 'same-steps-1', ...(b === 0 && { start: { name: 'same steps' } }),
            points: [item('same-steps-1', 'p', steps(from, 700), 0), item('same-steps-1', 'q', steps(from, 700), 1e4), item('same-steps-1', 'r', steps(from, 699), 2e4)] },
          { id: 'same-steps-2', ...(b === 0 && { start: { name: 'same steps' } }),
            points: [item('same-steps-2', 'p', steps(from, 700), 3e4), item('same-steps-2', 's', steps(from, 350, 2), 4e4)] },
        ],
      }));
      expect(res.status).toBe(200);
    }
    await live.waitFor(() => live.points('same-steps-2', 's').x.length === 700, 10_000);
    for (const [execution, series] of Object.entries(sent)) {
      for (const [key, expected] of Object.entries(series)) {
        expect(live.points(execution, key)).toEqual(expected);
        expect(await exportSeries(server.url, execution, key)).toEqual(expected);
      }
    }
    live.disconnect();
  });
});

describe('binary bodies read into reused memory', () => {
  // 20,000 points with irregular x: a 320 KB body, large enough to be read into pooled memory (body-pool.ts).
  const n = 20_000;
  const batchOf = (b: number) => ({
    key: 'v',
    x: Array.from({ length: n }, (_, i) => b * n + i + (i % 3) * 0.25),
    y: Array.from({ length: n }, (_, i) => b * 1e6 + i),
  });
  const expected = (batches: Array<{ x: number[]; y: number[] }>) => ({ x: batches.flatMap((p) => p.x), y: batches.flatMap((p) => p.y) });

  it('the ring keeps its views of a body until it lets go: replayed batches are their own, not later bodies', async () => {
    const bystander = new TestStreamClient(server.url, ['someone-else']);
    await bystander.connect();
    const hello = bystander.lastEventId;
    const batches = Array.from({ length: 6 }, (_, b) => batchOf(b));
    for (const [b, p] of batches.entries()) {
      const res = await postBinary(binary({ executions: [{ id: 'bodies', ...(b === 0 && { start: { name: 'bodies' } }), points: [p] }] }));
      expect(res.status).toBe(200);
    }
    const replay = new TestStreamClient(server.url, ['bodies']);
    await replay.connect(hello);
    await replay.waitFor(() => replay.points('bodies', 'v').x.length === 6 * n, 10_000);
    expect(replay.points('bodies', 'v')).toEqual(expected(batches));
    expect(await exportSeries(server.url, 'bodies', 'v')).toEqual(expected(batches));
    bystander.disconnect();
    replay.disconnect();
  });

  it('a body goes back once the ring has sent or dropped it: live frames and the store keep every batch', async () => {
    // A ring of about two bodies: it trims (and lets go of) the older ones while the batches arrive.
    const small = await startServer({ port: 0, db: ':memory:', stream: { ringBytes: 700_000 } });
    try {
      const live = new TestStreamClient(small.url, ['bodies']);
      await live.connect();
      const batches = Array.from({ length: 8 }, (_, b) => batchOf(b));
      for (const [b, p] of batches.entries()) {
        const res = await postBody(`${small.url}/api/ingest`, binary({ executions: [{ id: 'bodies', ...(b === 0 && { start: { name: 'bodies' } }), points: [p] }] }),
          { 'content-type': BINARY_BATCH_TYPE });
        expect(res.status).toBe(200);
      }
      await live.waitFor(() => live.points('bodies', 'v').x.length === 8 * n, 10_000);
      expect(live.points('bodies', 'v')).toEqual(expected(batches));
      expect(await exportSeries(small.url, 'bodies', 'v')).toEqual(expected(batches));
      live.disconnect();
    } finally {
      await small.close();
    }
  });
});
