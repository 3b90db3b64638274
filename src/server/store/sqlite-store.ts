import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import {
  jsonExact, marksOfItem, toWireArray,
  type Execution, type ExecutionDetail, type ExecutionFields, type ExecutionList, type ExecutionPatch, type MetricDef, type SeriesData, type SummaryObject, type WireNumber,
} from '../../protocol/index.js';
import { DomainError } from '../domain-error.js';
import { compactedChunk, decodeChunk, decodeChunkWith, encodeChunk, encodeChunks, packChunk, type EncodedChunk } from './chunk.js';
import { CLOSE_PACK_BUDGET_MS, lastIndexBelow, MAX_CHUNK, PACK_BATCH, setMetricCounts, SMALL_CHUNK, UNPACKED_SEALED } from './common.js';
import { planMerges } from './compaction-plan.js';
import { isDiskFull, ReadOnlyStoreError } from '../disk-full.js';
import { addTables, finishRangeInSteps, planRange, type ChunkColumns, type ChunkMeta } from './range-read.js';
import { BlockTable, summaryFromBytes } from './block-table.js';
import { bucketsForBudget } from '../../protocol/downsample.js';
import { openSchema } from './schema.js';
import { withMarks } from './time-marks-read.js';
import { SqliteListIndex } from './sqlite-list.js';
import type {
  BatchRequest, BatchState, BatchWrite, CommitResult, CompactOptions, ExecutionRecord, ExecutionState, ListQuery, RangeQuery, Store,
  StoreHandle,
} from './store.js';

interface ExecutionRow {
  id: string; name: string; labels: string; status: Execution['status']; started_at: number; ended_at: number | null;
  last_seen_at: number; error: string | null; summary: string; discarded: string | null; note?: string | null;
}

interface SeriesRow {
  id: number; key: string; count: number; min_x: number; last_x: number; last_y: WireNumber;
}

interface RangeRow {
  id: number; count: number; first_x: number; last_x: number; summary: Buffer | null; blocks: Buffer | null;
}

function toRecord(row: ExecutionRow): ExecutionRecord {
  return {
    id: row.id, name: row.name, labels: JSON.parse(row.labels) as Execution['labels'], status: row.status, startedAt: row.started_at,
    endedAt: row.ended_at, lastSeenAt: row.last_seen_at, error: row.error, summary: JSON.parse(row.summary) as SummaryObject,
    ...(row.discarded !== null && { discarded: JSON.parse(row.discarded) as Execution['discarded'] }),
    ...(row.note && { note: row.note }),
  };
}

function hasColumn(db: Database.Database, table: string, column: string): boolean {
  return db.prepare<[string], { name: string }>('SELECT name FROM pragma_table_info(?)').all(table).some((c) => c.name === column);
}

/** A second server on a SQLite file another one holds. */
export class StoreLockedError extends Error {
  constructor(path: string) {
    super(`another Plotline server is using ${path}: a SQLite file serves one server at a time. Stop the other one, give this one `
      + 'its own --db, or run several servers on one PostgreSQL database (--db postgres://…), which is made for that.');
    this.name = 'StoreLockedError';
  }
}

/**
 * Takes the file for this process alone while it is open: a second server would otherwise share it and fail batches with
 * SQLITE_BUSY. The lock is a side file (`<db>.lock`, a tiny SQLite database) held in SQLite's exclusive locking mode, so the
 * store's own connections (executions, service rollups) stay ordinary WAL connections, and the operating system releases
 * it when the process dies, however it dies. Returns the connection that holds it (closed with the store).
 */
function lockExclusively(path: string): (() => void) | null {
  const key = resolve(path);
  const held = heldLocks.get(key);
  // One process may open its own file again (a store reopened in tests); the lock is against other processes.
  if (held) {
    held.count++;
    return () => releaseLock(key);
  }
  let lock: Database.Database;
  try {
    lock = new Database(`${path}.lock`);
  } catch {
    // Cannot even create the side file (a full disk): run without the lock rather than not at all.
    return null;
  }
  lock.pragma('busy_timeout = 0');
  lock.pragma('locking_mode = EXCLUSIVE');
  try {
    lock.exec('BEGIN EXCLUSIVE');
    lock.exec('COMMIT');
  } catch (err) {
    lock.close();
    if ((err as { code?: string }).code?.startsWith('SQLITE_BUSY')) throw new StoreLockedError(path);
    return null;
  }
  heldLocks.set(key, { db: lock, count: 1 });
  return () => releaseLock(key);
}

