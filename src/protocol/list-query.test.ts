import { describe, expect, it } from 'vitest';
import { compareWhere, formatLabelFilter, formatSort, formatWhere, parseLabelFilter, parseSort, parseWhere } from './list-query.js';

describe('list query words', () => {
  it('parses and prints sorts', () => {
    for (const text of ['name', '-name', 'startedAt', '-duration', 'summary.acc', '-summary.timing.inference', 'label.model', '-label.a:b c']) {
      expect(formatSort(parseSort(text))).toBe(text);
    }
    expect(parseSort('-summary.acc')).toEqual({ field: 'summary', path: 'acc', desc: true });
    expect(() => parseSort('summary.1bad')).toThrow(/sort: summary path "1bad"/);
    expect(() => parseSort('size')).toThrow(/sort: must be one of/);
  });

  it('splits label filters at the first colon; an empty value is allowed', () => {
    expect(parseLabelFilter('url:http://x')).toEqual({ key: 'url', value: 'http://x' });
    expect(parseLabelFilter('flag:')).toEqual({ key: 'flag', value: '' });
    expect(formatLabelFilter({ key: 'model', value: 'r50' })).toBe('model:r50');
    expect(() => parseLabelFilter(':x')).toThrow(/label: must be key:value/);
  });

  it('parses conditions with each operator, spaces allowed, numbers only', () => {
    expect(parseWhere('summary.acc>=0.9')).toEqual({ path: 'acc', op: '>=', value: 0.9 });
    expect(parseWhere('summary.timing.inference < 1e-3')).toEqual({ path: 'timing.inference', op: '<', value: 0.001 });
    expect(parseWhere('summary.n=-2')).toEqual({ path: 'n', op: '=', value: -2 });
    expect(formatWhere({ path: 'acc', op: '<=', value: 3 })).toBe('summary.acc<=3');
    expect(() => parseWhere('summary.acc>=')).toThrow(/where: must be summary/);
    expect(() => parseWhere('summary.acc=Infinity')).toThrow(/finite number/);
    expect(() => parseWhere('summary.acc!=3')).toThrow(/where:/);
  });

  it('compares as the operators say', () => {
    expect([compareWhere(1, '<', 2), compareWhere(2, '<=', 2), compareWhere(3, '>', 2), compareWhere(2, '>=', 3), compareWhere(2, '=', 2)])
      .toEqual([true, true, true, false, true]);
  });
});
