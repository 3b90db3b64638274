import { afterAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../src/server/index.js';
import { freshPgDb, PG_URL, sayPgSkipped } from './helpers/pg.js';
import { getJson, tempDbPath } from './helpers/server.js';
import { TestStreamClient } from './helpers/sse-client.js';

/**
 * Summary numbers are exact like points: −0 stays −0 (JSON.stringify wrote it `0`) when stored, read back through GET and
 * the list, on the live stream (across replicas on PostgreSQL) and in the runs CSV. A number beyond 2^53 is the double
 * JSON gives for it (9007199254740993 reads as 9007199254740992), and is not changed further.
 */

// Written by hand: JSON.stringify(-0) is "0", so a body built with it could not carry −0.
const ops = (id: string) => `{"executions":[{"id":"${id}","start":{"name":"${id}"},"summary":[{"key":"neg","value":-0},`
  + '{"key":"obj","value":{"a":-0,"b":[-0,1]}},{"key":"zero","value":0},{"key":"big","value":9007199254740993},{"key":"huge","value":1e300}]}]}';

async function post(url: string, body: string): Promise<number> {
  return (await fetch(`${url}/api/ingest`, { method: 'POST', headers: { 'content-type': 'application/json' }, body })).status;
}

/** Checks the summary as GET answers it: its text writes −0 as -0, and parsing it gives −0 back. */
async function expectExactSummary(url: string, id: string, zero: 0 | -0 = 0): Promise<void> {
  const text = await (await fetch(`${url}/api/executions/${id}`)).text();
  expect(text).toContain('"neg":-0');
  const { summary } = JSON.parse(text).execution;
  expect(Object.is(summary.neg, -0)).toBe(true);
  expect(Object.is(summary.obj.a, -0)).toBe(true);
  expect(Object.is(summary.obj.b[0], -0)).toBe(true);
  expect(summary.obj.b[1]).toBe(1);
  expect(Object.is(summary.zero, zero)).toBe(true);
  expect(summary.big).toBe(9007199254740992);
  expect(summary.huge).toBe(1e300);
  // The list's summary columns too.
  const list = (await getJson(`${url}/api/executions?summary=neg&summary=big`)).json.executions.find((e: { id: string }) => e.id === id);
  expect(Object.is(list.summary.neg, -0)).toBe(true);
  expect(list.summary.big).toBe(9007199254740992);
}

/** Stores −0 summaries, checks every read; `reopen` gives a server that reads them from the store (not from memory). */
function exactSummaries(name: string, open: () => Promise<{ first: RunningServer; reopen: () => Promise<RunningServer>; done: () => Promise<void> }>) {
  describe(`summary numbers are exact (${name})`, () => {
    let first: RunningServer;
    let reopen: () => Promise<RunningServer>;
    let done: () => Promise<void> = async () => {};
    afterAll(() => done());

    it('stores −0 and reads it back as -0 through GET, the list and the runs CSV; a number past 2^53 as JSON read it', async () => {
      ({ first, reopen, done } = await open());
      expect(await post(first.url, ops('sx'))).toBe(200);
      await expectExactSummary(first.url, 'sx');
      const csv = await (await fetch(`${first.url}/api/executions.csv?col=summary:neg&col=summary:obj&col=summary:big`)).text();
      expect(csv).toContain(',-0,"{""a"":-0,""b"":[-0,1]}",9007199254740992');
    });

    it('0 → −0 is a change: stored, and streamed to a follower as -0', async () => {
      const follower = new TestStreamClient(first.url, ['sx']);
      await follower.connect();
      try {
        const from = follower.events.length;
        expect(await post(first.url, '{"executions":[{"id":"sx","summary":[{"key":"zero","value":-0}]}]}')).toBe(200);
        await follower.waitFor((events) => events.some((e) => e.event.type === 'summary'), 5000, from);
        const event = follower.events.slice(from).find((e) => e.event.type === 'summary')!.event as { set: Record<string, unknown> };
        expect(Object.keys(event.set)).toEqual(['zero']);
        expect(Object.is(event.set.zero, -0)).toBe(true);
        await expectExactSummary(first.url, 'sx', -0);
      } finally {
        follower.disconnect();
      }
    });

    it('reads the same from the store alone (another server on the same store)', async () => {
      const other = await reopen();
      try {
        await expectExactSummary(other.url, 'sx', -0);
      } finally {
        if (other !== first) await other.close();
      }
    });
  });
}

exactSummaries('SQLite file', async () => {
  const db = tempDbPath();
  let server = await startServer({ port: 0, db });
  return {
    first: server,
    reopen: async () => {
      await server.close();
      server = await startServer({ port: 0, db });
      return server;
    },
    done: () => server.close(),
  };
});

if (PG_URL) {
  exactSummaries('PostgreSQL', async () => {
    const pg = freshPgDb();
    const first = await startServer({ port: 0, db: pg.url });
    const replicas: RunningServer[] = [];
    return {
      first,
      reopen: async () => {
        const r = await startServer({ port: 0, db: pg.url });
        replicas.push(r);
        return r;
      },
      done: async () => {
        await first.close();
        await pg.drop();
      },
    };
  });

  describe('summary −0 across replicas (PostgreSQL)', () => {
    it('a follower of another replica gets −0 in the summary event', async () => {
      const pg = freshPgDb();
      const a = await startServer({ port: 0, db: pg.url });
      const b = await startServer({ port: 0, db: pg.url });
      const follower = new TestStreamClient(b.url, ['rx']);
      try {
        await follower.connect();
        const from = follower.events.length;
        expect(await post(a.url, ops('rx'))).toBe(200);
        await follower.waitFor((events) => events.some((e) => e.event.type === 'summary'), 5000, from);
        const event = follower.events.slice(from).find((e) => e.event.type === 'summary')!.event as { set: Record<string, any> };
        expect(Object.is(event.set.neg, -0)).toBe(true);
        expect(Object.is(event.set.obj.b[0], -0)).toBe(true);
      } finally {
        follower.disconnect();
        await a.close();
        await b.close();
        await pg.drop();
      }
    });
  });
} else {
  sayPgSkipped('summary −0 on PostgreSQL and across replicas');
}
