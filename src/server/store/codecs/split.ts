import { bitWidth, type BitReader, type BitWriter } from './bits.js';
import type { BlockCodec, BlockValues } from './codec.js';

/**
 * SPLIT: each double cut into its sign and exponent (12 bits, packed as exponent·2 + sign in the block's spread of
 * them) and its 52-bit mantissa, less the trailing zero bits every mantissa of the block shares (29 for values that
 * were float32). For noisy floats, where XOR finds little in common between neighbours but sign and exponent stay in
 * a narrow range. The smallest exponent·2 + sign (2 bytes), the width of their spread, the shared trailing zeros, then
 * per value the packed sign/exponent and the mantissa bits (with no shared zeros: see encodeFull). Bit for bit: NaN payloads, −0, subnormals, ±Infinity.
 */

interface Shape {
  min: number;
  width: number;
  tz: number;
}

const shape: Shape = { min: 0, width: 0, tz: 0 };
/** The block `shape` was computed for (size, then encode of the same block). */
let shapeId = -1;

function signExp(hi: number): number {
  return (((hi >>> 20) & 0x7ff) << 1) | (hi >>> 31);
}

/** Trailing zeros of a 52-bit mantissa (52 when it is zero). */
function mantissaTz(hi: number, lo: number): number {
  if (lo !== 0) return 31 - Math.clz32(lo & -lo);
  const h = hi & 0xfffff;
  return h === 0 ? 52 : 32 + 31 - Math.clz32(h & -h);
}

function shapeOf(b: BlockValues): Shape {
  if (b.id === shapeId) return shape;
  shapeId = b.id;
  const bits = b.bits;
  let min = 4096;
  let max = -1;
  let tz = 52;
  for (let i = 0; i < b.v.length; i++) {
    const hi = bits[2 * i + 1]!;
    const f = signExp(hi);
    if (f < min) min = f;
    if (f > max) max = f;
    if (tz > 0) {
      const t = mantissaTz(hi, bits[2 * i]!);
      if (t < tz) tz = t;
    }
  }
  shape.min = min;
  shape.width = bitWidth(max - min);
  shape.tz = tz;
  return shape;
}

/**
 * Full 52-bit mantissas (no shared trailing zeros), laid out for speed: first every value's packed sign/exponent and
 * top 20 mantissa bits, then every value's low 32 mantissa bits as 4 little-endian bytes.
 */
function encodeFull(b: BlockValues, w: BitWriter, min: number, width: number): void {
  const bits = b.bits;
  const n = b.v.length;
  const buf = w.buf;
  let pos = w.pos;
  const lowAt = pos + Math.ceil((n * (width + 20)) / 8);
  const lows = new DataView(buf.buffer, buf.byteOffset + lowAt, 4 * n);
  // Bit writes inlined (local accumulator; its bits above the pending ones are stale): this loop is W1's hottest.
  let acc = 0;
  let have = 0;
  for (let i = 0; i < n; i++) {
    const hi = bits[2 * i + 1]!;
    acc = (acc << width) | (signExp(hi) - min);
    have += width;
    while (have >= 8) {
      have -= 8;
      buf[pos++] = acc >>> have;
    }
    acc = (acc << 20) | (hi & 0xfffff);
    have += 20;
    while (have >= 8) {
      have -= 8;
      buf[pos++] = acc >>> have;
    }
    lows.setInt32(4 * i, bits[2 * i]!, true);
  }
  if (have > 0) buf[pos] = acc << (8 - have);
  w.pos = lowAt + 4 * n;
}

function decodeFull(r: BitReader, bits: Int32Array, n: number, min: number, width: number): void {
  // Bit reads inlined as in xor.ts (at most 20 bits a read; acc's bits above the pending ones are stale).
  const buf = r.buf;
  let pos = r.pos;
  const lowAt = pos + Math.ceil((n * (width + 20)) / 8);
  if (lowAt + 4 * n > buf.length) throw new Error('corrupt chunk block: split block past the end of its column');
  const lows = new DataView(buf.buffer, buf.byteOffset + lowAt, 4 * n);
  let acc = 0;
  let have = 0;
  const widthMask = (1 << width) - 1;
  for (let i = 0; i < n; i++) {
    while (have < width) {
      acc = (acc << 8) | buf[pos++]!;
      have += 8;
    }
    have -= width;
    const f = min + ((acc >>> have) & widthMask);
    while (have < 20) {
      acc = (acc << 8) | buf[pos++]!;
      have += 8;
    }
    have -= 20;
    const m = (acc >>> have) & 0xfffff;
    bits[2 * i + 1] = ((f & 1) << 31) | ((f >>> 1) << 20) | m;
    bits[2 * i] = lows.getInt32(4 * i, true);
  }
  r.reset(buf, lowAt + 4 * n);
}

export const split: BlockCodec = {
  tag: 7,
  name: 'split',
  size(b: BlockValues): number {
    const s = shapeOf(b);
    return 4 + Math.ceil((b.v.length * (s.width + 52 - s.tz)) / 8);
  },
  minSize: () => 4,
  encode(b: BlockValues, w: BitWriter): void {
    const { min, width, tz } = shapeOf(b);
    const total = 52 - tz;
    w.byte(min >>> 8);
    w.byte(min & 255);
    w.byte(width);
    w.byte(tz);
    const bits = b.bits;
    if (tz === 0) {
      encodeFull(b, w, min, width);
      return;
    }
    for (let i = 0; i < b.v.length; i++) {
      const hi = bits[2 * i + 1]!;
      const lo = bits[2 * i]!;
      w.bits(signExp(hi) - min, width);
      const m = hi & 0xfffff;
      if (tz >= 32) {
        w.bits32(m >>> (tz - 32), total);
      } else {
        const low = tz === 0 ? lo : (lo >>> tz) | (m << (32 - tz));
        if (total > 32) {
          w.bits32(m >>> tz, total - 32);
          w.bits32(low, 32);
        } else {
          w.bits32(low, total);
        }
      }
    }
    w.align();
  },
  decode(r: BitReader, out: Float64Array): void {
    const min = (r.byte() << 8) | r.byte();
    const width = r.byte();
    const tz = r.byte();
    if (width > 12 || tz > 52) throw new Error(`corrupt chunk block: split width ${width}, shared zeros ${tz}`);
    const total = 52 - tz;
    const bits = new Int32Array(out.buffer, out.byteOffset, out.length * 2);
    if (tz === 0) {
      decodeFull(r, bits, out.length, min, width);
      return;
    }
    for (let i = 0; i < out.length; i++) {
      const f = min + r.bits(width);
      let m: number;
      let lo: number;
      if (tz >= 32) {
        m = r.bits32(total) << (tz - 32);
        lo = 0;
      } else {
        let high = 0;
        let low: number;
        if (total > 32) {
          high = r.bits32(total - 32);
          low = r.bits32(32);
        } else {
          low = r.bits32(total);
        }
        lo = low << tz;
        m = tz === 0 ? high : (high << tz) | (low >>> (32 - tz));
      }
      bits[2 * i + 1] = ((f & 1) << 31) | ((f >>> 1) << 20) | (m & 0xfffff);
      bits[2 * i] = lo;
    }
    r.align();
  },
};
