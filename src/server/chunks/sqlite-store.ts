import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import {
  fromWireArray, sameDefinition, toWire, toWireArray, ValidationError,
  type Execution, type ExecutionDetail, type ExecutionList, type ExecutionUpdate, type IngestBatch, type MetricDef,
  type SeriesData, type SeriesInfo, type SeriesPoints, type StreamEvent, type SummaryObject, type WireNumber,
} from '../../protocol/index.js';
import { applySummaryOp, getSummaryValue, SummaryError } from '../../protocol/summary.js';
import type { ApplyResult, ListQuery, RangeQuery, Store } from '../store/store.js';
import { BLOCK, BLOCK_FIELDS, blockSummaries, decodeX, decodeY, encodeX, encodeY } from './codec.js';
import { M4 } from './m4.js';
import { configure } from './schema.js';

/** Chunks smaller than this are merged with their neighbours at the tail of a series. */
const SMALL_CHUNK = 4096;
const MAX_CHUNK = 16_384;
const MERGE_AFTER_SMALL_CHUNKS = 32;
const BATCH_ID_TTL_MS = 24 * 3600_000;
const DERIVED_PREFIX = '@summary.';

interface ExecutionRow {
  id: string; name: string; labels: string; status: Execution['status']; started_at: number; ended_at: number | null;
  last_seen_at: number; error: string | null; summary: string;
}

interface SeriesState {
  id: number;
  count: number;
  minX: number | null;
  maxX: number | null;
  lastY: WireNumber | null;
}

interface ChunkMeta {
  id: number; first_x: number; last_x: number; count: number; blocks: Buffer;
}

function toExecution(row: ExecutionRow, metricCount: number): Execution {
  return {
    id: row.id, name: row.name, labels: JSON.parse(row.labels), status: row.status, startedAt: row.started_at,
    endedAt: row.ended_at, lastSeenAt: row.last_seen_at, error: row.error, metricCount, summary: JSON.parse(row.summary),
  };
}

const ENDED = new Set(['succeeded', 'failed', 'cancelled']);

export class SqliteStore implements Store {
  private readonly db: Database.Database;
  private readonly series = new Map<string, SeriesState>();
  /** Ids of the small chunks at the tail of each series, written since this process started, oldest first. */
  private readonly smallTail = new Map<number, number[]>();
  private readonly q;

  constructor(path: string) {
    const inMemory = path === ':memory:';
    if (!inMemory) mkdirSync(dirname(path), { recursive: true });
    this.db = new Database(path);
    configure(this.db, inMemory);
    const db = this.db;
    this.q = {
      batch: db.prepare<[string], { points: number }>('SELECT points FROM batches WHERE batch_id = ?'),
      addBatch: db.prepare('INSERT INTO batches (batch_id, at, points) VALUES (?, ?, ?)'),
      forgetBatches: db.prepare('DELETE FROM batches WHERE at < ?'),
      execution: db.prepare<[string], ExecutionRow>('SELECT * FROM executions WHERE id = ?'),
      insertExecution: db.prepare(`INSERT INTO executions (id, name, name_lower, labels, status, started_at, ended_at, last_seen_at, error, summary)
        VALUES (@id, @name, @name_lower, @labels, @status, @started_at, @ended_at, @last_seen_at, @error, @summary)`),
      updateExecution: db.prepare(`UPDATE executions SET status = @status, ended_at = @ended_at, last_seen_at = @last_seen_at, error = @error,
        summary = @summary WHERE id = @id`),
      definitions: db.prepare<[string], { key: string; def: string }>('SELECT key, def FROM definitions WHERE execution_id = ? ORDER BY rowid'),
      definition: db.prepare<[string, string], { def: string }>('SELECT def FROM definitions WHERE execution_id = ? AND key = ?'),
      insertDefinition: db.prepare('INSERT INTO definitions (execution_id, key, def) VALUES (?, ?, ?)'),
      metricCount: db.prepare<[string, string], { n: number }>(`SELECT COUNT(*) AS n FROM (SELECT key FROM definitions WHERE execution_id = ?
        UNION SELECT key FROM series WHERE execution_id = ? AND key NOT LIKE '@%')`),
      seriesRow: db.prepare<[string, string], { id: number; count: number; min_x: number | null; max_x: number | null; last_y: string | null }>(
        'SELECT id, count, min_x, max_x, last_y FROM series WHERE execution_id = ? AND key = ?'),
      seriesOf: db.prepare<[string], { key: string; count: number; min_x: number | null; max_x: number | null; last_y: string | null }>(
        'SELECT key, count, min_x, max_x, last_y FROM series WHERE execution_id = ? ORDER BY id'),
      insertSeries: db.prepare('INSERT INTO series (execution_id, key, count) VALUES (?, ?, 0)'),
      updateSeries: db.prepare('UPDATE series SET count = ?, min_x = ?, max_x = ?, last_y = ? WHERE id = ?'),
      insertChunk: db.prepare('INSERT INTO chunks (series_id, first_x, last_x, count, xs, ys, blocks) VALUES (?, ?, ?, ?, ?, ?, ?)'),
      chunksIn: db.prepare<[number, number, number], ChunkMeta>(
        'SELECT id, first_x, last_x, count, blocks FROM chunks WHERE series_id = ? AND first_x <= ? AND last_x >= ? ORDER BY first_x'),
      chunkData: db.prepare<[number], { xs: Buffer; ys: Buffer }>('SELECT xs, ys FROM chunks WHERE id = ?'),
      deleteChunk: db.prepare('DELETE FROM chunks WHERE id = ?'),
      running: db.prepare<[number], ExecutionRow>("SELECT * FROM executions WHERE status = 'running' AND last_seen_at < ?"),
      markLost: db.prepare("UPDATE executions SET status = 'lost' WHERE id = ?"),
    };
  }

