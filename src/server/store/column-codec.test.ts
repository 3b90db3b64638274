import { describe, expect, it } from 'vitest';
import { COLUMN_HEAD_BYTES, decodeColumn, decodeColumnSlice, decodeWhole, encodeColumn, RAW, REGULAR, SCALED } from './column-codec.js';

const BLOCK = 256;

function roundTrip(values: number[] | Float64Array): { kind: number; bytes: number; back: Float64Array } {
  // A Float64Array is taken as it is: a JS array may canonicalise NaN payloads on the way.
  const v = values instanceof Float64Array ? values : Float64Array.from(values);
  const enc = encodeColumn(v, BLOCK);
  return { kind: enc.bytes[0]!, bytes: enc.bytes.length, back: decodeWhole(enc.bytes, v.length, enc.offsets, BLOCK) };
}

function expectSameBits(a: Float64Array, b: ArrayLike<number>): void {
  expect(a.length).toBe(b.length);
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) throw new Error(`value ${i}: ${a[i]} decoded, ${b[i]} stored`);
}

describe('column codec', () => {
  it('stores evenly spaced values as start and step', () => {
    const values = Array.from({ length: 5000 }, (_, i) => 10 + i * 2);
    const r = roundTrip(values);
    expect(r.kind).toBe(REGULAR);
    expect(r.bytes).toBe(17);
    expectSameBits(r.back, values);
    expect(roundTrip([0.5]).kind).toBe(REGULAR);
    expect(roundTrip(new Array(300).fill(0.1)).bytes).toBe(17);
  });

  it('stores ms-resolution seconds as varint deltas, exactly', () => {
    const values = Array.from({ length: 3000 }, (_, i) => (i * 100 + (i % 7)) / 1000);
    const r = roundTrip(values);
    expect(r.kind).toBe(SCALED);
    expect(r.bytes / values.length).toBeLessThan(3);
    expectSameBits(r.back, values);
  });

  it('handles negative and large scaled integers', () => {
    const values = [-5, 3, -1_000_000_000_000, 2 ** 49, 0, 7, -3];
    const r = roundTrip(values);
    expect(r.kind).toBe(SCALED);
    expectSameBits(r.back, values);
  });

  it('falls back to raw Float64 for arbitrary floats, NaN, ±Infinity and -0', () => {
    const values = [Math.PI, NaN, Infinity, -Infinity, -0, 1e-300, 5];
    const r = roundTrip(values);
    expect(r.kind).toBe(RAW);
    expectSameBits(r.back, values);
    expect(roundTrip([1, 2, 4, 0.1 + 0.2]).kind).toBe(RAW);
  });

  it('keeps −0 among integers and the payload bits of NaN columns', () => {
    const withNegativeZero = [1, -0, 2, 3, -0];
    expectSameBits(roundTrip(withNegativeZero).back, withNegativeZero);
    const bits = new BigUint64Array([0x7ff8000000000001n, 0x7ff8000000000001n, 0x7ff80000000000ffn]);
    const nans = new Float64Array(bits.buffer);
    for (const values of [nans, nans.subarray(0, 2), nans.subarray(0, 1)]) {
      const r = roundTrip(values.slice());
      const back = new BigUint64Array(r.back.buffer, r.back.byteOffset, r.back.length);
      expect(Array.from(back)).toEqual(Array.from(new BigUint64Array(values.buffer, values.byteOffset, values.length)));
    }
  });

  it('decodes any block alone from its byte offset', () => {
    for (const values of [
      Array.from({ length: 1000 }, (_, i) => i * 3 + (i % 5)),
      Array.from({ length: 1000 }, (_, i) => Math.sin(i)),
      Array.from({ length: 1000 }, (_, i) => i),
    ]) {
      const enc = encodeColumn(Float64Array.from(values), BLOCK);
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
      const enc = encodeColumn(Float64Array.from(values), BLOCK);
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
