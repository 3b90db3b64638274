/**
 * Issue 11's examples, SDK → real server (random port): nothing recorded is lost or changed silently. The synchronous-loop
 * and spool examples are in sdk-spool.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, Metric, recordMetric, type Client } from '../src/sdk/index.js';
import { startServer, type RunningServer } from '../src/server/index.js';
import { freshPgDb, PG_URL, sayPgSkipped } from './helpers/pg.js';
import { getJson, postBody, postJson } from './helpers/server.js';
import { TestStreamClient } from './helpers/sse-client.js';

let server: RunningServer;
let client: Client;
const warnings: string[] = [];
sayPgSkipped('sdk-faults on PostgreSQL');
// The same examples on every backend: rewinds and the reported counts are stored by each (and streamed through its feed).
const backends: Array<[string, () => { url: string; drop: () => Promise<void> }]> = [
  ['SQLite', () => ({ url: ':memory:', drop: async () => {} })],
  ...(PG_URL ? [['PostgreSQL', freshPgDb] as [string, typeof freshPgDb]] : []),
];

const detail = async (id: string) => (await getJson(`${server.url}/api/executions/${id}`)).json;
const series = async (id: string, key: string) =>
  (await getJson(`${server.url}/api/executions/${id}/series?key=${encodeURIComponent(key)}`)).json.series[0];
const ingest = (body: unknown) => postJson(`${server.url}/api/ingest`, body);
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe.each(backends)('%s', (_name, database) => {
  let db: ReturnType<typeof database>;
  beforeAll(async () => {
    db = database();
    server = await startServer({ port: 0, db: db.url });
    client = connect({ url: server.url, spool: false, warn: (m) => warnings.push(m) });
  });
  afterAll(async () => {
    await client.close();
    await server.close();
    await db.drop();
  });

  describe('throttling that looked like loss', () => {
    it('a 20,000-step loop at the default throttle: one warning with the count and the remedy; end() and the execution report the total', async () => {
      warnings.length = 0;
      const loss = new Metric('throttled_loss'); // default: 10 values per second
      const e = client.startExecution('throttled');
      e.run(() => { for (let step = 1; step <= 20_000; step++) loss.record(1 / step, { at: step }); });
      const told = warnings.filter((w) => w.includes('"throttled_loss"'));
      expect(told).toHaveLength(1);
      expect(told[0]).toMatch(/throttled to 10 values per second \(the default\): 1 values recorded with \{ at \} were discarded so far.*throttle: null/);
      const report = await e.end();
      const s = await series(e.id, 'throttled_loss');
      expect(report.discarded).toEqual({ throttled_loss: { throttled: 20_000 - s.total } });
      expect(s.x.at(-1)).toBe(20_000);
      expect((await detail(e.id)).execution.discarded).toEqual({ throttled_loss: { throttled: 20_000 - s.total } });
      expect(warnings.filter((w) => w.includes('"throttled_loss"'))).toHaveLength(1);
    });

    it('says nothing about the throttle for values recorded without { at } (elapsed time), and nothing at all with throttle: null', async () => {
      warnings.length = 0;
      const wall = new Metric('wall_throttled');
      const every = new Metric('every_step', { throttle: null });
      const e = client.startExecution('quiet-throttle');
      e.run(() => { for (let i = 0; i < 1000; i++) { wall.record(i); every.record(i, { at: i }); } });
      const report = await e.end();
      expect(warnings).toEqual([]);
      expect(report.discarded.every_step).toBeUndefined();
      expect(report.discarded.wall_throttled!.throttled).toBeGreaterThan(900);
    });
  });

  describe('restarted runs', () => {
    it('at 1..10 then rewind(7) and 7..15: the series is 1..15, nothing refused; every series of the execution is rewound', async () => {
      warnings.length = 0;
      const loss = new Metric('rw_loss', { throttle: null });
      const acc = new Metric('rw_acc', { throttle: null });
      const e = client.startExecution('resumed');
      e.run(() => { for (let s = 1; s <= 10; s++) { loss.record(s, { at: s }); acc.record(s / 10, { at: s }); } });
      await e.flush();
      const stream = new TestStreamClient(server.url, [e.id]);
      await stream.connect();
      try {
        e.rewind(7);
        e.run(() => { for (let s = 7; s <= 15; s++) loss.record(100 + s, { at: s }); });
        const report = await e.end();
        expect(report.discarded).toEqual({});
        expect(warnings).toEqual([]);
        const l = await series(e.id, 'rw_loss');
        expect(l.x).toEqual(range(1, 15));
        expect(l.y).toEqual([...range(1, 6), ...range(107, 115)]);
        expect((await series(e.id, 'rw_acc')).x).toEqual(range(1, 6));
        const d = await detail(e.id);
        expect(d.series.find((s: { key: string }) => s.key === 'rw_acc')).toMatchObject({ count: 6, maxX: 6, lastY: 0.6 });
        expect(d.series.find((s: { key: string }) => s.key === 'rw_loss')).toMatchObject({ count: 15, maxX: 15, lastY: 115 });
        // The rewind streams before the points recorded after it (a replica's feed may still deliver older points first).
        await stream.waitFor((ev) => ev.some((r) => r.event.type === 'points' && r.event.series.some((p) => p.x.includes(15))));
        const at = stream.events.findIndex((r) => r.event.type === 'rewind');
        expect(stream.events[at]!.event).toEqual({ type: 'rewind', executionId: e.id, x: 7 });
        const after = stream.events.slice(at + 1).flatMap((r) => (r.event.type === 'points' ? r.event.series.filter((p) => p.key === 'rw_loss') : []));
        expect(after.flatMap((p) => p.x)).toEqual(range(7, 15));
      } finally {
        stream.disconnect();
      }
    });

    it('without a rewind, 7..15 after 1..10 refuses 4 points (7..10), warns once, end() and the execution report the count', async () => {
      warnings.length = 0;
      const loss = new Metric('norw_loss', { throttle: null });
      const e = client.startExecution('not-rewound');
      e.run(() => { for (let s = 1; s <= 10; s++) loss.record(s, { at: s }); });
      e.run(() => { for (let s = 7; s <= 15; s++) loss.record(s, { at: s }); });
      const report = await e.end();
      expect(report.discarded).toEqual({ norw_loss: { xNotIncreasing: 4 } });
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(/"norw_loss": at=7 is not greater than the previous x \(10\).*execution\.rewind/);
      expect((await series(e.id, 'norw_loss')).x).toEqual(range(1, 15));
      expect((await detail(e.id)).execution.discarded).toEqual({ norw_loss: { xNotIncreasing: 4 } });
    });

    it('rewinding drops points still waiting in the SDK, a trailing throttled value beyond x, and works before the first batch left', async () => {
      const m = new Metric('rw_pending', { throttle: null });
      const t = new Metric('rw_trailing', { throttle: 1 });
      const e = client.startExecution('rewind-pending');
      e.run(() => { for (let s = 1; s <= 10; s++) { m.record(s, { at: s }); t.record(s, { at: s }); } });
      e.rewind(5);
      e.run(() => { m.record(50, { at: 5 }); t.record(50, { at: 5 }); });
      await e.end();
      expect((await series(e.id, 'rw_pending')).x).toEqual([1, 2, 3, 4, 5]);
      expect((await series(e.id, 'rw_trailing')).x).toEqual([1, 5]);
    });

    it('HTTP: {"rewind": {"x": X}} on an execution item applies before its points, for every series; a bad rewind is refused by name', async () => {
      const id = 'http-rewind';
      expect((await ingest({ executions: [{ id, start: { name: 'r' }, points: [{ key: 'a', x: range(1, 10), y: range(1, 10) }, { key: 'b', x: [1, 8], y: [1, 8] }] }] })).status).toBe(200);
      const res = await ingest({ executions: [{ id, rewind: { x: 7 }, points: [{ key: 'a', x: range(7, 12), y: range(7, 12).map((v) => -v) }] }] });
      expect(res.status).toBe(200);
      expect((await series(id, 'a')).x).toEqual(range(1, 12));
      expect((await series(id, 'b')).x).toEqual([1]);
      // Rewinding to before every point empties the series; recording starts over.
      expect((await ingest({ executions: [{ id, rewind: { x: 0 }, points: [{ key: 'b', x: [0.5], y: [5] }] }] })).status).toBe(200);
      expect((await series(id, 'a')).total).toBe(0);
      expect((await series(id, 'b')).x).toEqual([0.5]);
      // Still refused without a rewind, and after a rewind below what is kept.
      const refused = await ingest({ executions: [{ id, points: [{ key: 'b', x: [0.5], y: [1] }] }] });
      expect(refused.status).toBe(400);
      expect(refused.json.error).toMatch(/x must increase/);
      const bad = await ingest({ executions: [{ id, rewind: { x: 'NaN' } }] });
      expect(bad.status).toBe(400);
      expect(bad.json.error).toMatch(/executions\[0\]\.rewind\.x: must be a finite number/);
      const huge = await ingest({ executions: [{ id, rewind: { x: 2 ** 53 + 2 } }] });
      expect(huge.status).toBe(400);
      expect(huge.json.error).toMatch(/executions\[0\]\.rewind\.x: x must be at most 2\^53/);
      // 2^53 + 1 as sent by Python's json (an exact int): JSON.parse reads it as 2^53, within the limit, so it is
      // refused from its literal, and nothing of the batch is kept; 2^53 itself is kept exactly.
      const raw = (x: string) => postBody(`${server.url}/api/ingest`,
        `{"executions":[{"id":"${id}","points":[{"key":"big","x":[${x}],"y":[9007199254740993]}]}]}`, { 'content-type': 'application/json' });
      const rounded = await raw('9007199254740993');
      expect(rounded.status).toBe(400);
      expect(rounded.json.error).toBe('executions[0].points[0].x[0]: x must be at most 2^53 (9007199254740992) in magnitude; beyond it whole '
        + 'numbers are no longer distinct (got 9007199254740993, which a double reads as 9007199254740992)');
      expect((await series(id, 'big')).total).toBe(0);
      expect((await raw('9007199254740992')).status).toBe(200);
      expect(await series(id, 'big')).toMatchObject({ x: [2 ** 53], y: [2 ** 53] });
    });
  });

  describe('summary numbers and end statuses', () => {
    it('recordMetric(lr_scale, 0) then 0.2: one type, number; the run ends succeeded', async () => {
      let id = '';
      await client.withExecution('lr', (e) => {
        id = e.id;
        recordMetric('lr_scale', 0);
        recordMetric('lr_scale', 0.2);
      });
      const d = await detail(id);
      expect(d.execution.status).toBe('succeeded');
      expect(d.execution.summary.lr_scale).toBe(0.2);
    });

    it("end('canceled') (Cog's spelling) ends the run cancelled, from the SDK and over HTTP", async () => {
      const e = client.startExecution('cog-spelling');
      await e.end('canceled');
      expect((await detail(e.id)).execution.status).toBe('cancelled');
      expect((await ingest({ executions: [{ id: 'http-canceled', start: { name: 'x' }, end: { status: 'canceled' } }] })).status).toBe(200);
      expect((await detail('http-canceled')).execution.status).toBe('cancelled');
    });
  });

  describe('predict_time', () => {
    it('only for executions that recorded summary metrics, and Cog predictions', async () => {
      const plain = client.startExecution('plain-training');
      plain.run(() => new Metric('plain_loss').record(1));
      await plain.end();
      expect((await detail(plain.id)).execution.summary).toEqual({});
      let withSummary = '';
      await client.withExecution('with-summary', (e) => {
        withSummary = e.id;
        recordMetric('token_count', 3);
      });
      expect(typeof (await detail(withSummary)).execution.summary.predict_time).toBe('number');
      const cog = await postJson(`${server.url}/api/ingest/cog?model=m`, { id: 'pt-cog', status: 'succeeded', created_at: '2026-11-20T10:00:00Z' });
      expect((await detail(cog.json.executionId)).execution.summary).toEqual({ predict_time: expect.any(Number) });
    });
  });

  describe('x beyond ±2^53', () => {
    it('the SDK refuses and counts such x with one warning per metric; the points around them arrive', async () => {
      warnings.length = 0;
      const big = new Metric('big_x', { throttle: null });
      const e = client.startExecution('big-x');
      e.run(() => {
        big.record(1, { at: 2 ** 53 - 1 });
        big.record(2, { at: 2 ** 53 });
        big.record(3, { at: 2 ** 53 + 2 }); // the next double after 2^53: 2^53 + 1 is not one
        big.record(4, { at: 2 ** 60 });
      });
      expect(warnings, warnings.join('\n')).toHaveLength(1);
      expect(warnings[0]).toMatch(/"big_x": at=9007199254740994 is beyond ±2\^53/);
      expect((await e.end()).discarded).toEqual({ big_x: { xInvalid: 2 } });
      expect((await series(e.id, 'big_x')).x).toEqual([2 ** 53 - 1, 2 ** 53]);
    });
  });
});
