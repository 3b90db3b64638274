import type { RecordTimes, TimeMarks } from './types.js';

/**
 * Record times of points recorded with an explicit `at` (x is a step, not a time). The SDKs send, per points item, when its
 * first and its last point were recorded (`t`, see `RecordTimes`); the store keeps them as *time marks* (x, ms) per series —
 * two per item at most, not a column per point — and the record time of any x is the linear interpolation between the
 * marks around it (clamped at the ends). Within one flush interval of the SDK (≈ 0.1–1 s) that is exact for a loop at a
 * steady pace; marks never move x. Pure functions, shared by the server (store, export) and the studio (x axis).
 */

/** The marks of one item: (first x, first t) and (last x, last t); one mark for a single point or a single time. */
export function marksOfItem(x: ArrayLike<number>, t: RecordTimes | undefined): TimeMarks | null {
  if (!t || x.length === 0) return null;
  const first = t[0];
  const last = t[1] ?? t[0];
  if (x.length === 1) return { x: [x[0]!], t: [last] };
  return { x: [x[0]!, x[x.length - 1]!], t: [first, last] };
}

/**
 * Marks as a read returns them, from stored (x increasing) rows: t made non-decreasing (a clock stepping back never makes
 * time run backwards along x), then at most `max` marks kept, evenly spaced by index, the first and the last always.
 */
export function finishMarks(x: readonly number[], t: readonly number[], max = Infinity): TimeMarks | undefined {
  if (x.length === 0) return undefined;
  const tt = t.slice();
  for (let i = 1; i < tt.length; i++) if (tt[i]! < tt[i - 1]!) tt[i] = tt[i - 1]!;
  if (x.length <= max || max < 2) return { x: x.slice(), t: tt };
  const outX: number[] = [];
  const outT: number[] = [];
  const step = (x.length - 1) / (Math.floor(max) - 1);
  for (let k = 0; k < Math.floor(max); k++) {
    const i = Math.round(k * step);
    outX.push(x[i]!);
    outT.push(tt[i]!);
  }
  return { x: outX, t: outT };
}

/** Index of the last mark with x ≤ v (−1 when none). */
function markBelow(xs: readonly number[], v: number): number {
  let lo = 0;
  let hi = xs.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (xs[mid]! <= v) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
}

/** Record time (ms) of x: linear between the marks around it, the nearest mark's time outside them; NaN without marks. */
export function timeAtX(marks: TimeMarks, x: number): number {
  const n = marks.x.length;
  if (n === 0 || Number.isNaN(x)) return NaN;
  const i = markBelow(marks.x, x);
  if (i < 0) return marks.t[0]!;
  if (i >= n - 1) return marks.t[n - 1]!;
  const x0 = marks.x[i]!;
  const x1 = marks.x[i + 1]!;
  const t0 = marks.t[i]!;
  const dx = x1 - x0;
  // x far apart (up to ±1.8e308): the fraction from halves, as the product or the span would overflow.
  if (!Number.isFinite(dx) || !Number.isFinite((marks.t[i + 1]! - t0) * (x - x0))) return t0 + (marks.t[i + 1]! - t0) * ((x / 2 - x0 / 2) / (x1 / 2 - x0 / 2));
  return t0 + ((marks.t[i + 1]! - t0) * (x - x0)) / dx;
}

/**
 * The x recorded at time `ms` (the inverse of `timeAtX`, marks' t non-decreasing): linear between the marks whose times
 * surround it; the first/last mark's x outside them; where several marks share the time, the first of them.
 */
export function xAtTime(marks: TimeMarks, ms: number): number {
  const n = marks.x.length;
  if (n === 0 || Number.isNaN(ms)) return NaN;
  if (ms <= marks.t[0]!) return marks.x[0]!;
  if (ms >= marks.t[n - 1]!) return marks.x[n - 1]!;
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (marks.t[mid]! < ms) lo = mid + 1;
    else hi = mid;
  }
  // marks.t[lo - 1] < ms <= marks.t[lo]
  const t0 = marks.t[lo - 1]!;
  const t1 = marks.t[lo]!;
  const x0 = marks.x[lo - 1]!;
  const x1 = marks.x[lo]!;
  const to = ((x1 - x0) * (ms - t0)) / (t1 - t0);
  if (Number.isFinite(to)) return x0 + to;
  const f = (ms - t0) / (t1 - t0);
  return x0 * (1 - f) + x1 * f;
}

/** Both sets of marks as one, in x order (a mark of `b` replaces one of `a` at the same x). */
export function mergeMarks(a: TimeMarks | undefined, b: TimeMarks | undefined): TimeMarks | undefined {
  if (!a || a.x.length === 0) return b;
  if (!b || b.x.length === 0) return a;
  // The live case: marks of new points, after every held one.
  if (b.x[0]! > a.x[a.x.length - 1]!) return finishMarks([...a.x, ...b.x], [...a.t, ...b.t]);
  const byX = new Map<number, number>();
  a.x.forEach((x, i) => byX.set(x, a.t[i]!));
  b.x.forEach((x, i) => byX.set(x, b.t[i]!));
  const xs = [...byX.keys()].sort((p, q) => p - q);
  return finishMarks(xs, xs.map((x) => byX.get(x)!));
}
