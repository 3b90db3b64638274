import type { SummaryObject, SummaryOp } from '../../protocol/index.js';
import { applySummaryOp, getSummaryValue, SummaryError } from '../../protocol/summary.js';
import { DomainError } from '../domain-error.js';

/** Numeric summary values are also drawn over time, as a derived series with this key prefix. */
export const DERIVED_PREFIX = '@summary.';

export interface DerivedPoints {
  key: string;
  x: number[];
  y: number[];
}

/**
 * Applies summary ops to `summary` in place (Cog rules) and returns the points of the derived `@summary.<key>` series:
 * one per op whose resulting value is a number, at x = op.x, else seconds since the start; nudged just above the series'
 * last x when it would not increase. `lastX(key)` gives the last stored x of a derived series (null when it has none).
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
    const value = getSummaryValue(summary, op.key);
    if (typeof value !== 'number') return;
    const key = DERIVED_PREFIX + op.key;
    let d = derived.get(key);
    if (!d) derived.set(key, (d = { key, x: [], y: [] }));
    const last = d.x.length > 0 ? d.x[d.x.length - 1]! : lastX(key);
    const x = op.x ?? defaultX;
    d.x.push(last === null || x > last ? x : justAbove(last));
    d.y.push(value);
  });
  return [...derived.values()];
}

/** last + 1e-6, or the next larger double where 1e-6 is below the precision of `last`. */
function justAbove(last: number): number {
  const next = last + 1e-6;
  return next > last ? next : last + Math.abs(last) * Number.EPSILON * 2;
}
