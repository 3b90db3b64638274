import { describe, expect, it } from 'vitest';
import { chooseNotation, durationNotation, executionSeconds, formatAlone, formatDuration, formatNumber, formatTimestamp, formatX, INVALID_TIME, readoutNotation } from './format.js';
import { yAxisFrame } from './plot-frame.js';

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

describe('readoutNotation: a value read off a chart shows itself, whatever its axis ticks', () => {
  it('on an axis up to a spike at 1e6, 0.932 and 1.05 read apart (not both "1"), each with 4 significant digits', () => {
    const f = yAxisFrame({ scale: 'y', side: 'left' }, 0.9, 1e6, 200);
    expect(f.ticks.labels).toContain('1M');
    expect(f.values.format(0.932)).toBe('0.932');
    expect(f.values.format(1.05)).toBe('1.05');
    expect(f.values.format(12345.678)).toBe('12.35k');
    // Values on the axis still read alike (its SI notation) and as the axis tells them apart.
    expect(f.values.format(963_400)).toBe('963.4k');
  });

  it('in a y zoom near 1e300, values in the window differ by their offset; one far outside reads as itself', () => {
    const f = yAxisFrame({ scale: 'y', side: 'left' }, 5.0553e299, 5.05531e299, 200);
    expect(f.values.kind).toBe('offset');
    const inside = [5.055305e299, 5.055306e299].map((v) => f.values.format(v));
    expect(inside[0]).not.toBe(inside[1]);
    // Was "5.055e299 − 5.055e299" for 3, 0 and any value far below the window.
    expect(f.values.format(3)).toBe('3');
    expect(f.values.format(0)).toBe('0');
    expect(f.values.format(-2.5)).toBe('-2.5');
    expect(f.values.format(1e300)).toBe('1e300');
    expect(f.values.format(1.234567e299)).toBe('1.235e299');
  });

  it('keeps what read well: offsets near the window, float noise around 1, SI and scientific values', () => {
    expect(readoutNotation(10, 10 + 1.9e-8, 1e-10).format(10 + 1.9e-8)).toBe('10 + 1.9e-8');
    expect(yAxisFrame({ scale: 'y', side: 'left' }, 1, 1.0000000000000002, 200).values.format(1.0000000000000002)).toMatch(/^1(\.0+2)?$/);
    const big = yAxisFrame({ scale: 'y', side: 'left' }, 1e8, 1.902e9, 200);
    expect(big.values.format(963_400_000)).toBe('963.4M');
    expect(big.values.format(1.902e9)).toBe('1.902G');
    expect(yAxisFrame({ scale: 'y', side: 'left' }, 1e300, 5e300, 200).values.format(2e300)).toBe('2e300');
    expect(readoutNotation(0, 1, 0.001).format(NaN)).toBe('NaN');
  });

  it('two neighbouring values of any magnitude on any axis never read the same when 4 significant digits tell them apart', () => {
    const axes: [number, number][] = [[0, 1], [0.9, 1e6], [-1e6, 1], [1e-9, 1e-3], [5.0553e299, 5.05531e299], [10, 10 + 2e-8], [0, 1e15]];
    const values = [0.932, 1.05, 3.3e-5, 3.4e-5, 123_456, 124_567, 7.1e12, 7.2e12, 10.01, 10.02];
    for (const [lo, hi] of axes) {
      const f = yAxisFrame({ scale: 'y', side: 'left' }, lo, hi, 200).values;
      for (let i = 0; i < values.length; i += 2) expect(f.format(values[i]!), `${values[i]} on [${lo}, ${hi}]`).not.toBe(f.format(values[i + 1]!));
    }
  });
});

/** A readout text as [mantissa, power of ten] (`1.5e-7`, `963.4M`, `12,500`, `10 + 2e-9` as its base and difference). */
function parseReadout(text: string): { value: (scale: number) => number; unit: number } {
  const offset = /^(.+) ([+−]) (.+)$/.exec(text);
  if (offset) {
    const base = parseReadout(offset[1]!);
    const d = parseReadout(offset[3]!);
    const sign = offset[2] === '+' ? 1 : -1;
    return { value: (e) => base.value(e) + sign * d.value(e), unit: d.unit };
  }
  const m = /^(-?[\d,]*\.?\d*)(?:e(-?\d+)|([kMGT]))?$/.exec(text);
  if (!m) throw new Error(`not a readout: ${text}`);
  const digits = m[1]!.replace(/,/g, '');
  const si: Record<string, number> = { k: 3, M: 6, G: 9, T: 12 };
  const exp = m[2] !== undefined ? Number(m[2]) : m[3] ? si[m[3]]! : 0;
  const decimals = digits.includes('.') ? digits.length - digits.indexOf('.') - 1 : 0;
  // The value in units of 10^e, without overflowing or underflowing a double on the way.
  return { value: (e) => Number(digits) * 10 ** ((exp - e) / 2) * 10 ** ((exp - e) / 2), unit: exp - decimals };
}

