import pg from 'pg';
import {
  marksOfItem, toWireArray,
  type Execution, type ExecutionDetail, type ExecutionFields, type ExecutionList, type ExecutionPatch, type MetricDef, type SeriesData, type SummaryObject,
} from '../../protocol/index.js';
import { DomainError } from '../domain-error.js';
import type { HubEvent } from '../hub-event.js';
import { BlockTable, summaryFromBytes, summaryToBytes } from './block-table.js';
import { decodeChunk, encodeChunks, type EncodedChunk } from './chunk.js';
import { COLUMN_HEAD_BYTES, decodeColumnSlice } from './column-codec.js';
import { lastIndexBelow, MAX_CHUNK, setMetricCounts, SMALL_CHUNK } from './common.js';
import { planMerges } from './compaction-plan.js';
import { listPage, POSTGRES_DIALECT, type RankedRow } from '../list/list-sql.js';
import { PgFeed, toFeedEvents } from './pg-feed.js';
import { executionFields, indexExecutions } from './pg-list.js';
import { migrate, quoteIdent } from './pg-schema.js';
import { withMarks } from './time-marks-read.js';
import { base64, fromBase64, types } from './pg-types.js';
import { addTables, finishRange, planRange, type ChunkColumns, type ChunkMeta } from './range-read.js';
import type {
  BatchRequest, BatchState, BatchWrite, CommitResult, CompactOptions, ExecutionRecord, ExecutionState, ListQuery, RangeQuery, Store,
  StoreHandle,
} from './store.js';

interface ExecutionRow {
  id: string; name: string; labels: string; status: Execution['status']; started_at: number; ended_at: number | null;
  last_seen_at: number; error: string | null; summary: string; discarded: string | null; note?: string | null;
}

const DEFAULT_SCHEMA = 'plotline';
const SCHEMA_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,47}$/;
/** Advisory lock keys (within the schema's own key space, see lockKey) of the work only one replica does at a time. */
const LOST_SWEEP = 'lost-sweep';
const COMPACTION = 'compaction';
/** Transactions refused by a concurrent one (serialization, deadlock, the same new execution or series) are retried. */
const RETRY_CODES = new Set(['40001', '40P01', '23505']);
const MAX_TRIES = 5;

const discardedText = (r: ExecutionRecord) => (r.discarded ? JSON.stringify(r.discarded) : null);

