import type { PointSummary } from '../../protocol/downsample.js';
import { BitReader, BitWriter, maxBlockBytes } from './codecs/index.js';
import { decodeShortColumn, encodeShortColumn } from './column-codec.js';

/**
 * The coarse tier stored with each chunk: for every block of BLOCK_SIZE points, its first/last/min/max (+ first
 * non-finite) point and the byte offsets of the block in the encoded x and y columns. Downsampled reads use it to skip
 * decoding points of blocks that fall inside one bucket.
 *
 * Stored (`toBytes`) as the 8 bytes of MAGIC, the block count (varint), then each of the FIELDS columns (a field's
 * values over all blocks), one after the other, encoded like chunk columns in one block (column-codec.ts).
 * The first format, still read: little-endian Float64, FIELDS values per block — its first value is the first x, never
 * NaN, while MAGIC read as a double is a NaN.
 */
export const BLOCK_SIZE = 256;

const F = {
  firstX: 0, firstY: 1, lastX: 2, lastY: 3, minX: 4, minY: 5, maxX: 6, maxY: 7, oddX: 8, oddY: 9, xOffset: 10, yOffset: 11,
} as const;
const FIELDS = 12;
/** 'PLBT', format 2, then the top bytes of a quiet NaN (little-endian). */
const MAGIC = Buffer.from([0x50, 0x4c, 0x42, 0x54, 0x02, 0x00, 0xf8, 0x7f]);

let fieldScratch = new Float64Array(0);
let tableOut = Buffer.alloc(0);
const tableWriter = new BitWriter(tableOut, 0);

/** Memory the decoded tiers of `BlockTable.cached` may hold together: those of some 30 M points (20 × 1 M takes 11 MiB). */
const DECODED_TIERS_MAX_BYTES = 32 * 1024 * 1024;
const decodedTiers = new Map<number, BlockTable>();
let decodedTierBytes = 0;
/** About what a cached table holds: its values, its source bytes and the objects around them. */
const tierBytes = (t: BlockTable) => t.footprint();
const isCompact = (bytes: Buffer) => bytes.length >= 8 && MAGIC.equals(bytes.subarray(0, 8));

export class BlockTable {
  /** `source`: the stored bytes this table was read from, given back by `toBytes` (a table never changes). */
  constructor(private readonly v: Float64Array, private readonly source: Buffer | null = null) {}

  static fromBytes(bytes: Buffer): BlockTable {
    if (isCompact(bytes)) return BlockTable.decodeCompact(bytes);
    if (bytes.byteOffset % 8 === 0) return new BlockTable(new Float64Array(bytes.buffer, bytes.byteOffset, bytes.length / 8), bytes);
    const v = new Float64Array(bytes.length / 8);
    Buffer.from(v.buffer).set(bytes);
    return new BlockTable(v, bytes);
  }

  /**
   * `fromBytes` through a bounded cache of decoded compact tiers, by chunk id: opening, zooming out of or comparing big
   * executions reads the tiers of thousands of chunks again and again, and a compact tier costs a decoding each time
   * (a plain Float64 tier is a view of its bytes: nothing to keep). A hit must have the very same bytes (ids may be
   * reused after a delete, and stores share the process), so a stale entry is never used.
   */
  static cached(id: number, bytes: Buffer): BlockTable {
    const hit = decodedTiers.get(id);
    if (hit && hit.source!.equals(bytes)) {
      // Most recently used last: Map keeps insertion order.
      decodedTiers.delete(id);
      decodedTiers.set(id, hit);
      return hit;
    }
    if (!isCompact(bytes)) return BlockTable.fromBytes(bytes);
    // A view of a bigger buffer (a whole query answer) would keep all of it alive: the cache keeps its own copy.
    const table = BlockTable.decodeCompact(bytes.byteLength * 2 < bytes.buffer.byteLength ? Buffer.from(bytes) : bytes);
    if (hit) decodedTierBytes -= tierBytes(hit);
    decodedTiers.delete(id);
    decodedTiers.set(id, table);
    decodedTierBytes += tierBytes(table);
    for (const [oldId, old] of decodedTiers) {
      if (decodedTierBytes <= DECODED_TIERS_MAX_BYTES) break;
      decodedTiers.delete(oldId);
      decodedTierBytes -= tierBytes(old);
    }
    return table;
  }

