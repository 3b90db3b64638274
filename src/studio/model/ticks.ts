import { chooseNotation, durationNotation, type Notation } from './format.js';

/**
 * Tick positions and labels of one axis, computed here rather than by uPlot: uPlot's own tick search steps through a
 * range by adding its increment, which never ends once the increment is below the float resolution of the values (a
 * frozen tab), and it gives up (no labels) on magnitudes beyond its table of increments. Here every tick is an integer
 * multiple of a 1-2-5 step, so any finite window gives a bounded number of distinct ticks.
 */

export interface AxisTicks {
  /** The window the ticks are for (from range.ts). */
  min: number;
  max: number;
  /** Distance between neighbouring ticks: 1, 2 or 5 × 10^n (or a round duration on a seconds axis). */
  step: number;
  /** Tick values within [min, max], increasing. */
  values: number[];
  /** One label per tick, all different. */
  labels: string[];
  /** The notation of the labels (shared by the axis's legend values, with more digits). */
  notation: Notation;
}

/** Fewest and most ticks an axis gets. */
export const MIN_TICKS = 2;
export const MAX_TICKS = 12;

/** 1, 2 or 5 × 10^exponent. */
interface NiceStep {
  mantissa: 1 | 2 | 5;
  exponent: number;
}

const stepValue = (s: NiceStep) => Number(`${s.mantissa}e${s.exponent}`);

function stepAtLeast(raw: number): NiceStep {
  let exponent = Math.floor(Math.log10(raw));
  if (!Number.isFinite(exponent)) exponent = -323;
  for (let guard = 0; guard < 4; guard++) {
    for (const mantissa of [1, 2, 5] as const) {
      const s = { mantissa, exponent };
      const v = stepValue(s);
      if (v >= raw) return Number.isFinite(v) ? s : { mantissa: 1, exponent: 308 };
    }
    exponent++;
  }
  return { mantissa: 1, exponent: 308 };
}

function smaller(s: NiceStep): NiceStep {
  return s.mantissa === 5 ? { mantissa: 2, exponent: s.exponent } : s.mantissa === 2 ? { mantissa: 1, exponent: s.exponent } : { mantissa: 5, exponent: s.exponent - 1 };
}

/** Multiples of `step` within [min, max] (at most `limit + 1` of them, else null). */
function multiples(min: number, max: number, step: number, limit: number): number[] | null {
  const first = Math.ceil(min / step);
  const last = Math.floor(max / step);
  // Beyond 2^53 a multiplier no longer counts up (k + 1 === k): a step that fine for these values has no multiples to list.
  if (!(Math.abs(first) < 2 ** 53 - 1 && Math.abs(last) < 2 ** 53 - 1) || last - first > limit) return null;
  const out: number[] = [];
  // k · step may round past an end by an ulp.
  for (let k = first; k <= last; k++) out.push(Math.min(max, Math.max(min, k * step)) || 0);
  return out;
}

/** A step of the 1-2-5 ladder giving between MIN_TICKS and about `maxTicks` ticks in [min, max]. */
function niceTicks(min: number, max: number, maxTicks: number, wholeSteps: boolean): { step: number; values: number[] } {
  const n = Math.max(MIN_TICKS, Math.min(MAX_TICKS - 1, Math.floor(maxTicks)));
  // Half-widths: the full width of [-1.8e308, 1.8e308] overflows.
  // Never finer than the values' float resolution allows (a multiplier past 2^53): noise around 1 is 2e-16 apart at best.
  const finest = Math.max(Math.abs(min), Math.abs(max)) * 2 ** -53 * 1.01;
  const raw = Math.max((max / 2 - min / 2) / (n / 2), finest);
  let s = stepAtLeast(raw > 0 ? raw : Number.MIN_VALUE);
  if (wholeSteps && max - min >= 4 && stepValue(s) < 1) s = { mantissa: 1, exponent: 0 };
  let values = multiples(min, max, stepValue(s), MAX_TICKS) ?? [];
  // A step just above the window (few ticks wanted): walk down the ladder until two ticks fit.
  for (let guard = 0; values.length < MIN_TICKS && guard < 6; guard++) {
    s = smaller(s);
    values = multiples(min, max, stepValue(s), MAX_TICKS) ?? values;
  }
  return { step: stepValue(s), values };
}

