import { varintSize, zigzag, unzigzag, type BitReader, type BitWriter } from './bits.js';
import type { BlockCodec, BlockValues } from './codec.js';
import { unscale } from './scaled.js';

/**
 * RUNS: run lengths of repeated scaled integers (gauges that hold, counters that rarely move). Decimal exponent byte,
 * then per run of equal values: its value's difference from the run before (the first from 0) as a zig-zag varint,
 * and its length as a varint. A steadily climbing counter is DELTA's case, not this one.
 */
export const runs: BlockCodec = {
  tag: 2,
  name: 'runs',
  size: (b: BlockValues) => (b.stats ? 1 + b.stats.runsBytes : null),
  minSize: (b: BlockValues) => (b.ints ? 3 : null),
  encode(b: BlockValues, w: BitWriter): void {
    const ints = b.ints!;
    w.byte(b.exp);
    let prev = 0;
    for (let i = 0; i < ints.length;) {
      const v = ints[i]!;
      let j = i + 1;
      while (j < ints.length && ints[j] === v) j++;
      w.varint(zigzag(v - prev));
      w.varint(j - i);
      prev = v;
      i = j;
    }
  },
  decode(r: BitReader, out: Float64Array): void {
    const exp = r.byte();
    let v = 0;
    for (let i = 0; i < out.length;) {
      v += unzigzag(r.varint());
      const end = i + r.varint();
      if (end > out.length || end === i) throw new Error('corrupt chunk block: a run is empty or goes past the block');
      out.fill(v, i, end);
      i = end;
    }
    unscale(out, exp);
  },
};