const heldLocks = new Map<string, { db: Database.Database; count: number }>();

function releaseLock(key: string): void {
  const held = heldLocks.get(key);
  if (!held || --held.count > 0) return;
  heldLocks.delete(key);
  held.db.close();
}

/**
 * The embedded backend (better-sqlite3, synchronous): every method does its work in one go inside one call, so a batch
 * costs one promise, not one per chunk or point.
 */
export class SqliteStore implements Store {
  readonly handle: StoreHandle;
  readonly feed = null;
  private readonly db: Database.Database;
  private readonly inMemory: boolean;
  private readonly sql;
  private readonly listIndex: SqliteListIndex;
  /** `${executionId}\0${key}` → series id, for the batch being committed (filled by loadState). */
  private readonly seriesIds = new Map<string, number>();
  /** Series id → small chunks written since it was last compacted. */
  private readonly smallChunks = new Map<number, number>();

  /** Opened read-only (the disk was full at start): writes throw ReadOnlyStoreError, background work does nothing. */
  readonly readOnly: boolean;
  /** Releases this store's hold on `<db>.lock` (see lockExclusively). */
  private readonly unlock: (() => void) | null;

  constructor(private readonly path: string, opts: { readOnly?: boolean } = {}) {
    this.inMemory = path === ':memory:';
    this.readOnly = opts.readOnly === true && !this.inMemory;
    if (!this.inMemory && !this.readOnly) mkdirSync(dirname(path), { recursive: true });
    this.unlock = this.inMemory ? null : lockExclusively(path);
    // Read-only is ours, not SQLite's (a read-only connection to a WAL file must be able to create its index file).
    try {
      this.db = new Database(path, { fileMustExist: this.readOnly });
    } catch (err) {
      this.unlock?.();
      throw err;
    }
    this.handle = { kind: 'sqlite', db: this.db };
    try {
      openSchema(this.db, this.inMemory, this.readOnly);
      this.listIndex = new SqliteListIndex(this.db);
    } catch (err) {
      this.db.close();
      this.unlock?.();
      throw err;
    }
    const db = this.db;
    this.sql = {
      // A file opened read-only may predate the hash column (its migration is what a full disk refused); nothing is added then.
      batch: db.prepare<[string], { points: number; hash: string | null }>(
        `SELECT points, ${this.readOnly && !hasColumn(db, 'batches', 'hash') ? 'NULL AS hash' : 'hash'} FROM batches WHERE batch_id = ?`),
      addBatch: db.prepare<[string, number, number, string]>(this.readOnly ? 'SELECT ?, ?, ?, ?'
        : 'INSERT INTO batches (batch_id, at, points, hash) VALUES (?, ?, ?, ?)'),
      pruneBatches: db.prepare<[number]>('DELETE FROM batches WHERE at < ?'),
      execution: db.prepare<[string], ExecutionRow>('SELECT * FROM executions WHERE id = ?'),
      insertExecution: db.prepare(`INSERT INTO executions (id, name, name_lower, labels, status, started_at, ended_at, last_seen_at, error, summary, discarded)
        VALUES (@id, @name, @name_lower, @labels, @status, @started_at, @ended_at, @last_seen_at, @error, @summary, @discarded)`),
      updateExecution: db.prepare(`UPDATE executions SET status = @status, ended_at = @ended_at, last_seen_at = @last_seen_at,
        error = @error, discarded = @discarded WHERE id = @id`),
      updateSummary: db.prepare<[string, string]>('UPDATE executions SET summary = ? WHERE id = ?'),
      definitions: db.prepare<[string], { def: string }>('SELECT def FROM definitions WHERE execution_id = ? ORDER BY rowid'),
      definition: db.prepare<[string, string], { def: string }>('SELECT def FROM definitions WHERE execution_id = ? AND key = ?'),
      addDefinition: db.prepare<[string, string, string]>('INSERT INTO definitions (execution_id, key, def) VALUES (?, ?, ?)'),
      // Derived `@summary.*` series are drawn but are not metrics of their own.
      metricCount: db.prepare<[string, string], { n: number }>(`SELECT COUNT(*) AS n FROM (SELECT key FROM definitions WHERE execution_id = ?
        UNION SELECT key FROM series WHERE execution_id = ? AND key NOT LIKE '@%')`),
      lastX: db.prepare<[string, string], { id: number; last_x: number }>('SELECT id, last_x FROM series WHERE execution_id = ? AND key = ?'),
      seriesOf: db.prepare<[string], SeriesRow>('SELECT * FROM series WHERE execution_id = ? ORDER BY id'),
      addSeries: db.prepare<[string, string, number, number, number, WireNumber], { id: number }>(
        'INSERT INTO series (execution_id, key, count, min_x, last_x, last_y) VALUES (?, ?, ?, ?, ?, ?) RETURNING id'),
      growSeries: db.prepare<[number, number, WireNumber, number]>('UPDATE series SET count = count + ?, last_x = ?, last_y = ? WHERE id = ?'),
      // A file opened read-only may predate the packed column; it writes nothing then.
      addChunk: db.prepare<[number, number, number, number, Buffer, number, Buffer]>(this.readOnly ? 'SELECT ?, ?, ?, ?, ?, ?, ?'
        : 'INSERT INTO chunks (series_id, first_x, last_x, count, blocks, packed, summary) VALUES (?, ?, ?, ?, ?, ?, ?)'),
      unpacked: db.prepare<[number], { id: number; series_id: number; first_x: number; count: number; blocks: Buffer; xs: Buffer; ys: Buffer }>(
        this.readOnly ? 'SELECT 0 AS id, 0 AS series_id, 0 AS first_x, 0 AS count, NULL AS blocks, NULL AS xs, NULL AS ys WHERE ? < 0'
          : `SELECT c.id, c.series_id, c.first_x, c.count, c.blocks, p.xs, p.ys FROM chunks c JOIN chunk_points p ON p.chunk_id = c.id
             WHERE c.id IN (SELECT id FROM chunks WHERE ${UNPACKED_SEALED} ORDER BY id LIMIT ?)`),
      addChunkPoints: db.prepare<[number, Buffer, Buffer]>('INSERT INTO chunk_points (chunk_id, xs, ys) VALUES (?, ?, ?)'),
      // The plan of a range read of one series: its chunks in range, in x order (the index's order), with their whole-chunk
      // summary (NULL in a file from before it; a file opened read-only may even predate the column) and, with `withBlocks`,
      // their block tiers instead (few chunks share a bucket: their summaries would hardly be used, and 10,000 of them
      // cost buffers to create and collect); without, only the tiers of chunks across the range's ends or without a summary
      // (the rest are asked for when a bucket edge falls into them: worth it when many chunks share a bucket).
      rangeChunks: db.prepare<{ execution: string; key: string; lo: number; hi: number; withBlocks: number }, RangeRow>(`
        SELECT c.id AS id, c.count AS count, c.first_x AS first_x, c.last_x AS last_x,
          CASE WHEN NOT @withBlocks THEN ${this.readOnly && !hasColumn(db, 'chunks', 'summary') ? 'NULL' : 'c.summary'} END AS summary,
          CASE WHEN @withBlocks OR ${this.readOnly && !hasColumn(db, 'chunks', 'summary') ? 'NULL' : 'c.summary'} IS NULL OR c.first_x < @lo OR c.last_x > @hi THEN c.blocks END AS blocks
        FROM chunks c
        WHERE c.series_id = (SELECT id FROM series WHERE execution_id = @execution AND key = @key) AND c.last_x >= @lo AND c.first_x <= @hi
        ORDER BY c.last_x`),
      seriesSpan: db.prepare<[string, string], { count: number; min_x: number; last_x: number }>(
        'SELECT count, min_x, last_x FROM series WHERE execution_id = ? AND key = ?'),
      chunkBlocks: db.prepare<[number], { blocks: Buffer }>('SELECT blocks FROM chunks WHERE id = ?'),
      chunkPoints: db.prepare<[number], ChunkColumns>('SELECT xs, ys FROM chunk_points WHERE chunk_id = ?'),
      addMark: db.prepare<[number, number, number]>('INSERT OR REPLACE INTO time_marks (series_id, x, t) VALUES (?, ?, ?)'),
      // The marks of a read range and the nearest one on each side of it.
      marks: db.prepare<{ execution: string; key: string; lo: number; hi: number }, { x: number; t: number }>(`
        WITH s AS (SELECT id FROM series WHERE execution_id = @execution AND key = @key)
        SELECT x, t FROM (SELECT x, t FROM time_marks WHERE series_id = (SELECT id FROM s) AND x < @lo ORDER BY x DESC LIMIT 1)
        UNION ALL SELECT x, t FROM time_marks WHERE series_id = (SELECT id FROM s) AND x >= @lo AND x <= @hi
        UNION ALL SELECT x, t FROM (SELECT x, t FROM time_marks WHERE series_id = (SELECT id FROM s) AND x > @hi ORDER BY x LIMIT 1)
        ORDER BY x`),
      deleteMarksFrom: db.prepare<[number, number]>('DELETE FROM time_marks WHERE series_id = ? AND x >= ?'),
      deleteMarksOf: db.prepare<[string]>('DELETE FROM time_marks WHERE series_id IN (SELECT id FROM series WHERE execution_id = ?)'),
      executionExists: db.prepare<[string], { one: number }>('SELECT 1 AS one FROM executions WHERE id = ?'),
      chunkSizes: db.prepare<[number], { id: number; count: number }>('SELECT id, count FROM chunks WHERE series_id = ? ORDER BY last_x'),
      chunkFull: db.prepare<[number], { count: number; xs: Buffer; ys: Buffer; blocks: Buffer }>(
        'SELECT count, xs, ys, blocks FROM chunks JOIN chunk_points ON chunk_id = id WHERE id = ?'),
      deleteChunk: db.prepare<[number]>('DELETE FROM chunks WHERE id = ?'),
      // Rewind: the series with points at or beyond x, their chunks there, and the last chunk that starts below x.
      seriesFrom: db.prepare<[string, number], SeriesRow>('SELECT * FROM series WHERE execution_id = ? AND last_x >= ? ORDER BY id'),
      chunksFrom: db.prepare<[number, number], { id: number; first_x: number; count: number }>(
        'SELECT id, first_x, count FROM chunks WHERE series_id = ? AND last_x >= ?'),
      lastChunkStartingBelow: db.prepare<[number, number], { count: number; xs: Buffer; ys: Buffer; blocks: Buffer }>(
        'SELECT count, xs, ys, blocks FROM chunks JOIN chunk_points ON chunk_id = id WHERE series_id = ? AND first_x < ? ORDER BY last_x DESC LIMIT 1'),
      shrinkSeries: db.prepare<[number, number, WireNumber, number]>('UPDATE series SET count = ?, last_x = ?, last_y = ? WHERE id = ?'),
      deleteSeries: db.prepare<[number]>('DELETE FROM series WHERE id = ?'),
      deleteChunkPoints: db.prepare<[number]>('DELETE FROM chunk_points WHERE chunk_id = ?'),
      seriesWithSmallChunks: db.prepare<[number], { series_id: number; n: number }>(
        'SELECT series_id, COUNT(*) AS n FROM chunks WHERE count < ? GROUP BY series_id HAVING n > 1'),
      staleRunning: db.prepare<[number], ExecutionRow>("SELECT * FROM executions WHERE status = 'running' AND last_seen_at < ?"),
      setLost: db.prepare<[string]>("UPDATE executions SET status = 'lost' WHERE id = ?"),
      setInfo: db.prepare<[string, string | null, string]>('UPDATE executions SET labels = ?, note = ? WHERE id = ?'),
      deleteExecution: db.prepare<[string]>('DELETE FROM executions WHERE id = ?'),
      deleteDefinitions: db.prepare<[string]>('DELETE FROM definitions WHERE execution_id = ?'),
      deleteSeriesOf: db.prepare<[string]>('DELETE FROM series WHERE execution_id = ?'),
      deleteChunksOf: db.prepare<[string]>('DELETE FROM chunks WHERE series_id IN (SELECT id FROM series WHERE execution_id = ?)'),
      deletePointsOf: db.prepare<[string]>(
        'DELETE FROM chunk_points WHERE chunk_id IN (SELECT c.id FROM chunks c JOIN series s ON s.id = c.series_id WHERE s.execution_id = ?)'),
    };
    // Small chunks left by an earlier process (or a kill before compaction) are merged too.
    for (const r of this.sql.seriesWithSmallChunks.all(SMALL_CHUNK)) this.smallChunks.set(r.series_id, r.n);
  }