/** Labels for `values`, verified distinct; if two ever coincide (they should not), more digits are used. */
function label(values: number[], min: number, max: number, step: number): { labels: string[]; notation: Notation } {
  let notation = chooseNotation(min, max, step);
  let labels = values.map(notation.format);
  for (let res = step / 10, guard = 0; new Set(labels).size < labels.length && guard < 4; res /= 10, guard++) {
    notation = chooseNotation(min, max, res);
    labels = values.map(notation.format);
  }
  return { labels, notation };
}

export interface TickOptions {
  /** About how many ticks fit (the axis length over the space a label needs). */
  maxTicks: number;
  /** An x-axis counting whole units (steps, epochs): once the window spans a few units, no fractional ticks. */
  wholeSteps?: boolean;
}

/** Ticks of a numeric axis showing [min, max] (finite, min < max, as safeRange returns). */
export function axisTicks(min: number, max: number, { maxTicks, wholeSteps = false }: TickOptions): AxisTicks {
  const { step, values } = niceTicks(min, max, maxTicks, wholeSteps);
  return { min, max, step, values, ...label(values, min, max, step) };
}

const DURATION_STEPS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400, 172800, 604800];
const DAY_SECONDS = 86_400;

/** `v` in exponent form with the fewest significant digits that keep `values` apart: 2e10, 2.5e10. */
function exponentLabels(values: readonly number[]): string[] {
  for (let digits = 1; ; digits++) {
    const labels = values.map((v) => (v === 0 ? '0' : v.toExponential(digits - 1).replace(/\.?0+e/, 'e').replace('+', '')));
    if (new Set(labels).size === labels.length || digits >= 17) return labels;
  }
}

/**
 * Ticks of a seconds axis (time since start): round durations (10s, 1m, 5m, 1h…) labelled as durations, or, below a
 * second per tick, 1-2-5 steps labelled in seconds (0.155s), or, above a week per tick, 1-2-5 steps of days (20d, 500d,
 * 2e10d — not 34749997128d).
 */
export function durationTicks(min: number, max: number, { maxTicks }: TickOptions): AxisTicks {
  const n = Math.max(MIN_TICKS, Math.min(MAX_TICKS - 1, Math.floor(maxTicks)));
  const raw = (max - min) / n;
  if (raw > 604_800 && Math.max(Math.abs(min), Math.abs(max)) / raw <= 1e9) {
    const days = axisTicks(min / DAY_SECONDS, max / DAY_SECONDS, { maxTicks, wholeSteps: true });
    const values = days.values.map((d) => Math.min(max, Math.max(min, d * DAY_SECONDS)));
    const huge = days.notation.kind === 'si' || days.notation.kind === 'scientific';
    const labels = (huge ? exponentLabels(days.values) : days.labels).map((l) => `${l}d`);
    const format = (seconds: number) => `${days.notation.format(seconds / DAY_SECONDS)}d`;
    return { min, max, step: days.step * DAY_SECONDS, values, labels, notation: { kind: days.notation.kind, offset: days.notation.offset * DAY_SECONDS, format } };
  }
  if (!(raw >= 1) || Math.max(Math.abs(min), Math.abs(max)) / raw > 1e9) {
    // Sub-second ticks (or a narrow window far from 0): plain seconds, in the notation of any other axis.
    const t = axisTicks(min, max, { maxTicks });
    return { ...t, labels: t.labels.map((l) => `${l}s`), notation: { ...t.notation, format: (v) => `${t.notation.format(v)}s` } };
  }
  const step = DURATION_STEPS.find((s) => s >= raw) ?? Math.ceil(raw / 604800) * 604800;
  const values = multiples(min, max, step, MAX_TICKS) ?? [];
  const format = durationNotation(step);
  return { min, max, step, values, labels: values.map(format), notation: { kind: 'fixed', offset: 0, format } };
}

/**
 * How many ticks fit along `lengthPx` when a label is `labelPx` wide plus a gap: more than one and at most MAX_TICKS.
 * `labelPx` comes from a first pass (labels get longer with more digits).
 */
export function ticksThatFit(lengthPx: number, labelPx: number, gapPx = 16): number {
  return Math.max(MIN_TICKS, Math.min(MAX_TICKS - 1, Math.floor(lengthPx / Math.max(1, labelPx + gapPx))));
}

/** Room beyond each end of an axis where a label may still be drawn (the y axes' gutters), in CSS pixels. */
export interface EdgeRoom {
  left: number;
  right: number;
}

