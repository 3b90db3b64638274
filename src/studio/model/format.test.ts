import { describe, expect, it } from 'vitest';
import { chooseNotation, durationNotation, executionSeconds, formatAlone, formatDuration, formatNumber, formatTimestamp, INVALID_TIME } from './format.js';

describe('formatDuration', () => {
  it.each([
    [0, '0s'], [30, '30s'], [90, '1m30s'], [60, '1m'], [0.25, '0.25s'], [1.292, '1.3s'], [0.1234, '0.12s'], [59.6, '60s'], [3600, '1h'], [3725, '1h2m'],
    [90000, '1d1h'], [-30, '-30s'], [NaN, 'NaN'],
  ])('%s s → %s', (s, text) => expect(formatDuration(s)).toBe(text));
});

describe('number formatting', () => {
  it('spells out non-finite values and keeps 4 significant digits', () => {
    expect([NaN, Infinity, -Infinity, null].map(formatNumber)).toEqual(['NaN', '+∞', '−∞', '—']);
    expect(formatNumber(1234567)).toBe('1,234,567');
    expect(formatNumber(0.123456)).toBe('0.1235');
    expect(formatNumber(2.5e-7)).toBe('2.5e-7');
    expect(formatNumber(12345.678)).toBe('12,350');
  });

  it('writes exponents without a plus sign', () => {
    expect(formatNumber(1.23e20)).toBe('1.23e20');
  });
});

describe('a value with no axis to agree with', () => {
  it('keeps six significant digits (a legend whose chart is not made): 1,999.19 is not 1,999', () => {
    expect(formatAlone(1999.19)).toBe('1,999.19');
    expect(formatAlone(12345.678)).toBe('12,345.7');
    expect(formatAlone(0.123456789)).toBe('0.123457');
    expect(formatAlone(1234567)).toBe('1,234,567');
    expect(formatAlone(2.5123456e-7)).toBe('2.51235e-7');
    expect([NaN, Infinity, -Infinity, null].map(formatAlone)).toEqual(['NaN', '+∞', '−∞', '—']);
  });
});

describe('one notation for a set of values', () => {
  it('never mixes grouped digits and exponents in one legend (963,400,000 and 1.902e+9)', () => {
    const n = chooseNotation(963.4e6, 1.902e9, 1e5);
    expect(n.kind).toBe('si');
    expect([963.4e6, 1.902e9].map(n.format)).toEqual(['963.4M', '1.902G']);
  });

  it('writes offsets the plain digits cannot show', () => {
    const n = chooseNotation(10, 10 + 19e-9, 1e-10);
    expect(n.kind).toBe('offset');
    expect([10, 10 + 19e-9, 10 - 3e-9].map(n.format)).toEqual(['10', '10 + 1.9e-8', '10 − 3e-9']);
  });

  it('picks fixed, si or scientific by the largest magnitude and digits by the resolution', () => {
    expect([0.25, 12500, -3].map(chooseNotation(-3, 12500, 0.05).format)).toEqual(['0.25', '12,500', '-3']);
    expect([1e-300, 2.5e-300].map(chooseNotation(0, 2.5e-300, 1e-301).format)).toEqual(['1e-300', '2.5e-300']);
    expect([-1e308, 0, 1.5e308].map(chooseNotation(-1e308, 1.5e308, 5e307).format)).toEqual(['-1e308', '0', '1.5e308']);
    expect([NaN, Infinity, -Infinity, -0].map(chooseNotation(0, 1, 0.1).format)).toEqual(['NaN', '+∞', '−∞', '0']);
  });

  it('writes a value of everyday size plain on a scientific axis (a legend showed `5e0` beside 1e308)', () => {
    expect([5, -12.5, 1e308].map(chooseNotation(0, 1e308, 1e306).format)).toEqual(['5', '-13', '1e308']);
    expect([5, 0.25, 123456, 2.5e20].map(chooseNotation(0, 3e20, 1e14).format)).toEqual(['5', '0', '123,456', '2.5e20']);
    expect([2e-5, 3e-6].map(chooseNotation(0, 2e-5, 1e-7).format)).toEqual(['2e-5', '3e-6']);
  });
});

describe('durations of a tick set', () => {
  it('shows every part down to the step', () => {
    expect([0.155, 90, 3600 + 1800, 86400 + 1800].map(durationNotation(0.005))).toEqual(['0.155s', '1m30s', '1h30m', '1d30m']);
    expect([86400, 86400 + 3600].map(durationNotation(3600))).toEqual(['1d', '1d1h']);
  });
});

describe('times and durations of executions', () => {
  const now = Date.UTC(2026, 10, 1);
  it('measures running executions up to now, ended ones to their end, lost ones to when they were last seen', () => {
    const startedAt = now - 3000;
    expect(executionSeconds({ startedAt, endedAt: null }, now)).toBe(3);
    expect(executionSeconds({ startedAt, endedAt: startedAt + 1000 }, now + 9000)).toBe(1);
    expect(executionSeconds({ startedAt, endedAt: null, status: 'lost', lastSeenAt: startedAt + 2000 }, now + 60_000)).toBe(2);
  });

  it('shows times an older store holds that are not milliseconds as invalid (seconds, nanoseconds, 1e300, negative)', () => {
    for (const bad of [now / 1000, now * 1e6, 1e300, -5e12, NaN]) {
      expect(formatTimestamp(bad, now)).toBe(INVALID_TIME);
      expect(executionSeconds({ startedAt: bad, endedAt: null }, now)).toBeNull();
    }
    expect(formatTimestamp(now - 1000, now)).toMatch(/^\w+ \d+, \d\d:\d\d:\d\d$/);
  });
});
