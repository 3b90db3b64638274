import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import {
  sameDefinition, toColumns, toWireArray, ValidationError,
  type Execution, type ExecutionDetail, type ExecutionFields, type ExecutionList, type ExecutionPatch, type ExecutionUpdate, type IngestBatch, type MetricDef,
  type SeriesColumns, type SeriesData, type SeriesPoints, type SummaryObject, type WireNumber,
} from '../../protocol/index.js';
import type { HubEvent } from '../hub-event.js';
import { decodeChunk, encodeChunks } from './chunk.js';
import { planMerges } from './compaction-plan.js';
import { readRange, type ChunkColumns, type ChunkMeta } from './range-read.js';
import { openSchema } from './schema.js';
import { SqliteListIndex } from './sqlite-list.js';
import type { ApplyResult, ListQuery, RangeQuery, Store } from './store.js';
import { applySummaryOps } from './summary-series.js';

/** Largest chunk written; bigger writes are cut. */
const MAX_CHUNK = 2048;
/** Chunks below this many points (small live batches) are merged with their neighbours by compaction. */
const SMALL_CHUNK = 512;
/** The background pass only bothers with series that collected this many small chunks; `compact()` takes them all. */
const BACKGROUND_MIN_SMALL = 8;
const BACKGROUND_EVERY_MS = 2000;
/** Each background pass stops after this long, so ingest is never held up for more than a moment. */
const BACKGROUND_BUDGET_MS = 50;
/** Batch ids are remembered this long (a client retries for seconds, not hours). */
const BATCH_ID_TTL_MS = 3600_000;
const PRUNE_BATCH_IDS_EVERY = 1000;

const ENDED = new Set<Execution['status']>(['succeeded', 'failed', 'cancelled']);

interface ExecutionRow {
  id: string; name: string; labels: string; status: Execution['status']; started_at: number; ended_at: number | null;
  last_seen_at: number; error: string | null; summary: string; note?: string | null;
}

interface SeriesRow {
  id: number; key: string; count: number; min_x: number; last_x: number; last_y: WireNumber;
}

export interface StoreOptions {
  /** Merge small chunks on a timer (default true). */
  backgroundCompaction?: boolean;
}

function toExecution(row: ExecutionRow, metricCount: number): Execution {
  return {
    id: row.id, name: row.name, labels: JSON.parse(row.labels) as Execution['labels'], status: row.status, startedAt: row.started_at,
    endedAt: row.ended_at, lastSeenAt: row.last_seen_at, error: row.error, metricCount, summary: JSON.parse(row.summary) as SummaryObject,
    ...(row.note && { note: row.note }),
  };
}

export class SqliteStore implements Store {
  private readonly db: Database.Database;
  private readonly inMemory: boolean;
  private readonly sql;
  private readonly listIndex: SqliteListIndex;
  private readonly listStatements = new Map<string, Database.Statement<unknown[], ExecutionRow>>();
  /** Series id → small chunks written since it was last compacted. */
  private readonly smallChunks = new Map<number, number>();
  private readonly timer: NodeJS.Timeout | null;
  private batchesApplied = 0;

