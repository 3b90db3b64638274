import { describe, expect, it } from 'vitest';
import { compareSummaryValues, formatSummaryValue, getSummaryPath, summaryColumnKeys, summaryLeafPaths } from './summary-tree.js';

describe('summary tree helpers', () => {
  const summary = { token_count: 42, timing: { inference: 0.25, load: 1 }, tags: ['a', 'b'], ok: true };

  it('lists leaf paths with nested keys by path', () => {
    expect(summaryLeafPaths(summary)).toEqual(['token_count', 'timing.inference', 'timing.load', 'tags', 'ok']);
    expect(getSummaryPath(summary, 'timing.inference')).toBe(0.25);
    expect(getSummaryPath(summary, 'timing.missing')).toBeUndefined();
    expect(getSummaryPath(summary, 'token_count.x')).toBeUndefined();
  });

  it('formats leaves: numbers, strings, arrays inline up to a length', () => {
    expect(formatSummaryValue(1234.5678)).toBe('1,235');
    expect(formatSummaryValue('hi')).toBe('"hi"');
    expect(formatSummaryValue([1, 2, 3])).toBe('[1, 2, 3]');
    expect(formatSummaryValue(Array.from({ length: 20 }, (_, i) => i))).toBe('[0, 1, 2, 3, 4, 5, 6, 7, … 12 more]');
    expect(formatSummaryValue({ a: 1, b: 2 })).toBe('{2 keys}');
  });

  it('offers summary columns by how often they occur', () => {
    expect(summaryColumnKeys([{ summary: { predict_time: 1, a: 1 } }, { summary: { predict_time: 2, token_count: 3 } }]))
      .toEqual(['predict_time', 'a', 'token_count']);
  });

  it('sorts numbers numerically, then text, missing last', () => {
    const values = [undefined, 'b', 10, 2, 'a'];
    expect([...values].sort(compareSummaryValues)).toEqual([2, 10, 'a', 'b', undefined]);
  });
});
