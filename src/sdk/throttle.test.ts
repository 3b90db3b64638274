import { describe, expect, it } from 'vitest';
import { Throttle } from './throttle.js';

describe('Throttle', () => {
  it('sends the leading value at once and keeps the latest of the window as the trailing value', () => {
    const t = new Throttle(10); // 100 ms windows
    expect(t.offer(0, 10, 1000)).toEqual({ x: 0, y: 10 });
    expect(t.offer(1, 11, 1010)).toBeNull();
    expect(t.offer(2, 12, 1050)).toBeNull();
    expect(t.dueAt()).toBe(1100);
    expect(t.takePending(1100)).toEqual({ x: 2, y: 12 });
    expect(t.takePending(1100)).toBeNull();
    expect(t.dueAt()).toBeNull();
  });

  it('starts a new window after the trailing value went out', () => {
    const t = new Throttle(10);
    t.offer(0, 0, 0);
    t.offer(1, 1, 50);
    t.takePending(100);
    expect(t.offer(2, 2, 150)).toBeNull();
    expect(t.offer(3, 3, 200)).toEqual({ x: 3, y: 3 });
    expect(t.dueAt()).toBeNull();
  });

  it('sends a value at once when its window has passed, dropping nothing pending', () => {
    const t = new Throttle(2); // 500 ms windows
    t.offer(0, 0, 0);
    t.offer(1, 1, 100);
    expect(t.offer(2, 2, 600)).toEqual({ x: 2, y: 2 });
    expect(t.pending).toBeNull();
  });

  it('passes every value with rate null', () => {
    const t = new Throttle(null);
    for (let i = 0; i < 100; i++) expect(t.offer(i, i, 0)).toEqual({ x: i, y: i });
    expect(t.dueAt()).toBeNull();
  });
});
