import { describe, expect, it } from 'vitest';
import { jsonExact } from './numbers.js';

describe('jsonExact', () => {
  it('writes −0 as -0 anywhere in a value, and is JSON.stringify otherwise', () => {
    const value = { a: -0, b: [0, -0, { c: -0 }], d: 'x', e: null, f: true };
    const text = jsonExact(value);
    expect(text).toBe('{"a":-0,"b":[0,-0,{"c":-0}],"d":"x","e":null,"f":true}');
    const back = JSON.parse(text);
    expect([Object.is(back.a, -0), Object.is(back.b[0], 0), Object.is(back.b[1], -0), Object.is(back.b[2].c, -0)]).toEqual([true, true, true, true]);
    expect(jsonExact({ a: 0, b: [1, 'y'] })).toBe(JSON.stringify({ a: 0, b: [1, 'y'] }));
  });

  it('leaves a string that looks like its stand-in for −0 a string', () => {
    const lookalike = '\u{E000}-0\u{E000}';
    const text = jsonExact({ s: lookalike, [lookalike]: -0, n: -0 });
    expect(JSON.parse(text)).toEqual({ s: lookalike, [lookalike]: -0, n: -0 });
    expect(Object.is(JSON.parse(text).n, -0)).toBe(true);
  });
});
