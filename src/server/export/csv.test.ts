import { describe, expect, it } from 'vitest';
import { csvField, csvHeader, csvNumber, joinedCsvRows } from './csv.js';

describe('export CSV', () => {
  it('quotes keys holding commas, quotes and line ends, and only those', () => {
    expect(csvHeader(['loss', 'a,b', 'say "hi"', 'two\nlines', 'cr\r'])).toBe('x,loss,"a,b","say ""hi""","two\nlines","cr\r"\n');
    expect(csvField('train/loss')).toBe('train/loss');
  });

  it('writes non-finite values by name and every double so that Number() gives it back', () => {
    expect([NaN, Infinity, -Infinity, -0, 0.1 + 0.2, 5e-324, 1e21].map(csvNumber)).toEqual(['NaN', 'Infinity', '-Infinity', '-0', '0.30000000000000004', '5e-324', '1e+21']);
    for (const v of [-0, 0.1 + 0.2, 5e-324, 1e21, -1.7976931348623157e308]) expect(Object.is(Number(csvNumber(v)), v)).toBe(true);
  });

  it('joins series on x, leaving a cell empty where a series has no point', () => {
    const rows = joinedCsvRows([
      { x: [1, 2, 4], y: [10, NaN, 40] },
      { x: [2, 3], y: [-Infinity, 30] },
    ]);
    expect(rows).toBe('1,10,\n2,NaN,-Infinity\n3,,30\n4,40,\n');
    expect(joinedCsvRows([{ x: [], y: [] }])).toBe('');
  });
});
