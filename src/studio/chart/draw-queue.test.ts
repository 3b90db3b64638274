import { describe, expect, it } from 'vitest';
import { createDrawQueue } from './draw-queue.js';

/** A queue on a fake frame source and clock; each draw takes `cost` ms of the fake clock. */
function fake(budgetMs: number, maxPerFrame?: number) {
  let now = 0;
  const frames: Array<() => void> = [];
  const q = createDrawQueue({ nextFrame: (fn) => frames.push(fn), now: () => now, budgetMs, ...(maxPerFrame !== undefined && { maxPerFrame }) });
  const drawn: string[][] = [];
  const frame = () => {
    drawn.push([]);
    frames.shift()?.();
  };
  const draw = (name: string, cost: number) => () => {
    drawn[drawn.length - 1]!.push(name);
    now += cost;
  };
  return { q, frame, draw, drawn, pendingFrames: () => frames.length };
}

describe('draw queue', () => {
  it('draws at most maxPerFrame charts a frame however cheap they are', () => {
    const f = fake(8, 2);
    for (let i = 0; i < 5; i++) f.q.queue({ i }, f.draw(`p${i}`, 0));
    f.frame();
    f.frame();
    f.frame();
    expect(f.drawn).toEqual([['p0', 'p1'], ['p2', 'p3'], ['p4']]);
    expect(f.pendingFrames()).toBe(0);
  });

  it('spreads redraws over frames within the budget, at least one a frame, oldest first', () => {
    const f = fake(8);
    for (let i = 0; i < 5; i++) f.q.queue({ i }, f.draw(`p${i}`, 3));
    expect(f.pendingFrames()).toBe(1);
    f.frame();
    f.frame();
    expect(f.drawn).toEqual([['p0', 'p1', 'p2'], ['p3', 'p4']]);
    expect(f.q.size).toBe(0);
    expect(f.pendingFrames()).toBe(0);
    const slow = fake(8);
    slow.q.queue({}, slow.draw('big', 40));
    slow.q.queue({}, slow.draw('next', 1));
    slow.frame();
    slow.frame();
    expect(slow.drawn).toEqual([['big'], ['next']]);
  });

  it('draws a chart queued twice once, with its latest draw, in its first place; a cancelled one not at all', () => {
    const f = fake(100);
    const a = {};
    const b = {};
    const c = {};
    f.q.queue(a, f.draw('a-old', 1));
    f.q.queue(b, f.draw('b', 1));
    f.q.queue(c, f.draw('c', 1));
    f.q.queue(a, f.draw('a-new', 1));
    f.q.cancel(c);
    f.frame();
    expect(f.drawn).toEqual([['a-new', 'b']]);
    expect(f.pendingFrames()).toBe(0);
  });

  it('with a duty cycle, rests in proportion to what the last draws took, then draws what arrived meanwhile once', () => {
    let now = 0;
    const frames: Array<() => void> = [];
    const waits: Array<{ fn: () => void; ms: number }> = [];
    const q = createDrawQueue({
      nextFrame: (fn) => frames.push(fn), now: () => now, budgetMs: 8, duty: 1 / 4, wait: (fn, ms) => waits.push({ fn, ms }),
    });
    const drawn: string[] = [];
    const chart = {};
    const draw = (name: string) => () => {
      drawn.push(name);
      now += 10;
    };
    q.queue(chart, draw('first'));
    frames.shift()!();
    expect(drawn).toEqual(['first']);
    // Two updates arrive while it rests 3 × 10 ms: no frame is asked for until the rest is over, then one draw.
    q.queue(chart, draw('second'));
    q.queue(chart, draw('third'));
    expect(frames).toHaveLength(0);
    expect(waits.map((w) => w.ms)).toEqual([30]);
    now += 30;
    waits.shift()!.fn();
    frames.shift()!();
    expect(drawn).toEqual(['first', 'third']);
    // After the rest, a chart queued again is asked a frame at once.
    now += 40;
    q.queue(chart, draw('fourth'));
    expect(frames).toHaveLength(1);
    expect(waits).toHaveLength(0);
  });
});