export interface FitOptions {
  /** The axis's length in CSS pixels (the window [min, max] maps onto 0…lengthPx). */
  lengthPx: number;
  /** A label's width in CSS pixels. */
  measure: (label: string) => number;
  room: EdgeRoom;
  /** Least space between neighbouring labels. */
  gapPx?: number;
}

/** Where each tick's label would be drawn (centred on its tick), in CSS pixels along the axis. */
function labelSpans(t: Pick<AxisTicks, 'values' | 'labels'>, min: number, max: number, { lengthPx, measure }: FitOptions): Array<[number, number]> {
  return t.values.map((v, i) => {
    const pos = ((v - min) / (max - min)) * lengthPx;
    const half = measure(t.labels[i]!) / 2;
    return [pos - half, pos + half];
  });
}

/** Whether every label is on the canvas (within the room beyond the ends) and at least `gapPx` from its neighbours. */
export function labelsFit(t: Pick<AxisTicks, 'values' | 'labels'>, min: number, max: number, opts: FitOptions): boolean {
  const gap = opts.gapPx ?? 8;
  let right = -Infinity;
  for (const [a, b] of labelSpans(t, min, max, opts)) {
    if (a < -opts.room.left - 0.5 || b > opts.lengthPx + opts.room.right + 0.5 || a < right + gap) return false;
    right = b;
  }
  return true;
}

/**
 * `t` with the labels that run off the canvas or truly overlap the previous shown one left blank (''), from the left.
 * Only an overlap counts, not the comfortable gap `labelsFit` asks for: with a gap, float positions a fraction of a pixel
 * apart blanked one label of evenly spaced ticks (25s 35s 40s: 30s gone) — evenly spaced labels that overlap all do, so
 * every other one is blanked, evenly. `values` are the ticks' positions in the units of [t.min, t.max] (log10 of the
 * values on a log axis).
 */
export function blankWhatDoesNotFit<T extends Pick<AxisTicks, 'values' | 'labels' | 'min' | 'max'>>(t: T, opts: FitOptions): T {
  let right = -Infinity;
  const spans = labelSpans(t, t.min, t.max, opts);
  const labels = t.labels.map((l, i) => {
    const [a, b] = spans[i]!;
    if (l === '' || a < -opts.room.left - 0.5 || b > opts.lengthPx + opts.room.right + 0.5 || a < right) return '';
    right = b;
    return l;
  });
  return { ...t, labels };
}

/**
 * Ticks of window [min, max] whose labels neither overlap nor run off the canvas, whatever their length (`10 + 5e-10`,
 * `9.00719925474e15 + 500`, `start + 2e10d`): `make(lo, hi, maxTicks)` gives ticks of a window; the window is first
 * narrowed at each end by what half a label needs beyond the room there, and the count chosen from the label width, in a
 * few passes as labels get wider. When no pass fits whole (long labels on a narrow chart, or a window at the float
 * resolution that cannot be narrowed), the pass showing the most labels is kept with the others left blank — whatever is
 * written is readable; the tick marks stay.
 */
export function fitTicks(min: number, max: number, make: (lo: number, hi: number, maxTicks: number) => AxisTicks, opts: FitOptions): AxisTicks {
  const { lengthPx, measure, room } = opts;
  const gap = opts.gapPx ?? 8;
  const perPx = (max - min) / lengthPx;
  let labelPx = 48;
  let best: AxisTicks | null = null;
  let bestShown = -1;
  for (let pass = 0; pass < 4; pass++) {
    const inLeft = Math.max(0, labelPx / 2 - room.left);
    const inRight = Math.max(0, labelPx / 2 - room.right);
    let lo = min + inLeft * perPx;
    let hi = max - inRight * perPx;
    if (!(hi > lo)) [lo, hi] = [min, max];
    const t: AxisTicks = { ...make(lo, hi, ticksThatFit(lengthPx - inLeft - inRight, labelPx, gap * 2)), min, max };
    if (labelsFit(t, min, max, opts)) return t;
    const fitted = blankWhatDoesNotFit(t, opts);
    const shown = fitted.labels.filter(Boolean).length;
    if (shown >= bestShown) [best, bestShown] = [fitted, shown];
    labelPx = Math.max(labelPx + 8, ...t.labels.map(measure));
  }
  return best!;
}

