import { bitWidth, varintSize, zigzag, unzigzag, type BitReader, type BitWriter } from './bits.js';
import type { BlockCodec, BlockValues } from './codec.js';
import { unscale } from './scaled.js';

/**
 * SPARSE: deltas of the scaled integers where most are zero (gauges that hold most seconds, idle counters): per delta
 * one bit saying whether it moved, and for those that did, the delta − min over the moved ones in a fixed width.
 * Decimal exponent byte, first integer (zig-zag varint), min (zig-zag varint), width byte, then the bits.
 */

export const sparse: BlockCodec = {
  tag: 6,
  name: 'sparse',
  size(b: BlockValues): number | null {
    const st = b.stats;
    if (!b.ints || !st) return null;
    const width = bitWidth(st.movedMax - st.movedMin);
    return 1 + varintSize(zigzag(b.ints[0]!)) + varintSize(zigzag(st.movedMin)) + 1 + Math.ceil((b.ints.length - 1 + st.moved * width) / 8);
  },
  minSize: (b: BlockValues) => (b.ints ? 4 + Math.ceil((b.ints.length - 1) / 8) : null),
  encode(b: BlockValues, w: BitWriter): void {
    const ints = b.ints!;
    const min = b.stats!.movedMin;
    const width = bitWidth(b.stats!.movedMax - min);
    w.byte(b.exp);
    w.varint(zigzag(ints[0]!));
    w.varint(zigzag(min));
    w.byte(width);
    for (let i = 1; i < ints.length; i++) {
      const d = ints[i]! - ints[i - 1]!;
      if (d === 0) w.bits(0, 1);
      else {
        w.bits(1, 1);
        w.wide(d - min, width);
      }
    }
    w.align();
  },
  decode(r: BitReader, out: Float64Array): void {
    const exp = r.byte();
    let v = unzigzag(r.varint());
    const min = unzigzag(r.varint());
    const width = r.byte();
    if (width > 54) throw new Error(`corrupt chunk block: bit width ${width}`);
    out[0] = v;
    for (let i = 1; i < out.length; i++) {
      if (r.bits(1) === 1) v += min + r.wide(width);
      out[i] = v;
    }
    r.align();
    unscale(out, exp);
  },
};
