import { toWireArray, type SeriesData } from '../../protocol/index.js';
import { bucketsForBudget, M4 } from '../../protocol/downsample.js';
import { BLOCK_SIZE, BlockTable } from './block-table.js';
import { decodeBlock, decodeChunk } from './chunk.js';

export interface ChunkColumns {
  xs: Buffer;
  ys: Buffer;
}

/**
 * One chunk overlapping a read range, in x order. The planning query brings the encoded columns of edge chunks (those
 * reaching past `from` or `to`) along, since counting the points in range needs them; the others are loaded afterwards,
 * all at once, and only when the plan needs their points.
 */
export interface ChunkMeta {
  id: number;
  count: number;
  blocks: Buffer;
  columns: ChunkColumns | null;
}

export interface Range {
  from?: number;
  to?: number;
  budget?: number;
}

/** A read of one series, planned from the chunks' block summaries: what it returns, and which chunks' points it needs. */
export interface RangePlan {
  key: string;
  chunks: ChunkMeta[];
  tables: BlockTable[];
  lo: number;
  hi: number;
  total: number;
  /** Null when every point in range is returned. */
  m4: M4 | null;
  /** Ids of the chunks whose whole columns must be loaded before `finishRange` (every point in range is returned). */
  needed: number[];
  /**
   * Blocks whose points a downsampled read needs (those that straddle a bucket edge), as chunk id and block index with
   * its byte range in each column: a backend may load just these (`LoadedPoints.blocks`) or the whole chunks.
   */
  neededBlocks: BlockRef[];
}

/** One block of one chunk: where its values start in the x and y columns, and where they end (null: at the end). */
export interface BlockRef {
  id: number;
  b: number;
  from: number;
  count: number;
  x: { start: number; end: number | null };
  y: { start: number; end: number | null };
}

/** Points loaded for a plan: whole columns by chunk id, and/or decoded blocks by `${chunkId}:${block}`. */
export interface LoadedPoints {
  columns: ReadonlyMap<number, ChunkColumns>;
  blocks?: ReadonlyMap<string, { x: Float64Array; y: Float64Array }>;
}

/** An edge chunk came without its columns: the store's planning query is wrong, not the data. */
function columnsOf(c: ChunkMeta, loaded: ReadonlyMap<number, ChunkColumns>): ChunkColumns {
  const cols = c.columns ?? loaded.get(c.id);
  if (!cols) throw new Error(`range read: the points of chunk ${c.id} were not loaded`);
  return cols;
}

const blockCount = (c: ChunkMeta, b: number) => Math.min(BLOCK_SIZE, c.count - b * BLOCK_SIZE);

/** Calls `visit` for each block of `tables` overlapping [lo, hi], telling whether it lies wholly inside. */
function eachBlock(tables: BlockTable[], lo: number, hi: number, visit: (i: number, b: number, inside: boolean) => void): void {
  tables.forEach((t, i) => {
    for (let b = 0; b < t.length; b++) {
      const first = t.firstX(b);
      const last = t.lastX(b);
      if (last < lo || first > hi) continue;
      visit(i, b, first >= lo && last <= hi);
    }
  });
}

/**
 * Plans a read of [from, to] of one series from its chunks overlapping the range (x order): every point when they fit the
 * budget, else M4 buckets over the range clamped to the data, built from the block summaries wherever a whole block falls
 * inside one bucket, so that only chunks with a block straddling a bucket edge or the range ends are needed.
 */