  applyBatch(batch: IngestBatch, now: number): ApplyResult {
    if (batch.batchId !== undefined) {
      const seen = this.q.batch.get(batch.batchId);
      if (seen) return { duplicate: true, points: seen.points, events: [] };
    }
    const staged = new Map<string, SeriesState>();
    const written: number[] = [];
    const run = this.db.transaction(() => {
      const events: StreamEvent[] = [];
      let points = 0;
      batch.executions.forEach((update, i) => {
        points += this.applyUpdate(update, `executions[${i}]`, now, staged, written, events);
      });
      if (batch.batchId !== undefined) {
        this.q.addBatch.run(batch.batchId, now, points);
        if (Math.random() < 0.01) this.q.forgetBatches.run(now - BATCH_ID_TTL_MS);
      }
      return { duplicate: false, points, events };
    });
    const result = run();
    // Only after the commit: caches follow what is durable.
    for (const [k, s] of staged) this.series.set(k, s);
    for (const seriesId of written) this.noteChunk(seriesId);
    return result;
  }

  private applyUpdate(u: ExecutionUpdate, path: string, now: number, staged: Map<string, SeriesState>, written: number[], events: StreamEvent[]): number {
    let row = this.q.execution.get(u.id);
    if (!row) {
      if (!u.start) throw new ValidationError(`${path}.id`, `no execution "${u.id}": the first batch for an execution must carry "start"`, 404);
      row = {
        id: u.id, name: u.start.name, labels: JSON.stringify(u.start.labels ?? {}), status: 'running', started_at: u.start.startedAt ?? now,
        ended_at: null, last_seen_at: now, error: null, summary: '{}',
      };
      this.q.insertExecution.run({ ...row, name_lower: row.name.toLowerCase() });
    } else if (u.start && u.start.name !== row.name) {
      throw new ValidationError(`${path}.start.name`, `execution "${u.id}" was started as "${row.name}"; an id cannot be reused for "${u.start.name}"`, 409);
    }
    const hasData = (u.definitions?.length ?? 0) + (u.points?.length ?? 0) + (u.summary?.length ?? 0) > 0;
    if (ENDED.has(row.status) && (hasData || (u.end && u.end.status !== row.status))) {
      throw new ValidationError(path, `execution "${u.id}" has ended (${row.status}) and accepts no more data`, 409);
    }
    const wasEnded = ENDED.has(row.status);
    if (row.status === 'lost') row.status = 'running';
    row.last_seen_at = now;

    const newDefinitions: MetricDef[] = [];
    u.definitions?.forEach((def, j) => {
      const existing = this.q.definition.get(u.id, def.key);
      if (!existing) {
        this.q.insertDefinition.run(u.id, def.key, JSON.stringify(def));
        newDefinitions.push(def);
      } else if (!sameDefinition(JSON.parse(existing.def) as MetricDef, def)) {
        throw new ValidationError(`${path}.definitions[${j}]`, `metric "${def.key}" is already defined differently in this execution (${existing.def}); a key keeps one definition`, 409);
      }
    });

    const streamed: SeriesPoints[] = [];
    let points = 0;
    u.points?.forEach((p, j) => {
      const x = Float64Array.from(p.x);
      this.appendPoints(u.id, p.key, x, fromWireArray(p.y), `${path}.points[${j}]`, staged, written);
      streamed.push(p);
      points += x.length;
    });

    let summary: SummaryObject | null = null;
    if (u.summary?.length || u.end) summary = JSON.parse(row.summary) as SummaryObject;
    if (u.summary?.length) {
      const derived = new Map<string, { x: number[]; y: number[] }>();
      u.summary.forEach((op, k) => {
        try {
          applySummaryOp(summary!, op);
        } catch (e) {
          if (e instanceof SummaryError) throw new ValidationError(`${path}.summary[${k}]`, e.message);
          throw e;
        }
        const value = getSummaryValue(summary!, op.key);
        if (typeof value !== 'number') return;
        const key = DERIVED_PREFIX + op.key;
        const d = derived.get(key) ?? { x: [], y: [] };
        derived.set(key, d);
        const last = d.x.length > 0 ? d.x[d.x.length - 1]! : this.seriesState(u.id, key, staged)?.maxX ?? -Infinity;
        const x = op.x ?? (now - row!.started_at) / 1000;
        d.x.push(x > last ? x : last + 1e-6);
        d.y.push(value);
      });
      for (const [key, d] of derived) {
        this.appendPoints(u.id, key, Float64Array.from(d.x), Float64Array.from(d.y), `${path}.summary`, staged, written);
        streamed.push({ key, x: d.x, y: toWireArray(d.y) });
      }
    }
    if (u.end && !wasEnded) {
      row.status = u.end.status;
      row.ended_at = u.end.endedAt ?? now;
      row.error = u.end.error ?? null;
      summary!.predict_time = Math.round(Math.max(0, row.ended_at - row.started_at) * 1000) / 1e6;
    }
    const summaryChanged = summary !== null && JSON.stringify(summary) !== row.summary;
    if (summaryChanged) row.summary = JSON.stringify(summary);
    this.q.updateExecution.run(row);

    const metricCount = this.q.metricCount.get(u.id, u.id)!.n;
    events.push({ type: 'execution', execution: toExecution(row, metricCount) });
    if (newDefinitions.length > 0) events.push({ type: 'definitions', executionId: u.id, definitions: newDefinitions });
    if (streamed.length > 0) events.push({ type: 'points', executionId: u.id, series: streamed });
    if (summaryChanged) events.push({ type: 'summary', executionId: u.id, summary: summary! });
    return points;
  }

