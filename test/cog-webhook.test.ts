import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../src/server/index.js';
import { getJson, postJson } from './helpers/server.js';
import { TestStreamClient } from './helpers/sse-client.js';

let server: RunningServer;
beforeAll(async () => {
  server = await startServer({ port: 0, db: ':memory:' });
});
afterAll(() => server.close());

const hook = (body: unknown, model = 'acme/llm') => postJson(`${server.url}/api/ingest/cog?model=${encodeURIComponent(model)}`, body);
const execution = async (id: string) => (await getJson(`${server.url}/api/executions/cog-${id}`)).json.execution;
const summarySeries = async (id: string, key: string) =>
  (await getJson(`${server.url}/api/executions/cog-${id}/series?key=${encodeURIComponent(`@summary.${key}`)}`)).json.series[0];

function prediction(id: string, status: string, extra: Record<string, unknown> = {}) {
  return { id, version: 'v1', status, created_at: '2026-11-20T10:00:00.000Z', started_at: '2026-11-20T10:00:01.000Z', input: { prompt: 'hi' }, output: null, logs: '', error: null, ...extra };
}

describe('Cog webhook', () => {
  it('starting → processing with partial metrics → succeeded, keeping predict_time', async () => {
    expect((await hook(prediction('p1', 'starting'))).status).toBe(200);
    let e = await execution('p1');
    expect(e).toMatchObject({ name: 'acme/llm', status: 'running', labels: { source: 'cog', prediction: 'p1', version: 'v1' } });
    await hook(prediction('p1', 'processing', { metrics: { token_count: 10, timing: { preprocess: 0.1 } } }));
    e = await execution('p1');
    expect(e.summary).toEqual({ token_count: 10, timing: { preprocess: 0.1 } });
    await hook(prediction('p1', 'succeeded', { completed_at: '2026-11-20T10:00:03.000Z', output: 'hello', metrics: { token_count: 42, timing: { preprocess: 0.1 }, predict_time: 1.23 } }));
    e = await execution('p1');
    expect(e.status).toBe('succeeded');
    expect(e.summary).toEqual({ token_count: 42, timing: { preprocess: 0.1 }, predict_time: 1.23 });
    const series = (await getJson(`${server.url}/api/executions/cog-p1/series?key=${encodeURIComponent('@summary.token_count')}`)).json.series[0];
    expect(series.y).toEqual([10, 42]);
  });

  it('failed with an error', async () => {
    await hook(prediction('p2', 'processing'));
    await hook(prediction('p2', 'failed', { error: 'CUDA out of memory', metrics: { predict_time: 0.5 } }));
    expect(await execution('p2')).toMatchObject({ status: 'failed', error: 'CUDA out of memory', summary: { predict_time: 0.5 } });
  });

  it('repeated and out-of-order deliveries do not corrupt the execution', async () => {
    const done = prediction('p3', 'succeeded', { metrics: { token_count: 7, predict_time: 2 } });
    await hook(done);
    await hook(done);
    const late = await hook(prediction('p3', 'processing', { metrics: { token_count: 3 } }));
    expect(late.status).toBe(200);
    expect(await execution('p3')).toMatchObject({ status: 'succeeded', summary: { token_count: 7, predict_time: 2 } });
    await hook(prediction('p4', 'canceled'));
    await hook(prediction('p4', 'starting'));
    expect((await execution('p4')).status).toBe('cancelled');
  });

  it('rejects malformed payloads naming the field', async () => {
    const res = await hook({ id: 'x', status: 'exploded' });
    expect(res.status).toBe(400);
    expect(res.json.error).toMatch(/status: must be one of starting, processing, succeeded, failed, canceled/);
    expect((await hook({ status: 'starting' })).json.error).toMatch(/^id:/);
    expect((await hook(prediction('p5', 'starting', { created_at: 'yesterday', started_at: null }))).json.error).toMatch(/created_at: must be an ISO 8601 timestamp/);
  });

  it('a completed delivery arriving first creates and ends the execution in one go, predict_time exact', async () => {
    const res = await hook(prediction('p6', 'succeeded', {
      started_at: '2026-11-20T10:00:01.250000+00:00', completed_at: '2026-11-20T10:00:09.000000+00:00', output: ['a', 'b'],
      logs: 'step 1\nstep 2\n', urls: { get: 'https://example.invalid/p6' }, metrics: { predict_time: 0.523412, tokens: 2 },
    }));
    expect(res).toMatchObject({ status: 200, json: { ok: true, executionId: 'cog-p6' } });
    const e = await execution('p6');
    expect(e).toMatchObject({ status: 'succeeded', startedAt: Date.parse('2026-11-20T10:00:01.250Z'), summary: { tokens: 2, predict_time: 0.523412 } });
    expect(e.endedAt - e.startedAt).toBeCloseTo(523.412, 3); // epoch ms in a double keep ~0.25 µs
  });

  it('out-of-order processing deliveries, type changes and vanished keys end with the summary equal to the final metrics', async () => {
    await hook(prediction('p7', 'starting'));
    await hook(prediction('p7', 'processing', { metrics: { tokens: 5, success_rate: 1, stage: 'load', scratch: true } }));
    // An older delivery arriving late: fewer tokens, no success_rate yet.
    await hook(prediction('p7', 'processing', { metrics: { tokens: 2, stage: 'load' } }));
    // success_rate changes type (int → float): Cog's value must be taken, not refused.
    await hook(prediction('p7', 'processing', { metrics: { tokens: 9, success_rate: 0.5, stage: ['load', 'infer'] } }));
    expect((await execution('p7')).summary).toEqual({ tokens: 9, success_rate: 0.5, stage: ['load', 'infer'] });
    await hook(prediction('p7', 'succeeded', { metrics: { tokens: 12, success_rate: 0.75, stage: ['load', 'infer'], predict_time: 3 } }));
    expect((await execution('p7')).summary).toEqual({ tokens: 12, success_rate: 0.75, stage: ['load', 'infer'], predict_time: 3 });
    expect((await summarySeries('p7', 'tokens')).y).toEqual([5, 2, 9, 12]);
  });

  it('repeated deliveries add no summary points and no changes', async () => {
    const processing = prediction('p8', 'processing', { metrics: { tokens: 4 } });
    await hook(processing);
    await hook(processing);
    await hook(processing);
    expect((await summarySeries('p8', 'tokens')).y).toEqual([4]);
    const done = prediction('p8', 'succeeded', { metrics: { tokens: 4, predict_time: 1.5 } });
    await hook(done);
    const first = await execution('p8');
    await hook(done);
    await hook(processing);
    const again = await execution('p8');
    expect({ ...again, lastSeenAt: 0 }).toEqual({ ...first, lastSeenAt: 0 });
    expect(again).toMatchObject({ status: 'succeeded', summary: { tokens: 4, predict_time: 1.5 } });
  });

  it('metric names that break the key rules are renamed at every level and listed, and what cannot be kept is listed', async () => {
    await hook(prediction('p9', 'processing', { metrics: { 'tokens/sec': 41.5, '2nd_pass': true, odd: [1, null] } }));
    expect((await execution('p9')).summary).toEqual({
      tokens_sec: 41.5, m2nd_pass: true,
      plotline_renamed_metrics: ['tokens/sec → tokens_sec', '2nd_pass → m2nd_pass'],
      plotline_skipped_metrics: ['odd: value must not contain null inside arrays or objects'],
    });
  });

  it('the issue\'s example: val/AR@100 and a nested pre-process are renamed and listed; nested numbers are drawn over time', async () => {
    await hook(prediction('p20', 'processing', { metrics: { 'val/AR@100': 0.4, timing: { 'pre-process': 0.1, inference: 0.5 } } }));
    await hook(prediction('p20', 'processing', { metrics: { 'val/AR@100': 0.6, timing: { 'pre-process': 0.2, inference: 0.5 } } }));
    expect((await execution('p20')).summary).toEqual({
      val_AR_100: 0.6, timing: { pre_process: 0.2, inference: 0.5 },
      plotline_renamed_metrics: ['timing.pre-process → timing.pre_process', 'val/AR@100 → val_AR_100'],
    });
    expect((await summarySeries('p20', 'val_AR_100')).y).toEqual([0.4, 0.6]);
    expect((await summarySeries('p20', 'timing.pre_process')).y).toEqual([0.1, 0.2]);
    expect((await summarySeries('p20', 'timing.inference')).y).toEqual([0.5, 0.5]);
  });

  it('a delivery that changes nothing answers applied: false; one that changes something, true', async () => {
    const done = prediction('p21', 'succeeded', { metrics: { n: 1, predict_time: 1 } });
    expect((await hook(done)).json).toMatchObject({ ok: true, applied: true });
    expect((await hook(done)).json).toMatchObject({ ok: true, applied: false });
    expect((await hook(prediction('p21', 'processing', { metrics: { n: 0 } }))).json).toMatchObject({ applied: false });
    expect((await execution('p21')).summary).toEqual({ n: 1, predict_time: 1 });
    await hook(prediction('p22', 'processing', { metrics: { n: 1 } }));
    expect((await hook(prediction('p22', 'processing', { metrics: { n: 1 } }))).json).toMatchObject({ applied: false });
    expect((await hook(prediction('p22', 'processing', { metrics: { n: 2 } }))).json).toMatchObject({ applied: true });
  });

  it('streams each delivery live to a studio following the execution', async () => {
    const studio = new TestStreamClient(server.url, ['cog-p10']);
    try {
      await studio.connect();
      await hook(prediction('p10', 'processing', { metrics: { tokens: 3 } }));
      await studio.waitFor((ev) => ev.some((r) => r.event.type === 'summary' && r.event.executionId === 'cog-p10'));
      expect(studio.points('cog-p10', '@summary.tokens').y).toEqual([3]);
      await hook(prediction('p10', 'failed', { error: 'boom' }));
      await studio.waitFor((ev) => ev.some((r) => r.event.type === 'execution' && r.event.execution.id === 'cog-p10' && r.event.execution.status === 'failed'));
    } finally {
      studio.disconnect();
    }
  });

  it('odd prediction ids become valid, distinct execution ids', async () => {
    const a = await hook(prediction('run/1 a', 'starting'));
    const b = await hook(prediction('run-1-a', 'starting'));
    expect(a.json.executionId).toMatch(/^cog-run-1-a-[0-9a-f]+$/);
    expect(b.json.executionId).toBe('cog-run-1-a');
    const e = (await getJson(`${server.url}/api/executions/${a.json.executionId}`)).json.execution;
    expect(e.labels).toMatchObject({ source: 'cog', prediction: 'run/1 a' });
  });

  it('names the execution after ?model=, default "cog", and refuses a bad model name', async () => {
    await postJson(`${server.url}/api/ingest/cog`, prediction('p11', 'starting'));
    expect((await execution('p11')).name).toBe('cog');
    const bad = await hook(prediction('p12', 'starting'), ' spaced ');
    expect(bad.status).toBe(400);
    expect(bad.json.error).toMatch(/^model:/);
    expect((await getJson(`${server.url}/api/executions/cog-p12`)).status).toBe(404);
  });
});

