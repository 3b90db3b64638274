/**
 * Encoding of one column (x or y) of a chunk, exact to the bit, picked per chunk by what the values allow:
 * - REGULAR: start + step·i (steps, epochs, constant values): 17 bytes for the whole column;
 * - SCALED:  values that are integers after scaling by a power of ten (ms timestamps as seconds, counts, 0.25 steps):
 *            zig-zag varint deltas, typically 1–3 bytes a value;
 * - RAW:     little-endian Float64 (NaN/±Inf, arbitrary floats): 8 bytes a value.
 * Columns are split in blocks of `blockSize` values; a SCALED column restarts its deltas at every block, so any block
 * can be decoded alone from its byte offset (`offsets`), without touching the rest of the chunk.
 */

import { regularStep } from '../../protocol/regular.js';

export const RAW = 0;
export const REGULAR = 1;
export const SCALED = 2;

const SCALES = [1, 10, 100, 1000, 10_000, 100_000, 1_000_000];
/** Scaled integers stay well inside the exact range of a double and of the varint arithmetic below. */
const MAX_SCALED = 2 ** 50;

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

export function encodeColumn(v: Float64Array, blockSize: number): EncodedColumn {
  const blocks = Math.ceil(v.length / blockSize);
  const step = regularStep(v);
  if (step !== null) {
    const bytes = Buffer.alloc(17);
    bytes.writeUInt8(REGULAR, 0);
    bytes.writeDoubleLE(v[0]!, 1);
    bytes.writeDoubleLE(step, 9);
    return { bytes, offsets: new Array<number>(blocks).fill(17) };
  }
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

/** Decodes a whole column of `n` values. SCALED columns restart at every block, so they are decoded block by block. */
export function decodeWhole(bytes: Buffer, n: number, offsets: ArrayLike<number>, blockSize: number): Float64Array {
  if (bytes[0] !== SCALED) return decodeColumn(bytes, 0, n, 0);
  const out = new Float64Array(n);
  for (let b = 0; b * blockSize < n; b++) {
    const from = b * blockSize;
    out.set(decodeColumn(bytes, from, Math.min(blockSize, n - from), offsets[b]!), from);
  }
  return out;
}

/** Bytes at the start of a column that any block's decoding needs (kind, and start+step or scale). */
export const COLUMN_HEAD_BYTES = 17;

/**
 * Decodes `count` values from value index `from` given only the column's first COLUMN_HEAD_BYTES bytes (`head`) and the
 * bytes of that block (`slice`, from the block's offset): what a backend that reads parts of stored columns fetches.
 */
export function decodeColumnSlice(head: Buffer, slice: Buffer, from: number, count: number): Float64Array {
  const kind = head[0];
  if (kind === REGULAR) return decodeColumn(head, from, count, 0);
  if (kind === RAW) return decodeColumn(Buffer.concat([head.subarray(0, 1), slice]), 0, count, 0);
  return decodeColumn(Buffer.concat([head.subarray(0, 9), slice]), 0, count, 9);
}
