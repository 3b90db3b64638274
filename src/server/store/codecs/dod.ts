import { varintSize, zigzag, unzigzag, type BitReader, type BitWriter } from './bits.js';
import type { BlockCodec, BlockValues } from './codec.js';
import { frameSize, readFrame, scratch, writeFrame } from './packed.js';
import { unscale } from './scaled.js';

const cache = { buf: new Float64Array(0) };

/** The deltas of deltas of the scaled integers, in scratch[2 …]. */
function dods(ints: Float64Array): Float64Array {
  const d = scratch(ints.length, cache);
  for (let i = 2; i < ints.length; i++) d[i] = ints[i]! - 2 * ints[i - 1]! + ints[i - 2]!;
  return d;
}

/**
 * DOD: bit-packed deltas of deltas of the scaled integers, for nearly regular steps (timestamps with a drifting
 * interval, as Gorilla and Prometheus encode time). Decimal exponent byte, first integer and first delta (zig-zag
 * varints), then the deltas of deltas framed (see packed.ts).
 */
export const dod: BlockCodec = {
  tag: 4,
  name: 'dod',
  size(b: BlockValues): number | null {
    const ints = b.ints;
    const st = b.stats;
    if (!ints || !st) return null;
    const n = ints.length;
    const d1 = n > 1 ? ints[1]! - ints[0]! : 0;
    return 1 + varintSize(zigzag(ints[0]!)) + varintSize(zigzag(d1)) + frameSize(st.dodMin, st.dodMax, Math.max(0, n - 2));
  },
  minSize: (b: BlockValues) => (b.ints ? 4 : null),
  encode(b: BlockValues, w: BitWriter): void {
    const ints = b.ints!;
    const n = ints.length;
    const d = dods(ints);
    w.byte(b.exp);
    w.varint(zigzag(ints[0]!));
    w.varint(zigzag(n > 1 ? ints[1]! - ints[0]! : 0));
    writeFrame(w, d, 2, n, b.stats!.dodMin, b.stats!.dodMax);
  },
  decode(r: BitReader, out: Float64Array): void {
    const exp = r.byte();
    const n = out.length;
    const first = unzigzag(r.varint());
    let step = unzigzag(r.varint());
    out[0] = first;
    readFrame(r, out, 2, Math.max(0, n - 2));
    if (n > 1) out[1] = first + step;
    for (let i = 2; i < n; i++) {
      step += out[i]!;
      out[i] = out[i - 1]! + step;
    }
    unscale(out, exp);
  },
};
