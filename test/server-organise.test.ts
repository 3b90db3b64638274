import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_NOTE_LENGTH } from '../src/protocol/index.js';
import { startServer, type RunningServer } from '../src/server/index.js';
import { getJson, postJson } from './helpers/server.js';
import { TestStreamClient } from './helpers/sse-client.js';

/** Organising runs: DELETE and PATCH /api/executions/:id, told to open pages on the stream, guarded by --token. */

const TOKEN = 'organise-secret';
let server: RunningServer;
const auth = { authorization: `Bearer ${TOKEN}` };

async function send(method: string, path: string, body?: unknown, headers: Record<string, string> = auth): Promise<{ status: number; json: any }> {
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers: { ...headers, ...(body !== undefined && { 'content-type': 'application/json' }) },
    ...(body !== undefined && { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  return { status: res.status, json: await res.json() };
}

async function seed(id: string, labels: Record<string, string>, acc: number): Promise<void> {
  const res = await postJson(`${server.url}/api/ingest`, {
    executions: [{
      id, start: { name: `run ${id}`, labels },
      points: [{ key: 'loss', x: [1, 2, 3], y: [3, 2, 1] }],
      summary: [{ key: 'acc', value: acc, mode: 'replace' }],
    }],
  }, auth);
  expect(res.status).toBe(200);
}

const ids = async (query: string) => (await getJson(`${server.url}/api/executions?${query}`, auth)).json.executions.map((e: { id: string }) => e.id);

beforeAll(async () => {
  server = await startServer({ port: 0, db: ':memory:', token: TOKEN });
  await seed('keep', { model: 'r50' }, 0.5);
  await seed('gone', { model: 'r50' }, 0.9);
  await seed('other', { model: 'vit' }, 0.7);
});
afterAll(() => server.close());

describe('DELETE /api/executions/:id', () => {
  it('needs the token like every write', async () => {
    expect((await send('DELETE', '/api/executions/gone', undefined, {})).status).toBe(401);
    expect((await send('DELETE', '/api/executions/gone', undefined, { authorization: 'Bearer wrong' })).status).toBe(401);
    expect(await ids('')).toContain('gone');
  });

  it('removes the execution with its series, from every filter and sort, and tells open pages', async () => {
    const stream = new TestStreamClient(server.url, [], [], auth);
    await stream.connect();
    const res = await send('DELETE', '/api/executions/gone');
    expect(res).toEqual({ status: 200, json: { ok: true, id: 'gone' } });
    await stream.waitFor((events) => events.some((e) => e.event.type === 'deleted' && (e.event as { id: string }).id === 'gone'));
    stream.disconnect();
    expect((await getJson(`${server.url}/api/executions/gone`, auth)).status).toBe(404);
    expect((await getJson(`${server.url}/api/executions/gone/series?key=loss`, auth)).status).toBe(404);
    expect(await ids('')).not.toContain('gone');
    expect(await ids('label=model:r50')).toEqual(['keep']);
    expect(await ids('sort=-summary.acc')).toEqual(['other', 'keep']);
    expect(await ids('where=summary.acc>0.8')).toEqual([]);
  });

  it('answers 404 naming the id when there is no such execution', async () => {
    const res = await send('DELETE', '/api/executions/never');
    expect(res.status).toBe(404);
    expect(res.json).toMatchObject({ path: 'id', error: 'id: no execution "never"' });
  });

  it('lets the id start a new execution afterwards, with none of the old points', async () => {
    await seed('gone', {}, 0.1);
    const detail = (await getJson(`${server.url}/api/executions/gone/series?key=loss`, auth)).json;
    expect(detail.series[0].x).toEqual([1, 2, 3]);
  });
});

describe('PATCH /api/executions/:id', () => {
  it('replaces labels and sets a note; filters follow; the stream carries the new execution', async () => {
    const stream = new TestStreamClient(server.url, [], [], auth);
    await stream.connect();
    const res = await send('PATCH', '/api/executions/keep', { labels: { model: 'r101', team: 'vision' }, note: 'best so far; lr too high at the end' });
    expect(res.status).toBe(200);
    expect(res.json.execution).toMatchObject({ id: 'keep', labels: { model: 'r101', team: 'vision' }, note: 'best so far; lr too high at the end' });
    await stream.waitFor((events) => events.some((e) => e.event.type === 'execution' && (e.event as any).execution.note === 'best so far; lr too high at the end'));
    stream.disconnect();
    expect(await ids('label=model:r50')).toEqual([]);
    expect(await ids('label=team:vision&label=model:r101')).toEqual(['keep']);
    expect((await getJson(`${server.url}/api/executions/keep`, auth)).json.execution.note).toBe('best so far; lr too high at the end');
  });

  it('a note alone keeps the labels; null or "" removes the note', async () => {
    await send('PATCH', '/api/executions/keep', { note: 'second thoughts' });
    let e = (await getJson(`${server.url}/api/executions/keep`, auth)).json.execution;
    expect(e).toMatchObject({ labels: { model: 'r101', team: 'vision' }, note: 'second thoughts' });
    await send('PATCH', '/api/executions/keep', { note: null });
    e = (await getJson(`${server.url}/api/executions/keep`, auth)).json.execution;
    expect(e.note).toBeUndefined();
  });

  it('refuses bad bodies naming the field and the rule, changing nothing', async () => {
    const before = (await getJson(`${server.url}/api/executions/other`, auth)).json.execution;
    const cases: [unknown, string, RegExp][] = [
      [{}, 'body', /must set "labels", "note" or both/],
      [null, 'body', /must be a JSON object \(got null\)/],
      [{ labels: { model: 3 } }, 'labels.model', /must be a string/],
      [{ labels: 'x' }, 'labels', /must be an object/],
      [{ note: 'x'.repeat(MAX_NOTE_LENGTH + 1) }, 'note', /at most 10000 characters/],
      [{ note: 'ok', status: 'failed' }, 'status', /not a known field/],
      ['not json', 'body', /valid JSON/],
    ];
    for (const [body, path, rule] of cases) {
      const res = await send('PATCH', '/api/executions/other', body);
      expect(res.status, JSON.stringify(body).slice(0, 40)).toBe(400);
      expect(res.json.error).toMatch(rule);
      if (path) expect(res.json.path).toBe(path);
    }
    expect((await send('PATCH', '/api/executions/nope', { note: 'x' })).status).toBe(404);
    expect((await send('PATCH', '/api/executions/other', { note: 'x' }, {})).status).toBe(401);
    expect((await getJson(`${server.url}/api/executions/other`, auth)).json.execution).toEqual(before);
  });
});
