import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decodeBinaryBatch, encodeBinaryBatch, validateIngestBatch, wholeStepOf, type AcceptedBatch } from '../../protocol/index.js';
import { batchFingerprint, sameBatchContent } from './batch-fingerprint.js';

const batchOf = (x: ArrayLike<number>, y: ArrayLike<number>): AcceptedBatch =>
  validateIngestBatch({ batchId: 'b', executions: [{ id: 'e', points: [{ key: 'k', x: Array.from(x), y: Array.from(y) }] }] });
const binary = (x: number[], y: number[]): AcceptedBatch =>
  validateIngestBatch(decodeBinaryBatch(encodeBinaryBatch({ batchId: 'b', executions: [{ id: 'e', points: [{ key: 'k', x, y }] }] })));

describe('batchFingerprint', () => {
  it('is the same for the JSON and the binary form, a regular x sent as start and step included', () => {
    for (const [start, step] of [[0, 1], [-4000, 3], [1_733_000_000_000, 1000]] as const) {
      const x = Array.from({ length: 3000 }, (_, i) => start + step * i);
      const y = x.map((v) => Math.sin(v));
      const fromBinary = binary(x, y);
      expect(wholeStepOf(fromBinary.executions[0]!.points![0]!.x)).toBe(step);
      expect(batchFingerprint(fromBinary)).toBe(batchFingerprint(batchOf(x, y)));
      expect(batchFingerprint(fromBinary)).toHaveLength(24);
    }
  });

  it('differs whenever a bit of a column differs: regular or nearly, −0, NaN payloads, fractions', () => {
    const x = Array.from({ length: 1000 }, (_, i) => i);
    const y = x.map(() => 1);
    const base = batchFingerprint(batchOf(x, y));
    const changed = (f: (x: number[], y: number[]) => void) => {
      const cx = [...x];
      const cy = [...y];
      f(cx, cy);
      return batchFingerprint(batchOf(cx, cy));
    };
    expect(changed((cx) => { cx[999] = 1000; })).not.toBe(base);
    expect(changed((cx) => { cx[500] = 500.5; })).not.toBe(base);
    expect(changed((_, cy) => { cy[999] = 1.0000000000000002; })).not.toBe(base);
    expect(changed((_, cy) => { cy[0] = 0; })).not.toBe(base);
    // −0 against 0 as a regular column's start.
    const down = (zero: number) => batchFingerprint(batchOf([1, 2, 3], [zero, -1, -2]));
    expect(down(-0)).not.toBe(down(0));
    // NaNs with different payloads are different content.
    const nan = (hex: string) => {
      const batch = batchOf([1, 2, 3], [0, 0, 0]);
      const ys = new Float64Array(Uint8Array.from(Buffer.from(hex.repeat(3), 'hex')).buffer);
      return batchFingerprint({ ...batch, executions: [{ ...batch.executions[0]!, points: [{ key: 'k', x: batch.executions[0]!.points![0]!.x, y: ys }] }] });
    };
    expect(nan('010000000000f87f')).not.toBe(nan('020000000000f87f'));
  });

  it('takes a fingerprint stored before (22 characters, every column hashed) as the same content', () => {
    const batch = batchOf([1, 2, 3, 4], [5, 6, 7, 8]);
    const fnv = (v: Float64Array) => {
      const words = new Uint32Array(v.buffer, v.byteOffset, v.length * 2);
      let h = 0x811c9dc5;
      for (let i = 0; i < words.length; i++) h = Math.imul(h ^ words[i]!, 16777619);
      return (h >>> 0).toString(16);
    };
    const legacy = createHash('sha256')
      .update(JSON.stringify(batch, (_k, v: unknown) => (v instanceof Float64Array ? { n: v.length, h: fnv(v) } : v))).digest('base64url').slice(0, 22);
    expect(sameBatchContent(legacy, batch, batchFingerprint(batch))).toBe(true);
    expect(sameBatchContent(legacy, batchOf([1, 2, 3, 4], [5, 6, 7, 9]), batchFingerprint(batchOf([1, 2, 3, 4], [5, 6, 7, 9])))).toBe(false);
  });
});
