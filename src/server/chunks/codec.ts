/**
 * Chunk encoding: a run of points of one series stored as one row. x is kept as (start, step) when the points are
 * evenly spaced (steps, epochs: 8 bytes per point in all), else as Float64; y is always Float64 (NaN/±Inf kept).
 */

const REGULAR = 1;
const IRREGULAR = 2;

function isRegular(x: Float64Array): boolean {
  if (x.length < 3) return false;
  const start = x[0]!;
  const step = (x[x.length - 1]! - start) / (x.length - 1);
  for (let i = 1; i < x.length; i++) if (start + step * i !== x[i]) return false;
  return true;
}

export function encodeX(x: Float64Array): Buffer {
  if (isRegular(x)) {
    const buf = Buffer.alloc(1 + 16 + 4);
    buf.writeUInt8(REGULAR, 0);
    buf.writeDoubleLE(x[0]!, 1);
    buf.writeDoubleLE((x[x.length - 1]! - x[0]!) / (x.length - 1), 9);
    buf.writeUInt32LE(x.length, 17);
    return buf;
  }
  const buf = Buffer.alloc(1 + x.length * 8);
  buf.writeUInt8(IRREGULAR, 0);
  Buffer.from(x.buffer, x.byteOffset, x.byteLength).copy(buf, 1);
  return buf;
}

export function decodeX(buf: Buffer): Float64Array {
  if (buf.readUInt8(0) === REGULAR) {
    const start = buf.readDoubleLE(1);
    const step = buf.readDoubleLE(9);
    const n = buf.readUInt32LE(17);
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) out[i] = start + step * i;
    return out;
  }
  return floats(buf, 1);
}

export function encodeY(y: Float64Array): Buffer {
  return Buffer.from(y.buffer, y.byteOffset, y.byteLength);
}

export function decodeY(buf: Buffer): Float64Array {
  return floats(buf, 0);
}

function floats(buf: Buffer, offset: number): Float64Array {
  const out = new Float64Array((buf.length - offset) / 8);
  Buffer.from(out.buffer).set(buf.subarray(offset));
  return out;
}

/** Points per block of the coarse summary tier. */
export const BLOCK = 256;
/** Per block: firstX firstY minX minY maxX maxY lastX lastY oddX oddY (odd = first non-finite value, or NaN NaN). */
export const BLOCK_FIELDS = 10;

/** First/min/max/last (+ first non-finite) of each block of BLOCK points: downsampled reads decode this, not the points. */
export function blockSummaries(x: Float64Array, y: Float64Array): Float64Array {
  const blocks = Math.ceil(x.length / BLOCK);
  const out = new Float64Array(blocks * BLOCK_FIELDS);
  for (let b = 0; b < blocks; b++) {
    const from = b * BLOCK;
    const to = Math.min(x.length, from + BLOCK);
    let minI = -1;
    let maxI = -1;
    let oddI = -1;
    for (let i = from; i < to; i++) {
      const v = y[i]!;
      if (!Number.isFinite(v)) {
        if (oddI < 0) oddI = i;
        continue;
      }
      if (minI < 0 || v < y[minI]!) minI = i;
      if (maxI < 0 || v > y[maxI]!) maxI = i;
    }
    const o = b * BLOCK_FIELDS;
    out[o] = x[from]!;
    out[o + 1] = y[from]!;
    out[o + 2] = minI < 0 ? NaN : x[minI]!;
    out[o + 3] = minI < 0 ? NaN : y[minI]!;
    out[o + 4] = maxI < 0 ? NaN : x[maxI]!;
    out[o + 5] = maxI < 0 ? NaN : y[maxI]!;
    out[o + 6] = x[to - 1]!;
    out[o + 7] = y[to - 1]!;
    out[o + 8] = oddI < 0 ? NaN : x[oddI]!;
    out[o + 9] = oddI < 0 ? NaN : y[oddI]!;
  }
  return out;
}
