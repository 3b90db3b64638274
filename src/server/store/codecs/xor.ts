import type { BitReader, BitWriter } from './bits.js';
import type { BlockCodec, BlockValues } from './codec.js';

/**
 * XOR: Gorilla's float compression (Pelkonen et al., "Gorilla: A Fast, Scalable, In-Memory Time Series Database",
 * VLDB 2015, §4.1.2; as in Prometheus `chunkenc/xor.go`). The first value's 64 bits, then each value XORed with the one
 * before: '0' when equal; '10' + the meaningful bits when they fit the previous window of leading/trailing zeros;
 * '11' + 5 bits of leading zeros (at most 31) + 6 bits of length (64 as 0) + the bits. Works on the bits themselves,
 * so NaN payloads, −0 and subnormals round-trip. Halves are handled as signed 32-bit integers, which V8 keeps unboxed.
 */

function ctz(x: number): number {
  return 31 - Math.clz32(x & -x);
}

/** Walks the XOR stream, writing it to `w` (or only counting when null); returns its length in bits. */
function walk(b: BlockValues, w: BitWriter | null): number {
  const bits = b.bits;
  const n = b.v.length;
  let size = 64;
  if (w) {
    w.bits32(bits[1]!, 32);
    w.bits32(bits[0]!, 32);
  }
  let prevLead = -1;
  let prevTrail = 0;
  for (let i = 1; i < n; i++) {
    const xh = bits[2 * i + 1]! ^ bits[2 * i - 1]!;
    const xl = bits[2 * i]! ^ bits[2 * i - 2]!;
    if (xh === 0 && xl === 0) {
      size += 1;
      if (w) w.bits(0, 1);
      continue;
    }
    let lead = xh !== 0 ? Math.clz32(xh) : 32 + Math.clz32(xl);
    const trail = xl !== 0 ? ctz(xl) : 32 + ctz(xh);
    if (lead > 31) lead = 31;
    let useLead: number;
    let useTrail: number;
    if (prevLead >= 0 && lead >= prevLead && trail >= prevTrail) {
      useLead = prevLead;
      useTrail = prevTrail;
      size += 2;
      if (w) w.bits(2, 2);
    } else {
      useLead = lead;
      useTrail = trail;
      prevLead = lead;
      prevTrail = trail;
      size += 2 + 5 + 6;
      if (w) {
        w.bits(3, 2);
        w.bits(lead, 5);
        w.bits((64 - lead - trail) & 63, 6);
      }
    }
    const m = 64 - useLead - useTrail;
    size += m;
    if (w) writeWindow(w, xh, xl, useTrail, m);
  }
  return size;
}

/** Writes bits [trail, trail + m) of the 64-bit value xh:xl, most significant first. */
function writeWindow(w: BitWriter, xh: number, xl: number, trail: number, m: number): void {
  let hi: number;
  let lo: number;
  if (trail >= 32) {
    hi = 0;
    lo = xh >>> (trail - 32);
  } else if (trail === 0) {
    hi = xh;
    lo = xl;
  } else {
    hi = xh >>> trail;
    lo = (xl >>> trail) | (xh << (32 - trail));
  }
  if (m > 32) {
    w.bits32(hi, m - 32);
    w.bits32(lo, 32);
  } else {
    w.bits32(lo, m);
  }
}

/** Neighbour pairs `plausible` samples, spread over the block. */
const SAMPLES = 16;
/** XOR is sized only when its sampled estimate is below this share of the best size so far. */
export const XOR_MARGIN = 0.75;

/**
 * Bytes XOR would take if every sampled pair were typical and every window were reused (an optimistic guess: 1 bit for
 * an unchanged value, else 2 bits + the meaningful bits).
 */
function estimate(b: BlockValues): number {
  const bits = b.bits;
  const n = b.v.length;
  if (n < 2) return 8;
  const samples = Math.min(SAMPLES, n - 1);
  const stride = Math.floor((n - 1) / samples);
  let total = 0;
  for (let k = 0; k < samples; k++) {
    const i = 1 + k * stride;
    const xh = bits[2 * i + 1]! ^ bits[2 * i - 1]!;
    const xl = bits[2 * i]! ^ bits[2 * i - 2]!;
    if (xh === 0 && xl === 0) {
      total += 1;
      continue;
    }
    const lead = xh !== 0 ? Math.clz32(xh) : 32 + Math.clz32(xl);
    const trail = xl !== 0 ? ctz(xl) : 32 + ctz(xh);
    total += 2 + 64 - Math.min(lead, 31) - trail;
  }
  return 8 + ((n - 1) * total) / samples / 8;
}

export const xor: BlockCodec = {
  tag: 1,
  name: 'xor',
  size: (b: BlockValues) => Math.ceil(walk(b, null) / 8),
  minSize: (b: BlockValues) => Math.ceil((64 + b.v.length - 1) / 8),
  plausible: (b: BlockValues, best: number) => estimate(b) < best * XOR_MARGIN,
  encode(b: BlockValues, w: BitWriter): void {
    walk(b, w);
    w.align();
  },
  decode(r: BitReader, out: Float64Array): void {
    // The bit reads are inlined (local acc/n/pos, fields of at most 16 bits a read): this loop is the read path's
    // hottest. acc's bits above the n pending ones are stale; each read masks them off.
    const buf = r.buf;
    let pos = r.pos;
    let acc = 0;
    let n = 0;
    const bits = new Int32Array(out.buffer, out.byteOffset, out.length * 2);
    let h = 0;
    let l = 0;
    for (let k = 0; k < 4; k++) {
      const half = (buf[pos]! << 8) | buf[pos + 1]!;
      pos += 2;
      if (k < 2) h = (h << 16) | half;
      else l = (l << 16) | half;
    }
    bits[1] = h;
    bits[0] = l;
    let lead = 0;
    let trail = 0;
    for (let i = 1; i < out.length; i++) {
      if (n < 2) {
        acc = (acc << 8) | buf[pos++]!;
        n += 8;
      }
      n--;
      if (((acc >>> n) & 1) === 1) {
        n--;
        if (((acc >>> n) & 1) === 1) {
          if (n < 11) {
            acc = (acc << 8) | buf[pos++]!;
            n += 8;
            if (n < 11) {
              acc = (acc << 8) | buf[pos++]!;
              n += 8;
            }
          }
          n -= 11;
          const field = (acc >>> n) & 0x7ff;
          lead = field >>> 6;
          trail = 64 - lead - ((field & 63) || 64);
        }
        // m meaningful bits, read as up to four 16-bit pieces into hi:lo (right-aligned).
        let m = 64 - lead - trail;
        let hi = 0;
        let lo = 0;
        while (m > 0) {
          const w = m > 16 ? 16 : m;
          while (n < w) {
            acc = (acc << 8) | buf[pos++]!;
            n += 8;
          }
          n -= w;
          const piece = (acc >>> n) & ((1 << w) - 1);
          hi = (hi << w) | (lo >>> (32 - w));
          lo = (lo << w) | piece;
          m -= w;
        }
        let xh: number;
        let xl: number;
        if (trail >= 32) {
          xh = lo << (trail - 32);
          xl = 0;
        } else if (trail === 0) {
          xh = hi;
          xl = lo;
        } else {
          xh = (hi << trail) | (lo >>> (32 - trail));
          xl = lo << trail;
        }
        h ^= xh;
        l ^= xl;
      }
      bits[2 * i + 1] = h;
      bits[2 * i] = l;
    }
    // Whole bytes loaded ahead and not consumed go back (a control-bit load may run one past the block).
    r.reset(buf, pos - (n >> 3));
  },
};