  private seriesState(executionId: string, key: string, staged: Map<string, SeriesState>): SeriesState | null {
    const k = `${executionId}\u0000${key}`;
    const cached = staged.get(k) ?? this.series.get(k);
    if (cached) return cached;
    const row = this.q.seriesRow.get(executionId, key);
    if (!row) return null;
    const state: SeriesState = { id: row.id, count: row.count, minX: row.min_x, maxX: row.max_x, lastY: row.last_y === null ? null : JSON.parse(row.last_y) };
    this.series.set(k, state);
    return state;
  }

  private appendPoints(executionId: string, key: string, x: Float64Array, y: Float64Array, path: string, staged: Map<string, SeriesState>, written: number[]): void {
    if (x.length === 0) return;
    let state = this.seriesState(executionId, key, staged);
    if (state && state.maxX !== null && !(x[0]! > state.maxX)) {
      throw new ValidationError(`${path}.x[0]`, `x must increase within a series: ${x[0]} is not greater than the last stored x ${state.maxX} of "${key}"`);
    }
    if (!state) {
      const id = Number(this.q.insertSeries.run(executionId, key).lastInsertRowid);
      state = { id, count: 0, minX: null, maxX: null, lastY: null };
    }
    const next: SeriesState = {
      id: state.id,
      count: state.count + x.length,
      minX: state.minX ?? x[0]!,
      maxX: x[x.length - 1]!,
      lastY: toWire(y[y.length - 1]!),
    };
    staged.set(`${executionId}\u0000${key}`, next);
    this.q.updateSeries.run(next.count, next.minX, next.maxX, JSON.stringify(next.lastY), next.id);
    this.writeChunks(next.id, x, y);
    written.push(next.id);
  }

