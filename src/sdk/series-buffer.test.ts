import { describe, expect, it } from 'vitest';
import { SeriesBuffer } from './series-buffer.js';

function waiting(b: SeriesBuffer): number[] {
  return Array.from(b.x.subarray(b.head, b.head + b.length));
}

describe('SeriesBuffer', () => {
  it('keeps points in order through takes, drops, reuse of the freed front and growth', () => {
    const b = new SeriesBuffer();
    let next = 0;
    const expected: number[] = [];
    const push = (n: number) => {
      for (let i = 0; i < n; i++, next++) {
        b.push(next, -next);
        expected.push(next);
      }
    };
    push(60);
    const taken = b.takeFront(50);
    expect(Array.from(taken.x)).toEqual(expected.splice(0, 50));
    expect(Array.from(taken.y)).toEqual(Array.from(taken.x, (v) => -v));
    push(30); // fills the 64 slots, then moves the 40 waiting points to the front instead of growing
    expect(b.x.length).toBe(64);
    b.dropFront(5);
    expected.splice(0, 5);
    push(200); // grows
    expect(b.x.length).toBeGreaterThanOrEqual(expected.length);
    expect(waiting(b)).toEqual(expected);
    expect(Array.from(b.y.subarray(b.head, b.head + b.length))).toEqual(expected.map((v) => -v));
  });

  it('hands out views of its columns, not copies, and starts over at the front once empty', () => {
    const b = new SeriesBuffer();
    b.push(1, 10);
    b.push(2, 20);
    const taken = b.takeFront(2);
    expect(taken.y.buffer).toBe(b.y.buffer);
    expect(b.length).toBe(0);
    expect(b.head).toBe(0);
    b.dropFront(3); // more than waits: nothing to drop, no negative length
    expect(b.length).toBe(0);
  });
});