  async commitBatch(request: BatchRequest, decide: (state: BatchState) => BatchWrite | null): Promise<CommitResult | null> {
    if (this.readOnly) throw new ReadOnlyStoreError(this.path);
    const small: number[] = [];
    this.seriesIds.clear();
    const result = this.db.transaction((): CommitResult | null => {
      const write = decide(this.loadState(request));
      if (!write) return null;
      return this.write(write, small);
    })();
    // Only once committed: a rolled-back batch left no chunks to compact.
    for (const id of small) this.smallChunks.set(id, (this.smallChunks.get(id) ?? 0) + 1);
    return result;
  }

  private loadState(request: BatchRequest): BatchState {
    const seen = request.batchId !== undefined ? this.sql.batch.get(request.batchId) ?? null : null;
    const executions = new Map<string, ExecutionState>();
    if (seen) return { seen, executions };
    for (const [id, keys] of request.executions) {
      const row = this.sql.execution.get(id);
      const state: ExecutionState = { record: row ? toRecord(row) : null, definitions: new Map(), lastX: new Map() };
      if (row) {
        for (const key of keys.definitionKeys) {
          const d = this.sql.definition.get(id, key);
          if (d) state.definitions.set(key, JSON.parse(d.def) as MetricDef);
        }
        for (const key of keys.seriesKeys) {
          const s = this.sql.lastX.get(id, key);
          if (!s) continue;
          state.lastX.set(key, s.last_x);
          this.seriesIds.set(`${id}\0${key}`, s.id);
        }
        if (keys.rewindX !== undefined) {
          state.rewound = new Map();
          for (const s of this.sql.seriesFrom.all(id, keys.rewindX)) state.rewound.set(s.key, this.lastPointBelow(s.id, keys.rewindX)?.x ?? null);
        }
      }
      executions.set(id, state);
    }
    return { seen: null, executions };
  }