/** Ticks of a log axis; positions are log10 of the values. */
export interface LogAxisTicks {
  /** log10 of each tick's value, increasing, within the window. */
  positions: number[];
  /** Each tick's value, written exactly as m·10^e (10 ** e drifts: 10 ** -3 is 0.0010000000000000002). */
  values: number[];
  /** One label per tick; '' for an unlabelled minor tick. Labelled ticks are at least `spacePx` apart. */
  labels: string[];
}

/** Label of m·10^e: plain digits from 0.001 to 100,000, else `me<e>` (`2e-7`, `1e12`). */
export function formatLogTick(m: number, e: number): string {
  return e >= -3 && e <= 5 ? String(Number(`${m}e${e}`)) : `${m}e${e}`;
}

/** Minor ticks need this many pixels between neighbours (9·10^e and 10^(e+1) are closest: log10(10/9) of a decade). */
const MINOR_MIN_PX = 4;
/** At most this many ticks (labelled or not) on one axis. */
const MAX_LOG_TICKS = 120;

/**
 * Ticks of a log axis showing log10 values `lo`…`hi` along `lengthPx`, labels needing `spacePx` each (a label's width plus
 * a gap on x, its line height plus a gap on y). Powers of ten are labelled first (every k-th decade when decades are
 * narrow, the skipped ones left as unlabelled minor ticks); within wide decades 2·10^e…9·10^e are minor ticks, and 5, 2,
 * then the rest get labels wherever a label fits. Labels never overlap. Fewer than two labelled ticks (a window inside
 * one decade too narrow for minors) is for the caller to handle (linear ticks of the real values).
 */
export function logAxisTicks(lo: number, hi: number, { lengthPx, spacePx }: { lengthPx: number; spacePx: number }): LogAxisTicks {
  if (!(Number.isFinite(lo) && Number.isFinite(hi) && hi > lo) || !(lengthPx > 0)) return { positions: [], values: [], labels: [] };
  const decadePx = lengthPx / (hi - lo);
  const eps = (hi - lo) * 1e-9;
  const e0 = Math.floor(lo);
  const e1 = Math.ceil(hi);
  // Candidate ticks (mantissa, exponent) with a label priority: 0 powers of ten, 1 fives, 2 twos, 3 the rest.
  const cand: { m: number; e: number; pos: number; prio: number }[] = [];
  const decades = e1 - e0;
  // Label every k-th power of ten so that labels fit.
  const every = Math.max(1, Math.ceil(spacePx / decadePx));
  const withMinors = decadePx * Math.log10(10 / 9) >= MINOR_MIN_PX;
  const withTwoFive = !withMinors && decadePx * Math.log10(2) >= MINOR_MIN_PX * 2;
  if (decadePx < MINOR_MIN_PX || decades > MAX_LOG_TICKS) {
    // Decades too narrow to mark each: the labelled powers only, every k-th (aligned on multiples of k).
    for (let e = Math.ceil(lo / every) * every; e <= hi + eps; e += every) cand.push({ m: 1, e, pos: e, prio: 0 });
  } else {
    for (let e = e0; e <= e1; e++) {
      const mantissas = withMinors ? [1, 2, 3, 4, 5, 6, 7, 8, 9] : withTwoFive ? [1, 2, 5] : [1];
      for (const m of mantissas) {
        const pos = e + Math.log10(m);
        if (pos < lo - eps || pos > hi + eps) continue;
        cand.push({ m, e, pos, prio: m === 1 ? 0 : m === 5 ? 1 : m === 2 ? 2 : 3 });
      }
    }
  }
  // Powers of ten: every k-th decade labelled, aligned on multiples of k (stable while panning).
  const labelled: number[] = [];
  const fits = (pos: number) => labelled.every((p) => Math.abs(p - pos) * decadePx >= spacePx);
  for (const prio of [0, 1, 2, 3]) {
    for (const c of cand) {
      if (c.prio !== prio) continue;
      if (prio === 0 && every > 1 && c.e % every !== 0) continue;
      if (fits(c.pos)) labelled.push(c.pos);
    }
  }
  const isLabelled = new Set(labelled);
  let ticks = cand.sort((a, b) => a.pos - b.pos);
  if (ticks.length > MAX_LOG_TICKS) ticks = ticks.filter((c) => isLabelled.has(c.pos) || c.prio === 0);
  return {
    positions: ticks.map((c) => c.pos),
    values: ticks.map((c) => Number(`${c.m}e${c.e}`)),
    labels: ticks.map((c) => (isLabelled.has(c.pos) ? formatLogTick(c.m, c.e) : '')),
  };
}