/** `v` in units of 10^e, computed in two halves (10^±324 alone over/underflows). */
const scaled = (v: number, e: number) => v * 10 ** (-e / 2) * 10 ** (-e / 2);

describe('every readout reads back as its value (issue: legend values after a zoom with no data in view)', () => {
  const extremes = [
    1e300, -1e300, 1e-300, -1e-300, 5e-324, -5e-324, 2 ** 53, -(2 ** 53), -0, 1.7976931348623157e308, -1.7976931348623157e308,
    8.672652948291765e280, 2.7524547041923283e-83, 57756582067547180000, 1e-257, 2.7e-307, 0.5435, -0.5439, 1999.19, 123_456.789,
    999_999.9, 1e6, 1e15, 3.3e-5, 1_234_567.89,
  ];
  // The frames legends write with: no data in view ([0, 1]), the tester's three series, huge and tiny axes, offsets.
  const frames: [number | null, number | null][] = [
    [null, null], [0, 1], [1, 8.672652948291765e280], [1, 2], [-1e300, 1e300], [1e-300, 2e-300], [10, 10 + 2e-8], [0.9, 1e6], [1e8, 1.9e9],
    [5.0553e299, 5.05531e299], [-1, 57756582067547180000],
  ];
  // Each axis's readout notation, and the writers of values with no axis (a legend before its chart is made, tables).
  const writers: [string, (v: number) => string][] = [
    ...frames.map(([lo, hi]): [string, (v: number) => string] => [`on [${lo}, ${hi}]`, yAxisFrame({ scale: 'y', side: 'left' }, lo, hi, 200).values.format]),
    ['formatAlone', formatAlone],
  ];
  it('parses back within its printed precision, with at least 4 significant digits and at most 24 characters', () => {
    for (const [name, format] of writers) {
      for (const v of extremes) {
        const text = format(v);
        const where = `${v} ${name} read "${text}"`;
        expect(text.length, where).toBeLessThanOrEqual(24);
        if (v === 0) {
          expect(text, where).toBe('0');
          continue;
        }
        if (Math.abs(v) < 2.2250738585072014e-308) {
          // A subnormal double has fewer digits than 4 to give: it reads back as itself.
          expect(Number(text), where).toBe(v);
          continue;
        }
        const e = Math.floor(Math.log10(Math.abs(v)));
        const read = parseReadout(text);
        // Within half a unit of the last digit printed, and that digit no coarser than the 4th significant one.
        const error = Math.abs(read.value(e) - scaled(v, e));
        expect(error, where).toBeLessThanOrEqual(0.5 * 10 ** (Math.min(read.unit, e - 3) - e) * (1 + 1e-6) + 1e-15);
      }
    }
  });

  it('the tester\'s values after a zoom into an x range with no data: as without the zoom', () => {
    const empty = yAxisFrame({ scale: 'y', side: 'left' }, null, null, 200).values;
    expect(empty.format(8.672652948291765e280)).toBe('8.673e280');
    expect(empty.format(2.7524547041923283e-83)).toBe('2.752e-83');
    expect(empty.format(57756582067547180000)).toBe('5.776e19');
    expect(empty.format(1e-257)).toBe('1e-257');
    expect(empty.format(2.7e-307)).toBe('2.7e-307');
    expect(empty.format(5e-324)).toBe('5e-324');
  });

  it('x in a tooltip heading: whole numbers in full, others to 10 significant digits, none written as 0', () => {
    expect(formatX(2 ** 53, 'step')).toBe('9,007,199,254,740,992 step');
    expect(formatX(2.5e-83, 'step')).toBe('2.5e-83 step');
    expect(formatX(1e300, '')).toBe('1e300');
    expect(formatX(0.25, 's')).toBe('0.25 s');
    expect(formatX(1e15 + 4.875, 'step')).toBe('1,000,000,000,000,004.9 step');
  });
});
