/**
 * Encoding of one column (x or y) of a chunk, exact to the bit. The first byte names the column's format (its version):
 * - REGULAR (1): start + step·i (steps, epochs, evenly spaced times): 17 bytes for the whole column;
 * - RAW (0):     little-endian Float64, 8 bytes a value;
 * - SCALED (2):  Float64 scale, then zig-zag varint deltas of value·scale, restarting at every block;
 * - BLOCKS (3):  the column cut in blocks of `blockSize` values, each stored in the smallest of the block encodings
 *                (codecs/: run lengths, bit-packed deltas and deltas of deltas, varint deltas of decimal-scaled
 *                integers, Gorilla XOR, raw Float64), named by the block's own first byte.
 * Ingest writes REGULAR, SCALED or RAW (`encodeColumn`: one fast pass); background compaction re-encodes sealed chunks
 * as REGULAR or BLOCKS (`packColumn`). Every format is read, whichever wrote it.
 * Any block decodes alone from its byte offset (`offsets`, kept in the chunk's block table).
 */

import { regularStep } from '../../protocol/regular.js';
import { BitWriter, decodeBlockAt, encodeBlock, maxBlockBytes } from './codecs/index.js';
import { MAX_SCALED, SCALES } from './codecs/codec.js';

export const RAW = 0;
export const REGULAR = 1;
export const SCALED = 2;
export const BLOCKS = 3;

export interface EncodedColumn {
  bytes: Buffer;
  /** Byte offset in `bytes` where each block's values start. */
  offsets: number[];
}

function fitScale(v: Float64Array): number | null {
  outer: for (const scale of SCALES) {
    for (let i = 0; i < v.length; i++) {
      const n = Math.round(v[i]! * scale);
      // −0 survives n / scale but not the integer deltas, which decode it as +0.
      if (!(Math.abs(n) <= MAX_SCALED) || !Object.is(n / scale, v[i]) || Object.is(n, -0)) continue outer;
    }
    return scale;
  }
  return null;
}

function regularColumn(v: Float64Array, step: number, blocks: number): EncodedColumn {
  const bytes = Buffer.alloc(17);
  bytes.writeUInt8(REGULAR, 0);
  bytes.writeDoubleLE(v[0]!, 1);
  bytes.writeDoubleLE(step, 9);
  return { bytes, offsets: new Array<number>(blocks).fill(17) };
}

/**
 * The write path's encoding (fast: one pass, no choice per block): REGULAR when the column is start + step·i, else
 * SCALED when every value is an integer after one decimal scale, else RAW. Compaction later re-encodes sealed chunks with
 * `packColumn`. `knownStep`: the caller knows `v` is `v[0] + knownStep · i` exactly (`markWholeStep`), so it is not scanned.
 */
export function encodeColumn(v: Float64Array, blockSize: number, knownStep?: number): EncodedColumn {
  const blocks = Math.ceil(v.length / blockSize);
  const step = knownStep ?? regularStep(v);
  if (step !== null) return regularColumn(v, step, blocks);
  const scale = fitScale(v);
  if (scale !== null) return encodeScaled(v, scale, blockSize);
  const bytes = Buffer.alloc(1 + v.length * 8);
  bytes.writeUInt8(RAW, 0);
  Buffer.from(v.buffer, v.byteOffset, v.byteLength).copy(bytes, 1);
  return { bytes, offsets: Array.from({ length: blocks }, (_, b) => 1 + b * blockSize * 8) };
}

function encodeScaled(v: Float64Array, scale: number, blockSize: number): EncodedColumn {
  // Worst case 8 bytes per varint (|delta| ≤ 2^51 after zig-zag).
  const out = Buffer.alloc(9 + v.length * 8);
  out.writeUInt8(SCALED, 0);
  out.writeDoubleLE(scale, 1);
  let pos = 9;
  const offsets: number[] = [];
  let prev = 0;
  for (let i = 0; i < v.length; i++) {
    if (i % blockSize === 0) {
      offsets.push(pos);
      prev = 0;
    }
    const n = Math.round(v[i]! * scale);
    const d = n - prev;
    prev = n;
    let z = d >= 0 ? d * 2 : -d * 2 - 1;
    while (z >= 128) {
      out[pos++] = (z % 128) | 128;
      z = Math.floor(z / 128);
    }
    out[pos++] = z;
  }
  return { bytes: Buffer.from(out.subarray(0, pos)), offsets };
}

/**
 * The compact encoding compaction writes (slower: every block sized in each plausible encoding): REGULAR, or BLOCKS with
 * the smallest encoding per block.
 */
export function packColumn(v: Float64Array, blockSize: number): EncodedColumn {
  const blocks = Math.ceil(v.length / blockSize);
  const step = regularStep(v);
  if (step !== null) {
    const asRegular = regularColumn(v, step, blocks);
    // A few values (a block table's fields) may take fewer bytes in blocks than 17.
    if (v.length > SHORT) return asRegular;
    const asBlocks = encodeBlocks(v, blockSize);
    return asBlocks.bytes.length < 17 ? asBlocks : asRegular;
  }
  return encodeBlocks(v, blockSize);
}

