import { describe, expect, it } from 'vitest';
import { refuseXRoundedToLimit, xLiteralBeyondLimit } from './json-x-literals.js';

const batch = (x: string, extra = '') => `{"executions":[{"id":"r","points":[{"key":"a","x":[1, ${x}],"y":[1, 9007199254740993]}]${extra}}]}`;

describe('x literals that JSON.parse rounds onto 2^53', () => {
  it('finds a literal beyond 2^53 that reads as 2^53, in every notation, with its path', () => {
    for (const x of ['9007199254740993', '9007199254740992.5', '9.007199254740993e15', '90071992547409930e-1', '0.9007199254740993E16', '-9007199254740993']) {
      expect(xLiteralBeyondLimit(batch(x))).toEqual({ path: 'executions[0].points[0].x[1]', literal: x });
    }
  });

  it('keeps 2^53 itself however it is written, a literal below it that rounds up, and y values', () => {
    for (const x of ['9007199254740992', '9007199254740992.000', '9.007199254740992e15', '-9007199254740992', '9007199254740991.7']) {
      expect(xLiteralBeyondLimit(batch(x))).toBeNull();
    }
  });

  it('finds rewind.x and a summary op x, and reads escaped keys', () => {
    expect(xLiteralBeyondLimit('{"executions":[{"id":"r","rewind":{"x":9007199254740993}}]}')?.path).toBe('executions[0].rewind.x');
    expect(xLiteralBeyondLimit('{"executions":[{"id":"r","summary":[{"key":"k","value":1,"x":9007199254740993}]}]}')?.path)
      .toBe('executions[0].summary[0].x');
    expect(xLiteralBeyondLimit('{"executions":[{"id":"r\\"]","points":[{"key":"a,[","\\u0078":[9007199254740993],"y":[1]}]}]}')?.path)
      .toBe('executions[0].points[0].x[0]');
  });

  it('refuses by name, and reads the text only when an x is exactly ±2^53', () => {
    const text = batch('9007199254740993');
    expect(() => refuseXRoundedToLimit(JSON.parse(text), () => text)).toThrow(
      'executions[0].points[0].x[1]: x must be at most 2^53 (9007199254740992) in magnitude; beyond it whole numbers are no longer distinct (got 9007199254740993, which a double reads as 9007199254740992)');
    let read = 0;
    const plain = batch('5');
    refuseXRoundedToLimit(JSON.parse(plain), () => { read++; return plain; });
    expect(read).toBe(0);
  });
});
