/**
 * Byte and bit streams the block codecs write and read: whole bytes, LEB128 varints of non-negative integers up to
 * 2^53, and MSB-first bit fields up to 54 bits wide. Integers are JS numbers (exact below 2^53), so wide fields are
 * split with division rather than 32-bit shifts.
 */

const TWO24 = 16_777_216;

/** Zig-zag: 0, -1, 1, -2 … → 0, 1, 2, 3 … (for |d| ≤ 2^52, exact). */
export function zigzag(d: number): number {
  return d >= 0 ? d * 2 : -d * 2 - 1;
}

export function unzigzag(z: number): number {
  return z % 2 === 0 ? z / 2 : -(z + 1) / 2;
}

/** Bytes a LEB128 varint of `z` (0 ≤ z ≤ 2^53) takes. */
export function varintSize(z: number): number {
  if (z < 128) return 1;
  if (z < 16384) return 2;
  if (z < 2097152) return 3;
  let n = 1;
  while (z >= 128) {
    z = Math.floor(z / 128);
    n++;
  }
  return n;
}

/** Bits needed to write every integer in 0..r (r ≤ 2^54). */
export function bitWidth(r: number): number {
  if (r < 2 ** 31) return 32 - Math.clz32(r);
  let w = 31;
  while (r >= 2 ** w) w++;
  return w;
}

const F64 = new Float64Array(1);
const F64_BYTES = new Uint8Array(F64.buffer);

/** Writes into a buffer the caller sized for the worst case. Bit fields are flushed to whole bytes by `align()`. */
export class BitWriter {
  pos: number;
  private acc = 0;
  private n = 0;

  constructor(public buf: Uint8Array, pos: number) {
    this.pos = pos;
  }

  /** Writes from `pos` of `buf` on, with no pending bits. */
  reset(buf: Uint8Array, pos: number): void {
    this.buf = buf;
    this.pos = pos;
    this.acc = 0;
    this.n = 0;
  }

  byte(b: number): void {
    this.buf[this.pos++] = b;
  }

  /** A double's 8 bytes, little-endian (its bits as they are, NaN payloads included). */
  float64(v: number): void {
    F64[0] = v;
    this.buf.set(F64_BYTES, this.pos);
    this.pos += 8;
  }

  varint(z: number): void {
    while (z >= 128) {
      this.buf[this.pos++] = (z % 128) | 128;
      z = Math.floor(z / 128);
    }
    this.buf[this.pos++] = z;
  }

  bytes(src: Uint8Array): void {
    this.buf.set(src, this.pos);
    this.pos += src.length;
  }

  /** The low `w` bits of `v` (0 ≤ w ≤ 24, 0 ≤ v < 2^w). */
  bits(v: number, w: number): void {
    const buf = this.buf;
    let pos = this.pos;
    let n = this.n + w;
    // Bits above the pending n are garbage left by earlier shifts; only the low n count.
    const acc = (this.acc << w) | v;
    while (n >= 8) {
      n -= 8;
      buf[pos++] = acc >>> n;
    }
    this.acc = acc;
    this.n = n;
    this.pos = pos;
  }

  /** The low `w` bits (0 ≤ w ≤ 32) of a 32-bit integer (signed or not). */
  bits32(v: number, w: number): void {
    if (w <= 24) this.bits(v & ((1 << w) - 1) >>> 0, w);
    else {
      this.bits((v >>> 16) & ((1 << (w - 16)) - 1), w - 16);
      this.bits(v & 0xffff, 16);
    }
  }

  /** An integer 0 ≤ v < 2^w, w ≤ 54. */
  wide(v: number, w: number): void {
    if (w <= 24) {
      this.bits(v, w);
      return;
    }
    const hi = Math.floor(v / TWO24);
    this.wide(hi, w - 24);
    this.bits(v - hi * TWO24, 24);
  }

  /** Pads the pending bits with zeros to a whole byte. */
  align(): void {
    if (this.n > 0) this.bits(0, 8 - this.n);
  }
}

export class BitReader {
  private acc = 0;
  private n = 0;

  constructor(public buf: Uint8Array, public pos: number) {}

  /** Reads from `pos` of `buf` on, with no pending bits. */
  reset(buf: Uint8Array, pos: number): void {
    this.buf = buf;
    this.pos = pos;
    this.acc = 0;
    this.n = 0;
  }

  byte(): number {
    return this.buf[this.pos++]!;
  }

  varint(): number {
    let z = 0;
    let mul = 1;
    let b: number;
    do {
      b = this.buf[this.pos++]!;
      z += (b & 127) * mul;
      mul *= 128;
    } while (b >= 128);
    return z;
  }

  bits(w: number): number {
    const buf = this.buf;
    let acc = this.acc;
    let n = this.n;
    while (n < w) {
      acc = (acc << 8) | buf[this.pos++]!;
      n += 8;
    }
    n -= w;
    this.acc = acc;
    this.n = n;
    // Bits above the pending n are garbage left by earlier shifts; the mask drops them.
    return (acc >>> n) & ((1 << w) - 1);
  }

  /** Skips what is left of the current byte (the writer's `align`). */
  align(): void {
    this.acc = 0;
    this.n = 0;
  }

  /** A field of `w` ≤ 32 bits as a signed 32-bit integer (its bits, not its unsigned value, when w = 32). */
  bits32(w: number): number {
    if (w <= 24) return this.bits(w);
    const hi = this.bits(w - 16);
    return (hi << 16) | this.bits(16);
  }

  wide(w: number): number {
    if (w <= 24) return this.bits(w);
    const hi = this.wide(w - 24);
    return hi * TWO24 + this.bits(24);
  }
}
