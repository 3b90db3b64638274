import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { addValue, combineEncoded, decodeAggregate, encodeAggregate, newAggregate, quantile } from '../../src/server/services/aggregate.js';
import { PgRollups } from '../../src/server/services/pg-rollups.js';
import type { RollupStore } from '../../src/server/services/rollup-store.js';
import { TOTAL_TAG } from '../../src/server/services/series-index.js';

/**
 * The contract every rollup store backend passes (the same suite on SQLite and PostgreSQL). `open` returns a fresh,
 * empty store each time.
 */
export function describeRollupStore(name: string, open: () => Promise<RollupStore>): void {
  describe(`rollup store contract: ${name}`, () => {
    let store: RollupStore;
    beforeEach(async () => {
      store = await open();
    });
    afterEach(async () => {
      await store.close();
    });

    const dist = (...values: number[]) => {
      const a = newAggregate('distribution');
      for (const v of values) addValue(a, v, 1);
      return encodeAggregate(a);
    };

    it('gives each series one id, creating missing ones, stable across calls', async () => {
      const a = { service: 's', name: 'lat', kind: 'distribution' as const, tags: ['host:a'] };
      const b = { service: 's', name: 'lat', kind: 'distribution' as const, tags: ['host:b', 'x'] };
      const [ia, ib] = await store.ensureSeries([a, b]);
      expect(ia).not.toBe(ib);
      expect(await store.ensureSeries([b, a, b])).toEqual([ib, ia, ib]);
      expect(await store.listSeries()).toEqual([{ id: ia, ...a }, { id: ib, ...b }]);
    });

    it('keeps a metric total\'s tag set (a control character) as it is', async () => {
      const total = { service: 's', name: 'lat', kind: 'distribution' as const, tags: [TOTAL_TAG] };
      const [id] = await store.ensureSeries([total]);
      expect(await store.listSeries()).toEqual([{ id, ...total }]);
    });

    it('stores a row, then merges later rows into it exactly', async () => {
      const [id] = await store.ensureSeries([{ service: 's', name: 'lat', kind: 'distribution', tags: [] }]);
      await store.mergeRows([{ tier: 10_000, seriesId: id!, start: 1000 * 10_000, data: dist(1, 2, 3) }], combineEncoded);
      await store.mergeRows([
        { tier: 10_000, seriesId: id!, start: 1000 * 10_000, data: dist(4, -5) },
        { tier: 10_000, seriesId: id!, start: 1001 * 10_000, data: dist(7) },
        { tier: 60_000, seriesId: id!, start: 1000 * 10_000, data: dist(9) },
      ], combineEncoded);
      const rows = await store.readRows(10_000, [id!], 1000 * 10_000, 1002 * 10_000);
      expect(rows.map((r) => r.start)).toEqual([1000 * 10_000, 1001 * 10_000]);
      const merged = decodeAggregate(rows[0]!.data);
      expect([merged.count, merged.sum, merged.min, merged.max]).toEqual([5, 5, -5, 4]);
      expect(quantile(merged, 0)).toBe(-5);
      expect(Math.abs(quantile(merged, 0.5) - 2) / 2).toBeLessThanOrEqual(0.01);
      expect(await store.readRows(60_000, [id!], 0, Infinity)).toHaveLength(1);
      expect(await store.readRows(10_000, [id!], 1001 * 10_000, 1001 * 10_000 + 1)).toHaveLength(1);
      expect(await store.readRows(10_000, [], 0, Infinity)).toEqual([]);
    });

    it('concurrent merges into one row lose nothing', async () => {
      const [id] = await store.ensureSeries([{ service: 's', name: 'n', kind: 'distribution', tags: [] }]);
      await Promise.all(Array.from({ length: 20 }, (_, i) => store.mergeRows([{ tier: 10_000, seriesId: id!, start: 0, data: dist(i + 1) }], combineEncoded)));
      const [row] = await store.readRows(10_000, [id!], 0, 1);
      expect(decodeAggregate(row!.data).count).toBe(20);
      expect(decodeAggregate(row!.data).sum).toBe(210);
    });

    it('a failing merge stores none of its rows', async () => {
      const [id] = await store.ensureSeries([{ service: 's', name: 'n', kind: 'distribution', tags: [] }]);
      await store.mergeRows([{ tier: 10_000, seriesId: id!, start: 0, data: dist(1) }], combineEncoded);
      await expect(store.mergeRows([
        { tier: 10_000, seriesId: id!, start: 10_000, data: dist(2) },
        { tier: 10_000, seriesId: id!, start: 0, data: dist(3) },
      ], () => { throw new Error('boom'); })).rejects.toThrow('boom');
      expect((await store.readRows(10_000, [id!], 0, Infinity)).map((r) => r.start)).toEqual([0]);
    });

    it('prunes a tier before a time, leaving other tiers', async () => {
      const [id] = await store.ensureSeries([{ service: 's', name: 'n', kind: 'distribution', tags: [] }]);
      await store.mergeRows([0, 10_000, 20_000].map((start) => ({ tier: 10_000, seriesId: id!, start, data: dist(1) })), combineEncoded);
      await store.mergeRows([{ tier: 60_000, seriesId: id!, start: 0, data: dist(1) }], combineEncoded);
      expect(await store.prune(10_000, 20_000)).toBe(2);
      expect((await store.readRows(10_000, [id!], 0, Infinity)).map((r) => r.start)).toEqual([20_000]);
      expect(await store.readRows(60_000, [id!], 0, Infinity)).toHaveLength(1);
    });

    it('exchanges stream states per key: reads what was stored, stores the step\'s answer, one key twice in order', async () => {
      const add = (stored: string | null, incoming: string) => String(Number(stored ?? 0) + Number(incoming));
      expect(await store.exchangeStreams([{ key: 'a\u0001x', state: '1' }, { key: 'b', state: '5' }, { key: 'a\u0001x', state: '2' }], add)).toEqual([null, null, '1']);
      expect(await store.exchangeStreams([{ key: 'b', state: '1' }, { key: 'a\u0001x', state: '1' }], add)).toEqual(['5', '3']);
      expect(await store.exchangeStreams([], add)).toEqual([]);
      // A failing step stores nothing of its call.
      await expect(store.exchangeStreams([{ key: 'b', state: '1' }, { key: 'c', state: '1' }], (s, i) => { if (s === null) throw new Error('boom'); return add(s, i); })).rejects.toThrow('boom');
      expect(await store.exchangeStreams([{ key: 'b', state: '0' }, { key: 'c', state: '0' }], add)).toEqual(['6', null]);
    });

    it('concurrent exchanges of one key run one after the other (each reads the one before)', async () => {
      const add = (stored: string | null, incoming: string) => String(Number(stored ?? 0) + Number(incoming));
      const read = await Promise.all(Array.from({ length: 20 }, () => store.exchangeStreams([{ key: 'k', state: '1' }, { key: 'j', state: '1' }], add)));
      expect(read.map((r) => Number(r[0] ?? 0)).sort((x, y) => x - y)).toEqual(Array.from({ length: 20 }, (_, i) => i));
      expect(await store.exchangeStreams([{ key: 'k', state: '0' }, { key: 'j', state: '0' }], add)).toEqual(['20', '20']);
    });

    it('prunes stream states not written since a time', async () => {
      await store.exchangeStreams([{ key: 'old', state: 'x' }], (_s, i) => i);
      expect(await store.pruneStreams(Date.now() - 60_000)).toBe(0);
      expect(await store.pruneStreams(Date.now() + 1)).toBe(1);
      expect(await store.exchangeStreams([{ key: 'old', state: 'y' }], (_s, i) => i)).toEqual([null]);
    });

    it('keeps the latest last-seen time and the earliest first interval of each service', async () => {
      await store.touchServices(new Map([['a', { lastSeen: 2000, firstInterval: 1000 }], ['b', { lastSeen: 1000, firstInterval: 0 }]]));
      await store.touchServices(new Map([['a', { lastSeen: 1500, firstInterval: 0 }], ['b', { lastSeen: 3000, firstInterval: 10_000 }]]));
      expect(await store.listServices()).toEqual([{ name: 'a', lastSeen: 2000, firstInterval: 0 }, { name: 'b', lastSeen: 3000, firstInterval: 0 }]);
    });

    it('keeps a service of unknown age (no first interval) so', async () => {
      await store.touchServices(new Map([['old', { lastSeen: 2000, firstInterval: -Infinity }]]));
      await store.touchServices(new Map([['old', { lastSeen: 3000, firstInterval: 10_000 }]]));
      expect(await store.listServices()).toEqual([{ name: 'old', lastSeen: 3000, firstInterval: null }]);
    });
  });
}

/**
 * A PostgreSQL rollup store in a schema of its own, dropped when the store is closed: tests never see each other's rows.
 * `openFreshPgRollups.again(store)` opens a second store on the same schema (another server replica).
 */
export async function openFreshPgRollups(url: string): Promise<RollupStore> {
  const schema = `rollups_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${schema}`);
  await admin.end();
  const scoped = new URL(url);
  scoped.searchParams.set('schema', schema);
  const store = new PgRollups(scoped.toString());
  sameDatabase.set(store, () => new PgRollups(scoped.toString()));
  const close = store.close.bind(store);
  store.close = async () => {
    await close();
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    await c.query(`DROP SCHEMA ${schema} CASCADE`);
    await c.end();
  };
  return store;
}

const sameDatabase = new WeakMap<RollupStore, () => RollupStore>();

/** A second store on the database of one `openFreshPgRollups` made (as another server replica would open it). */
export function reopenPgRollups(store: RollupStore): RollupStore {
  return sameDatabase.get(store)!();
}
