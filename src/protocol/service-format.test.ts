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
});
