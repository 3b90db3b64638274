import { describe, expect, it } from 'vitest';
import { mulberry32 as rng } from '../../../../test/helpers/rng.js';
import { xor, XOR_MARGIN } from './xor.js';
import { blockValues, chooseCodec, CODECS, decodeBlockValues, encodeBlock, maxBlockBytes, BitReader, BitWriter, type BlockCodec } from './index.js';

/** A double from explicit bits (a NaN keeps its payload because it is never read as a number). */
function fromBits(hi: number, lo: number): Float64Array {
  return new Float64Array(new Uint32Array([lo >>> 0, hi >>> 0]).buffer);
}

function column(values: Array<number | Float64Array>): Float64Array {
  const out = new Float64Array(values.length);
  values.forEach((v, i) => {
    if (typeof v === 'number') out[i] = v;
    else new Uint8Array(out.buffer, i * 8, 8).set(new Uint8Array(v.buffer, 0, 8));
  });
  return out;
}

const NAN_PAYLOADS = [fromBits(0x7ff80000, 0), fromBits(0x7ff80000, 1), fromBits(0xfff12345, 0x6789abcd), fromBits(0x7ff00000, 1), fromBits(0xffffffff, 0xffffffff)];

/** Adversarial and random columns, named for the failure message. */
function columns(): Array<[string, Float64Array]> {
  const r = rng(20);
  const n = 256;
  const gen = (f: (i: number) => number | Float64Array, len = n) => column(Array.from({ length: len }, (_, i) => f(i)));
  const out: Array<[string, Float64Array]> = [
    ['one value', gen(() => 3.25, 1)],
    ['two values', gen((i) => i * 1e300, 2)],
    ['three values', gen((i) => [5, -7, 2 ** 40][i]!, 3)],
    ['constant 0', gen(() => 0)],
    ['constant −0', gen(() => -0)],
    ['constant 0.1', gen(() => 0.1)],
    ['constant NaN payload', gen(() => NAN_PAYLOADS[2]!)],
    ['constant +Infinity', gen(() => Infinity)],
    ['steps', gen((i) => Math.floor(i / 17) * 3)],
    ['2-decimal steps', gen((i) => Math.floor(i / 9) * 0.25 + 10.01)],
    ['counter', gen((i) => i * 7 + Math.floor(i / 50))],
    ['alternating 0/1', gen((i) => i % 2)],
    ['alternating ±0', gen((i) => (i % 2 ? -0 : 0))],
    ['alternating ±Infinity', gen((i) => (i % 2 ? -Infinity : Infinity))],
    ['alternating NaN payloads', gen((i) => NAN_PAYLOADS[i % NAN_PAYLOADS.length]!)],
    ['alternating extremes of the scaled range', gen((i) => (i % 2 ? 2 ** 50 : -(2 ** 50)))],
    ['just past the scaled range', gen((i) => (i % 3 ? 2 ** 50 + 1 : -(2 ** 50) - 2))],
    ['2^53 and neighbours', gen((i) => [2 ** 53, 2 ** 53 - 1, -(2 ** 53), 2 ** 53 + 2, Number.MAX_SAFE_INTEGER][i % 5]!)],
    ['subnormals', gen((i) => Number.MIN_VALUE * (i + 1) * (i % 2 ? -1 : 1))],
    ['smallest normal and neighbours', gen((i) => 2.2250738585072014e-308 * (1 + i * Number.EPSILON))],
    ['huge and tiny', gen((i) => (i % 2 ? Number.MAX_VALUE : -Number.MIN_VALUE))],
    ['mixed specials', gen((i) => [0, -0, NaN, Infinity, -Infinity, 1, NAN_PAYLOADS[1]!, 5e-324][i % 8]!)],
    ['integers with one NaN', gen((i) => (i === 100 ? NaN : i * 3))],
    ['integers with one −0', gen((i) => (i === 17 ? -0 : i - 100))],
    ['ms timestamps as seconds, jittered', gen((i) => (1_700_000_000_000 + i * 1000 + Math.floor(r() * 20)) / 1000)],
    ['6-decimal values', gen((i) => Math.round(r() * 1e9) / 1e6 - i)],
    ['random bits', gen(() => fromBits(Math.floor(r() * 2 ** 32), Math.floor(r() * 2 ** 32)))],
    ['noisy floats', gen((i) => 2 * Math.exp(-i / 1e5) + 0.05 * (r() - 0.5))],
    ['smooth floats', gen((i) => Math.sin(i / 100))],
    ['float32 values', gen((i) => Math.fround(Math.sin(i) * 100))],
    ['noise around zero', gen(() => 0.05 * (r() - 0.5) + 1e-3)],
  ];
  for (let k = 0; k < 40; k++) {
    const len = 1 + Math.floor(r() * 300);
    const kind = k % 4;
    let walk = Math.round(r() * 1000);
    out.push([`random ${['walk', 'holding gauge', 'counter', 'float'][kind]} #${k}`, gen(() => {
      if (kind === 0) return (walk += Math.round((r() - 0.5) * 2 ** (k % 20)));
      if (kind === 1) return r() < 0.9 ? walk / 100 : (walk += Math.round((r() - 0.5) * 40)) / 100;
      if (kind === 2) return (walk += Math.floor(r() * 3) * (r() < 0.1 ? 1000 : 1));
      return (r() - 0.5) * 10 ** Math.floor(r() * 20 - 10);
    }, len)]);
  }
  return out;
}

