import { describe, expect, it } from 'vitest';
import { SeriesBuffer } from './series-buffer.js';

/** Takes everything that waits, as plain arrays. */
function drain(b: SeriesBuffer): { x: number[]; y: number[] } {
  const t = b.takeFront(b.length);
  return { x: Array.from(t.x), y: Array.from(t.y) };
}

describe('SeriesBuffer', () => {
  it('keeps points in order through takes, drops, wrapping around the ring and growth', () => {
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
    push(30); // 40 waiting: the last 26 wrap to the front of the 64 slots, nothing is copied or grown
    expect(b.x.length).toBe(64);
    const wrapped = b.takeFront(20); // slots 50..63 and 0..5: a copy, in order
    expect(Array.from(wrapped.x)).toEqual(expected.splice(0, 20));
    b.dropFront(5);
    expected.splice(0, 5);
    push(200); // grows, unwrapping what waits
    expect(b.x.length).toBe(256);
    const rest = drain(b);
    expect(rest.x).toEqual(expected);
    expect(rest.y).toEqual(expected.map((v) => -v));
  });

  it('hands out views of its columns when they do not wrap, and starts over at the front once empty', () => {
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