  private write(write: BatchWrite, small: number[]): CommitResult {
    const metricCounts = new Map<string, number>();
    for (const w of write.executions) {
      const r = w.record;
      const row = {
        id: r.id, status: r.status, ended_at: r.endedAt, last_seen_at: r.lastSeenAt, error: r.error,
        discarded: r.discarded ? JSON.stringify(r.discarded) : null,
      };
      if (w.isNew) {
        this.sql.insertExecution.run({
          ...row, name: r.name, name_lower: r.name.toLowerCase(), labels: JSON.stringify(r.labels), started_at: r.startedAt,
          summary: jsonExact(r.summary),
        });
        this.listIndex.index(r, true, true);
      } else {
        this.sql.updateExecution.run(row);
        if (w.summaryChanged) {
          this.sql.updateSummary.run(jsonExact(r.summary), r.id);
          this.listIndex.index(r, false, true);
        }
      }
      for (const def of w.definitions) this.sql.addDefinition.run(r.id, def.key, JSON.stringify(def));
      if (w.rewindX !== undefined) this.truncate(r.id, w.rewindX);
      for (const a of w.appends) {
        const lastPart = a.parts[a.parts.length - 1]!;
        const lastX = lastPart.x[lastPart.x.length - 1]!;
        const lastY = toWireArray(lastPart.y.subarray(lastPart.y.length - 1))[0]!;
        const count = a.parts.reduce((n, p) => n + p.x.length, 0);
        const seriesId = a.isNew
          ? this.sql.addSeries.get(r.id, a.key, count, a.parts[0]!.x[0]!, lastX, lastY)!.id
          : this.grow(r.id, a.key, count, lastX, lastY);
        for (const p of a.parts) {
          this.writeChunks(seriesId, p.x, p.y, small);
          const marks = marksOfItem(p.x, p.t);
          if (marks) marks.x.forEach((x, i) => this.sql.addMark.run(seriesId, x, marks.t[i]!));
        }
      }
    }
    for (const w of write.executions) metricCounts.set(w.record.id, this.sql.metricCount.get(w.record.id, w.record.id)!.n);
    setMetricCounts(write.events, metricCounts);
    if (write.remember) this.sql.addBatch.run(write.remember.batchId, write.remember.at, write.remember.points, write.remember.hash);
    return { metricCounts };
  }

