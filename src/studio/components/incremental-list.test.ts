import { describe, expect, it } from 'vitest';
import { chunksOf } from './IncrementalList.js';

describe('chunksOf', () => {
  it('cuts a first chunk, then chunks of step, and keeps every item once in order', () => {
    const items = Array.from({ length: 130 }, (_, i) => i);
    const chunks = chunksOf(items, 24, 50);
    expect(chunks.map((c) => c.length)).toEqual([24, 50, 50, 6]);
    expect(chunks.flat()).toEqual(items);
  });

  it('a short list is one chunk (and an empty one, one empty chunk)', () => {
    expect(chunksOf([1, 2, 3], 24, 50)).toEqual([[1, 2, 3]]);
    expect(chunksOf([], 24, 50)).toEqual([[]]);
  });
});
