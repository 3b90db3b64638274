import pg from 'pg';
import type { MetricKind } from '../../protocol/index.js';
import type { RollupRow, RollupStore, SeriesInfo, SeriesKey, ServiceSeen, StoredService } from './rollup-store.js';
import { quoteIdent } from '../store/pg-schema.js';
import { parsePgUrl } from '../store/pg-store.js';
import { clampTime, joinTags, splitStoredTags, storedFirstInterval } from './sqlite-rollups.js';

/**
 * Sent as one simple query, so it runs as one transaction; the advisory lock keeps replicas that start together from
 * racing in CREATE TABLE IF NOT EXISTS (which can fail on PostgreSQL's catalog otherwise).
 */
const TABLES = `
CREATE TABLE IF NOT EXISTS svc_series (
  id BIGSERIAL PRIMARY KEY,
  service TEXT NOT NULL,
  name TEXT NOT NULL,
  kind TEXT NOT NULL,
  tags TEXT NOT NULL,
  UNIQUE (service, name, tags)
);
CREATE TABLE IF NOT EXISTS svc_rollups (
  tier BIGINT NOT NULL,
  series_id BIGINT NOT NULL,
  start BIGINT NOT NULL,
  data BYTEA NOT NULL,
  PRIMARY KEY (tier, series_id, start)
);
CREATE TABLE IF NOT EXISTS svc_services (
  name TEXT PRIMARY KEY,
  last_seen BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS svc_streams (
  key TEXT PRIMARY KEY,
  state TEXT NOT NULL,
  updated BIGINT NOT NULL
);
ALTER TABLE svc_services ADD COLUMN IF NOT EXISTS first_interval BIGINT;
`;

/** Merges from every server replica on one database take this transaction-scoped advisory lock, one at a time. */
const MERGE_LOCK = 0x706c6f74; // 'plot'

/**
 * Rollups in PostgreSQL (`pg`), shared by every `plotline serve` replica on the database. Merges are read-modify-write
 * under an advisory lock, so contributions of several replicas to one interval add up exactly.
 */
export class PgRollups implements RollupStore {
  private readonly pool: pg.Pool;
  private ready: Promise<void>;

  /** `url` as `--db` takes it: `?schema=name` picks the schema (default plotline), the one the execution store uses. */
  constructor(url: string) {
    const { connectionString, schema } = parsePgUrl(url);
    this.pool = new pg.Pool({ connectionString, options: `-c search_path=${quoteIdent(schema)}`, max: 4 });
    this.pool.on('error', (err) => console.error('plotline: PostgreSQL connection error', err.message));
    this.ready = this.pool.query(`SELECT pg_advisory_xact_lock(1886154868); CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)};${TABLES}`).then(() => undefined);
    // Keep an unhandled rejection from killing the process before the first call sees it.
    this.ready.catch(() => {});
  }

  private async tx<T>(fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    await this.ready;
    const c = await this.pool.connect();
    try {
      await c.query('BEGIN');
      const out = await fn(c);
      await c.query('COMMIT');
      return out;
    } catch (err) {
      await c.query('ROLLBACK').catch(() => {});
      throw err;
    } finally {
      c.release();
    }
  }

  async ensureSeries(series: readonly SeriesKey[]): Promise<number[]> {
    if (series.length === 0) return [];
    return this.tx(async (c) => {
      await c.query(
        `INSERT INTO svc_series (service, name, kind, tags) SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[])
         ON CONFLICT (service, name, tags) DO NOTHING`,
        [series.map((s) => s.service), series.map((s) => s.name), series.map((s) => s.kind), series.map((s) => joinTags(s.tags))],
      );
      const found = await c.query<{ i: number; id: string }>(
        `SELECT k.i, s.id FROM unnest($1::text[], $2::text[], $3::text[]) WITH ORDINALITY AS k(service, name, tags, i)
         JOIN svc_series s ON s.service = k.service AND s.name = k.name AND s.tags = k.tags`,
        [series.map((s) => s.service), series.map((s) => s.name), series.map((s) => joinTags(s.tags))],
      );
      const ids = new Array<number>(series.length);
      for (const r of found.rows) ids[Number(r.i) - 1] = Number(r.id);
      return ids;
    });
  }

  async listSeries(afterId = 0): Promise<SeriesInfo[]> {
    await this.ready;
    const r = await this.pool.query<{ id: string; service: string; name: string; kind: MetricKind; tags: string }>(
      'SELECT id, service, name, kind, tags FROM svc_series WHERE id > $1 ORDER BY id', [afterId]);
    return r.rows.map((x) => ({ id: Number(x.id), service: x.service, name: x.name, kind: x.kind, tags: splitStoredTags(x.tags) }));
  }

