import type { BitReader, BitWriter } from './bits.js';
import type { BlockCodec, BlockValues } from './codec.js';

/** RAW: each value's 8 bytes, little-endian — anything, bit for bit; the bound every other encoding must beat. */
export const raw: BlockCodec = {
  tag: 0,
  name: 'raw',
  size: (b: BlockValues) => b.v.length * 8,
  minSize: (b: BlockValues) => b.v.length * 8,
  encode(b: BlockValues, w: BitWriter): void {
    w.bytes(new Uint8Array(b.v.buffer, b.v.byteOffset, b.v.byteLength));
  },
  decode(r: BitReader, out: Float64Array): void {
    new Uint8Array(out.buffer, out.byteOffset, out.byteLength).set(r.buf.subarray(r.pos, r.pos + out.byteLength));
    r.pos += out.byteLength;
  },
};
