import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BLOCK_SIZE, BlockTable } from './block-table.js';
import { decodeBlock, decodeChunk, encodeChunk, packChunk } from './chunk.js';
import {
  BLOCKS, COLUMN_HEAD_BYTES, decodeColumn, decodeColumnSlice, decodeWhole, encodeColumn, packColumn, RAW, REGULAR, SCALED,
} from './column-codec.js';

const BLOCK = 256;

type Encoder = typeof encodeColumn;

function roundTrip(values: number[] | Float64Array, encode: Encoder = packColumn): { kind: number; bytes: number; back: Float64Array; blockTags: number[] } {
  // A Float64Array is taken as it is: a JS array may canonicalise NaN payloads on the way.
  const v = values instanceof Float64Array ? values : Float64Array.from(values);
  const enc = encode(v, BLOCK);
  return {
    kind: enc.bytes[0]!, bytes: enc.bytes.length, back: decodeWhole(enc.bytes, v.length, enc.offsets, BLOCK),
    blockTags: enc.offsets.map((o) => enc.bytes[o]!),
  };
}

function expectSameBits(a: Float64Array, b: ArrayLike<number>): void {
  expect(a.length).toBe(b.length);
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) throw new Error(`value ${i}: ${a[i]} decoded, ${b[i]} stored`);
}

describe('the write path\'s column encoding (fast, one pass)', () => {
  const fast = (values: number[] | Float64Array) => roundTrip(values, encodeColumn);

  it('stores evenly spaced values as start and step', () => {
    const values = Array.from({ length: 5000 }, (_, i) => 10 + i * 2);
    expect(fast(values).kind).toBe(REGULAR);
    expect(fast(values).bytes).toBe(17);
    expectSameBits(fast(values).back, values);
    expect(fast([0.5]).kind).toBe(REGULAR);
  });

  it('stores ms-resolution seconds and large integers as varint deltas, exactly', () => {
    for (const values of [Array.from({ length: 3000 }, (_, i) => (i * 100 + (i % 7)) / 1000), [-5, 3, -1_000_000_000_000, 2 ** 49, 0, 7, -3]]) {
      const r = fast(values);
      expect(r.kind).toBe(SCALED);
      expectSameBits(r.back, values);
    }
  });

  it('falls back to raw Float64 for arbitrary floats, NaN, ±Infinity and −0', () => {
    const values = [Math.PI, NaN, Infinity, -Infinity, -0, 1e-300, 5];
    const r = fast(values);
    expect(r.kind).toBe(RAW);
    expectSameBits(r.back, values);
    expect(fast([1, 2, 4, 0.1 + 0.2]).kind).toBe(RAW);
  });
});

describe('packed columns (compaction\'s encoding)', () => {
  it('stores evenly spaced values as start and step', () => {
    const values = Array.from({ length: 5000 }, (_, i) => 10 + i * 2);
    const r = roundTrip(values);
    expect(r.kind).toBe(REGULAR);
    expect(r.bytes).toBe(17);
    expectSameBits(r.back, values);
    expect(roundTrip([0.5]).bytes).toBeLessThan(17); // a lone value takes fewer bytes in a block
    expect(roundTrip(new Array(300).fill(0.1)).bytes).toBe(17);
  });

  it('never stores NaN or −0 columns as start and step (their bits would not survive)', () => {
    expect(roundTrip(new Array(300).fill(NaN)).kind).toBe(BLOCKS);
    const zeros = roundTrip(new Array(300).fill(-0));
    expect(zeros.kind).toBe(BLOCKS);
    expectSameBits(zeros.back, new Array(300).fill(-0));
  });

  it('stores ms-resolution seconds as bit-packed deltas, exactly', () => {
    const values = Array.from({ length: 3000 }, (_, i) => (i * 100 + (i % 7)) / 1000);
    const r = roundTrip(values);
    expect(r.kind).toBe(BLOCKS);
    expect(r.bytes / values.length).toBeLessThan(1);
    expectSameBits(r.back, values);
  });

  it('handles negative and large scaled integers, and −0 among integers', () => {
    for (const values of [[-5, 3, -1_000_000_000_000, 2 ** 49, 0, 7, -3], [1, -0, 2, 0, -0]]) expectSameBits(roundTrip(values).back, values);
  });

  it('stores arbitrary floats, NaN, ±Infinity and −0 exactly', () => {
    const values = [Math.PI, NaN, Infinity, -Infinity, -0, 1e-300, 5, 2 ** 53, 5e-324];
    const r = roundTrip(values);
    expect(r.kind).toBe(BLOCKS);
    expectSameBits(r.back, values);
  });

  it('picks an encoding per block', () => {
    const values = [...Array.from({ length: 256 }, (_, i) => Math.floor(i / 64)), ...Array.from({ length: 256 }, (_, i) => Math.sin(i))];
    const r = roundTrip(values);
    expect(r.blockTags).toEqual([2, 7]); // runs, then split (sin's neighbours share too few bits for XOR)
    expectSameBits(r.back, values);
  });

});

