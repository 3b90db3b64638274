import { afterEach, describe, expect, it } from 'vitest';
import { DomainError } from '../domain-error.js';
import { ServicesEngine } from './engine.js';
import { listServices, metricWindowStats, querySeries, rateSeconds, type SeriesQuery } from './query.js';
import type { RollupStore } from './rollup-store.js';
import { SqliteRollups } from './sqlite-rollups.js';
import { openFreshPgRollups } from '../../../test/helpers/rollup-contract.js';
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const T0 = Date.UTC(2026, 10, 1, 12, 0, 0); // aligned to the hour
const MIN = 60_000, HOUR = 3_600_000, DAY = 24 * HOUR;

const backends: Array<[string, () => Promise<RollupStore>]> = [['SQLite', async () => new SqliteRollups(':memory:')]];
const pgUrl = process.env.PLOTLINE_TEST_PG_URL;
if (pgUrl) backends.push(['PostgreSQL', () => openFreshPgRollups(pgUrl)]);
else console.log('service metrics aggregation on PostgreSQL skipped: PLOTLINE_TEST_PG_URL is not set');

let engines: ServicesEngine[] = [];
afterEach(async () => {
  for (const e of engines) await e.store.close();
  engines = [];
});

function q(partial: Partial<SeriesQuery> & { metric: string; stat: string }): SeriesQuery {
  return { service: 'svc', from: T0, to: T0 + MIN, budget: 1000, filters: new Map(), by: [], ...partial };
}

function values(a: { series: Array<{ v: Array<number | null> }> }): Array<number | null> {
  return a.series[0]!.v;
}

