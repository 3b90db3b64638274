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
});