  static build(x: Float64Array, y: Float64Array, xOffsets: number[], yOffsets: number[]): BlockTable {
    const blocks = Math.ceil(x.length / BLOCK_SIZE);
    const v = new Float64Array(blocks * FIELDS);
    for (let b = 0; b < blocks; b++) {
      const from = b * BLOCK_SIZE;
      const to = Math.min(x.length, from + BLOCK_SIZE);
      let minI = -1;
      let maxI = -1;
      let oddI = -1;
      for (let i = from; i < to; i++) {
        const yi = y[i]!;
        if (!Number.isFinite(yi)) {
          if (oddI < 0) oddI = i;
        } else {
          if (minI < 0 || yi < y[minI]!) minI = i;
          if (maxI < 0 || yi > y[maxI]!) maxI = i;
        }
      }
      const o = b * FIELDS;
      v[o + F.firstX] = x[from]!;
      v[o + F.firstY] = y[from]!;
      v[o + F.lastX] = x[to - 1]!;
      v[o + F.lastY] = y[to - 1]!;
      v[o + F.minX] = minI < 0 ? NaN : x[minI]!;
      v[o + F.minY] = minI < 0 ? NaN : y[minI]!;
      v[o + F.maxX] = maxI < 0 ? NaN : x[maxI]!;
      v[o + F.maxY] = maxI < 0 ? NaN : y[maxI]!;
      v[o + F.oddX] = oddI < 0 ? NaN : x[oddI]!;
      v[o + F.oddY] = oddI < 0 ? NaN : y[oddI]!;
      v[o + F.xOffset] = xOffsets[b]!;
      v[o + F.yOffset] = yOffsets[b]!;
    }
    return new BlockTable(v);
  }

  /** Bytes this table holds (values and source), for the cache's bound. */
  footprint(): number {
    return this.v.byteLength + (this.source?.length ?? 0) + 200;
  }

  get length(): number {
    return this.v.length / FIELDS;
  }

  /** The stored form: the bytes it was read from, else plain Float64 (what ingest writes: no encoding to choose). */
  toBytes(): Buffer {
    return this.source ?? Buffer.from(this.v.buffer, this.v.byteOffset, this.v.byteLength);
  }

  /** The compact stored form (see the class comment), unless plain Float64 is smaller (one or two blocks): compaction's. */
  toCompactBytes(): Buffer {
    const plain = Buffer.from(this.v.buffer, this.v.byteOffset, this.v.byteLength);
    if (this.length <= 2) return plain;
    const compact = this.compactBytes();
    return compact.length < plain.length ? compact : plain;
  }

  private compactBytes(): Buffer {
    const blocks = this.length;
    if (fieldScratch.length < blocks) fieldScratch = new Float64Array(blocks);
    const field = fieldScratch.subarray(0, blocks);
    // One writer for the whole table, each field written where the last ended (no buffer per field).
    const room = MAGIC.length + 8 + FIELDS * (17 + maxBlockBytes(blocks));
    if (tableOut.length < room) tableOut = Buffer.alloc(room);
    const w = tableWriter;
    w.reset(tableOut, 0);
    w.bytes(MAGIC);
    w.varint(blocks);
    for (let f = 0; f < FIELDS; f++) {
      for (let b = 0; b < blocks; b++) field[b] = this.v[b * FIELDS + f]!;
      encodeShortColumn(field, w);
    }
    return Buffer.from(tableOut.subarray(0, w.pos));
  }

