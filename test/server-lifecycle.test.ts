import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../src/server/index.js';
import { getJson, postJson } from './helpers/server.js';

let server: RunningServer;
beforeAll(async () => {
  server = await startServer({ port: 0, db: ':memory:', lostAfterMs: 300 });
});
afterAll(() => server.close());

const ingest = (body: unknown) => postJson(`${server.url}/api/ingest`, body);
const status = async (id: string) => (await getJson(`${server.url}/api/executions/${id}`)).json.execution.status;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('execution lifecycle', () => {
  it('ends with the given status and error', async () => {
    await ingest({ executions: [{ id: 'e-ok', start: { name: 'job' } }] });
    await ingest({ executions: [{ id: 'e-ok', end: { status: 'succeeded' } }] });
    await ingest({ executions: [{ id: 'e-fail', start: { name: 'job' }, end: { status: 'failed', error: 'boom' } }] });
    await ingest({ executions: [{ id: 'e-cancel', start: { name: 'job' }, end: { status: 'cancelled' } }] });
    expect(await status('e-ok')).toBe('succeeded');
    const failed = (await getJson(`${server.url}/api/executions/e-fail`)).json.execution;
    expect(failed).toMatchObject({ status: 'failed', error: 'boom' });
    expect(failed.endedAt).toBeGreaterThanOrEqual(failed.startedAt);
    expect(await status('e-cancel')).toBe('cancelled');
  });

  it('shows a silent execution as lost after the timeout, and running again when data arrives', async () => {
    await ingest({ executions: [{ id: 'e-silent', start: { name: 'quiet job' }, points: [{ key: 'a', x: [1], y: [1] }] }] });
    expect(await status('e-silent')).toBe('running');
    await sleep(900);
    expect(await status('e-silent')).toBe('lost');
    const res = await ingest({ executions: [{ id: 'e-silent', points: [{ key: 'a', x: [2], y: [2] }] }] });
    expect(res.status).toBe(200);
    expect(await status('e-silent')).toBe('running');
  });

  it('refuses new points for an execution that has ended', async () => {
    const res = await ingest({ executions: [{ id: 'e-ok', points: [{ key: 'a', x: [1], y: [1] }] }] });
    expect(res.status).toBe(409);
    expect(res.json.error).toMatch(/ended/);
  });
});

describe('listing executions', () => {
  it('lists newest first, filters by status and name, and pages', async () => {
    const base = Date.now() + 10_000;
    for (let i = 0; i < 7; i++) {
      await ingest({ executions: [{ id: `list-${i}`, start: { name: i % 2 ? 'Predict-odd' : 'train-even', startedAt: base + i * 1000 }, ...(i % 3 === 0 && { end: { status: 'succeeded' } }) }] });
    }
    const first = (await getJson(`${server.url}/api/executions?limit=3`)).json;
    expect(first.executions.map((e: { id: string }) => e.id)).toEqual(['list-6', 'list-5', 'list-4']);
    const second = (await getJson(`${server.url}/api/executions?limit=3&cursor=${encodeURIComponent(first.nextCursor)}`)).json;
    expect(second.executions.map((e: { id: string }) => e.id)).toEqual(['list-3', 'list-2', 'list-1']);
    const byName = (await getJson(`${server.url}/api/executions?q=predict`)).json;
    expect(byName.executions.map((e: { id: string }) => e.id)).toEqual(['list-5', 'list-3', 'list-1']);
    const byStatus = (await getJson(`${server.url}/api/executions?status=succeeded&q=even`)).json;
    expect(byStatus.executions.map((e: { id: string }) => e.id)).toEqual(['list-6', 'list-0']);
  });
});
