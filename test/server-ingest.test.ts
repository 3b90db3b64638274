import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../src/server/index.js';
import { LIMITS } from '../src/protocol/index.js';
import { getJson, postJson, storeSnapshot } from './helpers/server.js';

let server: RunningServer;
beforeAll(async () => {
  server = await startServer({ port: 0, db: ':memory:' });
});
afterAll(() => server.close());

const ingest = (body: unknown, headers?: Record<string, string>) => postJson(`${server.url}/api/ingest`, body, headers);

const snapshot = () => storeSnapshot(server.url);

describe('ingest', () => {
  beforeAll(async () => {
    const ok = await ingest({
      batchId: 'seed-1',
      executions: [{
        id: 'run-1',
        start: { name: 'train', labels: { model: 'resnet' } },
        definitions: [{ key: 'loss', group: { name: 'training', units: 'epoch' }, scale: { name: 'loss' } }],
        points: [{ key: 'loss', x: [1, 2, 3], y: [0.9, 'NaN', 0.5] }],
      }],
    });
    expect(ok.status).toBe(200);
    expect(ok.json).toMatchObject({ ok: true, batchId: 'seed-1', duplicate: false, points: 3 });
  });

  it('stores points and reads them back with NaN kept', async () => {
    const { json } = await getJson(`${server.url}/api/executions/run-1/series?key=loss`);
    expect(json.series[0]).toMatchObject({ key: 'loss', total: 3, downsampled: false, x: [1, 2, 3], y: [0.9, 'NaN', 0.5] });
    const detail = (await getJson(`${server.url}/api/executions/run-1`)).json;
    expect(detail.execution).toMatchObject({ id: 'run-1', name: 'train', status: 'running', labels: { model: 'resnet' }, metricCount: 1 });
    expect(detail.definitions).toEqual([{ key: 'loss', group: { name: 'training', units: 'epoch' }, scale: { name: 'loss' } }]);
  });

  it('acknowledges a retried batch again but stores it once', async () => {
    const batch = { batchId: 'retry-1', executions: [{ id: 'run-1', points: [{ key: 'loss', x: [4], y: [0.4] }] }] };
    const first = await ingest(batch);
    const second = await ingest(batch);
    expect(first.json).toMatchObject({ duplicate: false, points: 1 });
    expect(second.status).toBe(200);
    expect(second.json).toMatchObject({ duplicate: true, points: 1 });
    const { json } = await getJson(`${server.url}/api/executions/run-1/series?key=loss`);
    expect(json.series[0].x).toEqual([1, 2, 3, 4]);
  });

  const bad: Array<[string, unknown, number, RegExp]> = [
    ['malformed JSON', '{"executions": [', 400, /body: must be valid JSON/],
    ['an empty body', '', 400, /body: must be a JSON document/],
    // A JSON document that is not an object named no field ("must be an object").
    ['a JSON null', 'null', 400, /^body: must be a JSON object/],
    ['a JSON array', '[{"executions": []}]', 400, /^body: must be a JSON object \(got an array\)/],
    ['a missing executions field', { batchId: 'x' }, 400, /executions: must be an array/],
    ['a wrong type for x', { executions: [{ id: 'run-1', points: [{ key: 'loss', x: ['5'], y: [1] }] }] }, 400, /executions\[0\]\.points\[0\]\.x\[0\]: must be a finite number \(got a string \("5"\)\)$/],
    ['a wrong type for a value', { executions: [{ id: 'run-1', points: [{ key: 'loss', x: [5], y: [true] }] }] }, 400, /executions\[0\]\.points\[0\]\.y\[0\]: must be a number or one of "NaN", "Infinity", "-Infinity" \(got a boolean\)$/],
    // JSON.parse reads a literal beyond a double as Infinity: the message says so rather than "must be a number".
    ['a value that overflows a double', '{"executions":[{"id":"run-1","points":[{"key":"loss","x":[5],"y":[1e309]}]}]}', 400, /y\[0\]: must be a number or one of .* \(got Infinity \(a number beyond ±1\.8e308 is read as ±Infinity\)\)$/],
    ['an x that overflows a double', '{"executions":[{"id":"run-1","points":[{"key":"loss","x":[-1e400],"y":[1]}]}]}', 400, /x\[0\]: must be a finite number \(got -Infinity \(a number beyond ±1\.8e308 is read as ±Infinity\)\)$/],
    ['x and y of different lengths', { executions: [{ id: 'run-1', points: [{ key: 'loss', x: [5, 6], y: [1] }] }] }, 400, /y: must have as many items as x/],
    ['an unknown field', { executions: [{ id: 'run-1', point: [] }] }, 400, /executions\[0\]\.point: is not a known field/],
    ['an unknown execution', { executions: [{ id: 'nope', points: [{ key: 'a', x: [1], y: [1] }] }] }, 404, /executions\[0\].*nope/],
    ['x not increasing within the batch', { executions: [{ id: 'run-1', points: [{ key: 'loss', x: [7, 7], y: [1, 2] }] }] }, 400, /x\[1\]: x must increase/],
    ['x not above the stored x', { executions: [{ id: 'run-1', points: [{ key: 'loss', x: [2], y: [1] }] }] }, 400, /x must increase/],
    ['a conflicting definition', { executions: [{ id: 'run-1', definitions: [{ key: 'loss', group: { name: 'other' } }] }] }, 409, /loss/],
    ['an over-long key', { executions: [{ id: 'run-1', points: [{ key: 'k'.repeat(LIMITS.maxKeyLength + 1), x: [9], y: [1] }] }] }, 400, /key: must be at most 200 characters/],
    ['an invalid end status', { executions: [{ id: 'run-1', end: { status: 'done' } }] }, 400, /end\.status: must be one of succeeded, failed, cancelled/],
    ['bounds in the wrong order', { executions: [{ id: 'run-1', definitions: [{ key: 'acc', scale: { lower: 10, upper: 1 } }] }] }, 400, /scale\.upper: must be greater than lower/],
  ];

  for (const [what, body, status, message] of bad) {
    it(`rejects ${what} with ${status}, naming the field and rule, and stores nothing`, async () => {
      const before = await snapshot();
      // A valid item in the same batch must not be stored either.
      const batch = typeof body === 'object' && body !== null && 'executions' in body
        ? { executions: [...(body as { executions: unknown[] }).executions, { id: 'valid-neighbour', start: { name: 'n' }, points: [{ key: 'a', x: [1], y: [1] }] }] }
        : body;
      const res = await ingest(batch);
      expect(res.status).toBe(status);
      expect(res.json.error).toMatch(message);
      expect(typeof res.json.rule).toBe('string');
      expect(await snapshot()).toEqual(before);
    });
  }

  it('rejects an oversized batch with 413 and stores nothing', async () => {
    const before = await snapshot();
    const huge = JSON.stringify({ executions: [{ id: 'run-1', points: [{ key: 'loss', x: [10], y: [1] }] }], pad: 'x'.repeat(LIMITS.maxBatchBytes) });
    const res = await ingest(huge);
    expect(res.status).toBe(413);
    expect(res.json.error).toMatch(/body: must be at most/);
    expect(await snapshot()).toEqual(before);
  });

  it('rejects a batch over the point limit', async () => {
    const n = LIMITS.maxPointsPerBatch + 1;
    const x = Array.from({ length: n }, (_, i) => i + 100);
    const res = await ingest({ executions: [{ id: 'run-1', points: [{ key: 'big', x, y: x }] }] });
    expect(res.status).toBe(400);
    expect(res.json.error).toMatch(/at most 1000000/);
  });

  it('requires the token when the server has one', async () => {
    const guarded = await startServer({ port: 0, db: ':memory:', token: 's3cret' });
    try {
      const body = { executions: [{ id: 'a', start: { name: 'a' } }] };
      const denied = await postJson(`${guarded.url}/api/ingest`, body);
      expect(denied.status).toBe(401);
      expect(denied.json.error).toMatch(/authorization/);
      const allowed = await postJson(`${guarded.url}/api/ingest`, body, { authorization: 'Bearer s3cret' });
      expect(allowed.status).toBe(200);
    } finally {
      await guarded.close();
    }
  });

  it('answers unknown API paths and bad query parameters with errors naming them', async () => {
    expect((await getJson(`${server.url}/api/nope`)).status).toBe(404);
    const badStatus = await getJson(`${server.url}/api/executions?status=finished`);
    expect(badStatus.status).toBe(400);
    expect(badStatus.json.error).toMatch(/status: query parameter must be one of/);
    const badBudget = await getJson(`${server.url}/api/executions/run-1/series?key=loss&budget=abc`);
    expect(badBudget.json.error).toMatch(/budget/);
    expect((await getJson(`${server.url}/api/executions/missing`)).status).toBe(404);
  });
});
