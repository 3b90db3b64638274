import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** The PostgreSQL server tests may use (`PLOTLINE_TEST_PG_URL`, set by .ci/postgres.sh), or null: then they are skipped. */
export const PG_URL = process.env.PLOTLINE_TEST_PG_URL || null;

let said = false;
/** Prints, once per test file, why the PostgreSQL tests of that file do not run. */
export function sayPgSkipped(what: string): void {
  if (PG_URL || said) return;
  said = true;
  console.log(`skipped: ${what} (PostgreSQL tests run when PLOTLINE_TEST_PG_URL is set, e.g. postgres://postgres@127.0.0.1:55432/plotline_store)`);
}

/** A `--db` URL on a schema of its own, so parallel test files and tests never share tables. */
export function freshPgDb(): { url: string; drop: () => Promise<void> } {
  const schema = `t_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  const u = new URL(PG_URL!);
  u.searchParams.set('schema', schema);
  return {
    url: u.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: PG_URL! });
      await c.connect();
      try {
        await c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      } finally {
        await c.end();
      }
    },
  };
}
