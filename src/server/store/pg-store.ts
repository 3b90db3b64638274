import pg from 'pg';
import {
  toWireArray,
  type Execution, type ExecutionDetail, type ExecutionList, type MetricDef, type SeriesData, type SummaryObject,
} from '../../protocol/index.js';
import { DomainError } from '../domain-error.js';
import type { HubEvent } from '../hub-event.js';
import { decodeChunk, encodeChunks, type EncodedChunk } from './chunk.js';
import { COLUMN_HEAD_BYTES, decodeColumnSlice } from './column-codec.js';
import { MAX_CHUNK, setMetricCounts, SMALL_CHUNK } from './common.js';
import { planMerges } from './compaction-plan.js';
import { decodeCursor, encodeCursor } from './list-cursor.js';
import { PgFeed, toFeedEvents } from './pg-feed.js';
import { migrate, quoteIdent } from './pg-schema.js';
import { base64, fromBase64, types } from './pg-types.js';
import { finishRange, planRange, type ChunkColumns, type ChunkMeta } from './range-read.js';
import type {
  BatchRequest, BatchState, BatchWrite, CommitResult, CompactOptions, ExecutionRecord, ExecutionState, ListQuery, RangeQuery, Store,
  StoreHandle,
} from './store.js';

interface ExecutionRow {
  id: string; name: string; labels: string; status: Execution['status']; started_at: number; ended_at: number | null;
  last_seen_at: number; error: string | null; summary: string;
}

const DEFAULT_SCHEMA = 'plotline';
const SCHEMA_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,47}$/;
/** Advisory lock keys (within the schema's own key space, see lockKey) of the work only one replica does at a time. */
const LOST_SWEEP = 'lost-sweep';
const COMPACTION = 'compaction';
/** Transactions refused by a concurrent one (serialization, deadlock, the same new execution or series) are retried. */
const RETRY_CODES = new Set(['40001', '40P01', '23505']);
const MAX_TRIES = 5;

function toRecord(row: ExecutionRow): ExecutionRecord {
  return {
    id: row.id, name: row.name, labels: JSON.parse(row.labels) as Execution['labels'], status: row.status, startedAt: row.started_at,
    endedAt: row.ended_at, lastSeenAt: row.last_seen_at, error: row.error, summary: JSON.parse(row.summary) as SummaryObject,
  };
}

/** `postgres://…?schema=name` → connection string without it, and the schema (default "plotline"). */
export function parsePgUrl(url: string): { connectionString: string; schema: string } {
  const u = new URL(url);
  const schema = u.searchParams.get('schema') ?? DEFAULT_SCHEMA;
  if (!SCHEMA_NAME.test(schema)) throw new Error(`--db: schema "${schema}" must be a letter or "_" then up to 47 letters, digits or "_"`);
  u.searchParams.delete('schema');
  return { connectionString: u.toString(), schema };
}

/** The SQL of an advisory lock key for `name` within this schema. */
const lockKey = (n: number) => `('x' || substr(md5($${n}), 1, 16))::bit(64)::bigint`;

const METRIC_COUNT = `(SELECT count(*) FROM (SELECT key FROM definitions d WHERE d.execution_id = e.id
  UNION SELECT key FROM series s WHERE s.execution_id = e.id AND s.key NOT LIKE '@%') k)`;

/**
 * The shared backend: any number of `plotline serve` replicas on one PostgreSQL database (pg, pooled). The same rules and
 * the same chunk layout as SQLite; a batch is one transaction (acknowledged after COMMIT), its batch id is claimed first
 * (a retry on another replica waits for the first and is then seen as a duplicate), execution rows are locked in id order,
 * and its stream events go into the feed (pg-feed.ts) that every replica streams from.
 */
export class PgStore implements Store {
  readonly handle: StoreHandle;

  private constructor(
    private readonly pool: pg.Pool, readonly schema: string, readonly feed: PgFeed,
  ) {
    this.handle = { kind: 'postgres', pool, schema };
  }

  /** Connects, creates or migrates the schema, and starts listening to the feed. */
  static async open(url: string): Promise<PgStore> {
    const { connectionString, schema } = parsePgUrl(url);
    const clientConfig: pg.ClientConfig = { connectionString, options: `-c search_path=${quoteIdent(schema)}`, types };
    const setup = new pg.Client({ connectionString });
    await setup.connect();
    try {
      await migrate(setup, schema);
    } finally {
      await setup.end();
    }
    const pool = new pg.Pool({ ...clientConfig, max: 8 });
    pool.on('error', (err) => console.error('plotline: idle PostgreSQL connection failed', err));
    try {
      const feed = await PgFeed.open(pool, clientConfig, `plotline_feed_${schema.toLowerCase()}`);
      return new PgStore(pool, schema, feed);
    } catch (err) {
      await pool.end();
      throw err;
    }
  }