  /** The last point of a series below `x` (x increases along a series; chunks do not overlap), or null. */
  private lastPointBelow(seriesId: number, x: number): { x: number; y: number } | null {
    const c = this.sql.lastChunkStartingBelow.get(seriesId, x);
    if (!c) return null;
    const points = decodeChunk(c);
    const i = lastIndexBelow(points.x, x);
    return { x: points.x[i]!, y: points.y[i]! };
  }

  /** Removes every point with x ≥ `x` from all series of an execution: whole chunks go, a chunk across x is cut. */
  private truncate(executionId: string, x: number): void {
    for (const s of this.sql.seriesFrom.all(executionId, x)) {
      let removed = 0;
      for (const c of this.sql.chunksFrom.all(s.id, x)) {
        const full = this.sql.chunkFull.get(c.id)!;
        this.sql.deleteChunk.run(c.id);
        this.sql.deleteChunkPoints.run(c.id);
        removed += c.count;
        if (c.first_x < x) {
          const points = decodeChunk(full);
          const keep = lastIndexBelow(points.x, x) + 1;
          this.writeChunks(s.id, points.x.subarray(0, keep), points.y.subarray(0, keep), []);
          removed -= keep;
        }
      }
      const last = this.lastPointBelow(s.id, x);
      this.sql.deleteMarksFrom.run(s.id, last === null ? -Infinity : x);
      if (last === null) this.sql.deleteSeries.run(s.id);
      else this.sql.shrinkSeries.run(s.count - removed, last.x, toWireArray([last.y])[0]!, s.id);
      this.smallChunks.set(s.id, (this.smallChunks.get(s.id) ?? 0) + 1);
    }
  }

