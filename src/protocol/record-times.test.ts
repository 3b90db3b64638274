import { describe, expect, it } from 'vitest';
import { decodeBinaryBatch, encodeBinaryBatch } from './binary-batch.js';
import { finishMarks, marksOfItem, mergeMarks, timeAtX, xAtTime } from './time-marks.js';
import { validateIngestBatch, ValidationError } from './validate.js';

const NOW = Date.UTC(2026, 0, 1);
const batchWith = (t: unknown) => ({ executions: [{ id: 'a', start: { name: 'r' }, points: [{ key: 'loss', x: [1, 2, 3], y: [3, 2, 1], t }] }] });
const failure = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    return e as ValidationError;
  }
  throw new Error('did not throw');
};

describe('record times (t) of a points item', () => {
  it('are kept through JSON validation', () => {
    const v = validateIngestBatch(batchWith([NOW - 500, NOW]), NOW);
    expect(v.executions[0]!.points![0]!.t).toEqual([NOW - 500, NOW]);
    expect(validateIngestBatch(batchWith([NOW]), NOW).executions[0]!.points![0]!.t).toEqual([NOW]);
  });

  it('are optional: an item without t reads as before', () => {
    const v = validateIngestBatch({ executions: [{ id: 'a', start: { name: 'r' }, points: [{ key: 'k', x: [1], y: [1] }] }] }, NOW);
    expect('t' in v.executions[0]!.points![0]!).toBe(false);
  });

  it('travel in the binary header and round-trip', () => {
    const bytes = encodeBinaryBatch({ executions: [{ id: 'a', start: { name: 'r' }, points: [
      { key: 'steps', x: [10, 20, 30], y: [1, 2, 3], t: [NOW - 2000, NOW - 1000] },
      { key: 'irregular', x: [1, 5], y: [1, 2], t: [NOW] },
      { key: 'plain', x: [1], y: [1] },
    ] }] });
    const points = validateIngestBatch(decodeBinaryBatch(bytes), NOW).executions[0]!.points!;
    expect(points.map((p) => p.t)).toEqual([[NOW - 2000, NOW - 1000], [NOW], undefined]);
    expect(Array.from(points[0]!.x)).toEqual([10, 20, 30]);
  });

  it('are refused by name when not plausible times in ms, out of order, empty or too many', () => {
    expect(failure(() => validateIngestBatch(batchWith([NOW / 1000, NOW]), NOW))).toMatchObject({ path: 'executions[0].points[0].t[0]' });
    expect(failure(() => validateIngestBatch(batchWith([NOW / 1000, NOW]), NOW)).message).toMatch(/looks like seconds/);
    expect(failure(() => validateIngestBatch(batchWith([NOW, NOW - 1]), NOW))).toMatchObject({ path: 'executions[0].points[0].t[1]' });
    expect(failure(() => validateIngestBatch(batchWith([]), NOW))).toMatchObject({ path: 'executions[0].points[0].t' });
    expect(failure(() => validateIngestBatch(batchWith([NOW, NOW, NOW]), NOW))).toMatchObject({ path: 'executions[0].points[0].t' });
    expect(failure(() => validateIngestBatch(batchWith('now'), NOW))).toMatchObject({ path: 'executions[0].points[0].t' });
  });
});

describe('time marks', () => {
  const marks = { x: [0, 10, 20], t: [1000, 2000, 6000] };

  it('interpolate linearly in x between marks and clamp outside them', () => {
    expect([-5, 0, 5, 10, 15, 20, 99].map((x) => timeAtX(marks, x))).toEqual([1000, 1000, 1500, 2000, 4000, 6000, 6000]);
    expect(timeAtX({ x: [], t: [] }, 1)).toBeNaN();
  });

  it('invert: the x recorded at a time', () => {
    expect([500, 1000, 1500, 4000, 6000, 7000].map((t) => xAtTime(marks, t))).toEqual([0, 0, 5, 15, 20, 20]);
    for (const x of [0, 3, 10, 17.5]) expect(xAtTime(marks, timeAtX(marks, x))).toBeCloseTo(x, 12);
  });

  it('an item gives its first and last (x, t); one point or one time gives what it can', () => {
    expect(marksOfItem([5, 6, 7], [100, 300])).toEqual({ x: [5, 7], t: [100, 300] });
    expect(marksOfItem([5, 6, 7], [100])).toEqual({ x: [5, 7], t: [100, 100] });
    expect(marksOfItem([5], [100, 300])).toEqual({ x: [5], t: [300] });
    expect(marksOfItem([5], undefined)).toBeNull();
  });

  it('a read makes t non-decreasing (a clock stepping back) and thins to a budget keeping both ends', () => {
    expect(finishMarks([1, 2, 3], [10, 5, 20])).toEqual({ x: [1, 2, 3], t: [10, 10, 20] });
    const x = Array.from({ length: 101 }, (_, i) => i);
    expect(finishMarks(x, x, 5)).toEqual({ x: [0, 25, 50, 75, 100], t: [0, 25, 50, 75, 100] });
    expect(finishMarks([], [])).toBeUndefined();
  });

  it('merge by x, the second set winning at the same x', () => {
    expect(mergeMarks({ x: [1, 5], t: [10, 50] }, { x: [3, 5], t: [30, 55] })).toEqual({ x: [1, 3, 5], t: [10, 30, 55] });
    expect(mergeMarks(undefined, marks)).toBe(marks);
  });
});
