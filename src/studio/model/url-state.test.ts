import { describe, expect, it } from 'vitest';
import { decodeRange, encodeRange, executionIdFromPath, executionPath } from './url-state.js';

describe('URL state', () => {
  it('round-trips a zoom range on the default axis and on a units axis', () => {
    for (const range of [{ axis: '', from: 1.5, to: 30 }, { axis: 'epoch', from: 2, to: 7 }]) {
      expect(decodeRange(encodeRange('', range))).toEqual(range);
    }
  });

  it('keeps other parameters and removes the range', () => {
    const s = encodeRange('?tab=a', { axis: 'step', from: 0, to: 1 });
    expect(s).toBe('?tab=a&from=0&to=1&x=step');
    expect(encodeRange(s, null)).toBe('?tab=a');
    expect(encodeRange('?from=1&to=2', null)).toBe('');
  });

  it('rejects missing, non-numeric or empty ranges', () => {
    expect(decodeRange('')).toBeNull();
    expect(decodeRange('?from=1')).toBeNull();
    expect(decodeRange('?from=a&to=2')).toBeNull();
    expect(decodeRange('?from=2&to=2')).toBeNull();
    expect(decodeRange('?from=&to=')).toBeNull();
  });

  it('trims float noise', () => {
    expect(encodeRange('', { axis: '', from: 0.1 + 0.2, to: 1 })).toBe('?from=0.3&to=1');
  });

  it('maps execution ids to paths and back', () => {
    expect(executionPath('a b/c')).toBe('/executions/a%20b%2Fc');
    expect(executionIdFromPath(executionPath('a b/c'))).toBe('a b/c');
    expect(executionIdFromPath('/')).toBeNull();
  });
});