  /** Appends to a series whose id the batch's state loaded (a rewind may have removed it since: then it is made again). */
  private grow(executionId: string, key: string, count: number, lastX: number, lastY: WireNumber): number {
    const id = this.seriesIds.get(`${executionId}\0${key}`);
    if (id !== undefined && this.sql.growSeries.run(count, lastX, lastY, id).changes === 1) return id;
    throw new Error(`store: series "${key}" of "${executionId}" was not loaded before its append`);
  }

  private writeChunks(seriesId: number, x: Float64Array, y: Float64Array, small: number[], encode = encodeChunk): void {
    for (const c of encodeChunks(x, y, MAX_CHUNK, encode)) this.addChunk(seriesId, c, small);
  }

  private addChunk(seriesId: number, c: EncodedChunk, small: number[]): void {
    const id = this.sql.addChunk.run(seriesId, c.firstX, c.lastX, c.count, c.blocks, c.packed ? 1 : 0, c.summary).lastInsertRowid;
    this.sql.addChunkPoints.run(Number(id), c.xs, c.ys);
    if (c.count < SMALL_CHUNK) small.push(seriesId);
  }

  async listExecutions(query: ListQuery): Promise<ExecutionList> {
    const { rows, nextCursor } = await this.listIndex.list<ExecutionRow>(query);
    return { executions: rows.map((r) => this.toExecution(r)), nextCursor };
  }

  async executionFields(): Promise<ExecutionFields> {
    return this.listIndex.fields();
  }

  async deleteExecution(id: string): Promise<boolean> {
    if (this.readOnly) throw new ReadOnlyStoreError(this.path);
    return this.db.transaction(() => {
      if (!this.sql.executionExists.get(id)) return false;
      this.sql.deletePointsOf.run(id);
      this.sql.deleteMarksOf.run(id);
      this.sql.deleteChunksOf.run(id);
      this.sql.deleteSeriesOf.run(id);
      this.sql.deleteDefinitions.run(id);
      this.sql.deleteExecution.run(id);
      this.listIndex.forget(id);
      return true;
    })();
  }

