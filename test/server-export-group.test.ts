import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, Metric, MetricGroup, type Client } from '../src/sdk/index.js';
import { startServer, type RunningServer } from '../src/server/index.js';
import { getJson } from './helpers/server.js';
import { freshPgDb, PG_URL, sayPgSkipped } from './helpers/pg.js';

// A panel of 2,000 series (Node SDK, 5 points each) exports whole: named by its group, the URL stays short.
const SERIES = 2000;
const POINTS = 5;
const value = (s: number, i: number) => (s + 1) / 7 + i * 0.1; // not exact in binary: the text must round-trip

const stores: Array<[string, () => { url: string; drop: () => Promise<void> }]> = [['SQLite', () => ({ url: ':memory:', drop: async () => {} })]];
if (PG_URL) stores.push(['PostgreSQL', freshPgDb]);
else sayPgSkipped('the group export on PostgreSQL');

for (const [store, open] of stores) describe(`${store}: export of a group with thousands of series`, () => {
  let server: RunningServer;
  let client: Client;
  let id = '';
  let drop = async () => {};

  beforeAll(async () => {
    const db = open();
    drop = db.drop;
    server = await startServer({ port: 0, db: db.url });
    client = connect({ url: server.url });
    const group = new MetricGroup('many');
    const metrics = Array.from({ length: SERIES }, (_, s) => new Metric(`s${s}`, { group, throttle: null }));
    await client.withExecution('many', async (e) => {
      id = e.id;
      for (let i = 0; i < POINTS; i++) metrics.forEach((m, s) => m.record(value(s, i), { at: i }));
    });
  }, 120_000);
  afterAll(async () => {
    await client.close();
    await server.close();
    await drop();
  });

  const exportUrl = (query: string) => `${server.url}/api/executions/${id}/export?${query}`;

  describe('group export', () => {
    it('group=<name> gives a CSV of 2,001 columns and every row, values round-tripping', async () => {
      const res = await fetch(exportUrl('group=many&format=csv'));
      expect(res.status).toBe(200);
      const lines = (await res.text()).trimEnd().split('\n');
      expect(lines).toHaveLength(POINTS + 1);
      const header = lines[0]!.split(',');
      expect(header).toHaveLength(SERIES + 1);
      expect(header.slice(0, 3)).toEqual(['x', 's0', 's1']);
      expect(header.at(-1)).toBe(`s${SERIES - 1}`);
      for (let i = 0; i < POINTS; i++) {
        const cells = lines[i + 1]!.split(',').map(Number);
        expect(cells).toHaveLength(SERIES + 1);
        expect(cells[0]).toBe(i);
        for (let s = 0; s < SERIES; s++) expect(cells[s + 1]).toBe(value(s, i));
      }
    });

    it('omit leaves hidden series out; the JSON form holds every series', async () => {
      const csv = await (await fetch(exportUrl('group=many&omit=s0&omit=s5'))).text();
      const header = csv.split('\n')[0]!.split(',');
      expect(header).toHaveLength(SERIES - 1);
      expect(header).not.toContain('s5');
      const json = (await (await fetch(exportUrl('group=many&format=json&from=1&to=3'))).json()) as { series: Array<{ key: string; points: number[][] }> };
      expect(json.series).toHaveLength(SERIES);
      expect(json.series[1999]).toEqual({ key: 's1999', points: [1, 2, 3].map((i) => [i, value(1999, i)]) });
    });

    it('refuses clearly: key with group, omit without group, an unknown group, 300 keys', async () => {
      expect(await getJson(exportUrl('group=many&key=s1'))).toMatchObject({ status: 400, json: { path: 'group' } });
      expect(await getJson(exportUrl('key=s1&omit=s2'))).toMatchObject({ status: 400, json: { path: 'omit' } });
      expect(await getJson(exportUrl('group=nope'))).toMatchObject({ status: 404, json: { path: 'group' } });
      const keys = Array.from({ length: 300 }, (_, s) => `key=s${s}`).join('&');
      expect(await getJson(exportUrl(keys))).toMatchObject({ status: 400, json: { path: 'key', error: expect.stringMatching(/group/) } });
    });
  });
});
