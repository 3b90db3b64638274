import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { apply, describeStore, T0 } from '../../../test/helpers/store-contract.js';
import { openStore } from './index.js';

describeStore(':memory:', () => openStore(':memory:'));

describeStore('SQLite file', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'plotline-store-test-'));
  const store = await openStore(join(dir, 'nested', 'dir', 'plotline.db'));
  const close = store.close.bind(store);
  return Object.assign(store, {
    close: async () => {
      await close();
      rmSync(dir, { recursive: true, force: true });
    },
  });
});

describe('store on disk', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'plotline-store-disk-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const chunkRows = (path: string) => {
    const db = new Database(path, { readonly: true });
    try {
      return (db.prepare('SELECT COUNT(*) AS n FROM chunks').get() as { n: number }).n;
    } finally {
      db.close();
    }
  };

  it('creates its directory, uses WAL, and keeps everything across close and reopen', async () => {
    const path = join(dir, 'a', 'b', 'plotline.db');
    const store = await openStore(path);
    const first: Parameters<typeof apply>[1] = {
      batchId: 'first',
      executions: [{ id: 'r', start: { name: 'r' }, definitions: [{ key: 'a' }], points: [{ key: 'a', x: [1, 2], y: [3, 'NaN'] }], summary: [{ key: 's', value: 'x', mode: 'replace' }] }],
    };
    await apply(store, first, T0);
    await store.close();
    const db = new Database(path, { readonly: true });
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    db.close();
    const reopened = await openStore(path);
    try {
      expect(await reopened.getExecution('r')).toMatchObject({ execution: { summary: { s: 'x' }, metricCount: 1 }, definitions: [{ key: 'a' }] });
      expect((await reopened.readSeries('r', ['a'], {}))[0]).toMatchObject({ x: [1, 2], y: [3, 'NaN'] });
      expect((await apply(reopened, first, T0)).duplicate).toBe(true);
    } finally {
      await reopened.close();
    }
  });

  it('merges small chunks on close, and picks up small chunks left by an earlier process', async () => {
    const path = join(dir, 'p.db');
    const store = await openStore(path);
    await apply(store, { executions: [{ id: 'r', start: { name: 'r' } }] }, T0);
    for (let i = 0; i < 100; i++) await apply(store, { executions: [{ id: 'r', points: [{ key: 'a', x: [i], y: [i] }] }] }, T0);
    expect(chunkRows(path)).toBe(100);
    await store.close();
    expect(chunkRows(path)).toBe(1);

    const again = await openStore(path);
    for (let i = 100; i < 150; i++) await apply(again, { executions: [{ id: 'r', points: [{ key: 'a', x: [i], y: [i] }] }] }, T0);
    // Simulates a killed process: the file is reopened without this store having compacted.
    const third = await openStore(path);
    await third.compact();
    expect(chunkRows(path)).toBe(1);
    expect((await third.readSeries('r', ['a'], {}))[0]!.x).toEqual(Array.from({ length: 150 }, (_, i) => i));
    await third.close();
    await again.close();
  });

  it('opens a file written before packing: its chunks read as they were, and the next compaction packs them', async () => {
    const path = join(dir, 'old.db');
    const store = await openStore(path);
    const x = Array.from({ length: 3000 }, (_, i) => i);
    const y = x.map((i) => (i % 100 === 0 ? 'NaN' as const : Math.round(Math.sin(i / 30) * 1000) / 100));
    await apply(store, { executions: [{ id: 'r', start: { name: 'r' }, points: [{ key: 'a', x, y }] }] }, T0);
    const before = await store.readSeries('r', ['a'], { budget: 300 });
    await store.close();
    // The layout before the packed column (its index first: SQLite drops no indexed column).
    const db = new Database(path);
    db.exec('DROP INDEX chunks_unpacked; ALTER TABLE chunks DROP COLUMN packed');
    db.close();
    const reopened = await openStore(path);
    try {
      expect((await reopened.readSeries('r', ['a'], {}))[0]).toMatchObject({ x, y });
      expect(await reopened.readSeries('r', ['a'], { budget: 300 })).toEqual(before);
      await reopened.compact();
      const db2 = new Database(path, { readonly: true });
      const packed = db2.prepare('SELECT packed, count(*) AS n FROM chunks GROUP BY packed').all();
      db2.close();
      expect(packed).toEqual([{ packed: 1, n: 2 }]);
      expect((await reopened.readSeries('r', ['a'], {}))[0]).toMatchObject({ x, y });
      expect(await reopened.readSeries('r', ['a'], { budget: 300 })).toEqual(before);
    } finally {
      await reopened.close();
    }
  });
});
