import { describe, expect, it } from 'vitest';
import { durationSplits, executionSeconds, formatDuration, formatNumber, formatTick, niceStep } from './format.js';

describe('formatDuration', () => {
  it.each([
    [0, '0s'], [30, '30s'], [90, '1m30s'], [60, '1m'], [0.25, '0.25s'], [1.292, '1.3s'], [0.1234, '0.12s'], [59.6, '60s'], [3600, '1h'], [3725, '1h2m'],
    [90000, '1d1h'], [-30, '-30s'], [NaN, 'NaN'],
  ])('%s s → %s', (s, text) => expect(formatDuration(s)).toBe(text));
});

describe('durationSplits', () => {
  it('lands on round durations', () => {
    expect(durationSplits(0, 90, 600)).toEqual([0, 15, 30, 45, 60, 75, 90]);
    expect(durationSplits(0, 90, 800)).toEqual([0, 10, 20, 30, 40, 50, 60, 70, 80, 90]);
    expect(durationSplits(0, 90, 300)).toEqual([0, 30, 60, 90]);
    expect(durationSplits(5, 3600, 400)).toEqual([900, 1800, 2700, 3600]);
  });

  it('uses decimal steps below a second per tick', () => {
    expect(durationSplits(0, 1, 700)).toEqual([0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1]);
  });

  it('degrades to one tick for an empty range', () => {
    expect(durationSplits(3, 3, 500)).toEqual([3]);
  });
});

describe('number formatting', () => {
  it('spells out non-finite values and keeps 4 significant digits', () => {
    expect([NaN, Infinity, -Infinity, null].map(formatNumber)).toEqual(['NaN', '+∞', '−∞', '—']);
    expect(formatNumber(1234567)).toBe('1,234,567');
    expect(formatNumber(0.123456)).toBe('0.1235');
    expect(formatNumber(2.5e-7)).toBe('2.5e-7');
    expect(formatNumber(12345.678)).toBe('12,350');
  });

  it('abbreviates axis ticks', () => {
    expect([0, 1500, 2_000_000, 0.25, 1e-6, 3.14159].map(formatTick)).toEqual(['0', '1.5k', '2M', '0.25', '1e-6', '3.142']);
  });

  it('rounds steps to 1, 2 or 5 times a power of ten', () => {
    expect([0.03, 0.15, 3, 7].map(niceStep)).toEqual([0.05, 0.2, 5, 10]);
  });

  it('measures running executions up to now', () => {
    expect(executionSeconds({ startedAt: 1000, endedAt: null }, 4000)).toBe(3);
    expect(executionSeconds({ startedAt: 1000, endedAt: 2000 }, 9000)).toBe(1);
  });
});
