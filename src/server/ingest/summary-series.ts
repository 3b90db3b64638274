import { LIMITS, SUMMARY_SERIES_PREFIX, type SummaryObject, type SummaryOp, type SummaryValue } from '../../protocol/index.js';
import { applySummaryOp, getSummaryValue, SummaryError } from '../../protocol/summary.js';
import { DomainError } from '../domain-error.js';

/** Numeric summary values are also drawn over time, as a derived series with this key prefix. */
export const DERIVED_PREFIX = SUMMARY_SERIES_PREFIX;

export interface DerivedPoints {
  key: string;
  x: number[];
  y: number[];
}

/**
 * Applies summary ops to `summary` in place (Cog rules) and returns the points of the derived `@summary.<key>` series:
 * one per op and number its resulting value holds (itself, or an object's numeric leaves), at x = op.x, else seconds since
 * the start; nudged just above the series' last x when it would not increase, and not drawn when that would pass 2^53 (the
 * summary still holds the value). `lastX(key)` gives the last stored x of a derived series (null when it has none).
 */
export function applySummaryOps(
  summary: SummaryObject, ops: SummaryOp[], path: string, defaultX: number, lastX: (key: string) => number | null,
): DerivedPoints[] {
  const derived = new Map<string, DerivedPoints>();
  ops.forEach((op, k) => {
    try {
      applySummaryOp(summary, op);
    } catch (e) {
      if (e instanceof SummaryError) throw new DomainError('invalid', `${path}[${k}]`, e.message);
      throw e;
    }
    const x = op.x ?? defaultX;
    for (const [leaf, value] of numericLeaves(getSummaryValue(summary, op.key), op.key)) {
      const key = DERIVED_PREFIX + leaf;
      let d = derived.get(key);
      if (!d) derived.set(key, (d = { key, x: [], y: [] }));
      const last = d.x.length > 0 ? d.x[d.x.length - 1]! : lastX(key);
      const at = last === null || x > last ? x : justAbove(last);
      // Past 2^53 no x is distinct (the limit every x keeps): the summary holds the value, its series draws no more.
      if (at > LIMITS.maxAbsX) continue;
      d.x.push(at);
      d.y.push(value);
    }
  });
  return [...derived.values()];
}

/** Most numbers one op draws: an object value with more numeric leaves is drawn for its first ones only. */
const MAX_LEAVES_PER_OP = 256;

/**
 * The numbers a summary value holds, with their dotted paths under `path`: the value itself when it is a number, the
 * numeric leaves of an object (nested numbers are drawn over time like top-level ones). Arrays are not drawn.
 */
export function numericLeaves(value: SummaryValue | undefined, path: string, out: Array<[string, number]> = []): Array<[string, number]> {
  if (typeof value === 'number') out.push([path, value]);
  else if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value)) {
      if (out.length >= MAX_LEAVES_PER_OP) break;
      numericLeaves(v, `${path}.${k}`, out);
    }
  }
  return out;
}

/** last + 1e-6, or the next larger double where 1e-6 is below the precision of `last`. */
function justAbove(last: number): number {
  const next = last + 1e-6;
  return next > last ? next : last + Math.abs(last) * Number.EPSILON * 2;
}
