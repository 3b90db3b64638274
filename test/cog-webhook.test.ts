import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../src/server/index.js';
import { getJson, postJson } from './helpers/server.js';

let server: RunningServer;
beforeAll(async () => {
  server = await startServer({ port: 0, db: ':memory:', quiet: true });
});
afterAll(() => server.close());

const hook = (body: unknown, model = 'acme/llm') => postJson(`${server.url}/api/ingest/cog?model=${encodeURIComponent(model)}`, body);
const execution = async (id: string) => (await getJson(`${server.url}/api/executions/cog-${id}`)).json.execution;

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
});