describe.each(backends)('service metrics aggregation (%s)', (_backend, open) => {
  async function setup(opts: { maxTagSets?: number } = {}) {
    let now = T0;
    const engine = new ServicesEngine({ store: await open(), clock: () => now, ...opts });
    engines.push(engine);
    return { engine, advance: (ms: number) => (now += ms), at: (t: number) => (now = t), now: () => now };
  }

  it('counts counters weighted by 1/rate, per 10 s interval', async () => {
    const { engine, advance } = await setup();
    engine.ingestHttp('hits:1|c|@0.5\nhits:3|c\n', 'svc');
    advance(10_000);
    engine.ingestHttp('hits:2|c|@0.25', 'svc');
    const count = await querySeries(engine, q({ metric: 'hits', stat: 'count', to: T0 + 20_000 }));
    expect(count.step).toBe(10_000);
    expect(values(count)).toEqual([5, 8]);
    const rate = await querySeries(engine, q({ metric: 'hits', stat: 'rate', to: T0 + 10_000 }));
    expect(values(rate)).toEqual([0.5]);
  });

  it('keeps gauges as last, min and max; last adds up over tag sets', async () => {
    const { engine, advance } = await setup();
    engine.ingestHttp('inflight:3|g|#host:a\ninflight:7|g|#host:a\ninflight:5|g|#host:a\ninflight:2|g|#host:b', 'svc');
    advance(1000);
    for (const [stat, want] of [['last', 7], ['min', 2], ['max', 7], ['count', 4]] as const) {
      expect(values(await querySeries(engine, q({ metric: 'inflight', stat, to: T0 + 10_000 }))), stat).toEqual([want]);
    }
    const byHost = await querySeries(engine, q({ metric: 'inflight', stat: 'last', to: T0 + 10_000, by: ['host'] }));
    expect(byHost.series.map((s) => [s.tags.host, s.v[0]])).toEqual([['a', 5], ['b', 2]]);
  });

  it('counts distinct set members, merged exactly across intervals', async () => {
    const { engine, advance } = await setup();
    engine.ingestHttp('users:ann|s\nusers:bob|s\nusers:ann|s', 'svc');
    advance(10_000);
    engine.ingestHttp('users:bob|s\nusers:cid|s', 'svc');
    await engine.flush(T0 + 20_000);
    expect(values(await querySeries(engine, q({ metric: 'users', stat: 'count', to: T0 + 20_000 })))).toEqual([2, 2]);
    // One 1-minute bucket: the union, not the sum.
    expect(values(await querySeries(engine, q({ metric: 'users', stat: 'count', to: T0 + MIN, budget: 1 })))).toEqual([3]);
  });

  it('puts |T lines in the interval of their timestamp, and refuses implausible ones by name', async () => {
    const { engine, advance } = await setup();
    advance(5 * MIN);
    engine.ingestHttp(`lat:100|d|T${T0 / 1000 + 25}\nlat:200|d`, 'svc');
    const a = await querySeries(engine, q({ metric: 'lat', stat: 'count', to: T0 + 5 * MIN + 10_000 }));
    expect(a.series[0]!.v[2]).toBe(1);
    expect(a.series[0]!.v.at(-1)).toBe(1);
    expect(() => engine.ingestHttp(`lat:1|d|T${(T0 - 3 * DAY) / 1000}`, 'svc')).toThrow(/lines\[0\]\.timestamp: must be within the 48 h/);
    expect(() => engine.ingestHttp(`lat:1|d|T${(T0 + HOUR) / 1000}`, 'svc')).toThrow(/lines\[0\]\.timestamp: must be at most 10 minutes ahead/);
    expect(() => engine.ingestHttp(`lat:1|d|T${T0}`, 'svc')).toThrow(/ahead/); // milliseconds, not seconds
  });

  it('refuses an HTTP body whole, naming lines[i], and keeps nothing of it', async () => {
    const { engine } = await setup();
    engine.ingestHttp('hits:1|c', 'svc');
    let err: unknown;
    try {
      engine.ingestHttp('hits:1|c\nnew.metric:1|g|#k:v\nhits:1|g', 'svc');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DomainError);
    expect((err as DomainError).path).toBe('lines[2].type');
    expect((err as DomainError).message).toContain('"hits" is a counter in service "svc"');
    expect(engine.index.services.get('svc')!.metrics.has('new.metric')).toBe(false);
    expect(values(await querySeries(engine, q({ metric: 'hits', stat: 'count', to: T0 + 10_000 })))).toEqual([1]);
  });

  it('names services by the service tag, else api_name, else the client option, else default; Cortex names read as the standard ones', async () => {
    const { engine } = await setup();
    engine.ingestHttp('a:1|c|#service:one,api_name:x\nb:1|c|#api_name:two\nc:1|c', 'three');
    engine.ingestHttp('d:1|c');
    engine.ingestHttp('cortex_latency:250|d|#api_name:iris,host:h1\ncortex_in_flight_requests:4|g|#api_name:iris,host:h1\ncortex_status_code:1|c|#api_name:iris,response_code:2XX');
    expect([...engine.index.services.keys()].sort()).toEqual(['default', 'iris', 'one', 'three', 'two']);
    expect(engine.index.services.get('one')!.metrics.get('a')!.series[0]!.tags).toEqual(['api_name:x']);
    const iris = engine.index.services.get('iris')!;
    expect([...iris.metrics.keys()].sort()).toEqual(['cortex_status_code', 'http.server.active_requests', 'http.server.request.duration']);
    const p50 = await querySeries(engine, q({ service: 'iris', metric: 'http.server.request.duration', stat: 'p50', to: T0 + 10_000 }));
    expect(values(p50)[0]).toBeCloseTo(0.25, 2); // seconds
    const [item] = (await listServices(engine, HOUR)).filter((s) => s.name === 'iris');
    expect(item).toMatchObject({ status: 'live', replicas: 1, summary: { requests: 1, '2XX': 1, avgRequestMs: 250 } });
  });

  it('caps tag sets per metric and counts what it refused', async () => {
    const { engine } = await setup({ maxTagSets: 3 });
    engine.ingestHttp('m:1|c|#k:1\nm:1|c|#k:2\nm:1|c|#k:3', 'svc');
    expect(() => engine.ingestHttp('m:1|c|#k:4', 'svc')).toThrow(/lines\[0\]\.tags: .*maximum of 3 tag sets/);
    engine.ingestDatagram('m:1|c|#k:5,service:svc\nm:1|c|#k:1,service:svc');
    const svc = engine.index.services.get('svc')!;
    expect(svc.refusedTagSets).toBe(2);
    expect(svc.metrics.get('m')!.series).toHaveLength(3);
  });

  it('an event or service check after a line refused for its |T timestamp is counted as one, not refused (a new-user run)', async () => {
    const { engine } = await setup();
    engine.ingestDatagram('y:1|g|T99999999999|#service:nw-c');
    engine.ingestDatagram('_sc|check|0|#service:nw-d');
    engine.ingestDatagram('y:1|g|T99999999999|#service:nw-c\n_e{1,1}:a|b');
    expect(engine.counters).toMatchObject({ serviceChecks: 1, events: 1 });
    expect(engine.index.services.get('nw-c')!.malformedLines).toBe(2);
    expect(engine.index.services.has('nw-d')).toBe(false);
  });

  it('counts malformed UDP lines per service they name', async () => {
    const { engine } = await setup();
    engine.ingestDatagram('ok:1|c|#service:web\nbad:1|q|#service:web\nworse\nfine:2|g|#service:web');
    expect(engine.index.services.get('web')!.malformedLines).toBe(1);
    expect(engine.counters).toMatchObject({ udpDatagrams: 1, udpLines: 4, malformedUnattributed: 1 });
  });

  it('merges closed intervals into the 1 min and 1 h tiers exactly, and serves coarse queries from them', async () => {
    const { engine, at } = await setup();
    // 2 hours of one value per 10 s interval, 1..720
    let expectedSum = 0;
    for (let i = 0; i < 720; i++) {
      at(T0 + i * 10_000 + 500);
      engine.ingestHttp(`lat:${i + 1}|d|#host:h${i % 3}`, 'svc');
      expectedSum += i + 1;
      if (i % 30 === 29) await engine.flush();
    }
    at(T0 + 2 * HOUR + 1000);
    await engine.flush();
    const hourly = await querySeries(engine, q({ metric: 'lat', stat: 'sum', to: T0 + 2 * HOUR, budget: 2 }));
    expect(hourly.tier).toBe(HOUR);
    expect(hourly.step).toBe(HOUR);
    expect(hourly.series[0]!.v.reduce((a, b) => a! + b!, 0)).toBe(expectedSum);
    const perMinute = await querySeries(engine, q({ metric: 'lat', stat: 'count', to: T0 + 2 * HOUR, budget: 120 }));
    expect(perMinute.tier).toBe(MIN);
    expect(perMinute.series[0]!.v.every((v) => v === 6)).toBe(true);
    const max = await querySeries(engine, q({ metric: 'lat', stat: 'max', to: T0 + 2 * HOUR, budget: 2 }));
    expect(max.series[0]!.v).toEqual([360, 720]);
    const p50 = await querySeries(engine, q({ metric: 'lat', stat: 'p50', to: T0 + 2 * HOUR, budget: 1, from: T0 }));
    expect(Math.abs(p50.series[0]!.v[0]! - 360) / 360).toBeLessThanOrEqual(0.01);
  });

  it('drops rows past each tier\'s retention, coarse tiers keeping what fine ones lost', async () => {
    const { engine, at } = await setup();
    at(T0 + 1000);
    engine.ingestHttp('hits:1|c', 'svc');
    at(T0 + 20_000);
    await engine.flush();
    at(T0 + 3 * DAY);
    await engine.prune();
    const from = T0, to = T0 + HOUR;
    // The 10 s tier is gone after 2 days: a query that far back is answered from the 1 min tier, at its step.
    const a = await querySeries(engine, q({ metric: 'hits', stat: 'count', from, to, budget: 360 }));
    expect(a.tier).toBe(MIN);
    expect(a.step).toBe(MIN);
    expect(a.series[0]!.v[0]).toBe(1);
    expect(await engine.store.readRows(10_000, [engine.index.services.get('svc')!.metrics.get('hits')!.series[0]!.id!], from, to)).toEqual([]);
    at(T0 + 31 * DAY);
    await engine.prune();
    const hourly = await querySeries(engine, q({ metric: 'hits', stat: 'count', from, to, budget: 360 }));
    expect([hourly.tier, hourly.series[0]!.v[0]]).toEqual([HOUR, 1]);
    at(T0 + 401 * DAY);
    await engine.prune();
    const later = await querySeries(engine, q({ metric: 'hits', stat: 'count', from, to, budget: 1 }));
    expect(later.series[0]!.v).toEqual([null]);
  });

  it('refuses stats the metric kind cannot answer', async () => {
    const { engine } = await setup();
    engine.ingestHttp('hits:1|c\nlat:1|d', 'svc');
    await expect(querySeries(engine, q({ metric: 'hits', stat: 'p99' }))).rejects.toThrow(/p99 needs a distribution/);
    await expect(querySeries(engine, q({ metric: 'hits', stat: 'last' }))).rejects.toThrow(/a counter answers rate, count, sum/);
    await expect(querySeries(engine, q({ metric: 'lat', stat: 'p100' }))).rejects.toThrow(/percentile/);
    await expect(querySeries(engine, q({ metric: 'nope', stat: 'count' }))).rejects.toThrow(/no metric "nope"/);
  });

  describe('rates over a window', () => {
    const REQ = 'http.server.request.duration';
    const WINDOWS = [15 * MIN, HOUR, DAY];

    /** `perSecond` requests (2 of each 3 a 200, the third a 500) each second for `seconds`, flushing as the server does. */
    async function traffic(engine: ServicesEngine, advance: (ms: number) => number, service: string, perSecond: number, seconds: number) {
      for (let i = 0; i < seconds; i++) {
        const lines = Array.from({ length: perSecond }, (_, k) => `${REQ}:0.02|d|#http.response.status_code:${k % 3 === 2 ? 500 : 200}`);
        engine.ingestHttp(lines.join('\n'), service);
        await engine.flush(advance(1000));
      }
    }

    it('a service younger than the window reads its true rate in 15 min, 1 h and 24 h windows alike', async () => {
      const { engine, advance, at } = await setup();
      const began = at(T0 + 3 * HOUR + 3_700); // 3.7 s into a 10 s interval
      await traffic(engine, advance, 'young', 30, 120);
      const elapsed = (engine.clock() - began) / 1000;
      const tolerance = 30 * (10 / elapsed); // it may have begun up to one 10 s interval after its first interval's start
      const rates: number[] = [];
      for (const w of WINDOWS) {
        const [item] = (await listServices(engine, w)).filter((s) => s.name === 'young');
        expect(item!.summary.requests).toBe(3600);
        expect(Math.abs(item!.summary.requestsPerSecond! - 30), `window ${w / MIN} min`).toBeLessThanOrEqual(tolerance);
        expect(item!.summary.requestsPerSecond).toBeCloseTo(3600 / 123.7, 9); // from the first interval's start (3 h + 0 s)
        const stats = await metricWindowStats(engine, engine.index.services.get('young')!, w);
        expect(stats[REQ]!.rate).toBeCloseTo(item!.summary.requestsPerSecond!, 9);
        // The chart's rate of the bucket holding the service, at the step a full-window chart reads (up to 10 min).
        const now = engine.clock();
        const series = await querySeries(engine, q({ service: 'young', metric: REQ, stat: 'rate', from: now - w, to: now, budget: 240 }));
        const last = series.series[0]!.v.at(-1)!;
        if (series.step >= 2 * MIN) expect(last).toBeCloseTo(item!.summary.requestsPerSecond!, 9);
        rates.push(item!.summary.requestsPerSecond!);
      }
      expect(new Set(rates).size).toBe(1); // not a function of the tier the window reads
      // 5XX as a rate: a third of the requests, over the same seconds.
      const classes = await querySeries(engine, q({ service: 'young', metric: REQ, stat: 'rate', from: engine.clock() - DAY, to: engine.clock(), budget: 240, by: ['http.response.status_code'] }));
      const r500 = classes.series.find((s) => s.tags['http.response.status_code'] === '500')!.v.at(-1)!;
      expect(Math.abs(r500 - 10)).toBeLessThanOrEqual(tolerance / 3);
    });

    it('a service older than the window reads its count over the whole window, as before', async () => {
      const { engine, advance, at } = await setup();
      at(T0 + 5_000);
      await traffic(engine, advance, 'old', 6, 10);
      at(T0 + 90 * MIN);
      await traffic(engine, advance, 'old', 6, 10);
      at(T0 + 100 * MIN);
      const [item] = (await listServices(engine, HOUR)).filter((s) => s.name === 'old');
      expect(item!.summary.requests).toBe(60);
      expect(item!.summary.requestsPerSecond).toBeCloseTo(60 / 3600, 12);
      const [day] = (await listServices(engine, DAY)).filter((s) => s.name === 'old');
      expect(day!.summary.requestsPerSecond).toBeCloseTo(120 / ((100 * MIN - 0) / 1000), 12); // began at T0's interval
    });

    it('keeps the first interval across a restart (read back from the store)', async () => {
      const { engine, advance, at } = await setup();
      at(T0 + 12_345);
      await traffic(engine, advance, 'svc', 1, 3);
      await engine.flush(advance(10_000));
      const again = new ServicesEngine({ store: engine.store, clock: engine.clock });
      await again.load();
      expect(again.index.services.get('svc')!.firstInterval).toBe(T0 + 10_000);
    });
  });
});