  constructor(path: string, opts: StoreOptions = {}) {
    this.inMemory = path === ':memory:';
    if (!this.inMemory) mkdirSync(dirname(path), { recursive: true });
    this.db = new Database(path);
    openSchema(this.db, this.inMemory);
    this.listIndex = new SqliteListIndex(this.db);
    const db = this.db;
    this.sql = {
      batch: db.prepare<[string], { points: number }>('SELECT points FROM batches WHERE batch_id = ?'),
      addBatch: db.prepare<[string, number, number]>('INSERT INTO batches (batch_id, at, points) VALUES (?, ?, ?)'),
      pruneBatches: db.prepare<[number]>('DELETE FROM batches WHERE at < ?'),
      execution: db.prepare<[string], ExecutionRow>('SELECT * FROM executions WHERE id = ?'),
      insertExecution: db.prepare(`INSERT INTO executions (id, name, name_lower, labels, status, started_at, ended_at, last_seen_at, error, summary)
        VALUES (@id, @name, @name_lower, @labels, @status, @started_at, @ended_at, @last_seen_at, @error, @summary)`),
      updateExecution: db.prepare(`UPDATE executions SET status = @status, ended_at = @ended_at, last_seen_at = @last_seen_at,
        error = @error, summary = @summary WHERE id = @id`),
      definitions: db.prepare<[string], { def: string }>('SELECT def FROM definitions WHERE execution_id = ? ORDER BY rowid'),
      definition: db.prepare<[string, string], { def: string }>('SELECT def FROM definitions WHERE execution_id = ? AND key = ?'),
      addDefinition: db.prepare<[string, string, string]>('INSERT INTO definitions (execution_id, key, def) VALUES (?, ?, ?)'),
      // Derived `@summary.*` series are drawn but are not metrics of their own.
      metricCount: db.prepare<[string, string], { n: number }>(`SELECT COUNT(*) AS n FROM (SELECT key FROM definitions WHERE execution_id = ?
        UNION SELECT key FROM series WHERE execution_id = ? AND key NOT LIKE '@%')`),
      series: db.prepare<[string, string], SeriesRow>('SELECT * FROM series WHERE execution_id = ? AND key = ?'),
      seriesOf: db.prepare<[string], SeriesRow>('SELECT * FROM series WHERE execution_id = ? ORDER BY id'),
      addSeries: db.prepare<[string, string, number, number, number, WireNumber]>(
        'INSERT INTO series (execution_id, key, count, min_x, last_x, last_y) VALUES (?, ?, ?, ?, ?, ?)'),
      growSeries: db.prepare<[number, number, WireNumber, number]>('UPDATE series SET count = count + ?, last_x = ?, last_y = ? WHERE id = ?'),
      addChunk: db.prepare<[number, number, number, number, Buffer]>(
        'INSERT INTO chunks (series_id, first_x, last_x, count, blocks) VALUES (?, ?, ?, ?, ?)'),
      addChunkPoints: db.prepare<[number, Buffer, Buffer]>('INSERT INTO chunk_points (chunk_id, xs, ys) VALUES (?, ?, ?)'),
      chunksInRange: db.prepare<[number, number, number], ChunkMeta>(
        'SELECT id, count, blocks FROM chunks WHERE series_id = ? AND last_x >= ? AND first_x <= ? ORDER BY last_x'),
      chunkColumns: db.prepare<[number], ChunkColumns>('SELECT xs, ys FROM chunk_points WHERE chunk_id = ?'),
      chunkSizes: db.prepare<[number], { id: number; count: number }>('SELECT id, count FROM chunks WHERE series_id = ? ORDER BY last_x'),
      chunkFull: db.prepare<[number], { count: number; xs: Buffer; ys: Buffer; blocks: Buffer }>(
        'SELECT count, xs, ys, blocks FROM chunks JOIN chunk_points ON chunk_id = id WHERE id = ?'),
      deleteChunk: db.prepare<[number]>('DELETE FROM chunks WHERE id = ?'),
      deleteChunkPoints: db.prepare<[number]>('DELETE FROM chunk_points WHERE chunk_id = ?'),
      seriesWithSmallChunks: db.prepare<[number], { series_id: number; n: number }>(
        'SELECT series_id, COUNT(*) AS n FROM chunks WHERE count < ? GROUP BY series_id HAVING n > 1'),
      staleRunning: db.prepare<[number], ExecutionRow>("SELECT * FROM executions WHERE status = 'running' AND last_seen_at < ?"),
      setLost: db.prepare<[string]>("UPDATE executions SET status = 'lost' WHERE id = ?"),
      setInfo: db.prepare<[string, string | null, string]>('UPDATE executions SET labels = ?, note = ? WHERE id = ?'),
      deleteExecution: db.prepare<[string]>('DELETE FROM executions WHERE id = ?'),
      deleteDefinitions: db.prepare<[string]>('DELETE FROM definitions WHERE execution_id = ?'),
      deleteSeries: db.prepare<[string]>('DELETE FROM series WHERE execution_id = ?'),
      deleteChunksOf: db.prepare<[string]>('DELETE FROM chunks WHERE series_id IN (SELECT id FROM series WHERE execution_id = ?)'),
      deletePointsOf: db.prepare<[string]>(
        'DELETE FROM chunk_points WHERE chunk_id IN (SELECT c.id FROM chunks c JOIN series s ON s.id = c.series_id WHERE s.execution_id = ?)'),
    };
    // Small chunks left by an earlier process (or a kill before compaction) are merged too.
    for (const r of this.sql.seriesWithSmallChunks.all(SMALL_CHUNK)) this.smallChunks.set(r.series_id, r.n);
    this.timer = opts.backgroundCompaction === false ? null : setInterval(() => this.compactSome(BACKGROUND_MIN_SMALL, BACKGROUND_BUDGET_MS), BACKGROUND_EVERY_MS);
    this.timer?.unref();
  }

