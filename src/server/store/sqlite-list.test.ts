import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { parseSort, type SummaryObject } from '../../protocol/index.js';
import { openSchema } from './schema.js';
import { SqliteListIndex } from './sqlite-list.js';

function setup() {
  const db = new Database(':memory:');
  openSchema(db, true);
  const index = new SqliteListIndex(db);
  const insert = db.prepare(`INSERT INTO executions (id, name, name_lower, labels, status, started_at, ended_at, last_seen_at, error, summary)
    VALUES (?, ?, ?, ?, 'succeeded', ?, ?, ?, NULL, ?)`);
  db.transaction(() => {
    for (let i = 0; i < 3000; i++) {
      const labels = { model: `m${i % 3}` };
      const summary: SummaryObject = i % 4 === 0 ? {} : { acc: (i * 7919) % 1000 / 1000, timing: { inference: i % 10 } };
      insert.run(`e${i}`, `run ${i % 50}`, `run ${i % 50}`, JSON.stringify(labels), 1.7e12 + i * 1000, 1.7e12 + i * 1000 + (i % 17) * 100, 1.7e12 + i * 2000, JSON.stringify(summary));
      index.index({ id: `e${i}`, labels, summary }, true, true);
    }
  })();
  db.exec('ANALYZE');
  return { db, index };
}

describe('SqliteListIndex query plans', () => {
  const { index } = setup();
  const plan = (sort: string, cursor?: string) => index.explain({ limit: 50, sort: parseSort(sort), ...(cursor && { cursor }) }).map((p) => p.join(' | '));

  it.each(['-startedAt', 'startedAt', 'name', '-name', 'duration', '-duration', 'summary.acc', '-summary.timing.inference', 'label.model', '-label.model'])(
    'sort %s reads an index in order: no table scan, no sort step',
    (sort) => {
      for (const p of plan(sort)) {
        expect(p).not.toMatch(/TEMP B-TREE/);
        expect(p).toMatch(/USING (COVERING )?INDEX|USING PRIMARY KEY/);
        expect(p.split(' | ')[0]).not.toMatch(/^SCAN (e|executions)$/);
      }
    },
  );

  it('a later page starts at the cursor through the index (a range, not a scan)', async () => {
    const first = await index.list<{ id: string }>({ limit: 50, sort: parseSort('-summary.acc') });
    const [ordered] = plan('-summary.acc', first.nextCursor!);
    expect(ordered).toMatch(/SEARCH s USING (COVERING )?INDEX summary_numbers_sorted \(path=\? AND \(value,execution_id\)<\(\?,\?\)\)/);
  });
});
