/**
 * The block encodings and the chooser. A stored block is one tag byte naming its encoding, then that encoding's bytes;
 * `encodeBlock` sizes every encoding that can hold the block exactly and is plausible (cheap statistics first) and
 * writes the smallest (ties go to raw, then to the earlier in CODECS).
 */
import { BitReader, BitWriter } from './bits.js';
import { bitsOf, type BlockCodec, type BlockValues, type IntStats } from './codec.js';
import { delta } from './delta.js';
import { dod } from './dod.js';
import { raw } from './raw.js';
import { runs } from './runs.js';
import { fitScale, intStats } from './scaled.js';
import { sparse } from './sparse.js';
import { split } from './split.js';
import { varint } from './varint.js';
import { xor } from './xor.js';

export { BitReader, BitWriter } from './bits.js';
export type { BlockCodec, BlockValues } from './codec.js';

/** Every encoding, in the order the chooser prefers among equal sizes. */
export const CODECS: readonly BlockCodec[] = [runs, sparse, delta, dod, varint, split, xor, raw];

const BY_TAG: Array<BlockCodec | undefined> = [];
for (const c of CODECS) BY_TAG[c.tag] = c;

/**
 * The block being encoded, copied into fixed scratch (so its bit view and integers need no allocation per block).
 * Valid until the next block.
 */
class Scratch implements BlockValues {
  v: Float64Array = new Float64Array(0);
  bits: Int32Array = new Int32Array(0);
  ints: Float64Array | null = null;
  exp = 0;
  id = 0;
  stats: IntStats | null = null;
  private readonly intStats: IntStats = {
    deltaMin: 0, deltaMax: 0, dodMin: 0, dodMax: 0, moved: 0, movedMin: 0, movedMax: 0, runsBytes: 0, varintBytes: 0,
  };
  private values = new Float64Array(0);
  private intValues = new Float64Array(0);
  private allBits: Int32Array = new Int32Array(0);

  load(v: Float64Array): BlockValues {
    this.id++;
    const n = v.length;
    if (this.values.length < n) {
      this.values = new Float64Array(n);
      this.intValues = new Float64Array(n);
      this.allBits = bitsOf(this.values);
    }
    const full = n === this.values.length;
    this.v = full ? this.values : this.values.subarray(0, n);
    this.v.set(v);
    this.bits = full ? this.allBits : bitsOf(this.v);
    const ints = n === this.intValues.length ? this.intValues : this.intValues.subarray(0, n);
    const exp = fitScale(this.v, ints);
    this.ints = exp >= 0 && n > 0 ? ints : null;
    this.exp = Math.max(exp, 0);
    this.stats = this.ints ? intStats(this.ints, this.intStats) : null;
    return this;
  }
}

const scratch = new Scratch();

/** What the codecs look at for values `v` (shared scratch, valid until the next call). */
export function blockValues(v: Float64Array): BlockValues {
  return scratch.load(v);
}

/**
 * The smallest encoding of `b` among those worth sizing (see BlockCodec.plausible: XOR is skipped where a sample says it
 * would not beat the others by XOR_MARGIN), and its size in bytes, tag included.
 */
export function chooseCodec(b: BlockValues): { codec: BlockCodec; size: number } {
  let best: BlockCodec = raw;
  let bestSize = raw.size(b)!;
  for (const c of CODECS) {
    if (c === raw) continue;
    const bound = c.minSize(b);
    if (bound === null || bound >= bestSize) continue;
    if (c.plausible && !c.plausible(b, bestSize)) continue;
    const size = c.size(b);
    if (size !== null && size < bestSize) {
      best = c;
      bestSize = size;
    }
  }
  return { codec: best, size: bestSize + 1 };
}

/** Bytes `encodeBlock` may write for n values at most (RAW and its tag). */
export function maxBlockBytes(n: number): number {
  return 1 + 8 * n;
}

/** Writes the values as one block (tag + bytes) at `w`, in the smallest encoding, or in `only` when given (tests). */
export function encodeBlock(v: Float64Array, w: BitWriter, only?: BlockCodec): void {
  const b = scratch.load(v);
  if (only) {
    if (only.size(b) === null) throw new Error(`${only.name} cannot hold these values`);
    w.byte(only.tag);
    only.encode(b, w);
    return;
  }
  const codec = v.length === 0 ? raw : chooseCodec(b).codec;
  w.byte(codec.tag);
  codec.encode(b, w);
}

const reader = new BitReader(Buffer.alloc(0), 0);

/** Fills `out` (the block's value count) from the block at `pos` of `bytes`; returns the position after it. */
export function decodeBlockAt(bytes: Uint8Array, pos: number, out: Float64Array): number {
  reader.reset(bytes, pos);
  decodeBlockValues(reader, out);
  return reader.pos;
}

/** Fills `out` (the block's value count) from the block at `r`. */
export function decodeBlockValues(r: BitReader, out: Float64Array): void {
  const tag = r.byte();
  const codec = BY_TAG[tag];
  if (!codec) throw new Error(`corrupt chunk block: unknown encoding ${tag}`);
  if (out.length > 0) codec.decode(r, out);
}
