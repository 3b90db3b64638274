import Database from 'better-sqlite3';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../src/server/index.js';
import { getJson, postJson, spawnServer } from './helpers/server.js';
import { TestStreamClient } from './helpers/sse-client.js';

/**
 * Issue 19, fault 1: a full disk. On a small tmpfs when this process may mount one (root on Linux); otherwise on SQLite's
 * page quota (`max_page_count`), which yields the same SQLITE_FULL. The test says which ran.
 */
const dir = mkdtempSync(join(tmpdir(), 'plotline-full-'));
let tmpfs = false;
try {
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=3m', 'tmpfs', dir], { stdio: 'ignore' });
  tmpfs = true;
} catch {
  tmpfs = false;
}
console.log(tmpfs ? `disk-full tests: on a 3 MiB tmpfs at ${dir}` : 'disk-full tests: no tmpfs (not root?), on a SQLite page quota instead (same SQLITE_FULL)');
const db = join(dir, 'plotline.db');
const filler = join(dir, 'filler');

/** Makes room on the disk (deletes the filler file), or lifts the page quota. */
function freeSpace(server: RunningServer | null): void {
  if (tmpfs) rmSync(filler, { force: true });
  else if (server?.store.handle.kind === 'sqlite') server.store.handle.db.pragma('max_page_count = 1073741823');
}

/** Writes up to `bytes` (a full disk stops it part way, leaving what fitted). */
function tryWrite(path: string, bytes: number): void {
  try {
    writeFileSync(path, Buffer.alloc(bytes));
  } catch {
    // Full: what fitted stays.
  }
}

let x = 0;
const batch = () => {
  const xs = Array.from({ length: 5000 }, () => x++);
  return { executions: [{ id: 'full', points: [{ key: 'k', x: xs, y: xs.map(Math.random) }] }] };
};

afterAll(() => {
  if (tmpfs) execFileSync('umount', [dir]);
  rmSync(dir, { recursive: true, force: true });
});

describe(`disk full at run time (${tmpfs ? 'tmpfs' : 'page quota'})`, () => {
  let server: RunningServer;
  beforeAll(async () => {
    mkdirSync(dir, { recursive: true });
    if (tmpfs) writeFileSync(filler, Buffer.alloc(512 * 1024));
    server = await startServer({ port: 0, db });
    if (!tmpfs && server.store.handle.kind === 'sqlite') server.store.handle.db.pragma('max_page_count = 300');
    expect((await postJson(`${server.url}/api/ingest`, { executions: [{ id: 'full', start: { name: 'full' } }] })).status).toBe(200);
  });
  afterAll(() => server?.close());

  it('ingest answers 507 naming the cause; reads, the stream and health keep working; background work does not crash it', async () => {
    const watcher = new TestStreamClient(server.url, ['full']);
    await watcher.connect();
    let refused: { status: number; json: any } | null = null;
    for (let i = 0; i < 400 && !refused; i++) {
      const res = await postJson(`${server.url}/api/ingest`, batch());
      if (res.status !== 200) refused = res;
    }
    expect(refused?.status).toBe(507);
    expect(refused?.json.error).toMatch(/disk is full \((SQLITE_FULL|ENOSPC)\): nothing of this request was stored/);
    // Compaction runs every 2 s and fails on the full disk: it must be caught and reported, not crash the server.
    await new Promise((r) => setTimeout(r, 2500));
    expect((await getJson(`${server.url}/api/health`)).status).toBe(200);
    const detail = (await getJson(`${server.url}/api/executions/full`)).json;
    expect(detail.series[0].count).toBeGreaterThan(0);
    expect((await getJson(`${server.url}/api/executions/full/series?key=k&budget=100`)).status).toBe(200);
    expect(watcher.events.length).toBeGreaterThan(0);
    watcher.disconnect();
  }, 60_000);

  it('ingest resumes by itself once space is freed', async () => {
    freeSpace(server);
    const res = await postJson(`${server.url}/api/ingest`, { executions: [{ id: 'full', summary: [{ key: 'resumed', value: true }] }] });
    expect(res.status).toBe(200);
  });
});

describe.runIf(tmpfs)('start-up on a full disk (tmpfs)', () => {
  it('opens read-only and says so when the store cannot be opened for writing; writable again by itself when space returns', async () => {
    for (const f of readdirSync(dir)) rmSync(join(dir, f), { force: true });
    // A file from before the batch-hash column: opening it for writing must add the column, which a full disk refuses.
    const old = join(dir, 'old.db');
    const first = await startServer({ port: 0, db: old });
    await postJson(`${first.url}/api/ingest`, { executions: [{ id: 'kept', start: { name: 'kept' } }] });
    await first.close();
    const raw = new Database(old);
    raw.exec('ALTER TABLE batches DROP COLUMN hash');
    // Left open, as a crashed server leaves its WAL index: the file is in use, not freshly created.
    raw.prepare('SELECT COUNT(*) FROM executions').get();
    tryWrite(filler, 64 * 1024 * 1024);
    const server = await spawnServer(['--db', old]);
    raw.close();
    try {
      expect(server.output()).toMatch(/is full: the store is open READ-ONLY/);
      expect((await getJson(`${server.url}/api/executions/kept`)).status).toBe(200);
      const refused = await postJson(`${server.url}/api/ingest`, { executions: [{ id: 'kept', summary: [{ key: 'ro', value: 1 }] }] });
      expect(refused.status).toBe(507);
      expect(refused.json.error).toMatch(/opened read-only because its disk was full at start/);
      rmSync(filler, { force: true });
      const deadline = Date.now() + 15_000;
      let status = 0;
      while (Date.now() < deadline && status !== 200) {
        await new Promise((r) => setTimeout(r, 500));
        status = (await postJson(`${server.url}/api/ingest`, { executions: [{ id: 'kept', summary: [{ key: 'rw', value: 1 }] }] })).status;
      }
      expect(status).toBe(200);
      expect(server.output()).toMatch(/store is writable again/);
    } finally {
      await server.kill();
    }
  }, 60_000);
});

describe('two servers on one SQLite file (fault 10)', () => {
  it('the second is refused with a clear message pointing at PostgreSQL', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'plotline-lock-')), 'p.db');
    const first = await spawnServer(['--db', file]);
    try {
      await expect(spawnServer(['--db', file])).rejects.toThrow(/another Plotline server is using .*p\.db.*PostgreSQL/s);
      expect((await postJson(`${first.url}/api/ingest`, { executions: [{ id: 'one', start: { name: 'one' } }] })).status).toBe(200);
    } finally {
      await first.kill();
    }
    // Once the first is gone (even killed), the file can be served again.
    const again = await spawnServer(['--db', file]);
    await again.kill();
  });
});