  applyBatch(batch: IngestBatch<SeriesColumns | SeriesPoints>, now: number): ApplyResult {
    const small: number[] = [];
    const result = this.db.transaction((): ApplyResult => {
      if (batch.batchId !== undefined) {
        const seen = this.sql.batch.get(batch.batchId);
        if (seen) return { duplicate: true, points: seen.points, events: [] };
      }
      const events: HubEvent[] = [];
      let points = 0;
      batch.executions.forEach((u, i) => {
        points += this.applyUpdate(u, `executions[${i}]`, now, events, small);
      });
      if (batch.batchId !== undefined) this.sql.addBatch.run(batch.batchId, now, points);
      if (++this.batchesApplied % PRUNE_BATCH_IDS_EVERY === 0) this.sql.pruneBatches.run(now - BATCH_ID_TTL_MS);
      return { duplicate: false, points, events };
    })();
    // Only once committed: a rolled-back batch left no chunks to compact.
    for (const id of small) this.smallChunks.set(id, (this.smallChunks.get(id) ?? 0) + 1);
    return result;
  }

  /** Applies one execution's update (start → definitions → points → summary → end); returns the points stored. */
  private applyUpdate(u: ExecutionUpdate<SeriesColumns | SeriesPoints>, path: string, now: number, events: HubEvent[], small: number[]): number {
    const row = this.startOrFind(u, path, now);
    const hasData = !!(u.definitions?.length || u.points?.length || u.summary?.length);
    if (ENDED.has(row.status)) {
      if (hasData) {
        throw new ValidationError(path, `execution has ended (${row.status}): "${u.id}" accepts no more points, definitions or summary values`, 409);
      }
      if (u.end && u.end.status !== row.status) {
        throw new ValidationError(`${path}.end.status`, `execution has ended as ${row.status} and cannot end again as ${u.end.status}`, 409);
      }
    }
    const alreadyEnded = ENDED.has(row.status);
    if (row.status === 'lost') row.status = 'running';
    row.last_seen_at = now;

    const newDefinitions = this.addDefinitions(u, path);
    const streamed: SeriesColumns[] = [];
    let points = 0;
    u.points?.forEach((wire, j) => {
      const p = toColumns(wire);
      this.appendPoints(u.id, p.key, p.x, p.y, `${path}.points[${j}].x[0]`, small);
      streamed.push(p);
      points += p.x.length;
    });

    let summary: SummaryObject | null = null;
    if (u.summary?.length) {
      summary = JSON.parse(row.summary) as SummaryObject;
      const derived = applySummaryOps(summary, u.summary, `${path}.summary`, (now - row.started_at) / 1000,
        (key) => this.sql.series.get(u.id, key)?.last_x ?? null);
      for (const d of derived) {
        const columns = { key: d.key, x: Float64Array.from(d.x), y: Float64Array.from(d.y) };
        this.appendPoints(u.id, d.key, columns.x, columns.y, `${path}.summary`, small);
        streamed.push(columns);
      }
    }
    if (u.end && !alreadyEnded) {
      row.status = u.end.status;
      row.ended_at = u.end.endedAt ?? now;
      row.error = u.end.error ?? null;
      summary ??= JSON.parse(row.summary) as SummaryObject;
      // The runtime's figure wins over anything the user recorded under this key (as in Cog). Rounded to the µs so that
      // ms arithmetic does not show as 1.2344999999.
      summary.predict_time = Math.round(Math.max(0, row.ended_at - row.started_at) * 1000) / 1e6;
    }
    const summaryText = summary === null ? row.summary : JSON.stringify(summary);
    const summaryChanged = summaryText !== row.summary;
    row.summary = summaryText;
    this.sql.updateExecution.run(row);
    if (summaryChanged) this.listIndex.index(row, false, true);

    events.push({ type: 'execution', execution: this.toExecution(row) });
    if (newDefinitions.length > 0) events.push({ type: 'definitions', executionId: u.id, definitions: newDefinitions });
    if (streamed.length > 0) events.push({ type: 'points', executionId: u.id, series: streamed });
    if (summaryChanged) events.push({ type: 'summary', executionId: u.id, summary: summary! });
    return points;
  }