  private writeChunks(seriesId: number, x: Float64Array, y: Float64Array): void {
    for (let from = 0; from < x.length; from += MAX_CHUNK) {
      const to = Math.min(x.length, from + MAX_CHUNK);
      const cx = x.subarray(from, to);
      const cy = y.subarray(from, to);
      const blocks = blockSummaries(cx, cy);
      this.q.insertChunk.run(seriesId, cx[0]!, cx[cx.length - 1]!, cx.length, encodeX(cx), encodeY(cy),
        Buffer.from(blocks.buffer, blocks.byteOffset, blocks.byteLength));
    }
  }

  /** Remembers a series' small tail chunks and merges them once there are many, so storage stays near 8–16 bytes a point. */
  private noteChunk(seriesId: number): void {
    const last = this.db.prepare<[number], { id: number; count: number }>('SELECT id, count FROM chunks WHERE series_id = ? ORDER BY first_x DESC LIMIT 1').get(seriesId);
    if (!last) return;
    if (last.count >= SMALL_CHUNK) {
      this.smallTail.delete(seriesId);
      return;
    }
    const tail = this.smallTail.get(seriesId) ?? [];
    if (tail[tail.length - 1] !== last.id) tail.push(last.id);
    this.smallTail.set(seriesId, tail);
    if (tail.length >= MERGE_AFTER_SMALL_CHUNKS) this.mergeTail(seriesId, tail);
  }

  private mergeTail(seriesId: number, ids: number[]): void {
    this.db.transaction(() => {
      const xs: Float64Array[] = [];
      const ys: Float64Array[] = [];
      for (const id of ids) {
        const data = this.q.chunkData.get(id);
        if (!data) continue;
        xs.push(decodeX(data.xs));
        ys.push(decodeY(data.ys));
        this.q.deleteChunk.run(id);
      }
      this.writeChunks(seriesId, concat(xs), concat(ys));
    })();
    const last = this.db.prepare<[number], { id: number; count: number }>('SELECT id, count FROM chunks WHERE series_id = ? ORDER BY first_x DESC LIMIT 1').get(seriesId);
    this.smallTail.set(seriesId, last && last.count < SMALL_CHUNK ? [last.id] : []);
  }

