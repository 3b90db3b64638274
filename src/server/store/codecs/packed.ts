import { bitWidth, varintSize, zigzag, unzigzag, type BitReader, type BitWriter } from './bits.js';

/*
 * Frame-of-reference bit packing shared by the delta encodings: the smallest of `d` (zig-zag varint), the bit width of
 * the spread, then every d − min in that width, MSB first. Spread 0 (a constant or a straight line) costs no bits.
 */

/** Bytes of a frame of `count` values from min to max. */
export function frameSize(min: number, max: number, count: number): number {
  return varintSize(zigzag(min)) + 1 + Math.ceil((bitWidth(max - min) * count) / 8);
}

/** Writes d[from … to) as a frame; min and max are theirs. */
export function writeFrame(w: BitWriter, d: Float64Array, from: number, to: number, min: number, max: number): void {
  const width = bitWidth(max - min);
  w.varint(zigzag(min));
  w.byte(width);
  if (width === 0) return;
  for (let i = from; i < to; i++) w.wide(d[i]! - min, width);
  w.align();
}

/** Reads `count` framed values into out[at …]. */
export function readFrame(r: BitReader, out: Float64Array, at: number, count: number): void {
  const min = unzigzag(r.varint());
  const width = r.byte();
  if (width > 54) throw new Error(`corrupt chunk block: bit width ${width}`);
  if (width === 0) {
    out.fill(min, at, at + count);
    return;
  }
  for (let i = at; i < at + count; i++) out[i] = min + r.wide(width);
  r.align();
}

/** Scratch for the deltas of one block; blocks are at most this long. */
export function scratch(n: number, cache: { buf: Float64Array }): Float64Array {
  if (cache.buf.length < n) cache.buf = new Float64Array(n);
  return cache.buf;
}

