import { toWireArray, type SeriesData } from '../../protocol/index.js';
import { bucketsForBudget, M4 } from '../../protocol/downsample.js';
import { BLOCK_SIZE, BlockTable } from './block-table.js';
import { decodeBlock, decodeChunk } from './chunk.js';

export interface ChunkMeta {
  id: number;
  count: number;
  blocks: Buffer;
}

export interface ChunkColumns {
  xs: Buffer;
  ys: Buffer;
}

export interface Range {
  from?: number;
  to?: number;
  budget?: number;
}

/**
 * Reads [from, to] of one series from its chunks (in x order, those overlapping the range): every point when they fit
 * the budget, else M4 buckets over the range clamped to the data, built from the block summaries wherever a whole block
 * falls inside one bucket, so only blocks that straddle a bucket edge or the range ends are decoded.
 */
export function readRange(key: string, chunks: ChunkMeta[], load: (id: number) => ChunkColumns, range: Range): SeriesData {
  const lo = range.from ?? -Infinity;
  const hi = range.to ?? Infinity;
  const empty: SeriesData = { key, total: 0, downsampled: false, x: [], y: [] };
  if (chunks.length === 0 || lo > hi) return empty;

  const columns = new Map<number, ChunkColumns>();
  const columnsOf = (id: number) => {
    let c = columns.get(id);
    if (!c) columns.set(id, (c = load(id)));
    return c;
  };
  const tables = chunks.map((c) => BlockTable.fromBytes(c.blocks));
  const blockCount = (c: ChunkMeta, b: number) => Math.min(BLOCK_SIZE, c.count - b * BLOCK_SIZE);
  const block = (i: number, b: number) => {
    const c = chunks[i]!;
    const cols = columnsOf(c.id);
    return decodeBlock(cols.xs, cols.ys, tables[i]!, c.count, b);
  };

  /** Calls `visit` for each block overlapping the range, telling whether it lies wholly inside. */
  const eachBlock = (visit: (i: number, b: number, inside: boolean) => void) => {
    chunks.forEach((_, i) => {
      const t = tables[i]!;
      for (let b = 0; b < t.length; b++) {
        const first = t.firstX(b);
        const last = t.lastX(b);
        if (last < lo || first > hi) continue;
        visit(i, b, first >= lo && last <= hi);
      }
    });
  };

  let total = 0;
  let dataLo = Infinity;
  let dataHi = -Infinity;
  eachBlock((i, b, inside) => {
    if (inside) {
      total += blockCount(chunks[i]!, b);
      dataLo = Math.min(dataLo, tables[i]!.firstX(b));
      dataHi = Math.max(dataHi, tables[i]!.lastX(b));
      return;
    }
    const { x } = block(i, b);
    for (const v of x) {
      if (v < lo || v > hi) continue;
      total++;
      dataLo = Math.min(dataLo, v);
      dataHi = Math.max(dataHi, v);
    }
  });
  if (total === 0) return empty;

  if (range.budget === undefined || total <= range.budget) {
    const x: number[] = [];
    const y: number[] = [];
    let whole: { i: number; x: Float64Array; y: Float64Array } | null = null;
    eachBlock((i, b, inside) => {
      const c = chunks[i]!;
      let px: Float64Array;
      let py: Float64Array;
      if (inside && tables[i]!.length > 1) {
        // Decoding the whole chunk once is cheaper than block by block.
        if (whole?.i !== i) whole = { i, ...decodeChunk({ ...c, ...columnsOf(c.id) }) };
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

  const m4 = new M4(dataLo, dataHi, bucketsForBudget(range.budget));
  eachBlock((i, b, inside) => {
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