export function planRange(key: string, chunks: ChunkMeta[], range: Range): RangePlan {
  const lo = range.from ?? -Infinity;
  const hi = range.to ?? Infinity;
  const tables = chunks.map((c) => BlockTable.fromBytes(c.blocks));
  const plan: RangePlan = { key, chunks, tables, lo, hi, total: 0, m4: null, needed: [], neededBlocks: [] };
  if (chunks.length === 0 || lo > hi) return plan;

  let total = 0;
  let dataLo = Infinity;
  let dataHi = -Infinity;
  const none = new Map<number, ChunkColumns>();
  eachBlock(tables, lo, hi, (i, b, inside) => {
    if (inside) {
      total += blockCount(chunks[i]!, b);
      dataLo = Math.min(dataLo, tables[i]!.firstX(b));
      dataHi = Math.max(dataHi, tables[i]!.lastX(b));
      return;
    }
    const c = chunks[i]!;
    const cols = columnsOf(c, none);
    const { x } = decodeBlock(cols.xs, cols.ys, tables[i]!, c.count, b);
    for (const v of x) {
      if (v < lo || v > hi) continue;
      total++;
      dataLo = Math.min(dataLo, v);
      dataHi = Math.max(dataHi, v);
    }
  });
  plan.total = total;
  if (total === 0) return plan;
  const needed = new Set<number>();
  if (range.budget === undefined || total <= range.budget) {
    for (const c of chunks) if (!c.columns) needed.add(c.id);
  } else {
    const m4 = new M4(dataLo, dataHi, bucketsForBudget(range.budget));
    plan.m4 = m4;
    eachBlock(tables, lo, hi, (i, b, inside) => {
      const t = tables[i]!;
      const c = chunks[i]!;
      if (c.columns || (inside && m4.bucketOf(t.firstX(b)) === m4.bucketOf(t.lastX(b)))) return;
      const last = b + 1 >= t.length;
      plan.neededBlocks.push({
        id: c.id, b, from: b * BLOCK_SIZE, count: blockCount(c, b),
        x: { start: t.xOffset(b), end: last ? null : t.xOffset(b + 1) },
        y: { start: t.yOffset(b), end: last ? null : t.yOffset(b + 1) },
      });
    });
  }
  plan.needed = [...needed];
  return plan;
}

/** Carries out a plan, with the columns of `plan.needed` and the points of `plan.neededBlocks` in `points`. */
export function finishRange(plan: RangePlan, points: LoadedPoints): SeriesData {
  const { key, chunks, tables, lo, hi, total, m4 } = plan;
  const loaded = points.columns;
  if (total === 0) return { key, total: 0, downsampled: false, x: [], y: [] };
  const block = (i: number, b: number) => {
    const c = chunks[i]!;
    const got = c.columns ? undefined : points.blocks?.get(`${c.id}:${b}`);
    if (got) return got;
    const cols = columnsOf(c, loaded);
    return decodeBlock(cols.xs, cols.ys, tables[i]!, c.count, b);
  };

  if (!m4) {
    const x: number[] = [];
    const y: number[] = [];
    let whole: { i: number; x: Float64Array; y: Float64Array } | null = null;
    eachBlock(tables, lo, hi, (i, b, inside) => {
      const c = chunks[i]!;
      let px: Float64Array;
      let py: Float64Array;
      if (inside && tables[i]!.length > 1) {
        // Decoding the whole chunk once is cheaper than block by block.
        if (whole?.i !== i) whole = { i, ...decodeChunk({ ...c, ...columnsOf(c, loaded) }) };
        px = whole.x.subarray(b * BLOCK_SIZE, b * BLOCK_SIZE + blockCount(c, b));
        py = whole.y.subarray(b * BLOCK_SIZE, b * BLOCK_SIZE + blockCount(c, b));
      } else {
        ({ x: px, y: py } = block(i, b));
      }
      for (let k = 0; k < px.length; k++) {
        if (px[k]! < lo || px[k]! > hi) continue;
        x.push(px[k]!);
        y.push(py[k]!);
      }
    });
    return { key, total, downsampled: false, x, y: toWireArray(y) };
  }

  eachBlock(tables, lo, hi, (i, b, inside) => {
    const t = tables[i]!;
    if (inside && m4.bucketOf(t.firstX(b)) === m4.bucketOf(t.lastX(b))) {
      m4.addSummary(t.summary(b));
      return;
    }
    const { x, y } = block(i, b);
    for (let k = 0; k < x.length; k++) if (x[k]! >= lo && x[k]! <= hi) m4.add(x[k]!, y[k]!);
  });
  const out = m4.result();
  return { key, total, downsampled: true, x: out.x, y: toWireArray(out.y) };
}