function expectSameBits(name: string, a: Float64Array, b: Float64Array): void {
  expect(a.length, name).toBe(b.length);
  const ua = new Uint32Array(a.buffer, a.byteOffset, a.length * 2);
  const ub = new Uint32Array(b.buffer, b.byteOffset, b.length * 2);
  for (let i = 0; i < ua.length; i++) {
    if (ua[i] !== ub[i]) throw new Error(`${name}: value ${i >> 1} decoded as ${b[i >> 1]}, stored ${a[i >> 1]} (bits differ)`);
  }
}

function encodeWith(v: Float64Array, codec?: BlockCodec): Buffer {
  // A forced encoding may be bigger than raw (XOR of alternating NaN payloads): room for its worst case.
  const buf = Buffer.alloc(codec ? 16 * v.length + 64 : maxBlockBytes(v.length));
  const w = new BitWriter(buf, 0);
  encodeBlock(v, w, codec);
  return buf.subarray(0, w.pos);
}

function decode(bytes: Buffer, n: number): Float64Array {
  const out = new Float64Array(n);
  const r = new BitReader(bytes, 0);
  decodeBlockValues(r, out);
  expect(r.pos).toBe(bytes.length);
  return out;
}

describe.each(CODECS.map((c) => [c.name, c] as const))('block encoding %s', (_, codec) => {
  it('round-trips every column it accepts bit for bit, in exactly the bytes it sized', () => {
    let accepted = 0;
    for (const [name, v] of columns()) {
      const size = codec.size(blockValues(v));
      if (size === null) continue;
      accepted++;
      const bytes = encodeWith(v, codec);
      expect(bytes.length, name).toBe(size + 1);
      expect(bytes[0]).toBe(codec.tag);
      expect(codec.minSize(blockValues(v))!, name).toBeLessThanOrEqual(size);
      expectSameBits(`${codec.name}, ${name}`, v, decode(bytes, v.length));
    }
    expect(accepted).toBeGreaterThan(20);
  });
});

describe('block chooser', () => {
  it('picks the smallest encoding of each column (XOR only where it wins by its margin), and that round-trips', () => {
    for (const [name, v] of columns()) {
      const sizeOf = (c: BlockCodec) => c.size(blockValues(v));
      const sizes = CODECS.map(sizeOf).filter((s): s is number => s !== null);
      const others = CODECS.filter((c) => c !== xor).map(sizeOf).filter((s): s is number => s !== null);
      const bytes = encodeWith(v);
      // The best of the others, or XOR when smaller; XOR (sized only when a sample says it may save XOR_MARGIN) is never
      // missed where it takes at most half the others' best.
      if (bytes[0] === xor.tag) expect(bytes.length, name).toBe(1 + Math.min(...sizes));
      else expect(bytes.length, name).toBe(1 + Math.min(...others));
      if (Math.min(...sizes) <= Math.min(...others) * XOR_MARGIN * 0.5) expect(bytes[0], name).toBe(xor.tag);
      expect(chooseCodec(blockValues(v)).size, name).toBe(bytes.length);
      expectSameBits(name, v, decode(bytes, v.length));
    }
  });

  it('only scaled encodings hold values that are integers after a decimal scale; −0, NaN and 2^53 are not', () => {
    expect(CODECS.filter((c) => c.size(blockValues(column([1, 2.5, 3]))) === null)).toEqual([]);
    const floats = CODECS.filter((c) => c.size(blockValues(column([1, 2.5, Math.PI]))) !== null).map((c) => c.name);
    expect(floats.sort()).toEqual(['raw', 'split', 'xor']);
    for (const v of [[1, -0, 2], [1, NaN], [2 ** 53, 1], [0.1 + 0.2]]) {
      expect(blockValues(column(v)).ints, String(v)).toBeNull();
    }
  });

  it('stores repeats and counters in a fraction of a byte per value', () => {
    const holding = column(Array.from({ length: 256 }, (_, i) => (2000 + Math.floor(i / 40)) / 100));
    expect(encodeWith(holding).length).toBeLessThan(20);
    const counter = column(Array.from({ length: 256 }, (_, i) => i * 13 + (i % 3)));
    expect(encodeWith(counter).length).toBeLessThan(256 / 2);
  });

  it('rejects a corrupt block naming the encoding byte', () => {
    expect(() => decode(Buffer.from([200, 1, 2]), 2)).toThrow(/unknown encoding 200/);
  });
});