describe.each([['the write path\'s', encodeColumn], ['packed', packColumn]] as const)('%s columns', (_, encode) => {
  it('keep −0 among integers and the payload bits of NaN columns', () => {
    const withNegativeZero = [1, -0, 2, 3, -0];
    expectSameBits(roundTrip(withNegativeZero, encode).back, withNegativeZero);
    const bits = new BigUint64Array([0x7ff8000000000001n, 0x7ff8000000000001n, 0x7ff80000000000ffn]);
    const nans = new Float64Array(bits.buffer);
    for (const values of [nans, nans.subarray(0, 2), nans.subarray(0, 1)]) {
      const r = roundTrip(values.slice(), encode);
      const back = new BigUint64Array(r.back.buffer, r.back.byteOffset, r.back.length);
      expect(Array.from(back)).toEqual(Array.from(new BigUint64Array(values.buffer, values.byteOffset, values.length)));
    }
  });

  it('decodes any block alone from its byte offset', () => {
    for (const values of [
      Array.from({ length: 1000 }, (_, i) => i * 3 + (i % 5)),
      Array.from({ length: 1000 }, (_, i) => Math.sin(i)),
      Array.from({ length: 1000 }, (_, i) => Math.floor(i / 100) / 4),
    ]) {
      const enc = encode(Float64Array.from(values), BLOCK);
      expect(enc.offsets).toHaveLength(4);
      for (let b = 0; b < 4; b++) {
        const from = b * BLOCK;
        const n = Math.min(BLOCK, values.length - from);
        expectSameBits(decodeColumn(enc.bytes, from, n, enc.offsets[b]!), values.slice(from, from + n));
      }
    }
  });

  it('decodes any block from the column head and that block\'s bytes alone', () => {
    for (const values of [
      Array.from({ length: 700 }, (_, i) => i * 3 + (i % 5)),
      Array.from({ length: 700 }, (_, i) => Math.sin(i)),
      Array.from({ length: 700 }, (_, i) => i),
    ]) {
      const enc = encode(Float64Array.from(values), BLOCK);
      const head = enc.bytes.subarray(0, COLUMN_HEAD_BYTES);
      for (let b = 0; b < 3; b++) {
        const from = b * BLOCK;
        const n = Math.min(BLOCK, values.length - from);
        const slice = enc.bytes.subarray(enc.offsets[b]!, b + 1 < 3 ? enc.offsets[b + 1]! : enc.bytes.length);
        expectSameBits(decodeColumnSlice(Buffer.from(head), Buffer.from(slice), from, n), values.slice(from, from + n));
      }
    }
  });

  it('rejects a corrupt column', () => {
    expect(() => decodeColumn(Buffer.from([9, 0, 0]), 0, 1, 0)).toThrow(/unknown encoding 9/);
  });
});