  private startOrFind(u: Pick<ExecutionUpdate, 'id' | 'start'>, path: string, now: number): ExecutionRow {
    const row = this.sql.execution.get(u.id);
    if (row) {
      if (u.start && u.start.name !== row.name) {
        throw new ValidationError(`${path}.start.name`, `execution "${u.id}" was started as "${row.name}"; its id cannot be reused for "${u.start.name}"`, 409);
      }
      return row;
    }
    if (!u.start) throw new ValidationError(`${path}.id`, `unknown execution "${u.id}": the first batch for an execution must carry "start"`, 404);
    const created: ExecutionRow = {
      id: u.id, name: u.start.name, labels: JSON.stringify(u.start.labels ?? {}), status: 'running', started_at: u.start.startedAt ?? now,
      ended_at: null, last_seen_at: now, error: null, summary: '{}',
    };
    this.sql.insertExecution.run({ ...created, name_lower: created.name.toLowerCase() });
    this.listIndex.index(created, true, false);
    return created;
  }

  private addDefinitions(u: Pick<ExecutionUpdate, 'id' | 'definitions'>, path: string): MetricDef[] {
    const added: MetricDef[] = [];
    u.definitions?.forEach((def, j) => {
      const existing = this.sql.definition.get(u.id, def.key);
      if (!existing) {
        this.sql.addDefinition.run(u.id, def.key, JSON.stringify(def));
        added.push(def);
      } else if (!sameDefinition(JSON.parse(existing.def) as MetricDef, def)) {
        throw new ValidationError(`${path}.definitions[${j}]`,
          `metric "${def.key}" is already defined differently in this execution (${existing.def}); a key keeps one definition`, 409);
      }
    });
    return added;
  }

  /** Appends points (x increasing within the array, as validated) after the series' last stored x. */
  private appendPoints(executionId: string, key: string, x: Float64Array, y: Float64Array, path: string, small: number[]): void {
    if (x.length === 0) return;
    const lastY = toWireArray(y.subarray(y.length - 1))[0]!;
    const s = this.sql.series.get(executionId, key);
    let seriesId: number;
    if (s) {
      if (!(x[0]! > s.last_x)) throw new ValidationError(path, `x must increase: ${x[0]} is not greater than the last stored x ${s.last_x}`, 400);
      this.sql.growSeries.run(x.length, x[x.length - 1]!, lastY, s.id);
      seriesId = s.id;
    } else {
      seriesId = Number(this.sql.addSeries.run(executionId, key, x.length, x[0]!, x[x.length - 1]!, lastY).lastInsertRowid);
    }
    this.writeChunks(seriesId, x, y, small);
  }

  private writeChunks(seriesId: number, x: Float64Array, y: Float64Array, small: number[]): void {
    for (const c of encodeChunks(x, y, MAX_CHUNK)) {
      const id = this.sql.addChunk.run(seriesId, c.firstX, c.lastX, c.count, c.blocks).lastInsertRowid;
      this.sql.addChunkPoints.run(Number(id), c.xs, c.ys);
      if (c.count < SMALL_CHUNK) small.push(seriesId);
    }
  }

