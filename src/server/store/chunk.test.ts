import { describe, expect, it } from 'vitest';
import { decodeBinaryBatch, encodeBinaryBatch, validateIngestBatch, wholeStepOf } from '../../protocol/index.js';
import { MAX_CHUNK } from './common.js';
import { decodeChunk, encodeChunks } from './chunk.js';

/** The x column of the one points item of a batch after the binary round trip. */
function decodedX(x: number[]): Float64Array {
  const batch = { executions: [{ id: 'e', points: [{ key: 'k', x, y: x.map((v) => v * 0.5) }] }] };
  return validateIngestBatch(decodeBinaryBatch(encodeBinaryBatch(batch))).executions[0]!.points![0]!.x;
}

describe('regular x of a decoded binary batch', () => {
  it('is marked when start and step are whole numbers, and its chunks are stored exactly as a scanned column', () => {
    for (const [start, step] of [[0, 1], [-4000, 3], [1_733_000_000_000, 1000], [2 ** 53 - 3 * 4999, 3]] as const) {
      const values = Array.from({ length: 5000 }, (_, i) => start + step * i);
      const x = decodedX(values);
      expect(wholeStepOf(x)).toBe(step);
      const copy = Float64Array.from(x);
      expect(wholeStepOf(copy)).toBeUndefined();
      const y = new Float64Array(x.length).fill(1.5);
      const marked = encodeChunks(x, y, MAX_CHUNK);
      const scanned = encodeChunks(copy, y, MAX_CHUNK);
      expect(marked.length).toBeGreaterThan(1);
      expect(marked).toEqual(scanned);
      expect(marked.flatMap((c) => Array.from(decodeChunk(c).x))).toEqual(values);
    }
  });

  it('is not marked when start or step has a fraction, or the values leave ±2^53', () => {
    expect(wholeStepOf(decodedX(Array.from({ length: 100 }, (_, i) => 0.5 + i)))).toBeUndefined();
    expect(wholeStepOf(decodedX(Array.from({ length: 100 }, (_, i) => i * 0.25)))).toBeUndefined();
    // Increasing but past 2^53: validation refuses it by name, as before.
    expect(() => decodedX(Array.from({ length: 4 }, (_, i) => 2 ** 53 - 2 + 2 * i))).toThrow(/x/);
  });
});
