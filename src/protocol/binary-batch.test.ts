import { describe, expect, it } from 'vitest';
import { decodeBinaryBatch, encodeBinaryBatch } from './binary-batch.js';
import { regularXProblem } from './regular.js';
import { validateIngestBatch } from './validate.js';

describe('binary batch encoding', () => {
  const batch = {
    batchId: 'b1',
    executions: [
      { id: 'a', start: { name: 'run' }, points: [{ key: 'x', x: [1, 2, 3], y: [NaN, -Infinity, 0.1] }, { key: 'empty', x: [], y: [] }] },
      { id: 'b', definitions: [{ key: 'k' }], points: [{ key: 'k', x: Float64Array.of(5), y: Float64Array.of(Infinity) }], end: { status: 'failed' as const } },
    ],
  };

  it('round-trips every field and every double bit for bit', () => {
    const decoded = validateIngestBatch(decodeBinaryBatch(encodeBinaryBatch(batch)));
    expect(decoded.batchId).toBe('b1');
    expect(decoded.executions[0]!.start).toEqual({ name: 'run' });
    expect(decoded.executions[0]!.points!.map((p) => [p.key, Array.from(p.x), Array.from(p.y)])).toEqual([
      ['x', [1, 2, 3], [NaN, -Infinity, 0.1]], ['empty', [], []],
    ]);
    expect(decoded.executions[1]).toMatchObject({ id: 'b', definitions: [{ key: 'k' }], end: { status: 'failed' } });
    expect(Array.from(decoded.executions[1]!.points![0]!.y)).toEqual([Infinity]);
  });

  it('pads the header so columns start on an 8-byte boundary', () => {
    const bytes = encodeBinaryBatch(batch);
    const headerLength = new DataView(bytes.buffer).getUint32(4, true);
    // "x" has regular x (3 y values), "k" has one point (x and y): 5 doubles of columns.
    expect(bytes.length - 8 * 5).toBe(Math.ceil((8 + headerLength) / 8) * 8);
  });

  const headerOf = (bytes: Uint8Array) => JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + new DataView(bytes.buffer).getUint32(4, true))));

  it('writes every byte of memory it is given to reuse, padding included', () => {
    const fresh = encodeBinaryBatch(batch);
    const dirty = new Uint8Array(fresh.length + 64).fill(0xab);
    const reused = encodeBinaryBatch(batch, (n) => dirty.subarray(0, n));
    expect(reused.buffer).toBe(dirty.buffer);
    expect(Array.from(reused)).toEqual(Array.from(fresh));
  });

  it('sends evenly spaced x as xStart and xStep, and rebuilds them bit for bit', () => {
    const x = Array.from({ length: 1000 }, (_, i) => 0.5 + 0.25 * i);
    const bytes = encodeBinaryBatch({ executions: [{ id: 'a', points: [{ key: 'k', x, y: x }] }] });
    expect(headerOf(bytes).executions[0].points[0]).toEqual({ key: 'k', n: 1000, xStart: 0.5, xStep: 0.25 });
    const decoded = validateIngestBatch(decodeBinaryBatch(bytes));
    expect(Array.from(decoded.executions[0]!.points![0]!.x)).toEqual(x);
  });

  it('sends x as a column when start + step · i only matches it after rounding (0.1 + 0.1 · i), so a reader never has to round', () => {
    const x = Array.from({ length: 1000 }, (_, i) => 0.1 + 0.1 * i);
    const bytes = encodeBinaryBatch({ executions: [{ id: 'a', points: [{ key: 'k', x, y: x }] }] });
    expect(headerOf(bytes).executions[0].points[0]).toEqual({ key: 'k', n: 1000 });
    expect(Array.from(validateIngestBatch(decodeBinaryBatch(bytes)).executions[0]!.points![0]!.x)).toEqual(x);
    // Whole numbers whose doubles round near 2^53: [-2^53, -2^52 + 1, 2, 2^52 + 4] is -2^53 + (2^52 + 1) · i in doubles
    // (3 · (2^52 + 1) rounds to 3 · 2^52 + 4), not in integers: a column too.
    const near = [-(2 ** 53), -(2 ** 52) + 1, 2, 2 ** 52 + 4];
    const column = encodeBinaryBatch({ executions: [{ id: 'a', points: [{ key: 'k', x: near, y: near }] }] });
    expect(headerOf(column).executions[0].points[0]).toEqual({ key: 'k', n: 4 });
    expect(Array.from(validateIngestBatch(decodeBinaryBatch(column)).executions[0]!.points![0]!.x)).toEqual(near);
  });

  it('makes one x for items with the same whole-number start, step and count, from as much memory as the distinct ones need', () => {
    const steps = (from: number, n: number, step = 1) => Array.from({ length: n }, (_, i) => from + step * i);
    const bytes = encodeBinaryBatch({
      executions: [
        { id: 'a', points: [{ key: 'p', x: steps(10, 500), y: steps(0, 500) }, { key: 'q', x: steps(10, 500), y: steps(1, 500) }] },
        { id: 'b', points: [{ key: 'p', x: steps(10, 500), y: steps(2, 500) }, { key: 'r', x: steps(10, 499), y: steps(3, 499) },
          { key: 's', x: steps(10, 500, 2), y: steps(4, 500) }, { key: 'u', x: steps(0.5, 500), y: steps(5, 500) }] },
      ],
    });
    const asked: number[] = [];
    const dirty = new Float64Array(4096).fill(-7);
    const decoded = validateIngestBatch(decodeBinaryBatch(bytes, (n) => (asked.push(n), dirty.subarray(0, n))));
    const [a, b] = decoded.executions.map((u) => u.points!);
    // p, q and b's p: one x; r (one point fewer) and s (another step) their own; u (not whole numbers) outside the block.
    expect(asked).toEqual([500 + 499 + 500]);
    expect(a![1]!.x).toBe(a![0]!.x);
    expect(b![0]!.x).toBe(a![0]!.x);
    expect(new Set([a![0]!.x, b![1]!.x, b![2]!.x, b![3]!.x]).size).toBe(4);
    expect(Array.from(a![0]!.x)).toEqual(steps(10, 500));
    expect(Array.from(b![1]!.x)).toEqual(steps(10, 499));
    expect(Array.from(b![2]!.x)).toEqual(steps(10, 500, 2));
    expect(Array.from(b![3]!.x)).toEqual(steps(0.5, 500));
    expect([a![0]!, a![1]!, b![0]!, b![1]!].map((p) => p.y[1])).toEqual([1, 2, 3, 4]);
  });

  /** `bytes` with its header replaced by `edit(header)` (as a client writing its own header might send it). */
  const withHeader = (bytes: Uint8Array, edit: (header: any) => void): Uint8Array => {
    const length = new DataView(bytes.buffer).getUint32(4, true);
    const header = headerOf(bytes);
    edit(header);
    const json = new TextEncoder().encode(JSON.stringify(header));
    const start = Math.ceil((8 + json.length) / 8) * 8;
    const columns = bytes.subarray(Math.ceil((8 + length) / 8) * 8);
    const out = new Uint8Array(start + columns.length);
    out.set(bytes.subarray(0, 4));
    new DataView(out.buffer).setUint32(4, json.length, true);
    out.set(json, 8);
    out.set(columns, start);
    return out;
  };

  it('refuses whole-number xStart/xStep whose exact x passes 2^53, naming the first such x (doubles would round it onto 2^53)', () => {
    const three = encodeBinaryBatch({ executions: [{ id: 'a', points: [{ key: 'k', x: [1, 2, 3], y: [1, 2, 3] }] }] });
    const starting = (xStart: number, xStep = 1, n = 3) => withHeader(three, (h) => Object.assign(h.executions[0].points[0], { xStart, xStep, n }));
    expect(() => decodeBinaryBatch(starting(2 ** 53 - 1))).toThrow(
      'executions[0].points[0].x[2]: x must be at most 2^53 (9007199254740992) in magnitude; beyond it whole numbers are no longer distinct '
      + '(got 9007199254740993 = xStart + 2 · xStep)');
    expect(() => decodeBinaryBatch(starting(2 ** 53 - 2, 3))).toThrow('x[1]: x must be at most 2^53 (9007199254740992) in magnitude; beyond it whole numbers are no longer distinct (got 9007199254740993 = xStart + 1 · xStep)');
    const yOnly = encodeBinaryBatch({ executions: [{ id: 'a', points: [{ key: 'k', x: [1, 2, 3, 4], y: [1, 2, 3, 4] }] }] });
    expect(() => decodeBinaryBatch(withHeader(yOnly, (h) => { h.executions[0].points[0].xStart = 9007199254740990; }))).toThrow('x[3]');
    // Up to 2^53 exactly is kept, every x distinct.
    const atLimit = validateIngestBatch(decodeBinaryBatch(starting(2 ** 53 - 2)));
    expect(Array.from(atLimit.executions[0]!.points![0]!.x)).toEqual([2 ** 53 - 2, 2 ** 53 - 1, 2 ** 53]);
  });

  it('refuses a regular x that double arithmetic would round (naming xStep or xStart), and keeps one exact up to 2^53', () => {
    const steps = (n: number) => Array.from({ length: n }, (_, i) => i + 1);
    const regular = (xStart: number, xStep: number, n = 4) => withHeader(encodeBinaryBatch({ executions: [{ id: 'a', points: [{ key: 'k', x: steps(n), y: steps(n) }] }] }),
      (h) => Object.assign(h.executions[0].points[0], { xStart, xStep }));
    const xOf = (bytes: Uint8Array) => Array.from(validateIngestBatch(decodeBinaryBatch(bytes)).executions[0]!.points![0]!.x);
    // The fault: −2^53 + (2^52 + 1) · 3 is 2^52 + 3, but 3 · (2^52 + 1) rounds to 3 · 2^52 + 4 in doubles: stored 2^52 + 4.
    expect(() => decodeBinaryBatch(regular(-(2 ** 53), 2 ** 52 + 1))).toThrow(
      'executions[0].points[0].xStep: xStep · 3 = 13510798882111491 is beyond 2^53, so xStart + xStep · i (i < n) is not exact in doubles: send this series\' x column instead');
    // A step above 2^31 from near −2^53: xStep · (n − 1) at 2^53 exactly is kept, one unit past it refused.
    const step = 2 ** 31 + 1;
    const n = 4;
    expect(xOf(regular(-(2 ** 53) + 1, 2 ** 53 / 2, 3))).toEqual([-(2 ** 53) + 1, -(2 ** 52) + 1, 1]);
    expect(() => decodeBinaryBatch(regular(-(2 ** 53) + 1, 2 ** 53 / 2 + 1, 3))).toThrow('.xStep: xStep · 2 = 9007199254740994 is beyond 2^53');
    expect(xOf(regular(-(2 ** 53) + 1, step, n))).toEqual([0, 1, 2, 3].map((i) => -(2 ** 53) + 1 + step * i));
    // xStart + xStep · (n − 1) at 2^53 exactly is kept (1 + (2^53 − 1)); the x limit refuses one past.
    expect(xOf(regular(1, 2 ** 53 - 1, 2))).toEqual([1, 2 ** 53]);
    expect(() => decodeBinaryBatch(regular(3, 2 ** 53 - 1, 2))).toThrow('x[1]: x must be at most 2^53');
    // In units of the finest bit: −2^53 + 2^52 · i is exact (the sum of units is 4 · 2^52), and so kept.
    expect(xOf(regular(-(2 ** 53), 2 ** 52, 5))).toEqual([-(2 ** 53), -(2 ** 52), 0, 2 ** 52, 2 ** 53]);
    // Fractions mean xStart + xStep · i in doubles, as the SDKs that sent them (0.1-steps) checked bit for bit: kept as such.
    expect(xOf(regular(0.5, 0.25))).toEqual([0.5, 0.75, 1, 1.25]);
    expect(xOf(regular(0, 0.1))).toEqual([0, 0.1, 0.2, 0.30000000000000004]);
    expect(xOf(regular(0.1, 0.1, 1000)).every((x, i) => Object.is(x, 0.1 + 0.1 * i))).toBe(true);
    expect(xOf(regular(5e-324, 1, 2))).toEqual([5e-324, 1]);
    // 2^53 − 2 + 0.5 is 2^53 − 2 in doubles: refused by x order, not stored as another x.
    expect(() => validateIngestBatch(decodeBinaryBatch(regular(2 ** 53 - 2, 0.5, 2)))).toThrow(/x must increase/);
  });

  it("regularXProblem (the encoder's test of a header it may send) still names fractional steps whose products round", () => {
    expect(regularXProblem(0, 0.1, 4)).toMatchObject({ field: 'xStep' });
    expect(regularXProblem(0.5, 0.25, 4)).toBeNull();
    expect(regularXProblem(5e-324, 1, 2)).toMatchObject({ field: 'xStep' });
  });

  it('keeps the x column when x is not exactly regular', () => {
    const x = [1, 2, 3.0000000000000004, 4];
    const bytes = encodeBinaryBatch({ executions: [{ id: 'a', points: [{ key: 'k', x, y: x }] }] });
    expect(headerOf(bytes).executions[0].points[0]).toEqual({ key: 'k', n: 4 });
    expect(Array.from(validateIngestBatch(decodeBinaryBatch(bytes)).executions[0]!.points![0]!.x)).toEqual(x);
  });

  it('decodes a body that does not start on an 8-byte boundary (copying it)', () => {
    const bytes = encodeBinaryBatch(batch);
    const shifted = new Uint8Array(bytes.length + 3);
    shifted.set(bytes, 3);
    const decoded = validateIngestBatch(decodeBinaryBatch(shifted.subarray(3)));
    expect(Array.from(decoded.executions[0]!.points![0]!.x)).toEqual([1, 2, 3]);
  });

  it('refuses to encode columns of different lengths', () => {
    expect(() => encodeBinaryBatch({ executions: [{ id: 'a', points: [{ key: 'k', x: [1, 2], y: [1] }] }] })).toThrow(/"k": x and y differ in length \(2, 1\)/);
  });
});
