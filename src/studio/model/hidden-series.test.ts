import { describe, expect, it } from 'vitest';
import { decodeHidden, encodeHidden, onlyShown, toggleHidden } from './hidden-series.js';

describe('hidden series in the URL', () => {
  it('round-trips keys with any character, per panel, other parameters kept', () => {
    const s = encodeHidden('?from=1&to=2', 'g:a', ['val,loss', 'a&b=c']);
    expect(decodeHidden(s, 'g:a')).toEqual(new Set(['val,loss', 'a&b=c']));
    expect(decodeHidden(s, 'g:b')).toEqual(new Set());
    expect(s.startsWith('?from=1&to=2&')).toBe(true);
    expect(encodeHidden(s, 'g:a', [])).toBe('?from=1&to=2');
  });

  it('ignores keys the panel does not have', () => {
    expect(decodeHidden('?h.p=loss&h.p=gone', 'p', ['loss', 'acc'])).toEqual(new Set(['loss']));
  });

  it('toggles one key, and "only" shows one or all again', () => {
    expect(toggleHidden(new Set(['a']), 'a')).toEqual(new Set());
    expect(toggleHidden(new Set(), 'a')).toEqual(new Set(['a']));
    expect(onlyShown(new Set(), ['a', 'b', 'c'], 'b')).toEqual(new Set(['a', 'c']));
    expect(onlyShown(new Set(['a', 'c']), ['a', 'b', 'c'], 'b')).toEqual(new Set());
  });
});
