import { describe, expect, it } from 'vitest';
import { decodeSeriesBinary, encodeSeriesFrame, seriesBinaryPreamble } from './binary-series.js';
import type { SeriesData } from './types.js';

const answer = (series: SeriesData[]): ArrayBuffer => {
  const parts = [seriesBinaryPreamble(), ...series.map(encodeSeriesFrame)];
  const bytes = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    bytes.set(p, at);
    at += p.length;
  }
  return bytes.buffer;
};

describe('binary series answer', () => {
  it('round-trips several series bit for bit: NaN, ±Infinity, −0, 2^53, subnormals, an empty series, any key', () => {
    const series: SeriesData[] = [
      { key: 'loss', total: 1_000_000, downsampled: true, x: [0, 1.5, 2 ** 53, 3e300], y: ['NaN', 'Infinity', '-Infinity', -0] },
      { key: 'ünïcode · 键', total: 0, downsampled: false, x: [], y: [] },
      { key: 'k"quote', total: 2, downsampled: false, x: [-1, 5e-324], y: [0.1 + 0.2, Number.MIN_VALUE] },
    ];
    const back = decodeSeriesBinary(answer(series));
    expect(back.map((s) => [s.key, s.total, s.downsampled])).toEqual(series.map((s) => [s.key, s.total, s.downsampled]));
    expect(Array.from(back[0]!.x)).toEqual([0, 1.5, 2 ** 53, 3e300]);
    expect(Number.isNaN(back[0]!.y[0])).toBe(true);
    expect(Array.from(back[0]!.y.subarray(1))).toEqual([Infinity, -Infinity, -0]);
    expect(Object.is(back[0]!.y[3], -0)).toBe(true);
    expect(back[1]!.x).toHaveLength(0);
    expect(Array.from(back[2]!.y)).toEqual([0.1 + 0.2, Number.MIN_VALUE]);
    // Every frame keeps the columns aligned for a float64 view.
    for (const s of series) expect(encodeSeriesFrame(s).length % 8).toBe(0);
  });

  it('refuses bytes that are not an answer, naming the byte offset', () => {
    expect(() => decodeSeriesBinary(new TextEncoder().encode('{"series":[]}').buffer)).toThrow(/byte 0: must start with "PLS1"/);
    const whole = new Uint8Array(answer([{ key: 'a', total: 3, downsampled: false, x: [1, 2, 3], y: [1, 2, 3] }]));
    expect(() => decodeSeriesBinary(whole.slice(0, whole.length - 8).buffer)).toThrow(/byte 8: cut short: 3 points announced/);
    expect(() => decodeSeriesBinary(whole.slice(0, 10).buffer)).toThrow(/byte 8: cut short in a frame header/);
    const bad = whole.slice();
    bad[12] = 0x7b; // the header's JSON starts with two braces
    bad[13] = 0x7b;
    expect(() => decodeSeriesBinary(bad.buffer)).toThrow(/byte 8: frame header is not UTF-8 JSON/);
  });
});