function toRecord(row: ExecutionRow): ExecutionRecord {
  return {
    id: row.id, name: row.name, labels: JSON.parse(row.labels) as Execution['labels'], status: row.status, startedAt: row.started_at,
    endedAt: row.ended_at, lastSeenAt: row.last_seen_at, error: row.error, summary: JSON.parse(row.summary) as SummaryObject,
    ...(row.discarded !== null && { discarded: JSON.parse(row.discarded) as Execution['discarded'] }),
    ...(row.note && { note: row.note }),
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
    try {
      await setup.connect();
    } catch (err) {
      const u = new URL(connectionString);
      const why = (err as { code?: string }).code ?? (err as Error).message;
      throw new Error(`--db: cannot connect to PostgreSQL at ${u.host}${u.pathname} as ${u.username || 'the default user'} (${why})`);
    }
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

  /**
   * Runs `fn` in a transaction, retrying when a concurrent transaction got in its way. Feed rows the attempt numbered
   * are forgotten when it does not commit (their sequence numbers go to the next commit).
   */
  private async tx<T>(fn: (c: pg.PoolClient, numbered: number[]) => Promise<T>, begin = 'BEGIN'): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const c = await this.pool.connect();
      const numbered: number[] = [];
      try {
        await c.query(begin);
        const out = await fn(c, numbered);
        await c.query('COMMIT');
        return out;
      } catch (err) {
        for (const seq of numbered) this.feed.forget(seq);
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
    const result = await this.tx(async (c, numbered) => {
      const write = decide(await this.loadState(c, request));
      return write ? this.write(c, write, numbered) : null;
    });
    if (result) this.feed.poke();
    return result;
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
    for (const [id, keys] of request.executions) {
      if (keys.rewindX === undefined || !existing.has(id)) continue;
      const rewound = new Map<string, number | null>();
      for (const r of await this.seriesFrom(c, id, keys.rewindX)) rewound.set(r.key, r.below === null ? null : r.below.x);
      executions.get(id)!.rewound = rewound;
    }
    return { seen: null, executions };
  }

  /** The series of an execution with points at or beyond `x`, with the last point each keeps below `x` (null: none). */
  private async seriesFrom(c: pg.PoolClient, executionId: string, x: number): Promise<Array<{ id: number; key: string; below: { x: number; y: number } | null }>> {
    const rows = await c.query<{ id: number; key: string; count: number | null; blocks: string | null; xs: string | null; ys: string | null }>(
      `SELECT s.id, s.key, c.count, ${base64('c.blocks')} AS blocks, ${base64('c.xs')} AS xs, ${base64('c.ys')} AS ys
       FROM series s LEFT JOIN LATERAL (
         SELECT count, blocks, xs, ys FROM chunks WHERE series_id = s.id AND first_x < $2 ORDER BY last_x DESC LIMIT 1) c ON true
       WHERE s.execution_id = $1 AND s.last_x >= $2 ORDER BY s.id`, [executionId, x]);
    return rows.rows.map((r) => {
      if (r.count === null) return { id: r.id, key: r.key, below: null };
      const points = decodeChunk({ count: r.count, blocks: fromBase64(r.blocks!), xs: fromBase64(r.xs!), ys: fromBase64(r.ys!) });
      const i = lastIndexBelow(points.x, x);
      return { id: r.id, key: r.key, below: { x: points.x[i]!, y: points.y[i]! } };
    });
  }

  /** Removes every point with x ≥ `x` from all series of an execution: whole chunks go, a chunk across x is cut. */
  private async truncate(c: pg.PoolClient, executionId: string, x: number): Promise<void> {
    const series = await this.seriesFrom(c, executionId, x);
    if (series.length === 0) return;
    const ids = series.map((s) => s.id);
    const gone = await c.query<{ series_id: number; first_x: number; count: number; blocks: string; xs: string; ys: string }>(
      `DELETE FROM chunks WHERE series_id = ANY($1::bigint[]) AND last_x >= $2
       RETURNING series_id, first_x, count, ${base64('blocks')} AS blocks, ${base64('xs')} AS xs, ${base64('ys')} AS ys`, [ids, x]);
    const removed = new Map<number, number>();
    const kept: Array<{ seriesId: number; c: EncodedChunk }> = [];
    for (const r of gone.rows) {
      let n = r.count;
      if (r.first_x < x) {
        const points = decodeChunk({ count: r.count, blocks: fromBase64(r.blocks), xs: fromBase64(r.xs), ys: fromBase64(r.ys) });
        const keep = lastIndexBelow(points.x, x) + 1;
        for (const e of encodeChunks(points.x.subarray(0, keep), points.y.subarray(0, keep), MAX_CHUNK)) kept.push({ seriesId: r.series_id, c: e });
        n -= keep;
      }
      removed.set(r.series_id, (removed.get(r.series_id) ?? 0) + n);
    }
    await insertChunks(c, kept);
    await c.query('DELETE FROM time_marks WHERE series_id = ANY($1::bigint[]) AND x >= $2', [ids, x]);
    const empty = series.filter((s) => s.below === null).map((s) => s.id);
    if (empty.length > 0) await c.query('DELETE FROM series WHERE id = ANY($1::bigint[])', [empty]);
    const shrunk = series.filter((s) => s.below !== null);
    if (shrunk.length > 0) {
      await c.query(
        `UPDATE series s SET count = s.count - u.removed, last_x = u.last_x, last_y = u.last_y
         FROM unnest($1::bigint[], $2::bigint[], $3::float8[], $4::float8[]) AS u(id, removed, last_x, last_y) WHERE s.id = u.id`,
        [shrunk.map((s) => s.id), shrunk.map((s) => removed.get(s.id) ?? 0), shrunk.map((s) => s.below!.x),
          shrunk.map((s) => toWireArray([s.below!.y])[0]!)]);
    }
  }

  private async write(c: pg.PoolClient, write: BatchWrite, numbered: number[]): Promise<CommitResult> {
    const created = write.executions.filter((w) => w.isNew).map((w) => w.record);
    if (created.length > 0) {
      await c.query(
        `INSERT INTO executions (id, name, name_lower, labels, status, started_at, ended_at, last_seen_at, error, summary, discarded)
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::float8[], $7::float8[], $8::float8[], $9::text[],
           $10::text[], $11::text[])`,
        [created.map((r) => r.id), created.map((r) => r.name), created.map((r) => r.name.toLowerCase()), created.map((r) => JSON.stringify(r.labels)),
          created.map((r) => r.status), created.map((r) => r.startedAt), created.map((r) => r.endedAt), created.map((r) => r.lastSeenAt),
          created.map((r) => r.error), created.map((r) => JSON.stringify(r.summary)), created.map((r) => discardedText(r))]);
    }
    const updated = write.executions.filter((w) => !w.isNew);
    if (updated.length > 0) {
      await c.query(
        `UPDATE executions e SET status = u.status, ended_at = u.ended_at, last_seen_at = u.last_seen_at, error = u.error,
           summary = COALESCE(u.summary, e.summary), discarded = u.discarded
         FROM unnest($1::text[], $2::text[], $3::float8[], $4::float8[], $5::text[], $6::text[], $7::text[])
           AS u(id, status, ended_at, last_seen_at, error, summary, discarded)
         WHERE e.id = u.id`,
        [updated.map((w) => w.record.id), updated.map((w) => w.record.status), updated.map((w) => w.record.endedAt),
          updated.map((w) => w.record.lastSeenAt), updated.map((w) => w.record.error),
          updated.map((w) => (w.summaryChanged ? JSON.stringify(w.record.summary) : null)), updated.map((w) => discardedText(w.record))]);
    }
    await indexExecutions(c, created, write.executions.filter((w) => !w.isNew && w.summaryChanged).map((w) => w.record).concat(created));
    const defs = write.executions.flatMap((w) => w.definitions.map((d) => ({ id: w.record.id, d })));
    if (defs.length > 0) {
      await c.query('INSERT INTO definitions (execution_id, key, def) SELECT * FROM unnest($1::text[], $2::text[], $3::text[])',
        [defs.map((x) => x.id), defs.map((x) => x.d.key), defs.map((x) => JSON.stringify(x.d))]);
    }
    for (const w of write.executions) if (w.rewindX !== undefined) await this.truncate(c, w.record.id, w.rewindX);
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
      const marks = appends.flatMap(({ id, a }) => a.parts.flatMap((p) => {
        const m = marksOfItem(p.x, p.t);
        const seriesId = seriesIds.get(`${id}\0${a.key}`)!;
        return m ? m.x.map((x, i) => ({ seriesId, x, t: m.t[i]! })) : [];
      }));
      if (marks.length > 0) {
        await c.query(
          `INSERT INTO time_marks (series_id, x, t) SELECT * FROM unnest($1::bigint[], $2::float8[], $3::float8[])
           ON CONFLICT (series_id, x) DO UPDATE SET t = EXCLUDED.t`,
          [marks.map((m) => m.seriesId), marks.map((m) => m.x), marks.map((m) => m.t)]);
      }
    }
    const touched = write.executions.map((w) => w.record.id);
    const counts = await c.query<{ id: string; n: number }>(`SELECT e.id, ${METRIC_COUNT} AS n FROM unnest($1::text[]) AS e(id)`, [touched]);
    const metricCounts = new Map(counts.rows.map((r) => [r.id, r.n]));
    setMetricCounts(write.events, metricCounts);
    if (write.remember) {
      await c.query('UPDATE batches SET at = $2, points = $3, hash = $4 WHERE batch_id = $1',
        [write.remember.batchId, write.remember.at, write.remember.points, write.remember.hash]);
    }
    numbered.push(await this.appendFeed(c, write.events, seriesIds, write.remember?.at ?? Date.now()));
    return { metricCounts };
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
    return this.tx(async (c) => {
      const { rows, nextCursor } = await listPage<ExecutionRow>(query, POSTGRES_DIALECT, async (s) => (await c.query<RankedRow>(s.sql, s.params)).rows);
      const counts = await c.query<{ id: string; n: number }>(`SELECT e.id, ${METRIC_COUNT} AS n FROM unnest($1::text[]) AS e(id)`, [rows.map((r) => r.id)]);
      const n = new Map(counts.rows.map((r) => [r.id, r.n]));
      return { executions: rows.map((r) => ({ ...toRecord(r), metricCount: n.get(r.id) ?? 0 })), nextCursor };
    }, 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
  }

  async executionFields(): Promise<ExecutionFields> {
    return executionFields(this.pool);
  }

  /** Deletes an execution with everything recorded in it; the `deleted` event goes into the feed for every replica. */
  async deleteExecution(id: string): Promise<boolean> {
    const deleted = await this.tx(async (c) => {
      const gone = await c.query('DELETE FROM executions WHERE id = $1', [id]);
      if (gone.rowCount === 0) return false;
      await c.query('DELETE FROM chunks WHERE series_id IN (SELECT id FROM series WHERE execution_id = $1)', [id]);
      await c.query('DELETE FROM time_marks WHERE series_id IN (SELECT id FROM series WHERE execution_id = $1)', [id]);
      await c.query('DELETE FROM series WHERE execution_id = $1', [id]);
      await c.query('DELETE FROM definitions WHERE execution_id = $1', [id]);
      await c.query('DELETE FROM execution_labels WHERE execution_id = $1', [id]);
      await c.query('DELETE FROM summary_numbers WHERE execution_id = $1', [id]);
      await this.appendFeed(c, [{ type: 'deleted', id }], new Map(), Date.now());
      return true;
    });
    if (deleted) this.feed.poke();
    return deleted;
  }

  /** Replaces labels and/or the note; the execution as it is now goes into the feed for every replica. */
  async patchExecution(id: string, patch: ExecutionPatch): Promise<Execution | null> {
    const execution = await this.tx(async (c) => {
      const row = (await c.query<ExecutionRow>('SELECT * FROM executions WHERE id = $1 FOR UPDATE', [id])).rows[0];
      if (!row) return null;
      if (patch.labels !== undefined) row.labels = JSON.stringify(patch.labels);
      if (patch.note !== undefined) row.note = patch.note === '' ? null : patch.note;
      await c.query('UPDATE executions SET labels = $2, note = $3 WHERE id = $1', [id, row.labels, row.note ?? null]);
      if (patch.labels !== undefined) await indexExecutions(c, [{ id, labels: patch.labels, summary: {} }], []);
      const n = (await c.query<{ n: number }>(`SELECT ${METRIC_COUNT} AS n FROM executions e WHERE e.id = $1`, [id])).rows[0]!.n;
      const e: Execution = { ...toRecord(row), metricCount: n };
      await this.appendFeed(c, [{ type: 'execution', execution: e }], new Map(), Date.now());
      return e;
    });
    if (execution) this.feed.poke();
    return execution;
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
      const edge = 'c.first_x < $3 OR c.last_x > $4';
      const rows = (await c.query<{
        found: boolean; key: string; id: number; count: number; first_x: number; last_x: number; summary: string;
        blocks: string | null; xs: string | null; ys: string | null;
      }>(
        `SELECT x.found, s.key, c.id, c.count, c.first_x, c.last_x, ${base64('c.summary')} AS summary,
           CASE WHEN ${edge} THEN ${base64('c.blocks')} END AS blocks,
           CASE WHEN ${edge} THEN ${base64('c.xs')} END AS xs,
           CASE WHEN ${edge} THEN ${base64('c.ys')} END AS ys
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
          id: r.id, count: r.count, firstX: r.first_x, lastX: r.last_x, blocks: fromBase64(r.blocks),
          summary: summaryFromBytes(fromBase64(r.summary)), columns: r.xs && r.ys ? { xs: fromBase64(r.xs), ys: fromBase64(r.ys) } : null,
        });
      }
      const plans = keys.map((key) => planRange(key, byKey.get(key)!, range));

      // Block tiers of the chunks a bucket edge falls into, with the whole columns of an exact read.
      const tableIds = plans.flatMap((p) => p.neededTables);
      const needed = plans.flatMap((p) => p.needed);
      const columns = new Map<number, ChunkColumns>();
      if (tableIds.length + needed.length > 0) {
        const got = await c.query<{ id: number; blocks: string; xs: string | null; ys: string | null }>(
          `SELECT id, ${base64('blocks')} AS blocks,
             CASE WHEN id = ANY($2::bigint[]) THEN ${base64('xs')} END AS xs, CASE WHEN id = ANY($2::bigint[]) THEN ${base64('ys')} END AS ys
           FROM chunks WHERE id = ANY($1::bigint[]) OR id = ANY($2::bigint[])`, [tableIds, needed]);
        const tables = new Map<number, Buffer>();
        for (const r of got.rows) {
          tables.set(r.id, fromBase64(r.blocks));
          if (r.xs !== null && r.ys !== null) columns.set(r.id, { xs: fromBase64(r.xs), ys: fromBase64(r.ys) });
        }
        for (const p of plans) addTables(p, tables);
      }

      // Only the blocks a downsampled read decodes, cut out of the stored (uncompressed, out-of-line) columns by
      // PostgreSQL, which then reads just those bytes.
      const refs = plans.flatMap((p) => p.neededBlocks);
      const blocks = new Map<string, { x: Float64Array; y: Float64Array }>();
      if (refs.length > 0) {
        const far = 2 ** 30;
        const got = await c.query<{ i: number; xh: string; yh: string; xb: string; yb: string }>(
          `SELECT r.i, ${base64(`substring(c.xs from 1 for ${COLUMN_HEAD_BYTES})`)} AS xh, ${base64(`substring(c.ys from 1 for ${COLUMN_HEAD_BYTES})`)} AS yh,
             ${base64('substring(c.xs from r.xs + 1 for r.xl)')} AS xb, ${base64('substring(c.ys from r.ys + 1 for r.yl)')} AS yb
           FROM unnest($1::bigint[], $2::int[], $3::int[], $4::int[], $5::int[]) WITH ORDINALITY AS r(id, xs, xl, ys, yl, i)
           JOIN chunks c ON c.id = r.id`,
          [refs.map((r) => r.id), refs.map((r) => r.x.start), refs.map((r) => (r.x.end ?? far) - r.x.start),
            refs.map((r) => r.y.start), refs.map((r) => (r.y.end ?? far) - r.y.start)]);
        for (const r of got.rows) {
          const ref = refs[r.i - 1]!;
          blocks.set(`${ref.id}:${ref.b}`, {
            x: decodeColumnSlice(fromBase64(r.xh), fromBase64(r.xb), ref.from, ref.count),
            y: decodeColumnSlice(fromBase64(r.yh), fromBase64(r.yb), ref.from, ref.count),
          });
        }
      }
      const marks = await c.query<{ key: string; x: number; t: number }>(
        `SELECT s.key, m.x, m.t FROM series s CROSS JOIN LATERAL (
           (SELECT x, t FROM time_marks WHERE series_id = s.id AND x < $3 ORDER BY x DESC LIMIT 1)
           UNION ALL (SELECT x, t FROM time_marks WHERE series_id = s.id AND x >= $3 AND x <= $4)
           UNION ALL (SELECT x, t FROM time_marks WHERE series_id = s.id AND x > $4 ORDER BY x LIMIT 1)) m
         WHERE s.execution_id = $1 AND s.key = ANY($2) ORDER BY s.id, m.x`, [executionId, keys, lo, hi]);
      const marksByKey = new Map<string, Array<{ x: number; t: number }>>();
      for (const r of marks.rows) {
        let list = marksByKey.get(r.key);
        if (!list) marksByKey.set(r.key, (list = []));
        list.push(r);
      }
      return plans.map((p) => withMarks(finishRange(p, { columns, blocks }), marksByKey.get(p.key) ?? [], range.budget));
    }, 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
  }

  async markLost(lastSeenBefore: number): Promise<Execution[]> {
    return this.tx(async (c, numbered) => {
      const got = (await c.query<{ ok: boolean }>(`SELECT pg_try_advisory_xact_lock(${lockKey(1)}) AS ok`, [`${this.schema}:${LOST_SWEEP}`])).rows[0]!;
      if (!got.ok) return [];
      // Rows being written right now are skipped: they are being heard from.
      const rows = (await c.query<ExecutionRow & { metric_count: number }>(
        `UPDATE executions e SET status = 'lost'
         WHERE id IN (SELECT id FROM executions WHERE status = 'running' AND last_seen_at < $1 ORDER BY id FOR UPDATE SKIP LOCKED)
         RETURNING e.*, ${METRIC_COUNT} AS metric_count`, [lastSeenBefore])).rows;
      const lost = rows.map((r) => ({ ...toRecord(r), metricCount: r.metric_count })).sort((a, b) => (a.id < b.id ? -1 : 1));
      if (lost.length > 0) numbered.push(await this.appendFeed(c, lost.map((execution) => ({ type: 'execution', execution })), new Map(), Date.now()));
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
  const starts: number[][] = [[], [], [], []];
  const lengths: number[][] = [[], [], [], []];
  let at = 1;
  for (const { c: e } of chunks) {
    const summary = summaryToBytes(BlockTable.fromBytes(e.blocks).summaryOfAll());
    [summary, e.blocks, e.xs, e.ys].forEach((b, k) => {
      starts[k]!.push(at);
      lengths[k]!.push(b.length);
      parts.push(b);
      at += b.length;
    });
  }
  const cut = (k: number) => `substring($13::bytea from s${k} for l${k})`;
  await c.query(
    `INSERT INTO chunks (series_id, first_x, last_x, count, summary, blocks, xs, ys)
     SELECT id, f, l, n, ${cut(0)}, ${cut(1)}, ${cut(2)}, ${cut(3)}
     FROM unnest($1::bigint[], $2::float8[], $3::float8[], $4::int[], $5::int[], $6::int[], $7::int[], $8::int[], $9::int[], $10::int[], $11::int[], $12::int[])
       AS u(id, f, l, n, s0, s1, s2, s3, l0, l1, l2, l3)`,
    [chunks.map((x) => x.seriesId), chunks.map((x) => x.c.firstX), chunks.map((x) => x.c.lastX), chunks.map((x) => x.c.count),
      ...starts, ...lengths, Buffer.concat(parts)]);
}