  async patchExecution(id: string, patch: ExecutionPatch): Promise<Execution | null> {
    if (this.readOnly) throw new ReadOnlyStoreError(this.path);
    return this.db.transaction(() => {
      const row = this.sql.execution.get(id);
      if (!row) return null;
      if (patch.labels !== undefined) row.labels = JSON.stringify(patch.labels);
      if (patch.note !== undefined) row.note = patch.note === '' ? null : patch.note;
      this.sql.setInfo.run(row.labels, row.note ?? null, id);
      if (patch.labels !== undefined) this.listIndex.index({ id, labels: patch.labels, summary: {} }, true, false);
      return this.toExecution(row);
    })();
  }

  async getExecution(id: string): Promise<ExecutionDetail | null> {
    const row = this.sql.execution.get(id);
    if (!row) return null;
    return {
      execution: this.toExecution(row),
      definitions: this.sql.definitions.all(id).map((d) => JSON.parse(d.def) as MetricDef),
      series: this.sql.seriesOf.all(id).map((s) => ({ key: s.key, count: s.count, minX: s.min_x, maxX: s.last_x, lastY: s.last_y })),
    };
  }

  async readSeries(executionId: string, keys: string[], range: RangeQuery): Promise<SeriesData[]> {
    // One read transaction plans every key and loads the points each plan needs (every key sees the same snapshot; in
    // process, queries cost no round trip). Decoding and downsampling then run outside it in steps that let other requests
    // in, so a read of millions of points never holds the event loop for long.
    const { plans, loaded } = this.db.transaction(() => {
      if (!this.sql.executionExists.get(executionId)) throw new DomainError('not_found', 'id', `no execution "${executionId}"`);
      const lo = range.from ?? -Infinity;
      const hi = range.to ?? Infinity;
      const loaded = new Map<number, ChunkColumns>();
      const load = (id: number) => {
        let c = loaded.get(id);
        if (!c) {
          c = this.sql.chunkPoints.get(id)!;
          loaded.set(id, c);
        }
        return c;
      };
      const plans = keys.map((key) => {
        // Only the first and the last chunk can reach past the range's ends: their points come along.
        const rows = this.sql.rangeChunks.all({ execution: executionId, key, lo, hi, withBlocks: this.fewChunksPerBucket(executionId, key, range) ? 1 : 0 });
        const chunks = rows.map((r, i): ChunkMeta => ({
          id: r.id, count: r.count, firstX: r.first_x, lastX: r.last_x, blocks: r.blocks, summary: r.summary && summaryFromBytes(r.summary),
          columns: i === 0 || i === rows.length - 1 ? load(r.id) : null,
        }));
        const plan = planRange(key, chunks, range);
        if (plan.neededTables.length > 0) {
          const blocks = new Map(rows.map((r) => [r.id, r.blocks]));
          const table = (id: number) => blocks.get(id) ?? this.sql.chunkBlocks.get(id)!.blocks;
          addTables(plan, new Map(plan.neededTables.map((id) => [id, table(id)])));
        }
        for (const id of plan.m4 ? new Set(plan.neededBlocks.map((b) => b.id)) : plan.needed) load(id);
        return { plan, marks: this.sql.marks.all({ execution: executionId, key, lo, hi }) };
      });
      return { plans, loaded };
    })();
    const out: SeriesData[] = [];
    for (const { plan, marks } of plans) out.push(withMarks(await finishRangeInSteps(plan, { columns: loaded }), marks, range.budget));
    return out;
  }

  /**
   * Whether a read of the series will need the block tier of most chunks in range (an exact read, or buckets holding
   * fewer than a few chunks' points), judged from the series' count and x span: then the planning query brings every
   * tier along instead of one query per chunk afterwards.
   */
  private fewChunksPerBucket(executionId: string, key: string, range: RangeQuery): boolean {
    if (range.budget === undefined) return true;
    const s = this.sql.seriesSpan.get(executionId, key);
    if (!s || s.count <= range.budget) return true;
    const span = s.last_x - s.min_x;
    const from = Math.max(s.min_x, range.from ?? -Infinity);
    const to = Math.min(s.last_x, range.to ?? Infinity);
    const inRange = span > 0 ? s.count * Math.max(0, to - from) / span : s.count;
    return inRange / bucketsForBudget(range.budget) < 4 * MAX_CHUNK;
  }