  listExecutions(query: ListQuery): ExecutionList {
    const { rows, nextCursor } = this.db.transaction(() => this.listIndex.list<ExecutionRow>(query))();
    return { executions: rows.map((r) => this.toExecution(r)), nextCursor };
  }

  async executionFields(): Promise<ExecutionFields> {
    return this.listIndex.fields();
  }

  async deleteExecution(id: string): Promise<boolean> {
    return this.db.transaction(() => {
      if (!this.sql.execution.get(id)) return false;
      this.sql.deletePointsOf.run(id);
      this.sql.deleteChunksOf.run(id);
      this.sql.deleteSeries.run(id);
      this.sql.deleteDefinitions.run(id);
      this.sql.deleteExecution.run(id);
      this.listIndex.forget(id);
      return true;
    })();
  }

  async patchExecution(id: string, patch: ExecutionPatch): Promise<Execution | null> {
    return this.db.transaction(() => {
      const row = this.sql.execution.get(id);
      if (!row) return null;
      if (patch.labels !== undefined) row.labels = JSON.stringify(patch.labels);
      if (patch.note !== undefined) row.note = patch.note === '' ? null : patch.note;
      this.sql.setInfo.run(row.labels, row.note ?? null, id);
      if (patch.labels !== undefined) this.listIndex.index(row, true, false);
      return this.toExecution(row);
    })();
  }

  getExecution(id: string): ExecutionDetail | null {
    const row = this.sql.execution.get(id);
    if (!row) return null;
    return {
      execution: this.toExecution(row),
      definitions: this.sql.definitions.all(id).map((d) => JSON.parse(d.def) as MetricDef),
      series: this.sql.seriesOf.all(id).map((s) => ({ key: s.key, count: s.count, minX: s.min_x, maxX: s.last_x, lastY: s.last_y })),
    };
  }

  readSeries(executionId: string, keys: string[], range: RangeQuery): SeriesData[] {
    const read = this.db.transaction(() => keys.map((key) => {
      const s = this.sql.series.get(executionId, key);
      const chunks = s ? this.sql.chunksInRange.all(s.id, range.from ?? -Infinity, range.to ?? Infinity) : [];
      return readRange(key, chunks, (id) => this.sql.chunkColumns.get(id)!, range);
    }));
    // One read transaction: every key sees the same snapshot.
    return read();
  }

  markLost(lastSeenBefore: number): Execution[] {
    return this.db.transaction(() => this.sql.staleRunning.all(lastSeenBefore).map((row) => {
      this.sql.setLost.run(row.id);
      return this.toExecution({ ...row, status: 'lost' });
    }))();
  }

  /** Merges every series' small chunks, so bytes on disk per point settle near the encoded size. */
  compact(): void {
    this.compactSome(2, Infinity);
  }

  private compactSome(minSmall: number, budgetMs: number): void {
    if (!this.db.open) return;
    const until = performance.now() + budgetMs;
    let done = 0;
    for (const [seriesId, n] of this.smallChunks) {
      if (performance.now() > until) break;
      if (n < minSmall) continue;
      this.smallChunks.delete(seriesId);
      this.db.transaction(() => {
        for (const run of planMerges(this.sql.chunkSizes.all(seriesId), SMALL_CHUNK, MAX_CHUNK)) this.mergeChunks(seriesId, run);
      })();
      done++;
    }
    if (done > 0 && !this.inMemory) this.db.pragma('incremental_vacuum');
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
    this.writeChunks(seriesId, x, y, stillSmall);
    if (stillSmall.length > 0) this.smallChunks.set(seriesId, 1);
  }

  close(): void {
    if (!this.db.open) return;
    if (this.timer) clearInterval(this.timer);
    this.compact();
    if (!this.inMemory) this.db.pragma('wal_checkpoint(TRUNCATE)');
    this.db.close();
  }

  private toExecution(row: ExecutionRow): Execution {
    return toExecution(row, this.sql.metricCount.get(row.id, row.id)!.n);
  }
}