/**
 * Writes at `w` exactly what `packColumn(v, v.length).bytes` holds (a column in one block), with no allocation: the
 * block table's fields, 12 short columns a chunk, are written this way. `w` needs room for 17 + maxBlockBytes(v.length).
 */
export function encodeShortColumn(v: Float64Array, w: BitWriter): void {
  const step = regularStep(v);
  const start = w.pos;
  if (step === null || v.length <= SHORT) {
    w.byte(BLOCKS);
    encodeBlock(v, w);
    if (step === null || w.pos - start < 17) return;
  }
  w.reset(w.buf, start);
  w.byte(REGULAR);
  w.float64(v[0]!);
  w.float64(step);
}

/** Columns this short are also tried in blocks when regular. */
const SHORT = 16;

let out = Buffer.alloc(0);
const writer = new BitWriter(out, 0);

function encodeBlocks(v: Float64Array, blockSize: number): EncodedColumn {
  const blocks = Math.ceil(v.length / blockSize);
  const room = 1 + blocks * maxBlockBytes(blockSize);
  if (out.length < room) out = Buffer.alloc(room);
  const w = writer;
  w.reset(out, 0);
  w.byte(BLOCKS);
  const offsets: number[] = [];
  for (let from = 0; from < v.length; from += blockSize) {
    offsets.push(w.pos);
    encodeBlock(v.subarray(from, Math.min(v.length, from + blockSize)), w);
  }
  return { bytes: Buffer.from(out.subarray(0, w.pos)), offsets };
}

/**
 * Decodes a column of `out.length` values stored at `start` of `bytes` as one block (REGULAR or BLOCKS, as
 * `packColumn` writes a column no longer than its block size); returns the position after it.
 */
export function decodeShortColumn(bytes: Buffer, start: number, out: Float64Array): number {
  const kind = bytes[start];
  if (kind === REGULAR) {
    const first = bytes.readDoubleLE(start + 1);
    const step = bytes.readDoubleLE(start + 9);
    for (let i = 0; i < out.length; i++) out[i] = first + step * i;
    return start + 17;
  }
  if (kind !== BLOCKS) throw new Error(`corrupt chunk column: unexpected encoding ${kind}`);
  return decodeBlockAt(bytes, start + 1, out);
}

/** Decodes `count` values starting at value index `from`; `offset` is that block's byte offset (a block start). */
export function decodeColumn(bytes: Buffer, from: number, count: number, offset: number): Float64Array {
  const out = new Float64Array(count);
  const kind = bytes[0];
  if (kind === REGULAR) {
    const start = bytes.readDoubleLE(1);
    const step = bytes.readDoubleLE(9);
    for (let i = 0; i < count; i++) out[i] = start + step * (from + i);
    return out;
  }
  if (kind === BLOCKS) {
    decodeBlockAt(bytes, offset, out);
    return out;
  }
  if (kind === RAW) {
    const base = 1 + from * 8;
    Buffer.from(out.buffer).set(bytes.subarray(base, base + count * 8));
    return out;
  }
  if (kind !== SCALED) throw new Error(`corrupt chunk column: unknown encoding ${kind}`);
  const scale = bytes.readDoubleLE(1);
  let pos = offset;
  let prev = 0;
  for (let i = 0; i < count; i++) {
    let z = 0;
    let mul = 1;
    let b: number;
    do {
      b = bytes[pos++]!;
      z += (b & 127) * mul;
      mul *= 128;
    } while (b >= 128);
    prev += z % 2 === 0 ? z / 2 : -(z + 1) / 2;
    out[i] = prev / scale;
  }
  return out;
}

/** Decodes a whole column of `n` values. Blocked columns restart at every block, so they are decoded block by block. */
export function decodeWhole(bytes: Buffer, n: number, offsets: ArrayLike<number>, blockSize: number): Float64Array {
  const kind = bytes[0];
  if (kind !== SCALED && kind !== BLOCKS) return decodeColumn(bytes, 0, n, 0);
  const out = new Float64Array(n);
  for (let b = 0; b * blockSize < n; b++) {
    const from = b * blockSize;
    const part = out.subarray(from, Math.min(n, from + blockSize));
    if (kind === BLOCKS) decodeBlockAt(bytes, offsets[b]!, part);
    else part.set(decodeColumn(bytes, from, part.length, offsets[b]!));
  }
  return out;
}

/** Bytes at the start of a column that any block's decoding needs (kind, and start+step or scale; BLOCKS: the kind). */
export const COLUMN_HEAD_BYTES = 17;

/**
 * Decodes `count` values from value index `from` given only the column's first COLUMN_HEAD_BYTES bytes (`head`) and the
 * bytes of that block (`slice`, from the block's offset): what a backend that reads parts of stored columns fetches.
 */
export function decodeColumnSlice(head: Buffer, slice: Buffer, from: number, count: number): Float64Array {
  const kind = head[0];
  if (kind === REGULAR) return decodeColumn(head, from, count, 0);
  if (kind === BLOCKS) {
    const out = new Float64Array(count);
    decodeBlockAt(slice, 0, out);
    return out;
  }
  if (kind === RAW) return decodeColumn(Buffer.concat([head.subarray(0, 1), slice]), 0, count, 0);
  return decodeColumn(Buffer.concat([head.subarray(0, 9), slice]), 0, count, 9);
}
