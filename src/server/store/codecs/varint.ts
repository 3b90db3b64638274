import { zigzag, unzigzag, type BitReader, type BitWriter } from './bits.js';
import type { BlockCodec, BlockValues } from './codec.js';
import { unscale } from './scaled.js';

/**
 * VARINT: the decimal scaling of the first chunk format — each scaled integer's delta from the one before (the first
 * from 0) as a zig-zag varint. Wins when deltas are mostly small with rare large jumps, which widen a packed frame.
 */
export const varint: BlockCodec = {
  tag: 5,
  name: 'varint',
  size: (b: BlockValues) => (b.stats ? 1 + b.stats.varintBytes : null),
  minSize: (b: BlockValues) => (b.ints ? 1 + b.ints.length : null),
  encode(b: BlockValues, w: BitWriter): void {
    const ints = b.ints!;
    w.byte(b.exp);
    let prev = 0;
    for (let i = 0; i < ints.length; i++) {
      w.varint(zigzag(ints[i]! - prev));
      prev = ints[i]!;
    }
  },
  decode(r: BitReader, out: Float64Array): void {
    const exp = r.byte();
    let prev = 0;
    for (let i = 0; i < out.length; i++) out[i] = prev += unzigzag(r.varint());
    unscale(out, exp);
  },
};