describe('rateSeconds', () => {
  it('takes the passed part of the range the service has existed for, at least 1 s', () => {
    expect(rateSeconds(0, 3_600_000, 3_600_000, -Infinity)).toBe(3600);
    expect(rateSeconds(0, 3_600_000, 3_600_000, 3_480_000)).toBe(120);
    expect(rateSeconds(0, 3_600_000, 1_800_000, 0)).toBe(1800);
    expect(rateSeconds(0, 10_000, 200, 0)).toBe(1);
    expect(rateSeconds(0, 10_000, 20_000, 50_000)).toBe(1); // before the service: nothing counted anyway
  });
});

describe('a SQLite file written before first intervals were kept', () => {
  it('gains the column, and its services read as of unknown age (rates over the whole window)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'plotline-rollups-'));
    try {
      const path = join(dir, 'old.db');
      const db = new Database(path);
      db.exec('CREATE TABLE svc_services (name TEXT PRIMARY KEY, last_seen INTEGER NOT NULL); INSERT INTO svc_services VALUES (\'legacy\', 1000)');
      db.close();
      const store = new SqliteRollups(path);
      expect(await store.listServices()).toEqual([{ name: 'legacy', lastSeen: 1000, firstInterval: null }]);
      const engine = new ServicesEngine({ store, clock: () => T0 });
      await engine.load();
      expect(engine.index.services.get('legacy')!.firstInterval).toBe(-Infinity);
      await store.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
