import { describe, it } from 'vitest';
import pg from 'pg';
import { PgRollups } from '../src/server/services/pg-rollups.js';
import { SqliteRollups } from '../src/server/services/sqlite-rollups.js';
import { describeRollupStore } from './helpers/rollup-contract.js';
import { tempDbPath } from './helpers/server.js';

describeRollupStore('SQLite file', async () => new SqliteRollups(tempDbPath()));
describeRollupStore('SQLite :memory:', async () => new SqliteRollups(':memory:'));

const pgUrl = process.env.PLOTLINE_TEST_PG_URL;
if (pgUrl) {
  describeRollupStore('PostgreSQL', async () => {
    // A fresh schema per test: the tables of one test never see another's.
    const schema = `rollups_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
    const admin = new pg.Client({ connectionString: pgUrl });
    await admin.connect();
    await admin.query(`CREATE SCHEMA ${schema}`);
    await admin.end();
    const url = new URL(pgUrl);
    url.searchParams.set('options', `-c search_path=${schema}`);
    const store = new PgRollups(url.toString());
    const close = store.close.bind(store);
    store.close = async () => {
      await close();
      const c = new pg.Client({ connectionString: pgUrl });
      await c.connect();
      await c.query(`DROP SCHEMA ${schema} CASCADE`);
      await c.end();
    };
    return store;
  });
} else {
  describe('rollup store contract: PostgreSQL', () => {
    it.skip('skipped: set PLOTLINE_TEST_PG_URL (e.g. postgres://postgres@127.0.0.1:55432/plotline_services) to run it', () => {});
  });
  console.log('rollup store contract on PostgreSQL skipped: PLOTLINE_TEST_PG_URL is not set');
}
