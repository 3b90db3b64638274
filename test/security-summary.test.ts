import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LIMITS, type StreamEvent } from '../src/protocol/index.js';
import { startServer, type RunningServer } from '../src/server/index.js';
import { getJson, postJson, storeSnapshot } from './helpers/server.js';
import { TestStreamClient } from './helpers/sse-client.js';

/** Issue 19, fault 6: summary size, and what of it travels to lists and streams. */
describe('summary size', () => {
  let server: RunningServer;
  const ingest = (body: unknown) => postJson(`${server.url}/api/ingest`, body);
  beforeAll(async () => {
    server = await startServer({ port: 0, db: ':memory:' });
    await ingest({ executions: [{ id: 's', start: { name: 'summaries' }, summary: [{ key: 'loss', value: 0.5 }, { key: 'tag', value: 'v1' }] }] });
  });
  afterAll(() => server.close());

  it('appending 1 MiB values: the append that would pass 1 MiB is refused by name, the store unchanged', async () => {
    const mib = 'x'.repeat(1024 * 1024 - 100);
    const first = await ingest({ executions: [{ id: 's', summary: [{ key: 'blob', value: mib, mode: 'append' }] }] });
    expect(first.status).toBe(200);
    const before = await storeSnapshot(server.url);
    const second = await ingest({ executions: [{ id: 's', summary: [{ key: 'blob', value: mib, mode: 'append' }] }] });
    expect(second.status).toBe(400);
    expect(second.json.path).toBe('executions[0].summary');
    expect(second.json.rule).toMatch(new RegExp(`at most ${LIMITS.maxSummaryBytes} bytes`));
    expect(await storeSnapshot(server.url)).toEqual(before);
    // Deleting the big key makes room again.
    expect((await ingest({ executions: [{ id: 's', summary: [{ key: 'blob', value: null }] }] })).status).toBe(200);
  });

  it('caps summary operations per batch (100,000 blocked the server 3.6 s)', async () => {
    const ops = Array.from({ length: 100_000 }, (_, i) => ({ key: 'n', value: i }));
    const res = await ingest({ executions: [{ id: 's', summary: ops }] });
    expect(res.status).toBe(400);
    expect(res.json.path).toBe('executions[0].summary');
    expect(res.json.rule).toMatch(new RegExp(`at most ${LIMITS.maxSummaryOpsPerBatch}`));
  });

  it('lists and list updates carry a bounded preview; followers get changes, not whole summaries', async () => {
    const nobody = new TestStreamClient(server.url, []);
    const follower = new TestStreamClient(server.url, ['s']);
    try {
      await nobody.connect();
      await follower.connect();
      const big = 'y'.repeat(500_000);
      expect((await ingest({ executions: [{ id: 's', summary: [{ key: 'notes', value: big }, { key: 'step', value: 7 }] }] })).status).toBe(200);
      await follower.waitFor((ev) => ev.some((e) => e.event.type === 'summary'));
      await nobody.waitFor((ev) => ev.some((e) => e.event.type === 'execution'));
      const update = nobody.events.find((e) => e.event.type === 'execution')!.event as Extract<StreamEvent, { type: 'execution' }>;
      expect(JSON.stringify(update).length).toBeLessThan(8192);
      expect(update.execution.summary).toEqual({ loss: 0.5, tag: 'v1', step: 7 });
      const change = follower.events.find((e) => e.event.type === 'summary')!.event as Extract<StreamEvent, { type: 'summary' }>;
      expect(change).toMatchObject({ set: { notes: big, step: 7 }, deleted: [] });
      expect(Object.keys(change.set).sort()).toEqual(['notes', 'step']);
      const list = (await getJson(`${server.url}/api/executions`)).json;
      expect(list.executions[0].summary).toEqual({ loss: 0.5, tag: 'v1', step: 7 });
      // The execution's own page still gets the whole summary.
      expect((await getJson(`${server.url}/api/executions/s`)).json.execution.summary.notes).toBe(big);
    } finally {
      nobody.disconnect();
      follower.disconnect();
    }
  });

  it('a list carries only the summary paths asked for (the runs table\'s columns): a 1 MiB summary does not travel', async () => {
    const blob = 'z'.repeat(1024 * 1024 - 4096);
    expect((await ingest({
      executions: [{
        id: 'big-summary', start: { name: 'big summary' },
        summary: [{ key: 'blob', value: blob }, { key: 'acc', value: 0.91 }, { key: 'eval.loss', value: 0.2 }, { key: 'eval.f1', value: 0.8 }, { key: 'model', value: 'r50' }],
      }],
    })).status).toBe(200);
    const list = async (query: string) => {
      const res = await fetch(`${server.url}/api/executions?q=big%20summary${query}`);
      const text = await res.text();
      return { status: res.status, bytes: text.length, json: JSON.parse(text) };
    };
    const asked = await list('&summary=acc&summary=eval.loss&summary=missing');
    expect(asked.status).toBe(200);
    expect(asked.json.executions[0].summary).toEqual({ acc: 0.91, eval: { loss: 0.2 } });
    expect(asked.bytes).toBeLessThan(2048);
    // A path to an object brings its leaves (as a table cell shows them); asking for the blob brings nothing of it.
    expect((await list('&summary=eval&summary=blob')).json.executions[0].summary).toEqual({ eval: { loss: 0.2, f1: 0.8 } });
    // An empty summary= asks for none; without the parameter each execution carries its bounded preview.
    expect((await list('&summary=')).json.executions[0].summary).toEqual({});
    const preview = await list('');
    expect(preview.json.executions[0].summary).toEqual({ acc: 0.91, eval: { loss: 0.2, f1: 0.8 }, model: 'r50' });
    expect(preview.bytes).toBeLessThan(8192);
    // The execution's page still has all of it.
    expect((await getJson(`${server.url}/api/executions/big-summary`)).json.execution.summary.blob).toBe(blob);
    const tooMany = await list(Array.from({ length: 101 }, (_, i) => `&summary=k${i}`).join(''));
    expect(tooMany.status).toBe(400);
    expect(tooMany.json.path).toBe('summary');
  });
});