describe('chunks written by the first format', () => {
  // Written by the format before block encodings (RAW/REGULAR/SCALED columns, Float64 block tables); see the values below.
  const stored = JSON.parse(readFileSync(new URL('./fixtures/chunks-v1.json', import.meta.url), 'utf8')) as Array<Record<'xs' | 'ys' | 'blocks', string> & { count: number }>;
  const n = 300;
  const expected = [
    { x: Array.from({ length: n }, (_, i) => 1000 + i * 5), y: Array.from({ length: n }, (_, i) => ((i * 37) % 101) / 100 - 0.3) },
    {
      x: Array.from({ length: n }, (_, i) => (i * 100 + (i % 7)) / 1000),
      y: Array.from({ length: n }, (_, i) => (i === 7 ? NaN : i === 8 ? -Infinity : i === 9 ? -0 : Math.sin(i) * 1e3)),
    },
  ];

  it('still read whole and block by block, exactly', () => {
    const tags = new Set<number>();
    stored.forEach((s, k) => {
      const c = { count: s.count, xs: Buffer.from(s.xs, 'base64'), ys: Buffer.from(s.ys, 'base64'), blocks: Buffer.from(s.blocks, 'base64') };
      tags.add(c.xs[0]!).add(c.ys[0]!);
      const whole = decodeChunk(c);
      expectSameBits(whole.x, expected[k]!.x);
      expectSameBits(whole.y, expected[k]!.y);
      const table = BlockTable.fromBytes(c.blocks);
      expect(table.length).toBe(2);
      expect(table.summary(1).lastX).toBe(expected[k]!.x[n - 1]);
      const b1 = decodeBlock(c.xs, c.ys, table, c.count, 1);
      expectSameBits(b1.x, expected[k]!.x.slice(BLOCK_SIZE));
      expectSameBits(b1.y, expected[k]!.y.slice(BLOCK_SIZE));
      // As a backend reading parts of columns gets them: the head and block 0's bytes alone.
      expectSameBits(decodeColumnSlice(c.xs.subarray(0, COLUMN_HEAD_BYTES), c.xs.subarray(table.xOffset(0), table.xOffset(1)), 0, BLOCK_SIZE),
        expected[k]!.x.slice(0, BLOCK_SIZE));
      expectSameBits(decodeColumnSlice(c.ys.subarray(0, COLUMN_HEAD_BYTES), c.ys.subarray(table.yOffset(0), table.yOffset(1)), 0, BLOCK_SIZE),
        expected[k]!.y.slice(0, BLOCK_SIZE));
    });
    expect([...tags].sort()).toEqual([RAW, REGULAR, SCALED]);
  });

  it('the write path stores a block table as plain Float64 (nothing to decode on reads)', () => {
    const x = Float64Array.from({ length: 2048 }, (_, i) => 1_700_000_000 + i);
    const y = Float64Array.from({ length: 2048 }, (_, i) => Math.floor(i / 100));
    const c = encodeChunk(x, y);
    expect(c.packed).toBe(false);
    expect(c.blocks.length).toBe(8 * 96);
    expect(BlockTable.fromBytes(c.blocks).summary(7)).toEqual(BlockTable.build(x, y, [], []).summary(7));
  });

  it('a packed chunk\'s block table of many blocks is stored compact', () => {
    const x = Float64Array.from({ length: 2048 }, (_, i) => 1_700_000_000 + i);
    const y = Float64Array.from({ length: 2048 }, (_, i) => Math.floor(i / 100));
    const c = packChunk(x, y);
    expect(c.packed).toBe(true);
    expect(c.blocks.length).toBeLessThan(8 * 96 / 4);
    const table = BlockTable.fromBytes(c.blocks);
    expect(table.summary(7)).toEqual(BlockTable.build(x, y, [], []).summary(7));
    expect(table.toBytes()).toBe(c.blocks); // read tables give back their stored bytes, not a new encoding
    for (let b = 0; b < 8; b++) expectSameBits(decodeBlock(c.xs, c.ys, table, c.count, b).y, y.subarray(b * BLOCK_SIZE, (b + 1) * BLOCK_SIZE));
  });

  it('decoded compact tables are cached by chunk id, and only ever for the very same bytes', () => {
    const x = Float64Array.from({ length: 2048 }, (_, i) => 1_700_000_000 + i);
    const ya = Float64Array.from({ length: 2048 }, (_, i) => Math.floor(i / 100));
    const yb = Float64Array.from({ length: 2048 }, (_, i) => -Math.floor(i / 50));
    const a = packChunk(x, ya);
    const b = packChunk(x, yb);
    const id = 987_654_321;
    const first = BlockTable.cached(id, a.blocks);
    expect(BlockTable.cached(id, Buffer.from(a.blocks))).toBe(first); // equal bytes: the decoded table again
    // The id now names other bytes (a chunk deleted and its id reused, or another store in the process): decoded anew.
    const other = BlockTable.cached(id, b.blocks);
    expect(other).not.toBe(first);
    for (let k = 0; k < 8; k++) expect(other.summary(k)).toEqual(BlockTable.build(x, yb, [], []).summary(k));
    // A plain table is a view of its bytes: never cached, read as before.
    const plain = encodeChunk(x, ya);
    expect(BlockTable.cached(id + 1, plain.blocks).summary(3)).toEqual(BlockTable.fromBytes(plain.blocks).summary(3));
  });

  it('new chunks round-trip, packed or not, with block tables carrying the same summaries', () => {
    for (const [e, encode] of expected.flatMap((e) => [[e, encodeChunk], [e, packChunk]] as const)) {
      const x = Float64Array.from(e.x);
      const y = Float64Array.from(e.y);
      const c = encode(x, y);
      const whole = decodeChunk(c);
      expectSameBits(whole.x, e.x);
      expectSameBits(whole.y, e.y);
      const table = BlockTable.fromBytes(c.blocks);
      const old = BlockTable.build(x, y, [0, 0], [0, 0]);
      for (let b = 0; b < 2; b++) expect(table.summary(b)).toEqual(old.summary(b));
      expect(c.blocks.length).toBeLessThanOrEqual(2 * 96);
      const b1 = decodeBlock(c.xs, c.ys, table, c.count, 1);
      expectSameBits(b1.y, e.y.slice(BLOCK_SIZE));
    }
  });
});
