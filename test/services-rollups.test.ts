import { describe, expect, it } from 'vitest';
import { SqliteRollups } from '../src/server/services/sqlite-rollups.js';
import { describeRollupStore, openFreshPgRollups, reopenPgRollups } from './helpers/rollup-contract.js';
import { ServicesEngine } from '../src/server/services/engine.js';
import { querySeries } from '../src/server/services/query.js';
import type { RollupStore } from '../src/server/services/rollup-store.js';
import { tempDbPath } from './helpers/server.js';

describeRollupStore('SQLite file', async () => new SqliteRollups(tempDbPath()));
describeRollupStore('SQLite :memory:', async () => new SqliteRollups(':memory:'));

const pgUrl = process.env.PLOTLINE_TEST_PG_URL;
if (pgUrl) {
  describeRollupStore('PostgreSQL', () => openFreshPgRollups(pgUrl));
} else {
  describe('rollup store contract: PostgreSQL', () => {
    it.skip('skipped: set PLOTLINE_TEST_PG_URL (e.g. postgres://postgres@127.0.0.1:55432/plotline_services) to run it', () => {});
  });
  console.log('rollup store contract on PostgreSQL skipped: PLOTLINE_TEST_PG_URL is not set');
}

describe('server replicas sharing one database', () => {
  const pairs: Array<[string, () => Promise<[RollupStore, RollupStore]>]> = [
    ['SQLite file', async () => {
      const file = tempDbPath();
      return [new SqliteRollups(file), new SqliteRollups(file)];
    }],
  ];
  if (pgUrl) pairs.push(['PostgreSQL', async () => {
    const a = await openFreshPgRollups(pgUrl);
    return [a, reopenPgRollups(a)];
  }]);
  it.each(pairs)('%s: each sees the other\'s series and services, and their rows merge exactly', async (_name, open) => {
    const [storeA, storeB] = await open();
    let now = Math.floor(Date.now() / 10_000) * 10_000;
    const a = new ServicesEngine({ store: storeA, clock: () => now });
    const b = new ServicesEngine({ store: storeB, clock: () => now });
    await a.load();
    await b.load();
    a.ingestHttp('lat:1|d|#host:a\nlat:2|d|#host:a', 'shared');
    b.ingestHttp('lat:3|d|#host:b\nonly.b:1|c', 'shared');
    now += 10_000;
    await a.flush();
    await b.flush();
    await a.load();
    expect([...a.index.services.get('shared')!.metrics.keys()].sort()).toEqual(['lat', 'only.b']);
    const q = { service: 'shared', metric: 'lat', stat: 'count', from: now - 10_000, to: now, budget: 1, filters: new Map(), by: [] };
    for (const engine of [a, b]) {
      await engine.load();
      expect((await querySeries(engine, q)).series[0]!.v).toEqual([3]);
      expect((await querySeries(engine, { ...q, stat: 'max', by: ['host'] })).series.map((s) => s.v[0])).toEqual([2, 3]);
    }
    await storeB.close();
    await storeA.close();
  });
});
