import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { MetricKind } from '../../protocol/index.js';
import type { RollupRow, RollupStore, SeriesInfo, SeriesKey, ServiceSeen, StoredService } from './rollup-store.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS svc_series (
  id INTEGER PRIMARY KEY,
  service TEXT NOT NULL,
  name TEXT NOT NULL,
  kind TEXT NOT NULL,
  tags TEXT NOT NULL,
  UNIQUE (service, name, tags)
);
CREATE TABLE IF NOT EXISTS svc_rollups (
  tier INTEGER NOT NULL,
  series_id INTEGER NOT NULL,
  start INTEGER NOT NULL,
  data BLOB NOT NULL,
  PRIMARY KEY (tier, series_id, start)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS svc_services (
  name TEXT PRIMARY KEY,
  last_seen INTEGER NOT NULL,
  first_interval INTEGER
);
CREATE TABLE IF NOT EXISTS svc_streams (
  key TEXT PRIMARY KEY,
  state TEXT NOT NULL,
  updated INTEGER NOT NULL
);
`;

interface SeriesRow { id: number; service: string; name: string; kind: MetricKind; tags: string }

/** Tags are stored joined by ',' (a tag never contains one). */
export function joinTags(tags: readonly string[]): string {
  return tags.join(',');
}

/** A time bound as a whole number both databases take (±Infinity become the largest safe integers). */
export function clampTime(t: number): number {
  return Math.max(-Number.MAX_SAFE_INTEGER, Math.min(Number.MAX_SAFE_INTEGER, Math.ceil(t)));
}

/** A first interval as stored: a time, or NULL when not known (−Infinity in memory: a service older than tracking). */
export function storedFirstInterval(t: number): number | null {
  return Number.isFinite(t) ? Math.floor(t) : null;
}

export function splitStoredTags(tags: string): string[] {
  return tags === '' ? [] : tags.split(',');
}

/**
 * Rollups in SQLite, in the same database file as executions (its own connection; WAL lets both write in turn).
 * better-sqlite3 is synchronous: each method does its work at once and returns a settled promise.
 */
export class SqliteRollups implements RollupStore {
  private readonly db: Database.Database;
  private readonly sql;

  constructor(path: string) {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    this.db = new Database(path);
    if (path !== ':memory:') this.db.pragma('journal_mode = WAL');
    this.db.pragma('busy_timeout = 5000');
    this.db.pragma('synchronous = NORMAL');
    this.db.exec(SCHEMA);
    // Files written before first intervals were kept: the column is added, empty (NULL: age unknown).
    const columns = this.db.prepare<[], { name: string }>('PRAGMA table_info(svc_services)').all();
    if (!columns.some((c) => c.name === 'first_interval')) this.db.exec('ALTER TABLE svc_services ADD COLUMN first_interval INTEGER');
    const db = this.db;
    this.sql = {
      findSeries: db.prepare<[string, string, string], { id: number }>('SELECT id FROM svc_series WHERE service = ? AND name = ? AND tags = ?'),
      addSeries: db.prepare<[string, string, string, string]>('INSERT INTO svc_series (service, name, kind, tags) VALUES (?, ?, ?, ?)'),
      allSeries: db.prepare<[number], SeriesRow>('SELECT id, service, name, kind, tags FROM svc_series WHERE id > ? ORDER BY id'),
      row: db.prepare<[number, number, number], { data: Buffer }>('SELECT data FROM svc_rollups WHERE tier = ? AND series_id = ? AND start = ?'),
      upsert: db.prepare<[number, number, number, Uint8Array]>('INSERT OR REPLACE INTO svc_rollups (tier, series_id, start, data) VALUES (?, ?, ?, ?)'),
      read: db.prepare<[number, string, number, number], { series_id: number; start: number; data: Buffer }>(
        `SELECT series_id, start, data FROM svc_rollups WHERE tier = ? AND series_id IN (SELECT value FROM json_each(?))
         AND start >= ? AND start < ? ORDER BY series_id, start`),
      prune: db.prepare<[number, number]>('DELETE FROM svc_rollups WHERE tier = ? AND start < ?'),
      // SQLite's min() of a NULL is NULL: a service of unknown age stays so.
      touch: db.prepare<[string, number, number | null]>(`INSERT INTO svc_services (name, last_seen, first_interval) VALUES (?, ?, ?)
        ON CONFLICT (name) DO UPDATE SET last_seen = max(last_seen, excluded.last_seen), first_interval = min(first_interval, excluded.first_interval)`),
      services: db.prepare<[], { name: string; last_seen: number; first_interval: number | null }>('SELECT name, last_seen, first_interval FROM svc_services ORDER BY name'),
      stream: db.prepare<[string], { state: string }>('SELECT state FROM svc_streams WHERE key = ?'),
      setStream: db.prepare<[string, string, number]>('INSERT OR REPLACE INTO svc_streams (key, state, updated) VALUES (?, ?, ?)'),
      pruneStreams: db.prepare<[number]>('DELETE FROM svc_streams WHERE updated < ?'),
    };
  }

  async ensureSeries(series: readonly SeriesKey[]): Promise<number[]> {
    return this.db.transaction(() => series.map((s) => {
      const tags = joinTags(s.tags);
      const found = this.sql.findSeries.get(s.service, s.name, tags);
      if (found) return found.id;
      return Number(this.sql.addSeries.run(s.service, s.name, s.kind, tags).lastInsertRowid);
    }))();
  }

  async listSeries(afterId = 0): Promise<SeriesInfo[]> {
    return this.sql.allSeries.all(afterId).map((r) => ({ id: r.id, service: r.service, name: r.name, kind: r.kind, tags: splitStoredTags(r.tags) }));
  }

  async mergeRows(rows: readonly RollupRow[], combine: (stored: Uint8Array, incoming: Uint8Array) => Uint8Array): Promise<void> {
    this.db.transaction(() => {
      for (const r of rows) {
        const stored = this.sql.row.get(r.tier, r.seriesId, r.start);
        this.sql.upsert.run(r.tier, r.seriesId, r.start, stored ? combine(stored.data, r.data) : r.data);
      }
    })();
  }

  async readRows(tier: number, seriesIds: readonly number[], from: number, to: number): Promise<RollupRow[]> {
    if (seriesIds.length === 0) return [];
    return this.sql.read.all(tier, JSON.stringify(seriesIds), clampTime(from), clampTime(to))
      .map((r) => ({ tier, seriesId: r.series_id, start: r.start, data: r.data }));
  }

  async prune(tier: number, before: number): Promise<number> {
    return this.sql.prune.run(tier, clampTime(before)).changes;
  }

  async touchServices(seen: ReadonlyMap<string, ServiceSeen>): Promise<void> {
    this.db.transaction(() => {
      for (const [name, s] of seen) this.sql.touch.run(name, Math.floor(s.lastSeen), storedFirstInterval(s.firstInterval));
    })();
  }

  async listServices(): Promise<StoredService[]> {
    return this.sql.services.all().map((r) => ({ name: r.name, lastSeen: r.last_seen, firstInterval: r.first_interval }));
  }

  async exchangeStreams(entries: readonly { key: string; state: string }[], step: (stored: string | null, incoming: string) => string): Promise<(string | null)[]> {
    const now = Date.now();
    // IMMEDIATE: the write lock is taken before reading, so another process on the same file cannot interleave.
    return this.db.transaction(() => entries.map(({ key, state }) => {
      const stored = this.sql.stream.get(key)?.state ?? null;
      this.sql.setStream.run(key, step(stored, state), now);
      return stored;
    })).immediate();
  }

  async pruneStreams(before: number): Promise<number> {
    return this.sql.pruneStreams.run(clampTime(before)).changes;
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}
