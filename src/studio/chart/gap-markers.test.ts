import { describe, expect, it } from 'vitest';
import { seriesFrom } from '../model/series-buffer.js';
import { oddKindAt } from './gap-markers.js';

describe('oddKindAt', () => {
  it('tells +Infinity, −Infinity and NaN apart (each gets its own marker)', () => {
    const line = seriesFrom([1, 2, 3, 4], [0.5, Infinity, -Infinity, NaN]);
    expect(oddKindAt(line, 2)).toBe('pos');
    expect(oddKindAt(line, 3)).toBe('neg');
    expect(oddKindAt(line, 4)).toBe('nan');
    // No such point (or no line): a plain gap.
    expect(oddKindAt(line, 2.5)).toBe('nan');
    expect(oddKindAt(undefined, 2)).toBe('nan');
  });
});
