import { BLOCK_SIZE, BlockTable, summaryToBytes } from './block-table.js';
import { SMALL_CHUNK } from './common.js';
import { wholeStepOf } from '../../protocol/regular.js';
import { decodeColumn, decodeWhole, encodeColumn, packColumn } from './column-codec.js';

/** A run of consecutive points of one series, as stored in one `chunks` row. */
export interface EncodedChunk {
  firstX: number;
  lastX: number;
  count: number;
  xs: Buffer;
  ys: Buffer;
  blocks: Buffer;
  /** The whole chunk's first/min/max/last (+ first non-finite) as plain Float64 (`summaryToBytes`): read without decoding. */
  summary: Buffer;
  /** Written by `packChunk` (compaction's compact encodings) rather than by ingest's fast one. */
  packed: boolean;
}

/**
 * The write path's chunk: columns in one fast pass (REGULAR, SCALED or RAW) and the block tier as plain Float64, so that
 * ingest pays nothing for choosing encodings. Compaction re-encodes it later with `packChunk`. `xStep`: x is known to be
 * `x[0] + xStep · i` (see `encodeColumn`).
 */
export function encodeChunk(x: Float64Array, y: Float64Array, xStep?: number): EncodedChunk {
  return chunkOf(x, y, false, xStep);
}

/**
 * The same points in the smallest block encodings (codecs/, chosen per block by size) with a compact block tier: what
 * background compaction writes for a sealed chunk. Reads decode either form; downsampled reads answer from the plain
 * whole-chunk `summary` where a chunk lies in one bucket, and decode the compact block tier only of the chunks a bucket edge
 * falls into.
 */
export function packChunk(x: Float64Array, y: Float64Array): EncodedChunk {
  return chunkOf(x, y, true);
}

function chunkOf(x: Float64Array, y: Float64Array, packed: boolean, xStep?: number): EncodedChunk {
  const encode = packed ? packColumn : encodeColumn;
  const ex = packed ? packColumn(x, BLOCK_SIZE) : encodeColumn(x, BLOCK_SIZE, xStep);
  const ey = encode(y, BLOCK_SIZE);
  const table = BlockTable.build(x, y, ex.offsets, ey.offsets);
  return {
    firstX: x[0]!, lastX: x[x.length - 1]!, count: x.length, xs: ex.bytes, ys: ey.bytes,
    blocks: packed ? table.toCompactBytes() : table.toBytes(), summary: summaryToBytes(table.summaryOfAll()), packed,
  };
}

/** What compaction writes: sealed chunks (merging will never rewrite them) packed, small ones in the fast form. */
export function compactedChunk(x: Float64Array, y: Float64Array): EncodedChunk {
  return x.length >= SMALL_CHUNK ? packChunk(x, y) : encodeChunk(x, y);
}

/**
 * Cuts points into chunks of at most `max` points, of even size (2,500 points make 2 × 1,250, not 2,048 + 452), each
 * encoded by `encode` (ingest's fast `encodeChunk` by default).
 */
export function encodeChunks(
  x: Float64Array, y: Float64Array, max: number, encode: (x: Float64Array, y: Float64Array, xStep?: number) => EncodedChunk = encodeChunk,
): EncodedChunk[] {
  const out: EncodedChunk[] = [];
  const size = Math.ceil(x.length / Math.ceil(x.length / max));
  // A decoded batch's regular x (whole numbers): every chunk of it is regular with the same step, no need to scan them.
  const xStep = wholeStepOf(x);
  for (let from = 0; from < x.length; from += size) {
    const to = Math.min(x.length, from + size);
    out.push(encode(x.subarray(from, to), y.subarray(from, to), xStep));
  }
  return out;
}

/** All points of a chunk. */
export function decodeChunk(c: Pick<EncodedChunk, 'count' | 'xs' | 'ys' | 'blocks'>): { x: Float64Array; y: Float64Array } {
  return decodeChunkWith(c, BlockTable.fromBytes(c.blocks));
}

/** All points of a chunk whose block tier is already read. */
export function decodeChunkWith(c: Pick<EncodedChunk, 'count' | 'xs' | 'ys'>, table: BlockTable): { x: Float64Array; y: Float64Array } {
  return { x: decodeWhole(c.xs, c.count, table.xOffsets(), BLOCK_SIZE), y: decodeWhole(c.ys, c.count, table.yOffsets(), BLOCK_SIZE) };
}

/** The points of block `b` alone. */
export function decodeBlock(xs: Buffer, ys: Buffer, table: BlockTable, count: number, b: number): { x: Float64Array; y: Float64Array } {
  const from = b * BLOCK_SIZE;
  const n = Math.min(BLOCK_SIZE, count - from);
  return { x: decodeColumn(xs, from, n, table.xOffset(b)), y: decodeColumn(ys, from, n, table.yOffset(b)) };
}
