import { describe, expect, it } from 'vitest';
import { apply, describeStore, T0 } from '../../../test/helpers/store-contract.js';
import { freshPgDb, PG_URL, sayPgSkipped } from '../../../test/helpers/pg.js';
import { openStore } from './index.js';
import { SCHEMA_VERSION } from './pg-schema.js';
import type { Store } from './store.js';

/** A store on a fresh schema, dropped when the store closes. */
async function openFresh(): Promise<Store> {
  const db = freshPgDb();
  const store = await openStore(db.url);
  const close = store.close.bind(store);
  return Object.assign(store, {
    close: async () => {
      try {
        await close();
      } finally {
        await db.drop();
      }
    },
  });
}

sayPgSkipped('the store contract on PostgreSQL');

describe.skipIf(!PG_URL)('PostgreSQL backend', () => {
  describeStore('PostgreSQL', openFresh);

  describe('PostgreSQL store', () => {
    it('creates its schema on first start, records the version, and reopens it as it is', async () => {
      const db = freshPgDb();
      try {
        const a = await openStore(db.url);
        const batch: Parameters<typeof apply>[1] = { batchId: 'b', executions: [{ id: 'r', start: { name: 'r' }, points: [{ key: 'k', x: [1, 2], y: [1, 'NaN'] }] }] };
        await apply(a, batch, T0);
        await a.close();
        const b = await openStore(db.url);
        try {
          const h = b.handle;
          if (h.kind !== 'postgres') throw new Error('expected a PostgreSQL handle');
          expect((await h.pool.query('SELECT version FROM schema_version')).rows).toEqual([{ version: SCHEMA_VERSION }]);
          expect((await b.readSeries('r', ['k'], {}))[0]).toMatchObject({ x: [1, 2], y: [1, 'NaN'] });
          expect((await apply(b, batch, T0)).duplicate).toBe(true);
        } finally {
          await b.close();
        }
      } finally {
        await db.drop();
      }
    });

    it('stores a batch id sent to two stores at once only once', async () => {
      const db = freshPgDb();
      const [a, b] = [await openStore(db.url), await openStore(db.url)];
      try {
        await apply(a, { executions: [{ id: 'r', start: { name: 'r' } }] }, T0);
        for (let i = 0; i < 20; i++) {
          const batch = { batchId: `same-${i}`, executions: [{ id: 'r', points: [{ key: 'k', x: [i], y: [i] }] }] };
          const results = await Promise.all([apply(a, batch, T0), apply(b, batch, T0)]);
          expect(results.map((r) => r.duplicate).sort()).toEqual([false, true]);
          expect(results.map((r) => r.points)).toEqual([1, 1]);
        }
        expect((await b.readSeries('r', ['k'], {}))[0]!.x).toEqual(Array.from({ length: 20 }, (_, i) => i));
      } finally {
        await a.close();
        await b.close();
        await db.drop();
      }
    });

    it('plans a read again when compaction replaced its chunks between the plan and the load', async () => {
      const store = await openFresh();
      try {
        const h = store.handle;
        if (h.kind !== 'postgres') throw new Error('expected a PostgreSQL handle');
        await apply(store, { executions: [{ id: 'r', start: { name: 'r' } }] }, T0);
        for (let i = 0; i < 10; i++) {
          const x = Array.from({ length: 10 }, (_, k) => i * 10 + k);
          await apply(store, { executions: [{ id: 'r', points: [{ key: 'k', x, y: x.map((v) => v * 2) }] }] }, T0);
        }
        // The first planning query is followed by a compaction, which merges the ten small chunks into a new one.
        const query = h.pool.query.bind(h.pool) as (sql: string, params?: unknown[]) => Promise<unknown>;
        let plans = 0;
        let compacted = false;
        Object.assign(h.pool, {
          query: async (sql: string, params?: unknown[]) => {
            const result = await query(sql, params);
            if (sql.includes('LEFT JOIN LATERAL') && plans++ === 0) {
              await store.compact({ minSmallChunks: 2 });
              compacted = true;
            }
            return result;
          },
        });
        const [data] = await store.readSeries('r', ['k'], {});
        expect(compacted).toBe(true);
        expect(plans).toBe(2);
        expect(data!.x).toEqual(Array.from({ length: 100 }, (_, i) => i));
        expect(data!.y).toEqual(Array.from({ length: 100 }, (_, i) => i * 2));
      } finally {
        await store.close();
      }
    });

    it('marks lost executions once, whichever store sweeps', async () => {
      const db = freshPgDb();
      const [a, b] = [await openStore(db.url), await openStore(db.url)];
      try {
        for (let i = 0; i < 10; i++) await apply(a, { executions: [{ id: `r${i}`, start: { name: 'r' } }] }, T0);
        const [la, lb] = await Promise.all([a.markLost(T0 + 1), b.markLost(T0 + 1)]);
        expect([...la, ...lb].map((e) => e.id).sort()).toEqual(Array.from({ length: 10 }, (_, i) => `r${i}`));
      } finally {
        await a.close();
        await b.close();
        await db.drop();
      }
    });
  });
});
