import { smoothSeries, type SmoothingAlgorithm } from './smoothing.js';
import type { YRange } from './y-range.js';
import { appendPoints, emptySeries, touched, type SeriesBuffer } from './series-buffer.js';

/**
 * Every stored point of the long series a tab smooths (issue #17: smoothing is computed on full-resolution points, never on
 * the per-pixel view the chart holds). A series the chart holds downsampled is read once at full resolution (the binary
 * export) and kept here as columns; moving the smoothing slider then re-smooths these points in the tab — no request — and
 * only growth is read again (the points after the last one held). Bounded: a series of more than `FULL_RESOLUTION_SERIES_MAX`
 * points is left to the server's smoothed read, and the least recently used series are dropped past
 * `FULL_RESOLUTION_HELD_MAX` points in all (16 bytes a point).
 */
export const FULL_RESOLUTION_SERIES_MAX = 2_000_000;
export const FULL_RESOLUTION_HELD_MAX = 6_000_000;

/**
 * Whether a panel reads the full-resolution points of its long series: to smooth them, or to take the percentiles of
 * "ignore outliers" over every point rather than over the reduced ones held, or to count every stored value a fixed y
 * range clips (y-range.ts `ViewAxesInput.full`).
 */
export function wantsFullResolution(smoothing: number, yRange: YRange): boolean {
  return smoothing > 0 || yRange.kind !== 'auto';
}

/** What to read of one series to bring it up to `total` stored points: everything, or the points from `from` on. */
export type FullResolutionNeed = { from?: number } | null;

export class FullResolutionCache {
  private readonly entries = new Map<string, SeriesBuffer>();

  constructor(private readonly heldMax = FULL_RESOLUTION_HELD_MAX) {}

  private static id(executionId: string, key: string): string {
    return `${executionId}\0${key}`;
  }

  /** The held points of a series (most recently used from now on), or undefined. */
  get(executionId: string, key: string): SeriesBuffer | undefined {
    const id = FullResolutionCache.id(executionId, key);
    const s = this.entries.get(id);
    if (s) {
      this.entries.delete(id);
      this.entries.set(id, s);
    }
    return s;
  }

  /**
   * What to read for a series whose store holds `total` points: null when held complete; the points from the last held x on
   * when it grew; everything when not held or when it holds fewer points than held (a rewind: the held points are dropped).
   */
  need(executionId: string, key: string, total: number): FullResolutionNeed {
    const id = FullResolutionCache.id(executionId, key);
    const s = this.entries.get(id);
    if (!s) return {};
    if (s.length === total) return null;
    if (s.length < total && s.length > 0) return { from: s.x[s.length - 1]! };
    this.entries.delete(id);
    return {};
  }

  /**
   * Adds read points of a series (frames in x order; points at or below the last held x are dropped, so a read from the last
   * x on appends only what is new), then drops least recently used series past the bound (never this one).
   */
  add(executionId: string, key: string, frames: ReadonlyArray<{ x: ArrayLike<number>; y: ArrayLike<number> }>, total: number): SeriesBuffer {
    const id = FullResolutionCache.id(executionId, key);
    const s = this.entries.get(id) ?? emptySeries(Math.max(64, total));
    for (const f of frames) appendPoints(s, f.x, f.y);
    s.total = Math.max(total, s.length);
    touched(s);
    this.entries.delete(id);
    this.entries.set(id, s);
    let held = 0;
    for (const e of this.entries.values()) held += e.length;
    for (const [other, e] of this.entries) {
      if (held <= this.heldMax) break;
      if (other === id) continue;
      this.entries.delete(other);
      held -= e.length;
    }
    return s;
  }

  /** Points held in all. */
  held(): number {
    let n = 0;
    for (const e of this.entries.values()) n += e.length;
    return n;
  }
}

/** A smoothed line kept with what it was smoothed from, so a redraw that changed nothing of it smooths nothing. */
interface Smoothed {
  signature: string;
  out: Float64Array;
  line: SeriesBuffer;
}
const smoothedOf = new WeakMap<SeriesBuffer, Smoothed>();

/**
 * `s` smoothed over its whole x extent (protocol/smoothing.ts) as a series over the same x: computed into one buffer kept
 * per series (reused while it is long enough), and not at all again while the series, algorithm and weight are unchanged.
 */
export function smoothedSeries(s: SeriesBuffer, algorithm: SmoothingAlgorithm, weight: number): SeriesBuffer {
  const signature = `${algorithm}:${weight}:${s.length}:${s.rev ?? 0}`;
  const kept = smoothedOf.get(s);
  if (kept?.signature === signature) return kept.line;
  const out = kept && kept.out.length >= s.length ? kept.out : new Float64Array(s.x.length);
  const n = s.length;
  const range = n > 1 ? s.x[n - 1]! - s.x[0]! : 0;
  smoothSeries(algorithm, s.x.subarray(0, n), s.y.subarray(0, n), weight, range, out);
  const line: SeriesBuffer = { x: s.x, y: out, length: n, total: s.total, downsampled: false };
  smoothedOf.set(s, { signature, out, line });
  return line;
}
