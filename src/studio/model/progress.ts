import type { ProgressModel } from './panels.js';
import type { SeriesBuffer } from './series-buffer.js';

export interface ProgressState {
  count: number | null;
  lower: number;
  upper?: number;
  /** 0…1 of the way from lower to upper; undefined without an upper bound (indeterminate bar). */
  fraction?: number;
  /** Items per second over the recent window, or null while unknown. */
  rate: number | null;
  /** Seconds left at the current rate, or null while unknown / without an upper bound. */
  etaSeconds: number | null;
}

/**
 * Count, rate and ETA of a progress series (y = items done, x = seconds). The rate looks at the last `windowSeconds`
 * since the most recent restart of the count (a new `progress()` loop records 0 again), so it follows the current loop.
 */
export function progressState(model: ProgressModel, s: SeriesBuffer | undefined, windowSeconds = 10): ProgressState {
  const base: ProgressState = { count: null, lower: model.lower, rate: null, etaSeconds: null, ...(model.upper !== undefined && { upper: model.upper }) };
  if (!s || s.length === 0) return { ...base, ...(model.upper !== undefined && { fraction: 0 }) };
  const end = s.length - 1;
  const count = s.y[end]!;
  let start = end;
  while (start > 0 && s.y[start - 1]! <= s.y[start]! && s.x[end]! - s.x[start - 1]! <= windowSeconds) start--;
  const dx = s.x[end]! - s.x[start]!;
  const dy = s.y[end]! - s.y[start]!;
  const rate = dx > 0 && Number.isFinite(dy) ? dy / dx : null;
  const out: ProgressState = { ...base, count, rate };
  if (model.upper !== undefined && model.upper > model.lower && Number.isFinite(count)) {
    out.fraction = Math.min(1, Math.max(0, (count - model.lower) / (model.upper - model.lower)));
    if (rate !== null && rate > 0) out.etaSeconds = Math.max(0, (model.upper - count) / rate);
    else if (count >= model.upper) out.etaSeconds = 0;
  }
  return out;
}
