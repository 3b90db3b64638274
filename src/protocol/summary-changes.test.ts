import { describe, expect, it } from 'vitest';
import { applySummaryChanges, summaryChanges, summaryPreview } from './summary-changes.js';

describe('summary changes', () => {
  it('are the top-level keys set and deleted, and applying them gives the new summary', () => {
    const before = { a: 1, b: { c: 2 }, gone: 'x', same: [1, 2] };
    const after = { a: 1, b: { c: 3 }, added: true, same: [1, 2] };
    const changes = summaryChanges(before, after);
    expect(changes).toEqual({ set: { b: { c: 3 }, added: true }, deleted: ['gone'] });
    expect(applySummaryChanges(before, changes)).toEqual(after);
    expect(before.gone).toBe('x');
  });
});

describe('summary preview', () => {
  it('keeps number, bool and short string leaves with their nesting, not arrays or long strings', () => {
    expect(summaryPreview({ n: 1, ok: true, s: 'hi', long: 'z'.repeat(500), list: [1, 2], t: { inf: 0.5, deep: { x: 'a' } }, empty: {} }))
      .toEqual({ n: 1, ok: true, s: 'hi', t: { inf: 0.5, deep: { x: 'a' } } });
  });
  it('stays within its byte budget however many keys there are', () => {
    const many = Object.fromEntries(Array.from({ length: 10_000 }, (_, i) => [`k${i}`, i]));
    expect(JSON.stringify(summaryPreview(many)).length).toBeLessThan(4096 + 100);
  });
});
