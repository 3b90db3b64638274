import type { BitReader, BitWriter } from './bits.js';

/**
 * One block of a column as the codecs see it: its values, the same values' bits (little-endian 32-bit halves, so NaN
 * payloads and −0 survive), and — when every value is an integer after scaling by 10^exp — those integers.
 */
export interface BlockValues {
  /** Changes with every block loaded, so a codec may keep what it computed for the block between size and encode. */
  id: number;
  v: Float64Array;
  /** `bits[2i]` low and `bits[2i + 1]` high half of value i (signed, so V8 keeps them unboxed). */
  bits: Int32Array;
  /** v[i] === ints[i] / 10^exp exactly (never −0, |ints[i]| ≤ MAX_SCALED), or null when no scale fits. */
  ints: Float64Array | null;
  exp: number;
  /** Facts about `ints` the scaled encodings size themselves from, gathered in one pass (null with `ints`). */
  stats: IntStats | null;
}

/** See `intStats` (scaled.ts). Deltas are ints[i] − ints[i − 1]; deltas of deltas their differences. */
export interface IntStats {
  deltaMin: number;
  deltaMax: number;
  dodMin: number;
  dodMax: number;
  /** Nonzero deltas: how many, smallest, largest. */
  moved: number;
  movedMin: number;
  movedMax: number;
  /** Bytes of the RUNS and VARINT payloads after their exponent byte. */
  runsBytes: number;
  varintBytes: number;
}

/**
 * One encoding of a block of values (the model is Prometheus `tsdb/chunkenc`: one small file per encoding behind one
 * interface). A block is stored as its codec's tag byte followed by what `encode` writes; it decodes alone, given its
 * value count.
 */
export interface BlockCodec {
  /** The byte naming this encoding in the stored block; never changes once released. */
  readonly tag: number;
  readonly name: string;
  /** Exactly the bytes `encode` writes after the tag, or null when this encoding cannot hold the block bit for bit. */
  size(b: BlockValues): number | null;
  /** A lower bound of `size` that is cheap to compute, so the chooser can skip codecs that cannot win. */
  minSize(b: BlockValues): number | null;
  /**
   * A cheap guess (a sample of the block) whether `size` could beat `best` bytes by enough to be worth computing; when
   * absent, the chooser always sizes this encoding. An encoding whose `size` costs a full walk of the block uses it so
   * that writes don't pay for it where it would win little.
   */
  plausible?(b: BlockValues, best: number): boolean;
  encode(b: BlockValues, w: BitWriter): void;
  /** Fills all of `out` (the block's value count) from `r`. */
  decode(r: BitReader, out: Float64Array): void;
}

/** Scaled integers stay well inside the exact range of a double, also as deltas of deltas and zig-zagged. */
export const MAX_SCALED = 2 ** 50;
/** Decimal scales tried, 10^0 … 10^6. */
export const MAX_EXP = 6;
export const SCALES = [1, 10, 100, 1000, 10_000, 100_000, 1_000_000];

/** The 32-bit halves of a Float64Array's values (a view, so bits are neither read as numbers nor canonicalised). */
export function bitsOf(v: Float64Array): Int32Array {
  return new Int32Array(v.buffer, v.byteOffset, v.length * 2);
}
