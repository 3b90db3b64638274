import { BLOCK_SIZE, BlockTable } from './block-table.js';
import { decodeColumn, decodeWhole, encodeColumn } from './column-codec.js';

/** A run of consecutive points of one series, as stored in one `chunks` row. */
export interface EncodedChunk {
  firstX: number;
  lastX: number;
  count: number;
  xs: Buffer;
  ys: Buffer;
  blocks: Buffer;
}

export function encodeChunk(x: Float64Array, y: Float64Array): EncodedChunk {
  const ex = encodeColumn(x, BLOCK_SIZE);
  const ey = encodeColumn(y, BLOCK_SIZE);
  return {
    firstX: x[0]!, lastX: x[x.length - 1]!, count: x.length, xs: ex.bytes, ys: ey.bytes,
    blocks: BlockTable.build(x, y, ex.offsets, ey.offsets).toBytes(),
  };
}

/** Cuts points into chunks of at most `max` points, of even size (2,500 points make 2 × 1,250, not 2,048 + 452). */
export function encodeChunks(x: Float64Array, y: Float64Array, max: number): EncodedChunk[] {
  const out: EncodedChunk[] = [];
  const size = Math.ceil(x.length / Math.ceil(x.length / max));
  for (let from = 0; from < x.length; from += size) {
    const to = Math.min(x.length, from + size);
    out.push(encodeChunk(x.subarray(from, to), y.subarray(from, to)));
  }
  return out;
}

export function decodeChunk(c: Pick<EncodedChunk, 'count' | 'xs' | 'ys' | 'blocks'>): { x: Float64Array; y: Float64Array } {
  const table = BlockTable.fromBytes(c.blocks);
  return { x: decodeWhole(c.xs, c.count, table.xOffsets(), BLOCK_SIZE), y: decodeWhole(c.ys, c.count, table.yOffsets(), BLOCK_SIZE) };
}

/** The points of block `b` alone. */
export function decodeBlock(xs: Buffer, ys: Buffer, table: BlockTable, count: number, b: number): { x: Float64Array; y: Float64Array } {
  const from = b * BLOCK_SIZE;
  const n = Math.min(BLOCK_SIZE, count - from);
  return { x: decodeColumn(xs, from, n, table.xOffset(b)), y: decodeColumn(ys, from, n, table.yOffset(b)) };
}
