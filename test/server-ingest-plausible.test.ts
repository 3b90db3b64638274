import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BINARY_BATCH_TYPE, encodeBinaryBatch, type IngestBatch, type NumberColumns } from '../src/protocol/index.js';
import { startServer, type RunningServer } from '../src/server/index.js';
import { getJson, postBody, postJson, storeSnapshot } from './helpers/server.js';

/** Values the server must refuse by name because no page could show them truthfully: x beyond 2^53, times that are not milliseconds. */

let server: RunningServer;
beforeAll(async () => {
  server = await startServer({ port: 0, db: ':memory:' });
});
afterAll(() => server.close());

const ingest = (body: unknown) => postJson(`${server.url}/api/ingest`, body);
const postBinary = (batch: IngestBatch<NumberColumns>) => postBody(`${server.url}/api/ingest`, encodeBinaryBatch(batch), { 'content-type': BINARY_BATCH_TYPE });
const TWO_53 = 2 ** 53;

/** `EX(key, xs, ys)`: one execution of group `train` (units `step`) with those points, ended `succeeded`. */
function ex(id: string, key: string, x: number[], y: number[]): IngestBatch<NumberColumns> {
  return {
    executions: [{
      id,
      start: { name: id },
      definitions: [{ key, group: { name: 'train', units: 'step' } }],
      points: [{ key, x, y }],
      end: { status: 'succeeded' as const },
    }],
  };
}

async function refused(res: Promise<{ status: number; json: any }>, path: string, rule: RegExp): Promise<void> {
  const before = await storeSnapshot(server.url);
  const { status, json } = await res;
  expect(status).toBe(400);
  expect(json.path).toBe(path);
  expect(json.rule).toMatch(rule);
  expect(json.error).toBe(`${json.path}: ${json.rule}`);
  expect(await storeSnapshot(server.url)).toEqual(before);
}

describe('x beyond exact integers', () => {
  const xs = [0, 2, 4, 6, 8].map((d) => TWO_53 + d);

  it('refuses x = [2^53, 2^53+2, …, 2^53+8] by name in JSON, before comparing order', async () => {
    await refused(ingest(ex('big-x-json', 'loss', xs, [1, 2, 3, 4, 5])), 'executions[0].points[0].x[1]', /^x must be at most 2\^53 \(9007199254740992\) in magnitude/);
    await refused(ingest(ex('neg-x-json', 'loss', [-TWO_53 - 2, 0], [1, 2])), 'executions[0].points[0].x[0]', /^x must be at most 2\^53/);
  });

  it('refuses them in binary batches too, as columns and as start + step', async () => {
    await refused(postBinary(ex('big-x-bin', 'loss', [1, 3, TWO_53 + 2], [1, 2, 3])), 'executions[0].points[0].x[2]', /^x must be at most 2\^53/);
    await refused(postBinary(ex('big-x-reg', 'loss', xs, [1, 2, 3, 4, 5])), 'executions[0].points[0].x[1]', /^x must be at most 2\^53/);
  });

  it('accepts x up to 2^53 exactly', async () => {
    expect((await ingest(ex('edge-x', 'loss', [-TWO_53, TWO_53 - 1, TWO_53], [1, 2, 3]))).status).toBe(200);
    const { json } = await getJson(`${server.url}/api/executions/edge-x/series?key=loss`);
    expect(json.series[0].x).toEqual([-TWO_53, TWO_53 - 1, TWO_53]);
  });

  it('refuses a summary x beyond 2^53', async () => {
    await refused(ingest({ executions: [{ id: 'sum-x', start: { name: 's' }, summary: [{ key: 'n', value: 1, x: TWO_53 * 4 }] }] }), 'executions[0].summary[0].x', /^x must be at most 2\^53/);
  });
});

describe('times that are not times', () => {
  const now = Date.now();
  const start = (startedAt: unknown) => ingest({ executions: [{ id: `t-${Math.random().toString(36).slice(2)}`, start: { name: 'times', startedAt } }] });

  it('refuses startedAt in seconds, nanoseconds, 1e300, negative or past the date range, naming the unit', async () => {
    await refused(start(Math.floor(now / 1000)), 'executions[0].start.startedAt', /milliseconds.*not before 2000.*looks like seconds/);
    await refused(start(now * 1e6), 'executions[0].start.startedAt', /milliseconds.*looks like nanoseconds/);
    await refused(start(now * 1e3), 'executions[0].start.startedAt', /milliseconds.*at most a day ahead of the server clock.*looks like microseconds/);
    await refused(start(1e300), 'executions[0].start.startedAt', /milliseconds.*outside the range of dates/);
    await refused(start(-5e12), 'executions[0].start.startedAt', /milliseconds.*not before 2000/);
    await refused(start(now + 2 * 86_400_000), 'executions[0].start.startedAt', /at most a day ahead/);
    await refused(start('2026-01-01'), 'executions[0].start.startedAt', /milliseconds/);
  });

  it('refuses an endedAt that is not milliseconds, in JSON and binary', async () => {
    const body = { executions: [{ id: 'end-s', start: { name: 'e' }, end: { status: 'failed', endedAt: now / 1000 } }] };
    await refused(ingest(body), 'executions[0].end.endedAt', /milliseconds/);
    await refused(postBinary(body as IngestBatch<NumberColumns>), 'executions[0].end.endedAt', /milliseconds/);
  });

  it('refuses an end before the start by name (same batch or later); a few seconds of clock skew end at the start', async () => {
    const startedAt = now - 3_600_000;
    const early = { executions: [{ id: 'end-early', start: { name: 'e', startedAt }, end: { status: 'succeeded', endedAt: 946_684_800_001 } }] };
    await refused(ingest(early), 'executions[0].end.endedAt', /must not be before the execution's startedAt/);
    await refused(postBinary(early as IngestBatch<NumberColumns>), 'executions[0].end.endedAt', /must not be before the execution's startedAt/);
    expect((await ingest({ executions: [{ id: 'end-later', start: { name: 'e', startedAt } }] })).status).toBe(200);
    await refused(ingest({ executions: [{ id: 'end-later', end: { status: 'failed', endedAt: startedAt - 120_000 } }] }),
      'executions[0].end.endedAt', /must not be before/);
    expect((await ingest({ executions: [{ id: 'end-later', end: { status: 'failed', endedAt: startedAt - 2_000 } }] })).status).toBe(200);
    const ended = (await getJson(`${server.url}/api/executions/end-later`)).json;
    expect(ended.execution.endedAt).toBe(startedAt);
  });

  it('accepts plausible times in milliseconds (an hour ago, a few minutes ahead of the clock)', async () => {
    expect((await start(now - 3_600_000)).status).toBe(200);
    expect((await start(now + 300_000)).status).toBe(200);
  });
});
