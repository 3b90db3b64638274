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

  it('matches a plain array under a long random mix of pushes, takes and drops', () => {
    let seed = 42;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const b = new SeriesBuffer();
    const model: number[] = [];
    let next = 0;
    for (let step = 0; step < 5_000; step++) {
      const r = random();
      if (r < 0.6) {
        for (let n = Math.floor(random() * 40); n > 0; n--, next++) {
          b.push(next, next / 2);
          model.push(next);
        }
      } else if (r < 0.9) {
        const n = Math.floor(random() * (model.length + 1));
        const t = b.takeFront(n);
        const expected = model.splice(0, n);
        expect(Array.from(t.x)).toEqual(expected);
        expect(Array.from(t.y)).toEqual(expected.map((v) => v / 2));
      } else {
        const n = Math.floor(random() * 30);
        b.dropFront(n);
        model.splice(0, n);
      }
      expect(b.length).toBe(model.length);
    }
    expect(drain(b).x).toEqual(model);
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
