import { varintSize, zigzag, unzigzag, type BitReader, type BitWriter } from './bits.js';
import type { BlockCodec, BlockValues } from './codec.js';
import { frameSize, readFrame, scratch, writeFrame } from './packed.js';
import { unscale } from './scaled.js';

const cache = { buf: new Float64Array(0) };

/** The deltas of the scaled integers, in scratch[1 …]. */
function deltas(ints: Float64Array): Float64Array {
  const d = scratch(ints.length, cache);
  for (let i = 1; i < ints.length; i++) d[i] = ints[i]! - ints[i - 1]!;
  return d;
}

/**
 * DELTA: bit-packed deltas of the scaled integers (frame of reference: counters, slowly moving gauges, jittered
 * timestamps). Decimal exponent byte, first integer (zig-zag varint), then the deltas framed (see packed.ts).
 */
export const delta: BlockCodec = {
  tag: 3,
  name: 'delta',
  size(b: BlockValues): number | null {
    const st = b.stats;
    if (!b.ints || !st) return null;
    return 1 + varintSize(zigzag(b.ints[0]!)) + frameSize(st.deltaMin, st.deltaMax, b.ints.length - 1);
  },
  minSize: (b: BlockValues) => (b.ints ? 3 : null),
  encode(b: BlockValues, w: BitWriter): void {
    const ints = b.ints!;
    const d = deltas(ints);
    w.byte(b.exp);
    w.varint(zigzag(ints[0]!));
    writeFrame(w, d, 1, ints.length, b.stats!.deltaMin, b.stats!.deltaMax);
  },
  decode(r: BitReader, out: Float64Array): void {
    const exp = r.byte();
    out[0] = unzigzag(r.varint());
    readFrame(r, out, 1, out.length - 1);
    for (let i = 1; i < out.length; i++) out[i] = out[i - 1]! + out[i]!;
    unscale(out, exp);
  },
};