describe('Cog values a page cannot show (issue 19, fault 8)', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer({ port: 0, db: ':memory:' });
  });
  afterAll(() => server.close());
  const post = (body: unknown) => postJson(`${server.url}/api/ingest/cog?model=acme/m`, body);

  it('predict_time: 1e308 ends the prediction at completed_at, keeps a real predict_time and says why', async () => {
    // One clock reading for both ends: two readings a millisecond apart made it 3.001 s under load.
    const now = Date.now();
    const started = new Date(now - 5000).toISOString();
    const completed = new Date(now - 2000).toISOString();
    const res = await post({ id: 'huge', status: 'succeeded', started_at: started, completed_at: completed, metrics: { predict_time: 1e308, tokens: 3 } });
    expect(res.status).toBe(200);
    const e = (await getJson(`${server.url}/api/executions/cog-huge`)).json.execution;
    expect(e.endedAt).toBe(Date.parse(completed));
    expect(e.summary.predict_time).toBeCloseTo(3, 3);
    expect(e.summary.plotline_skipped_metrics.join(' ')).toMatch(/predict_time: 1e\+308 is not a plausible duration/);
  });

  it('a start time outside what a page can show is replaced by the server clock, and said', async () => {
    const res = await post({ id: 'future', status: 'processing', created_at: '9999-01-01T00:00:00Z', metrics: { tokens: 1 } });
    expect(res.status).toBe(200);
    const e = (await getJson(`${server.url}/api/executions/cog-future`)).json.execution;
    expect(Math.abs(e.startedAt - Date.now())).toBeLessThan(60_000);
    expect(e.summary.plotline_skipped_metrics.join(' ')).toMatch(/created_at: 9999-01-01T00:00:00Z is not a plausible time/);
  });
});