  /** Runs `fn` in a transaction, retrying when a concurrent transaction got in its way. */
  private async tx<T>(fn: (c: pg.PoolClient) => Promise<T>, begin = 'BEGIN'): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const c = await this.pool.connect();
      try {
        await c.query(begin);
        const out = await fn(c);
        await c.query('COMMIT');
        return out;
      } catch (err) {
        await c.query('ROLLBACK').catch(() => undefined);
        const code = (err as { code?: string }).code;
        if (attempt < MAX_TRIES && code !== undefined && RETRY_CODES.has(code)) continue;
        throw err;
      } finally {
        c.release();
      }
    }
  }

  async commitBatch(request: BatchRequest, decide: (state: BatchState) => BatchWrite | null): Promise<CommitResult | null> {
    let seqStart: number | null = null;
    try {
      const result = await this.tx(async (c) => {
        const write = decide(await this.loadState(c, request));
        if (!write) return null;
        const out = await this.write(c, write);
        seqStart = out.seqStart;
        return out.result;
      });
      if (result) this.feed.poke();
      return result;
    } catch (err) {
      if (seqStart !== null) this.feed.forget(seqStart);
      throw err;
    }
  }

  private async loadState(c: pg.PoolClient, request: BatchRequest): Promise<BatchState> {
    const executions = new Map<string, ExecutionState>();
    if (request.batchId !== undefined) {
      // Claims the id; a transaction holding the same id makes this wait until it commits (then: a duplicate) or aborts.
      const claimed = await c.query('INSERT INTO batches (batch_id, at, points) VALUES ($1, 0, 0) ON CONFLICT DO NOTHING', [request.batchId]);
      if (claimed.rowCount === 0) {
        const seen = (await c.query<{ points: number; hash: string | null }>('SELECT points, hash FROM batches WHERE batch_id = $1', [request.batchId])).rows[0];
        return { seen: { points: seen?.points ?? 0, hash: seen?.hash ?? null }, executions };
      }
    }
    const ids = [...request.executions.keys()].sort();
    const rows = (await c.query<ExecutionRow>('SELECT * FROM executions WHERE id = ANY($1) ORDER BY id FOR UPDATE', [ids])).rows;
    const existing = new Map(rows.map((r) => [r.id, r]));
    const defE: string[] = [];
    const defK: string[] = [];
    const serE: string[] = [];
    const serK: string[] = [];
    for (const [id, keys] of request.executions) {
      const row = existing.get(id);
      executions.set(id, { record: row ? toRecord(row) : null, definitions: new Map(), lastX: new Map() });
      if (!row) continue;
      for (const k of keys.definitionKeys) {
        defE.push(id);
        defK.push(k);
      }
      for (const k of keys.seriesKeys) {
        serE.push(id);
        serK.push(k);
      }
    }
    if (defE.length + serE.length > 0) {
      const known = await c.query<{ t: string; execution_id: string; key: string; def: string | null; last_x: number | null }>(
        `SELECT 'd' AS t, execution_id, key, def, NULL::float8 AS last_x FROM definitions
           WHERE (execution_id, key) IN (SELECT * FROM unnest($1::text[], $2::text[]))
         UNION ALL
         SELECT 's', execution_id, key, NULL, last_x FROM series
           WHERE (execution_id, key) IN (SELECT * FROM unnest($3::text[], $4::text[]))`, [defE, defK, serE, serK]);
      for (const r of known.rows) {
        const e = executions.get(r.execution_id)!;
        if (r.t === 'd') e.definitions.set(r.key, JSON.parse(r.def!) as MetricDef);
        else e.lastX.set(r.key, r.last_x!);
      }
    }
    return { seen: null, executions };
  }

  private async write(c: pg.PoolClient, write: BatchWrite): Promise<{ result: CommitResult; seqStart: number }> {
    const created = write.executions.filter((w) => w.isNew).map((w) => w.record);
    if (created.length > 0) {
      await c.query(
        `INSERT INTO executions (id, name, name_lower, labels, status, started_at, ended_at, last_seen_at, error, summary)
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::float8[], $7::float8[], $8::float8[], $9::text[], $10::text[])`,
        [created.map((r) => r.id), created.map((r) => r.name), created.map((r) => r.name.toLowerCase()), created.map((r) => JSON.stringify(r.labels)),
          created.map((r) => r.status), created.map((r) => r.startedAt), created.map((r) => r.endedAt), created.map((r) => r.lastSeenAt),
          created.map((r) => r.error), created.map((r) => JSON.stringify(r.summary))]);
    }
    const updated = write.executions.filter((w) => !w.isNew);
    if (updated.length > 0) {
      await c.query(
        `UPDATE executions e SET status = u.status, ended_at = u.ended_at, last_seen_at = u.last_seen_at, error = u.error,
           summary = COALESCE(u.summary, e.summary)
         FROM unnest($1::text[], $2::text[], $3::float8[], $4::float8[], $5::text[], $6::text[]) AS u(id, status, ended_at, last_seen_at, error, summary)
         WHERE e.id = u.id`,
        [updated.map((w) => w.record.id), updated.map((w) => w.record.status), updated.map((w) => w.record.endedAt),
          updated.map((w) => w.record.lastSeenAt), updated.map((w) => w.record.error),
          updated.map((w) => (w.summaryChanged ? JSON.stringify(w.record.summary) : null))]);
    }
    const defs = write.executions.flatMap((w) => w.definitions.map((d) => ({ id: w.record.id, d })));
    if (defs.length > 0) {
      await c.query('INSERT INTO definitions (execution_id, key, def) SELECT * FROM unnest($1::text[], $2::text[], $3::text[])',
        [defs.map((x) => x.id), defs.map((x) => x.d.key), defs.map((x) => JSON.stringify(x.d))]);
    }
    const appends = write.executions.flatMap((w) => w.appends.map((a) => ({ id: w.record.id, a })));
    const seriesIds = new Map<string, number>();
    if (appends.length > 0) {
      const last = appends.map(({ a }) => a.parts[a.parts.length - 1]!);
      const ids = await c.query<{ id: number; execution_id: string; key: string }>(
        `INSERT INTO series (execution_id, key, count, min_x, last_x, last_y)
         SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::float8[], $5::float8[], $6::float8[])
         ON CONFLICT (execution_id, key) DO UPDATE
           SET count = series.count + EXCLUDED.count, last_x = EXCLUDED.last_x, last_y = EXCLUDED.last_y
         RETURNING id, execution_id, key`,
        [appends.map((x) => x.id), appends.map((x) => x.a.key), appends.map(({ a }) => a.parts.reduce((n, p) => n + p.x.length, 0)),
          appends.map(({ a }) => a.parts[0]!.x[0]!), last.map((p) => p.x[p.x.length - 1]!),
          last.map((p) => toWireArray(p.y.subarray(p.y.length - 1))[0]!)]);
      for (const r of ids.rows) seriesIds.set(`${r.execution_id}\0${r.key}`, r.id);
      const chunks: Array<{ seriesId: number; c: EncodedChunk }> = [];
      for (const { id, a } of appends) {
        const seriesId = seriesIds.get(`${id}\0${a.key}`)!;
        for (const p of a.parts) for (const c of encodeChunks(p.x, p.y, MAX_CHUNK)) chunks.push({ seriesId, c });
      }
      await insertChunks(c, chunks);
    }
    const touched = write.executions.map((w) => w.record.id);
    const counts = await c.query<{ id: string; n: number }>(`SELECT e.id, ${METRIC_COUNT} AS n FROM unnest($1::text[]) AS e(id)`, [touched]);
    const metricCounts = new Map(counts.rows.map((r) => [r.id, r.n]));
    setMetricCounts(write.events, metricCounts);
    if (write.remember) {
      await c.query('UPDATE batches SET at = $2, points = $3, hash = $4 WHERE batch_id = $1',
        [write.remember.batchId, write.remember.at, write.remember.points, write.remember.hash]);
    }
    const seqStart = await this.appendFeed(c, write.events, seriesIds, write.remember?.at ?? Date.now());
    return { result: { metricCounts }, seqStart };
  }

  /** Last in every writing transaction: numbers the events and notifies the replicas (delivered when the commit is). */
  private async appendFeed(c: pg.PoolClient, events: HubEvent[], seriesIds: ReadonlyMap<string, number>, at: number): Promise<number> {
    const r = await c.query<{ seq_start: number }>(
      `WITH h AS (UPDATE feed_head SET last_seq = last_seq + $1 RETURNING last_seq - $1 + 1 AS seq_start),
            f AS (INSERT INTO feed (seq_start, n, at, events) SELECT seq_start, $1, $2, $3 FROM h RETURNING seq_start)
       SELECT seq_start, pg_notify($4, seq_start::text) FROM f`,
      [events.length, at, JSON.stringify(toFeedEvents(events, seriesIds)), this.feed.channel]);
    const seqStart = r.rows[0]!.seq_start;
    this.feed.expect(seqStart, events);
    return seqStart;
  }

  async listExecutions(query: ListQuery): Promise<ExecutionList> {
    const where: string[] = [];
    const params: unknown[] = [];
    const p = (v: unknown) => {
      params.push(v);
      return `$${params.length}`;
    };
    if (query.status?.length) where.push(`status = ANY(${p(query.status)})`);
    if (query.q) where.push(`strpos(name_lower, ${p(query.q.toLowerCase())}) > 0`);
    if (query.cursor) {
      const after = decodeCursor(query.cursor);
      where.push(`(started_at < ${p(after.startedAt)} OR (started_at = $${params.length} AND id < ${p(after.id)}))`);
    }
    const rows = (await this.pool.query<ExecutionRow & { metric_count: number }>(
      `SELECT e.*, ${METRIC_COUNT} AS metric_count FROM executions e ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY started_at DESC, id DESC LIMIT ${p(query.limit + 1)}`, params)).rows;
    const page = rows.slice(0, query.limit);
    const last = page[page.length - 1];
    return {
      executions: page.map((r) => ({ ...toRecord(r), metricCount: r.metric_count })),
      nextCursor: rows.length > query.limit && last ? encodeCursor({ startedAt: last.started_at, id: last.id }) : null,
    };
  }

  async getExecution(id: string): Promise<ExecutionDetail | null> {
    return this.tx(async (c) => {
      const row = (await c.query<ExecutionRow & { metric_count: number }>(
        `SELECT e.*, ${METRIC_COUNT} AS metric_count FROM executions e WHERE id = $1`, [id])).rows[0];
      if (!row) return null;
      const defs = await c.query<{ def: string }>('SELECT def FROM definitions WHERE execution_id = $1 ORDER BY seq', [id]);
      const series = await c.query<{ key: string; count: number; min_x: number; last_x: number; last_y: number }>(
        'SELECT key, count, min_x, last_x, last_y FROM series WHERE execution_id = $1 ORDER BY id', [id]);
      return {
        execution: { ...toRecord(row), metricCount: row.metric_count },
        definitions: defs.rows.map((d) => JSON.parse(d.def) as MetricDef),
        series: series.rows.map((s) => ({ key: s.key, count: s.count, minX: s.min_x, maxX: s.last_x, lastY: toWireArray([s.last_y])[0]! })),
      };
    }, 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
  }

  async readSeries(executionId: string, keys: string[], range: RangeQuery): Promise<SeriesData[]> {
    // One snapshot for all keys; one query plans the read, one more loads the points the plan needs.
    return this.tx(async (c) => {
      const lo = range.from ?? -Infinity;
      const hi = range.to ?? Infinity;
      const rows = (await c.query<{ key: string; id: number; count: number; blocks: string; xs: string | null; ys: string | null; found: boolean }>(
        `SELECT x.found, s.key, c.id, c.count, ${base64('c.blocks')} AS blocks,
           CASE WHEN c.first_x < $3 OR c.last_x > $4 THEN ${base64('c.xs')} END AS xs,
           CASE WHEN c.first_x < $3 OR c.last_x > $4 THEN ${base64('c.ys')} END AS ys
         FROM (SELECT EXISTS (SELECT 1 FROM executions WHERE id = $1) AS found) x
         LEFT JOIN series s ON s.execution_id = $1 AND s.key = ANY($2)
         LEFT JOIN chunks c ON c.series_id = s.id AND c.last_x >= $3 AND c.first_x <= $4
         ORDER BY s.id, c.last_x`,
        [executionId, keys, lo, hi])).rows;
      if (!rows[0]?.found) throw new DomainError('not_found', 'id', `no execution "${executionId}"`);
      const byKey = new Map<string, ChunkMeta[]>(keys.map((k) => [k, []]));
      for (const r of rows) {
        if (r.id === null || r.key === null) continue;
        byKey.get(r.key)!.push({
          id: r.id, count: r.count, blocks: fromBase64(r.blocks), columns: r.xs && r.ys ? { xs: fromBase64(r.xs), ys: fromBase64(r.ys) } : null,
        });
      }
      const plans = keys.map((key) => planRange(key, byKey.get(key)!, range));
      const needed = plans.flatMap((p) => p.needed);
      const refs = plans.flatMap((p) => p.neededBlocks);
      const columns = new Map<number, ChunkColumns>();
      const blocks = new Map<string, { x: Float64Array; y: Float64Array }>();
      if (needed.length + refs.length > 0) {
        // Whole chunks for an exact read; for a downsampled one only the blocks that straddle a bucket edge, cut out
        // of the stored (uncompressed, out-of-line) columns by PostgreSQL, which then reads just those bytes.
        const far = 2 ** 30;
        const rows = await c.query<{ id: number; i: number; xs: string; ys: string; xb: string | null; yb: string | null }>(
          `SELECT c.id, 0::bigint AS i, ${base64('c.xs')} AS xs, ${base64('c.ys')} AS ys, NULL AS xb, NULL AS yb
           FROM chunks c WHERE c.id = ANY($1::bigint[])
           UNION ALL
           SELECT c.id, r.i, ${base64(`substring(c.xs from 1 for ${COLUMN_HEAD_BYTES})`)}, ${base64(`substring(c.ys from 1 for ${COLUMN_HEAD_BYTES})`)},
             ${base64('substring(c.xs from r.xs + 1 for r.xl)')}, ${base64('substring(c.ys from r.ys + 1 for r.yl)')}
           FROM unnest($2::bigint[], $3::int[], $4::int[], $5::int[], $6::int[]) WITH ORDINALITY AS r(id, xs, xl, ys, yl, i)
           JOIN chunks c ON c.id = r.id`,
          [needed, refs.map((r) => r.id), refs.map((r) => r.x.start), refs.map((r) => (r.x.end ?? far) - r.x.start),
            refs.map((r) => r.y.start), refs.map((r) => (r.y.end ?? far) - r.y.start)]);
        for (const r of rows.rows) {
          if (r.i === 0) {
            columns.set(r.id, { xs: fromBase64(r.xs), ys: fromBase64(r.ys) });
            continue;
          }
          const ref = refs[r.i - 1]!;
          blocks.set(`${ref.id}:${ref.b}`, {
            x: decodeColumnSlice(fromBase64(r.xs), fromBase64(r.xb!), ref.from, ref.count),
            y: decodeColumnSlice(fromBase64(r.ys), fromBase64(r.yb!), ref.from, ref.count),
          });
        }
      }
      return plans.map((p) => finishRange(p, { columns, blocks }));
    }, 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
  }

  async markLost(lastSeenBefore: number): Promise<Execution[]> {
    return this.tx(async (c) => {
      const got = (await c.query<{ ok: boolean }>(`SELECT pg_try_advisory_xact_lock(${lockKey(1)}) AS ok`, [`${this.schema}:${LOST_SWEEP}`])).rows[0]!;
      if (!got.ok) return [];
      // Rows being written right now are skipped: they are being heard from.
      const rows = (await c.query<ExecutionRow & { metric_count: number }>(
        `UPDATE executions e SET status = 'lost'
         WHERE id IN (SELECT id FROM executions WHERE status = 'running' AND last_seen_at < $1 ORDER BY id FOR UPDATE SKIP LOCKED)
         RETURNING e.*, ${METRIC_COUNT} AS metric_count`, [lastSeenBefore])).rows;
      const lost = rows.map((r) => ({ ...toRecord(r), metricCount: r.metric_count })).sort((a, b) => (a.id < b.id ? -1 : 1));
      if (lost.length > 0) await this.appendFeed(c, lost.map((execution) => ({ type: 'execution', execution })), new Map(), Date.now());
      return lost;
    });
  }

  /** Also forgets feed rows as old: the feed is read within moments of each commit. */
  async forgetBatchIds(before: number): Promise<number> {
    const r = await this.pool.query('DELETE FROM batches WHERE at < $1', [before]);
    await this.pool.query('DELETE FROM feed WHERE at < $1', [before]);
    return r.rowCount ?? 0;
  }

  /** One replica at a time (a session advisory lock); the others skip the pass. */
  async compact(opts: CompactOptions = {}): Promise<void> {
    const c = await this.pool.connect();
    const key = `${this.schema}:${COMPACTION}`;
    try {
      const got = (await c.query<{ ok: boolean }>(`SELECT pg_try_advisory_lock(${lockKey(1)}) AS ok`, [key])).rows[0]!;
      if (!got.ok) return;
      try {
        const until = performance.now() + (opts.budgetMs ?? Infinity);
        const series = await c.query<{ series_id: number }>(
          'SELECT series_id FROM chunks WHERE count < $1 GROUP BY series_id HAVING count(*) >= $2', [SMALL_CHUNK, Math.max(2, opts.minSmallChunks ?? 2)]);
        for (const { series_id: seriesId } of series.rows) {
          if (performance.now() > until) break;
          await this.compactSeries(c, seriesId);
        }
      } finally {
        await c.query(`SELECT pg_advisory_unlock(${lockKey(1)})`, [key]);
      }
    } finally {
      c.release();
    }
  }

  private async compactSeries(c: pg.PoolClient, seriesId: number): Promise<void> {
    await c.query('BEGIN');
    try {
      const sizes = await c.query<{ id: number; count: number }>('SELECT id, count FROM chunks WHERE series_id = $1 ORDER BY last_x FOR UPDATE', [seriesId]);
      const runs = planMerges(sizes.rows, SMALL_CHUNK, MAX_CHUNK);
      const ids = runs.flat();
      if (ids.length > 0) {
        const full = await c.query<{ id: number; count: number; blocks: Buffer; xs: Buffer; ys: Buffer }>(
          'DELETE FROM chunks WHERE id = ANY($1::bigint[]) RETURNING id, count, blocks, xs, ys', [ids]);
        const byId = new Map(full.rows.map((r) => [r.id, decodeChunk(r)]));
        const chunks: Array<{ seriesId: number; c: EncodedChunk }> = [];
        for (const run of runs) {
          const parts = run.map((id) => byId.get(id)!);
          const n = parts.reduce((sum, p) => sum + p.x.length, 0);
          const x = new Float64Array(n);
          const y = new Float64Array(n);
          let at = 0;
          for (const p of parts) {
            x.set(p.x, at);
            y.set(p.y, at);
            at += p.x.length;
          }
          for (const e of encodeChunks(x, y, MAX_CHUNK)) chunks.push({ seriesId, c: e });
        }
        await insertChunks(c, chunks);
      }
      await c.query('COMMIT');
    } catch (err) {
      await c.query('ROLLBACK').catch(() => undefined);
      throw err;
    }
  }

  async close(): Promise<void> {
    await this.feed.close();
    try {
      await this.compact();
    } finally {
      await this.pool.end();
    }
  }
}

/**
 * Inserts chunks in one statement: their bytes travel as one binary parameter (no hex text), cut into columns by
 * offsets in SQL.
 */
async function insertChunks(c: pg.PoolClient, chunks: Array<{ seriesId: number; c: EncodedChunk }>): Promise<void> {
  if (chunks.length === 0) return;
  const parts: Buffer[] = [];
  const offsets: number[][] = [[], [], []];
  let at = 1;
  for (const { c: e } of chunks) {
    [e.blocks, e.xs, e.ys].forEach((b, k) => {
      offsets[k]!.push(at);
      parts.push(b);
      at += b.length;
    });
  }
  const lengths = chunks.map(({ c: e }) => [e.blocks.length, e.xs.length, e.ys.length]);
  await c.query(
    `INSERT INTO chunks (series_id, first_x, last_x, count, blocks, xs, ys)
     SELECT s, f, l, n, substring($11::bytea from bo for bl), substring($11::bytea from xo for xl), substring($11::bytea from yo for yl)
     FROM unnest($1::bigint[], $2::float8[], $3::float8[], $4::int[], $5::int[], $6::int[], $7::int[], $8::int[], $9::int[], $10::int[])
       AS u(s, f, l, n, bo, xo, yo, bl, xl, yl)`,
    [chunks.map((x) => x.seriesId), chunks.map((x) => x.c.firstX), chunks.map((x) => x.c.lastX), chunks.map((x) => x.c.count),
      offsets[0], offsets[1], offsets[2], lengths.map((l) => l[0]), lengths.map((l) => l[1]), lengths.map((l) => l[2]), Buffer.concat(parts)]);
}
