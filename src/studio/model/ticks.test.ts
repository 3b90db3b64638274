import { describe, expect, it } from 'vitest';
import { safeRange } from './range.js';
import { axisTicks, durationTicks, MAX_TICKS, MIN_TICKS, type AxisTicks } from './ticks.js';

function expectReadable(t: AxisTicks): void {
  expect(t.values.length).toBeGreaterThanOrEqual(MIN_TICKS);
  expect(t.values.length).toBeLessThanOrEqual(MAX_TICKS);
  expect(new Set(t.labels).size).toBe(t.labels.length);
  for (const v of t.values) {
    expect(v).toBeGreaterThanOrEqual(t.min);
    expect(v).toBeLessThanOrEqual(t.max);
  }
}

const yTicks = (min: number, max: number, maxTicks = 6) => {
  const [lo, hi] = safeRange(min, max, { pad: 0.05 });
  return axisTicks(lo, hi, { maxTicks });
};

describe('axisTicks', () => {
  it('places 1-2-5 steps on an ordinary range', () => {
    const t = axisTicks(0, 1, { maxTicks: 5 });
    expect(t.values).toEqual([0, 0.2, 0.4, 0.6000000000000001, 0.8, 1]);
    expect(t.labels).toEqual(['0', '0.2', '0.4', '0.6', '0.8', '1']);
  });

  it('turns float noise around a constant into a flat line with readable ticks (1.0 / 1.0000000000000002)', () => {
    const t = yTicks(1, 1.0000000000000002);
    expect(t.min).toBeCloseTo(0.9);
    expect(t.max).toBeCloseTo(1.1);
    expect(t.labels).toEqual(['0.9', '0.95', '1', '1.05', '1.1']);
    expectReadable(t);
  });

  it('tells apart offsets the plain digits cannot show (10 + i·1e-9)', () => {
    const t = yTicks(10, 10 + 19e-9);
    expectReadable(t);
    expect(t.notation.kind).toBe('offset');
    expect(t.labels).toContain('10 + 1e-8');
    expect(t.labels).toContain('10');
    expect(t.labels.every((l) => /^10( [+−] \d(\.\d+)?e-\d+)?$/.test(l))).toBe(true);
  });

  it('labels extreme magnitudes', () => {
    expect(yTicks(1e30, 3e30).labels).toEqual(['1e30', '1.5e30', '2e30', '2.5e30', '3e30']);
    expectReadable(yTicks(1e200, 1e200));
    expectReadable(yTicks(1e300, 5e300));
    const diverging = yTicks(-1e308, 1e308);
    expectReadable(diverging);
    expect(diverging.labels).toContain('0');
    expect(yTicks(-Number.MAX_VALUE, Number.MAX_VALUE).labels).toEqual(['-1e308', '0', '1e308']);
    expectReadable(yTicks(1e-300, 3e-300));
    expectReadable(yTicks(-1e-300, 1e-300));
  });

  it('keeps x near 2^53 apart in steps of 2', () => {
    const t = axisTicks(2 ** 53, 2 ** 53 + 8, { maxTicks: 5, wholeSteps: true });
    expectReadable(t);
    expect(t.labels).toEqual(['9.007199254741e15 − 8', '9.007199254741e15 − 6', '9.007199254741e15 − 4', '9.007199254741e15 − 2', '9.007199254741e15']);
  });

  it('keeps whole steps on a unit axis spanning a few units', () => {
    expect(axisTicks(1, 6, { maxTicks: 10, wholeSteps: true }).values).toEqual([1, 2, 3, 4, 5, 6]);
    expect(axisTicks(3, 3.5, { maxTicks: 5, wholeSteps: true }).step).toBe(0.1);
  });

  it('returns 2–12 distinct labels for any window from 1e-300 to 1e308 down to one ulp, quickly (property)', () => {
    let seed = 12345;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const started = performance.now();
    for (let i = 0; i < 3000; i++) {
      const magnitude = 10 ** (random() * 608 - 300);
      const sign = random() < 0.2 ? -1 : 1;
      const a = sign * magnitude * (1 + random());
      const kind = random();
      // Widths from one ulp up to many magnitudes (crossing zero).
      let b: number;
      if (kind < 0.25) b = a + Math.abs(a) * Number.EPSILON * Math.floor(1 + random() * 4);
      else if (kind < 0.5) b = a + Math.abs(a) * 10 ** (-15 + random() * 15);
      else if (kind < 0.75) b = -a * random();
      else b = Math.min(Number.MAX_VALUE, Math.abs(a) * 10 ** (random() * 10));
      const [lo, hi] = safeRange(Math.min(a, b), Math.max(a, b), { pad: random() < 0.5 ? 0.05 : 0 });
      expect(Number.isFinite(lo) && Number.isFinite(hi) && lo < hi).toBe(true);
      const t = axisTicks(lo, hi, { maxTicks: 2 + Math.floor(random() * 10) });
      if (t.values.length < MIN_TICKS || new Set(t.labels).size !== t.labels.length || t.values.length > MAX_TICKS) {
        throw new Error(`bad ticks for [${a}, ${b}] → [${lo}, ${hi}]: ${JSON.stringify(t.labels)}`);
      }
    }
    expect(performance.now() - started).toBeLessThan(5000);
  });
});

describe('durationTicks', () => {
  it('lands on round durations', () => {
    expect(durationTicks(0, 90, { maxTicks: 6 }).values).toEqual([0, 15, 30, 45, 60, 75, 90]);
    expect(durationTicks(5, 3600, { maxTicks: 4 }).labels).toEqual(['15m', '30m', '45m', '1h']);
  });

  it('never repeats a label below a second per tick (the "six identical 0.16s ticks" case)', () => {
    const t = durationTicks(0.15, 0.175, { maxTicks: 6 });
    expectReadable(t);
    expect(t.labels).toEqual(['0.15s', '0.155s', '0.16s', '0.165s', '0.17s', '0.175s']);
  });

  it('shows every part down to the step past a day', () => {
    const t = durationTicks(86400, 86400 + 7200, { maxTicks: 5 });
    expectReadable(t);
    expect(t.labels).toEqual(['1d', '1d30m', '1d1h', '1d1h30m', '1d2h']);
  });
});