  private static decodeCompact(bytes: Buffer): BlockTable {
    const r = new BitReader(bytes, MAGIC.length);
    const blocks = r.varint();
    const v = new Float64Array(blocks * FIELDS);
    if (fieldScratch.length < blocks) fieldScratch = new Float64Array(blocks);
    const field = fieldScratch.subarray(0, blocks);
    let pos = r.pos;
    for (let f = 0; f < FIELDS; f++) {
      pos = decodeShortColumn(bytes, pos, field);
      for (let b = 0; b < blocks; b++) v[b * FIELDS + f] = field[b]!;
    }
    return new BlockTable(v, bytes);
  }

  firstX(b: number): number {
    return this.v[b * FIELDS + F.firstX]!;
  }

  lastX(b: number): number {
    return this.v[b * FIELDS + F.lastX]!;
  }

  xOffset(b: number): number {
    return this.v[b * FIELDS + F.xOffset]!;
  }

  yOffset(b: number): number {
    return this.v[b * FIELDS + F.yOffset]!;
  }

  xOffsets(): number[] {
    return Array.from({ length: this.length }, (_, b) => this.xOffset(b));
  }

  yOffsets(): number[] {
    return Array.from({ length: this.length }, (_, b) => this.yOffset(b));
  }

  /** The summary of all blocks together: what M4 keeps when they are added one after the other to one bucket. */
  summaryOfAll(): PointSummary {
    const out = this.summary(0);
    for (let b = 1; b < this.length; b++) {
      const s = this.summary(b);
      out.lastX = s.lastX;
      out.lastY = s.lastY;
      if (Number.isNaN(out.oddX)) {
        out.oddX = s.oddX;
        out.oddY = s.oddY;
      }
      if (!Number.isNaN(s.minX) && (Number.isNaN(out.minX) || s.minY < out.minY)) {
        out.minX = s.minX;
        out.minY = s.minY;
      }
      if (!Number.isNaN(s.maxX) && (Number.isNaN(out.maxX) || s.maxY > out.maxY)) {
        out.maxX = s.maxX;
        out.maxY = s.maxY;
      }
    }
    return out;
  }

  summary(b: number): PointSummary {
    const o = b * FIELDS;
    const v = this.v;
    return {
      firstX: v[o + F.firstX]!, firstY: v[o + F.firstY]!, lastX: v[o + F.lastX]!, lastY: v[o + F.lastY]!,
      minX: v[o + F.minX]!, minY: v[o + F.minY]!, maxX: v[o + F.maxX]!, maxY: v[o + F.maxY]!, oddX: v[o + F.oddX]!, oddY: v[o + F.oddY]!,
    };
  }
}

const SUMMARY_FIELDS = ['firstX', 'firstY', 'lastX', 'lastY', 'minX', 'minY', 'maxX', 'maxY', 'oddX', 'oddY'] as const;
/** Bytes of a summary as summaryToBytes writes it. */
export const SUMMARY_BYTES = SUMMARY_FIELDS.length * 8;

/** A summary as 10 little-endian Float64 (a chunk's whole-chunk tier in PostgreSQL). */
export function summaryToBytes(s: PointSummary): Buffer {
  const b = Buffer.alloc(SUMMARY_FIELDS.length * 8);
  SUMMARY_FIELDS.forEach((f, i) => b.writeDoubleLE(s[f], i * 8));
  return b;
}

export function summaryFromBytes(b: Buffer): PointSummary {
  return {
    firstX: b.readDoubleLE(0), firstY: b.readDoubleLE(8), lastX: b.readDoubleLE(16), lastY: b.readDoubleLE(24), minX: b.readDoubleLE(32),
    minY: b.readDoubleLE(40), maxX: b.readDoubleLE(48), maxY: b.readDoubleLE(56), oddX: b.readDoubleLE(64), oddY: b.readDoubleLE(72),
  };
}
