import type { PointSummary } from '../../protocol/downsample.js';

/**
 * The coarse tier stored with each chunk: for every block of BLOCK_SIZE points, its first/last/min/max (+ first
 * non-finite) point and the byte offsets of the block in the encoded x and y columns. Downsampled reads use it to skip
 * decoding points of blocks that fall inside one bucket. Stored as little-endian Float64, FIELDS values per block.
 */
export const BLOCK_SIZE = 256;

const F = {
  firstX: 0, firstY: 1, lastX: 2, lastY: 3, minX: 4, minY: 5, maxX: 6, maxY: 7, oddX: 8, oddY: 9, xOffset: 10, yOffset: 11,
} as const;
const FIELDS = 12;

export class BlockTable {
  constructor(private readonly v: Float64Array) {}

  static fromBytes(bytes: Buffer): BlockTable {
    if (bytes.byteOffset % 8 === 0) return new BlockTable(new Float64Array(bytes.buffer, bytes.byteOffset, bytes.length / 8));
    const v = new Float64Array(bytes.length / 8);
    Buffer.from(v.buffer).set(bytes);
    return new BlockTable(v);
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

  get length(): number {
    return this.v.length / FIELDS;
  }

  toBytes(): Buffer {
    return Buffer.from(this.v.buffer, this.v.byteOffset, this.v.byteLength);
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
