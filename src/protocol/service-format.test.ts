import { describe, expect, it } from 'vitest';
import { formatAgo, formatCount, formatLatencyMs, formatRate } from './service-format.js';

describe('service number formats', () => {
  it('latencies carry a unit that fits', () => {
    expect([0.35, 24, 24.44, 999, 1200, 65_000, null, NaN].map(formatLatencyMs)).toEqual(['350 µs', '24 ms', '24.4 ms', '999 ms', '1.2 s', '65 s', '-', '-']);
  });
  it('rates, counts and ages', () => {
    expect([0.0278, 12.34, 250, 12_345, null].map(formatRate)).toEqual(['0.028', '12.3', '250', '12,345', '-']);
    expect([0, 1204, 2.5].map(formatCount)).toEqual(['0', '1,204', '2.5']);
    expect([null, 1e10, 1e10 - 12_000, 1e10 - 60_000, 1e10 - 7_200_000].map((t) => formatAgo(t, 1e10))).toEqual(['-', 'just now', '12s ago', '1m ago', '2h ago']);
  });
  it('a gauge of any value stays a short cell: huge magnitudes in exponent form, negatives grouped like positives', () => {
    // A DogStatsD gauge of 1e308 was printed as a 400-character number that pushed every other column off the terminal.
    expect([1e308, -1e308, 1.2345e20, 999_999_999_999_999, -12_345, -0.5, 5e-324].map(formatRate))
      .toEqual(['1e308', '-1e308', '1.23e20', '999,999,999,999,999', '-12,345', '-0.5', '4.9e-324']);
    expect([1e308, -1e20, -1204].map(formatCount)).toEqual(['1e308', '-1e20', '-1,204']);
    for (const v of [1e308, -1e308, 1.7976931348623157e308]) expect(formatRate(v).length).toBeLessThanOrEqual(9);
  });
});
