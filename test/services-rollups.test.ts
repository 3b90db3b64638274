import { describe, it } from 'vitest';
import { SqliteRollups } from '../src/server/services/sqlite-rollups.js';
import { describeRollupStore, openFreshPgRollups } from './helpers/rollup-contract.js';
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