  listExecutions(query: ListQuery): ExecutionList {
    const where: string[] = [];
    const params: unknown[] = [];
    if (query.status?.length) {
      where.push(`status IN (${query.status.map(() => '?').join(',')})`);
      params.push(...query.status);
    }
    if (query.q) {
      where.push("name_lower LIKE ? ESCAPE '\\'");
      params.push(`%${query.q.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
    }
    if (query.cursor) {
      const [startedAt, id] = decodeCursor(query.cursor);
      where.push('(started_at < ? OR (started_at = ? AND id < ?))');
      params.push(startedAt, startedAt, id);
    }
    const sql = `SELECT * FROM executions ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY started_at DESC, id DESC LIMIT ?`;
    const rows = this.db.prepare<unknown[], ExecutionRow>(sql).all(...params, query.limit + 1);
    const page = rows.slice(0, query.limit);
    const lastRow = page[page.length - 1];
    return {
      executions: page.map((r) => toExecution(r, this.q.metricCount.get(r.id, r.id)!.n)),
      nextCursor: rows.length > query.limit && lastRow ? Buffer.from(JSON.stringify([lastRow.started_at, lastRow.id])).toString('base64url') : null,
    };
  }

  getExecution(id: string): ExecutionDetail | null {
    const row = this.q.execution.get(id);
    if (!row) return null;
    const definitions = this.q.definitions.all(id).map((d) => JSON.parse(d.def) as MetricDef);
    const series: SeriesInfo[] = this.q.seriesOf.all(id).map((s) => ({
      key: s.key, count: s.count, minX: s.min_x, maxX: s.max_x, lastY: s.last_y === null ? null : JSON.parse(s.last_y),
    }));
    return { execution: toExecution(row, this.q.metricCount.get(id, id)!.n), definitions, series };
  }

  readSeries(executionId: string, keys: string[], range: RangeQuery): SeriesData[] {
    return keys.map((key) => this.readOne(executionId, key, range));
  }

  private readOne(executionId: string, key: string, range: RangeQuery): SeriesData {
    const state = this.seriesState(executionId, key, new Map());
    const empty: SeriesData = { key, total: 0, downsampled: false, x: [], y: [] };
    if (!state || state.minX === null || state.maxX === null) return empty;
    const lo = range.from ?? -Infinity;
    const hi = range.to ?? Infinity;
    const chunks = this.q.chunksIn.all(state.id, hi, lo);
    const inside = (c: ChunkMeta) => c.first_x >= lo && c.last_x <= hi;
    const decoded = new Map<number, { x: Float64Array; y: Float64Array }>();
    const load = (c: ChunkMeta) => {
      let d = decoded.get(c.id);
      if (!d) {
        const data = this.q.chunkData.get(c.id)!;
        d = { x: decodeX(data.xs), y: decodeY(data.ys) };
        decoded.set(c.id, d);
      }
      return d;
    };
    let total = 0;
    for (const c of chunks) {
      if (inside(c)) total += c.count;
      else for (const v of load(c).x) if (v >= lo && v <= hi) total++;
    }
    if (range.budget === undefined || total <= range.budget) {
      const x: number[] = [];
      const y: WireNumber[] = [];
      for (const c of chunks) {
        const d = load(c);
        for (let i = 0; i < d.x.length; i++) {
          const xi = d.x[i]!;
          if (xi < lo || xi > hi) continue;
          x.push(xi);
          y.push(toWire(d.y[i]!));
        }
      }
      return { key, total, downsampled: false, x, y };
    }
    const m4 = new M4(Math.max(lo, state.minX), Math.min(hi, state.maxX), Math.floor(range.budget / 4));
    for (const c of chunks) {
      if (!inside(c)) {
        const d = load(c);
        for (let i = 0; i < d.x.length; i++) if (d.x[i]! >= lo && d.x[i]! <= hi) m4.add(d.x[i]!, d.y[i]!);
        continue;
      }
      const blocks = new Float64Array(c.blocks.buffer.slice(c.blocks.byteOffset, c.blocks.byteOffset + c.blocks.byteLength));
      const nBlocks = blocks.length / BLOCK_FIELDS;
      for (let b = 0; b < nBlocks; b++) {
        const o = b * BLOCK_FIELDS;
        if (m4.bucketOf(blocks[o]!) === m4.bucketOf(blocks[o + 6]!)) {
          m4.addSummary(blocks[o]!, blocks[o + 1]!, blocks[o + 2]!, blocks[o + 3]!, blocks[o + 4]!, blocks[o + 5]!, blocks[o + 6]!, blocks[o + 7]!, blocks[o + 8]!, blocks[o + 9]!);
          continue;
        }
        const d = load(c);
        const end = Math.min(d.x.length, (b + 1) * BLOCK);
        for (let i = b * BLOCK; i < end; i++) m4.add(d.x[i]!, d.y[i]!);
      }
    }
    const out = m4.result();
    return { key, total, downsampled: true, x: out.x, y: toWireArray(out.y) };
  }

  markLost(lastSeenBefore: number): Execution[] {
    const rows = this.q.running.all(lastSeenBefore);
    if (rows.length === 0) return [];
    this.db.transaction(() => {
      for (const r of rows) this.q.markLost.run(r.id);
    })();
    return rows.map((r) => toExecution({ ...r, status: 'lost' }, this.q.metricCount.get(r.id, r.id)!.n));
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}

function concat(parts: Float64Array[]): Float64Array {
  const out = new Float64Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

function decodeCursor(cursor: string): [number, string] {
  try {
    const v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(v) && typeof v[0] === 'number' && typeof v[1] === 'string') return [v[0], v[1]];
  } catch {
    // fall through
  }
  throw new ValidationError('cursor', 'query parameter must be a nextCursor returned by a previous page');
}

export function openStore(path: string): Store {
  return new SqliteStore(path);
}