  async markLost(lastSeenBefore: number): Promise<Execution[]> {
    if (this.readOnly) return [];
    return this.db.transaction(() => this.sql.staleRunning.all(lastSeenBefore).map((row) => {
      this.sql.setLost.run(row.id);
      return this.toExecution({ ...row, status: 'lost' });
    }))();
  }

  async forgetBatchIds(before: number): Promise<number> {
    if (this.readOnly) return 0;
    return this.sql.pruneBatches.run(before).changes;
  }

  async compact(opts: CompactOptions = {}): Promise<boolean> {
    return this.compactSome(opts.minSmallChunks ?? 2, opts.budgetMs ?? Infinity, opts.packBudgetMs);
  }

  /** Merges small chunks, then packs sealed ones, until done or past the budget; true when work is left. */
  private compactSome(minSmall: number, budgetMs: number, packBudgetMs = budgetMs): boolean {
    if (!this.db.open || this.readOnly) return false;
    const start = performance.now();
    const until = start + budgetMs;
    let done = 0;
    let more = false;
    for (const [seriesId, n] of this.smallChunks) {
      if (performance.now() > until) {
        more = true;
        break;
      }
      if (n < minSmall) continue;
      this.smallChunks.delete(seriesId);
      this.db.transaction(() => {
        for (const run of planMerges(this.sql.chunkSizes.all(seriesId), SMALL_CHUNK, MAX_CHUNK)) this.mergeChunks(seriesId, run);
      })();
      done++;
    }
    while (!more) {
      if (performance.now() > start + packBudgetMs) {
        more = true;
        break;
      }
      const packed = this.packSome();
      done += packed;
      if (packed < PACK_BATCH) break;
    }
    if (done > 0 && !this.inMemory) this.db.pragma('incremental_vacuum');
    return more;
  }

  /**
   * Re-encodes up to PACK_BATCH sealed chunks ingest wrote (oldest first) in the compact encodings, in one transaction;
   * returns how many. Each is written anew rather than updated in place, so that the pages of the old ones empty and
   * go back to the file system (a shrunk row would leave its page mostly empty).
   */
  private packSome(): number {
    return this.db.transaction(() => {
      const rows = this.sql.unpacked.all(PACK_BATCH);
      for (const r of rows) {
        const { x, y } = decodeChunkWith({ count: r.count, xs: r.xs, ys: r.ys }, BlockTable.fromBytes(r.blocks));
        this.sql.deleteChunk.run(r.id);
        this.sql.deleteChunkPoints.run(r.id);
        this.addChunk(r.series_id, packChunk(x, y), []);
      }
      return rows.length;
    })();
  }

  private mergeChunks(seriesId: number, ids: number[]): void {
    const parts = ids.map((id) => {
      const c = this.sql.chunkFull.get(id)!;
      this.sql.deleteChunk.run(id);
      this.sql.deleteChunkPoints.run(id);
      return decodeChunk(c);
    });
    const n = parts.reduce((sum, p) => sum + p.x.length, 0);
    const x = new Float64Array(n);
    const y = new Float64Array(n);
    let at = 0;
    for (const p of parts) {
      x.set(p.x, at);
      y.set(p.y, at);
      at += p.x.length;
    }
    const stillSmall: number[] = [];
    this.writeChunks(seriesId, x, y, stillSmall, compactedChunk);
    if (stillSmall.length > 0) this.smallChunks.set(seriesId, 1);
  }

  async close(): Promise<void> {
    if (!this.db.open) return;
    try {
      this.compactSome(2, Infinity, CLOSE_PACK_BUDGET_MS);
      if (!this.inMemory && !this.readOnly) this.db.pragma('wal_checkpoint(TRUNCATE)');
    } catch (err) {
      // A full disk must not keep the file open: what is committed is in the WAL already.
      if (!isDiskFull(err)) throw err;
    } finally {
      this.db.close();
      this.unlock?.();
    }
  }

  private toExecution(row: ExecutionRow): Execution {
    return { ...toRecord(row), metricCount: this.sql.metricCount.get(row.id, row.id)!.n };
  }
}
