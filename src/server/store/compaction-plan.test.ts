import { describe, expect, it } from 'vitest';
import { planMerges } from './compaction-plan.js';

const chunks = (...counts: number[]) => counts.map((count, i) => ({ id: i + 1, count }));

describe('planMerges', () => {
  it('merges runs of consecutive small chunks', () => {
    expect(planMerges(chunks(10, 10, 10), 100, 1000)).toEqual([[1, 2, 3]]);
  });

  it('never rewrites big chunks and splits runs around them', () => {
    expect(planMerges(chunks(10, 10, 500, 10, 500, 10, 10), 100, 1000)).toEqual([[1, 2], [6, 7]]);
  });

  it('caps a run at the chunk size', () => {
    expect(planMerges(chunks(60, 60, 60, 60, 60), 100, 150)).toEqual([[1, 2], [3, 4]]);
  });

  it('has nothing to do for a lone small chunk', () => {
    expect(planMerges(chunks(500, 10), 100, 1000)).toEqual([]);
    expect(planMerges([], 100, 1000)).toEqual([]);
  });
});