  async mergeRows(rows: readonly RollupRow[], combine: (stored: Uint8Array, incoming: Uint8Array) => Uint8Array): Promise<void> {
    if (rows.length === 0) return;
    await this.tx(async (c) => {
      await c.query('SELECT pg_advisory_xact_lock($1)', [MERGE_LOCK]);
      const tiers = rows.map((r) => r.tier), ids = rows.map((r) => r.seriesId), starts = rows.map((r) => r.start);
      const stored = await c.query<{ i: string; data: Buffer }>(
        `SELECT k.i, r.data FROM unnest($1::bigint[], $2::bigint[], $3::bigint[]) WITH ORDINALITY AS k(tier, series_id, start, i)
         JOIN svc_rollups r ON r.tier = k.tier AND r.series_id = k.series_id AND r.start = k.start`,
        [tiers, ids, starts],
      );
      const data = rows.map((r) => r.data);
      for (const s of stored.rows) {
        const i = Number(s.i) - 1;
        data[i] = combine(s.data, rows[i]!.data);
      }
      await c.query(
        `INSERT INTO svc_rollups (tier, series_id, start, data) SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::bytea[])
         ON CONFLICT (tier, series_id, start) DO UPDATE SET data = excluded.data`,
        [tiers, ids, starts, data.map((d) => Buffer.from(d.buffer, d.byteOffset, d.byteLength))],
      );
    });
  }

  async readRows(tier: number, seriesIds: readonly number[], from: number, to: number): Promise<RollupRow[]> {
    if (seriesIds.length === 0) return [];
    await this.ready;
    const r = await this.pool.query<{ series_id: string; start: string; data: Buffer }>(
      `SELECT series_id, start, data FROM svc_rollups WHERE tier = $1 AND series_id = ANY($2::bigint[]) AND start >= $3 AND start < $4
       ORDER BY series_id, start`,
      [tier, seriesIds, clampTime(from), clampTime(to)],
    );
    return r.rows.map((x) => ({ tier, seriesId: Number(x.series_id), start: Number(x.start), data: x.data }));
  }

  async prune(tier: number, before: number): Promise<number> {
    await this.ready;
    const r = await this.pool.query('DELETE FROM svc_rollups WHERE tier = $1 AND start < $2', [tier, clampTime(before)]);
    return r.rowCount ?? 0;
  }

  async touchServices(seen: ReadonlyMap<string, ServiceSeen>): Promise<void> {
    if (seen.size === 0) return;
    await this.ready;
    // least() skips NULLs; a service of unknown age (NULL) must stay so, hence the CASE.
    await this.pool.query(
      `INSERT INTO svc_services (name, last_seen, first_interval) SELECT * FROM unnest($1::text[], $2::bigint[], $3::bigint[])
       ON CONFLICT (name) DO UPDATE SET last_seen = greatest(svc_services.last_seen, excluded.last_seen),
         first_interval = CASE WHEN svc_services.first_interval IS NULL THEN NULL
                               ELSE least(svc_services.first_interval, excluded.first_interval) END`,
      [[...seen.keys()], [...seen.values()].map((s) => Math.floor(s.lastSeen)), [...seen.values()].map((s) => storedFirstInterval(s.firstInterval))],
    );
  }

  async listServices(): Promise<StoredService[]> {
    await this.ready;
    const r = await this.pool.query<{ name: string; last_seen: string; first_interval: string | null }>('SELECT name, last_seen, first_interval FROM svc_services ORDER BY name');
    return r.rows.map((x) => ({ name: x.name, lastSeen: Number(x.last_seen), firstInterval: x.first_interval === null ? null : Number(x.first_interval) }));
  }

  /**
   * Row locks per stream key (taken in key order, so two replicas' calls cannot deadlock): a missing row is inserted empty
   * first so that it can be locked too; the steps run here on what was read, in entry order (one key may come twice).
   */
  async exchangeStreams(entries: readonly { key: string; state: string }[], step: (stored: string | null, incoming: string) => string): Promise<(string | null)[]> {
    if (entries.length === 0) return [];
    const keys = [...new Set(entries.map((e) => e.key))].sort();
    return this.tx(async (c) => {
      await c.query(`INSERT INTO svc_streams (key, state, updated) SELECT k, '', 0 FROM unnest($1::text[]) AS k ORDER BY k ON CONFLICT (key) DO NOTHING`, [keys]);
      const stored = await c.query<{ key: string; state: string }>('SELECT key, state FROM svc_streams WHERE key = ANY($1::text[]) ORDER BY key FOR UPDATE', [keys]);
      const current = new Map<string, string | null>(stored.rows.map((r) => [r.key, r.state === '' ? null : r.state]));
      const read = entries.map(({ key, state }) => {
        const before = current.get(key) ?? null;
        current.set(key, step(before, state));
        return before;
      });
      await c.query(
        `UPDATE svc_streams s SET state = u.state, updated = $3 FROM unnest($1::text[], $2::text[]) AS u(key, state) WHERE s.key = u.key`,
        [keys, keys.map((k) => current.get(k)!), Date.now()],
      );
      return read;
    });
  }

  async pruneStreams(before: number): Promise<number> {
    await this.ready;
    const r = await this.pool.query('DELETE FROM svc_streams WHERE updated < $1', [clampTime(before)]);
    return r.rowCount ?? 0;
  }

  async close(): Promise<void> {
    await this.ready.catch(() => {});
    await this.pool.end();
  }
}
