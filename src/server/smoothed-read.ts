import { bucketsForBudget, M4 } from '../protocol/downsample.js';
import {
  SMOOTHING_ALGORITHMS, smoothSeries, toWireArray, ValidationError,
  type ExecutionDetail, type SmoothingAlgorithm, type WireNumber,
} from '../protocol/index.js';
import { readExportWindows } from './export/export-reader.js';
import type { Store } from './store/store.js';

/** A series longer than this is not smoothed on the server (it would hold 16 bytes a point, twice, for the request). */
export const MAX_SMOOTHED_POINTS = 5_000_000;

export interface SmoothRequest {
  algorithm: SmoothingAlgorithm;
  weight: number;
}

/** `smooth=<algorithm>:<weight>` of a series read (e.g. `twema:0.8`), or null when absent. */
export function smoothParam(params: URLSearchParams): SmoothRequest | null {
  const raw = params.get('smooth');
  if (raw === null) return null;
  const [algorithm, w] = raw.split(':');
  const weight = Number(w);
  if (!(SMOOTHING_ALGORITHMS as readonly string[]).includes(algorithm!) || w === undefined || !(weight >= 0 && weight <= 0.99)) {
    throw new ValidationError('smooth', `query parameter must be <algorithm>:<weight> with algorithm one of ${SMOOTHING_ALGORITHMS.join(', ')} and weight 0 to 0.99 (got "${raw}")`);
  }
  return { algorithm: algorithm as SmoothingAlgorithm, weight };
}

/** Refuses, before any answer is written, a smoothed read of a series longer than `MAX_SMOOTHED_POINTS`. */
export function checkSmoothable(detail: ExecutionDetail, keys: readonly string[]): void {
  for (const s of detail.series) {
    if (keys.includes(s.key) && s.count > MAX_SMOOTHED_POINTS) {
      throw new ValidationError('smooth', `series "${s.key}" has ${s.count} points; the server smooths series of at most ${MAX_SMOOTHED_POINTS} points`);
    }
  }
}

/** Full-resolution points of recently smoothed series, so moving a slider re-smooths without reading the store again. */
const recent = new Map<string, { x: Float64Array; y: Float64Array }>();
const RECENT_SERIES = 4;

/**
 * The smoothed line of one series over [from, to] at most `budget` points (M4 buckets), smoothed from every stored point of
 * the whole series (protocol/smoothing.ts) — never from a downsampled view, and the same at any zoom. The points are read
 * window by window through the export reader and kept for the next few requests while the series does not change (its
 * count and last x are the key). Null when the series has no points (or grew past `MAX_SMOOTHED_POINTS` meanwhile).
 */
export async function smoothedRead(
  store: Store, executionId: string, key: string, smooth: SmoothRequest, range: { from?: number; to?: number; budget: number },
): Promise<{ x: number[]; y: WireNumber[] } | null> {
  const detail = await store.getExecution(executionId);
  const info = detail?.series.find((s) => s.key === key);
  if (!info || info.count === 0 || info.minX === null || info.maxX === null) return null;
  if (info.count > MAX_SMOOTHED_POINTS) return null; // grew past the limit since checkSmoothable
  const cacheKey = `${executionId}\0${key}\0${info.count}\0${info.maxX}`;
  let points = recent.get(cacheKey);
  if (!points) {
    const x = new Float64Array(info.count);
    const y = new Float64Array(info.count);
    let n = 0;
    for await (const w of readExportWindows(store, executionId, [key])) {
      const s = w.series[0]!;
      const m = Math.min(s.x.length, info.count - n);
      x.set(s.x.subarray(0, m), n);
      y.set(s.y.subarray(0, m), n);
      n += m;
    }
    points = { x: x.subarray(0, n), y: y.subarray(0, n) };
    recent.delete(cacheKey);
    recent.set(cacheKey, points);
    while (recent.size > RECENT_SERIES) recent.delete(recent.keys().next().value!);
  }
  const { x } = points;
  const smoothed = smoothSeries(smooth.algorithm, x, points.y, smooth.weight, info.maxX - info.minX);
  const lo = Math.max(range.from ?? -Infinity, x[0]!);
  const hi = Math.min(range.to ?? Infinity, x[x.length - 1]!);
  let start = 0;
  while (start < x.length && x[start]! < lo) start++;
  let end = start;
  while (end < x.length && x[end]! <= hi) end++;
  if (end - start <= range.budget) return { x: Array.from(x.subarray(start, end)), y: toWireArray(smoothed.subarray(start, end)) };
  const m4 = new M4(lo, hi, bucketsForBudget(range.budget));
  m4.addPoints(x, smoothed, start, end);
  const out = m4.result();
  return { x: out.x, y: toWireArray(out.y) };
}
