/** Number, duration and time formatting shared by axes, legends, tables and the summary tree. */
import { isPlausibleTime } from '../../protocol/times.js';

/** A value for a legend or table: NaN and ±Infinity spelled out, integers plain, others with 4 significant digits. */
// Intl formatters are costly to create; toLocaleString() creates one per call, which showed up in live redraw profiles.
const NUMBER = new Intl.NumberFormat('en-US', { maximumFractionDigits: 10 });
const DAY = new Intl.DateTimeFormat('en-US', { month: 'short', day: 'numeric' });
const DAY_YEAR = new Intl.DateTimeFormat('en-US', { month: 'short', day: 'numeric', year: 'numeric' });
const TIME = new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit', second: '2-digit' });

export function formatNumber(v: number | null | undefined): string {
  if (v === null || v === undefined) return '—';
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+∞';
  if (v === -Infinity) return '−∞';
  // −0 reads as 0, as on an axis (Intl writes "-0").
  if (v === 0) return '0';
  if (Number.isInteger(v) && Math.abs(v) < 1e15) return NUMBER.format(v);
  const abs = Math.abs(v);
  if (abs !== 0 && (abs >= 1e9 || abs < 1e-4)) return exponential(v, 3);
  return NUMBER.format(Number(v.toPrecision(4)));
}

/**
 * A value read with no axis to agree with (a legend whose chart is not made: far from the screen, or not laid out yet): six
 * significant digits, so 1,999.19 does not read as 1,999 (`formatNumber`'s four are meant for values beside an axis).
 */
export function formatAlone(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v) || (Number.isInteger(v) && Math.abs(v) < 1e15)) return formatNumber(v);
  const abs = Math.abs(v);
  if (abs !== 0 && (abs >= 1e9 || abs < 1e-4)) return exponential(v, 5);
  // Every digit before the point is written, so it is kept too (1,234,567.89 is not 1,234,570).
  return NUMBER.format(Number(v.toPrecision(Math.max(6, Math.min(21, Math.floor(Math.log10(abs)) + 1)))));
}

/** `v` as mantissa and exponent with `decimals` mantissa decimals, trailing zeros dropped: 1.5e-7, -2e308. */
function exponential(v: number, decimals: number): string {
  const [mantissa, exponent] = v.toExponential(Math.min(100, Math.max(0, decimals))).split('e') as [string, string];
  return `${trimZeros(mantissa)}e${exponent.replace('+', '')}`;
}

function trimZeros(s: string): string {
  return s.includes('.') ? s.replace(/\.?0+$/, '') : s;
}

/** Digits grouped by thousands with a comma: "1234567.5" → "1,234,567.5". */
function groupThousands(s: string): string {
  const dot = s.indexOf('.');
  const int = dot < 0 ? s : s.slice(0, dot);
  const neg = int.startsWith('-');
  const digits = neg ? int.slice(1) : int;
  if (digits.length <= 3) return s;
  const grouped = digits.replace(/\B(?=(\d{3})+$)/g, ',');
  return (neg ? '-' : '') + grouped + (dot < 0 ? '' : s.slice(dot));
}

/** A number spelled for a chart: NaN and ±Infinity as words/symbols, -0 as 0. */
function nonFinite(v: number): string | null {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+∞';
  if (v === -Infinity) return '−∞';
  return null;
}

export type NotationKind = 'fixed' | 'si' | 'scientific' | 'offset';

/**
 * How one set of numbers is written — an axis's ticks, the values of a legend or tooltip — chosen once for the whole set so
 * they read alike, with enough digits that two values `resolution` apart never read the same.
 * - fixed: `0.25`, `12,500` (largest magnitude from 1e-4 to below 1e6, or all zero);
 * - si: `963.4M`, `1.902G` (from 1e6 to below 1e15; each value takes its own k/M/G/T suffix);
 * - scientific: `1.5e-7`, `1e308` (the rest; a value from 1e-4 to below 1e6 among them is written plain: `5`);
 * - offset: `10 + 2e-9` — when more than `MAX_PLAIN_DIGITS` significant digits would be needed (values far from zero that
 *   differ only in their last digits), each value is written as a round base shared by the set plus its difference from it,
 *   as plotting libraries' offset notation does.
 */
export interface Notation {
  kind: NotationKind;
  /** The base of offset notation (0 otherwise). */
  offset: number;
  format(v: number): string;
}

/** More significant digits than this and the values are written with an offset. */
export const MAX_PLAIN_DIGITS = 8;
const SI: readonly [number, string][] = [[1e12, 'T'], [1e9, 'G'], [1e6, 'M'], [1e3, 'k']];

const log10Floor = (v: number) => {
  let e = Math.floor(Math.log10(v));
  // log10 can land one off at exact powers of ten.
  if (Number(`1e${e + 1}`) <= v) e++;
  else if (Number(`1e${e}`) > v) e--;
  return e;
};

/**
 * The notation for values from `min` to `max` (finite, min ≤ max) that must be told apart at `resolution` (> 0): the step
 * between an axis's ticks, or a fraction of it for values read off a legend.
 */
export function chooseNotation(min: number, max: number, resolution: number, depth = 0): Notation {
  const maxAbs = Math.max(Math.abs(min), Math.abs(max));
  const res = resolution > 0 && Number.isFinite(resolution) ? resolution : maxAbs * 1e-4 || 1;
  const resExp = log10Floor(res);
  if (maxAbs === 0) return fixedNotation(Math.max(0, -resExp));
  const maxExp = log10Floor(maxAbs);
  const digits = maxExp - resExp + 1;
  if (digits > MAX_PLAIN_DIGITS && depth === 0) return offsetNotation(min, max, res);
  if (maxAbs >= 1e-4 && maxAbs < 1e6) return fixedNotation(Math.min(100, Math.max(0, -resExp)));
  if (maxAbs >= 1e6 && maxAbs < 1e15) return siNotation(resExp);
  return scientificNotation(resExp);
}

/** Significant digits a value read off a chart (legend, tooltip) shows of itself at least, whatever its axis. */
export const READOUT_DIGITS = 4;
/** A value within this many axis windows of an offset axis's base is written as base ± difference; further, as itself. */
const OFFSET_REACH = 100;

/**
 * How a legend or tooltip writes the values of an axis framed on `min`…`max` (finite, min ≤ max), with `resolution` the
 * difference two values must show: the axis's kind of notation (`chooseNotation`: values on one axis read alike), but each
 * value with at least READOUT_DIGITS significant digits of its own, so a value reads as what was logged whatever the
 * axis's ticks — on an axis up to a spike at 1e6, 0.932 and 1.05 are not both "1". On an offset axis (a zoom near 1e300,
 * or 10 + i·1e-9) a value near the window is written as base ± difference; one far outside it (a line beyond a y zoom)
 * as itself, not as "5.055e299 − 5.055e299".
 */
export function readoutNotation(min: number, max: number, resolution: number): Notation {
  const axis = chooseNotation(min, max, resolution);
  const maxAbs = Math.max(Math.abs(min), Math.abs(max));
  const res = resolution > 0 && Number.isFinite(resolution) ? resolution : maxAbs * 1e-4 || 1;
  const reach = OFFSET_REACH * Math.max(max - min, res);
  return {
    kind: axis.kind,
    offset: axis.offset,
    format: (v) => {
      const odd = nonFinite(v);
      if (odd !== null) return odd;
      if (v === 0) return '0';
      const abs = Math.abs(v);
      // 10^(exponent − 3), kept above 0 for subnormal values (10^−327 underflows).
      const own = Math.max(10 ** (log10Floor(abs) - READOUT_DIGITS + 1), Number.MIN_VALUE);
      if (axis.kind === 'offset') {
        if (Math.abs(v - axis.offset) <= reach) return axis.format(v);
        return chooseNotation(v, v, own, 1).format(v);
      }
      // Far outside the window, the axis's resolution means nothing (1.8e308 on an axis up to 8.7e280 would take 33 digits).
      if (v < min - reach || v > max + reach) return chooseNotation(v, v, own, 1).format(v);
      const n = own >= res ? axis : chooseNotation(min, max, own, 1);
      // A value of another magnitude than the axis's (a latest value beyond a zoom with no data in view, a spike far
      // outside a y zoom) is written as itself: a fixed axis would write 8.67e280 with toFixed, 2.75e-83 with 86
      // decimals, 1e-257 as 0.
      return writes(n.kind, abs) ? n.format(v) : chooseNotation(v, v, own, 1).format(v);
    },
  };
}

/**
 * Whether a notation of `kind` writes a finite value of magnitude `abs` (> 0) in its own terms, as `chooseNotation` would
 * pick it for that value: fixed from 1e-4 to below 1e6, SI from 1e-4 to below 1e15 (below 1e3 plainly), scientific all.
 */
function writes(kind: NotationKind, abs: number): boolean {
  if (kind === 'scientific' || kind === 'offset') return true;
  return abs >= 1e-4 && abs < (kind === 'fixed' ? 1e6 : 1e15);
}

function fixedNotation(decimals: number): Notation {
  return {
    kind: 'fixed',
    offset: 0,
    format: (v) => nonFinite(v) ?? (v === 0 ? '0' : groupThousands(trimZeros(v.toFixed(decimals))).replace(/^-(0(\.0*)?)$/, '$1')),
  };
}

function siNotation(resExp: number): Notation {
  return {
    kind: 'si',
    offset: 0,
    format: (v) => {
      const odd = nonFinite(v);
      if (odd !== null) return odd;
      const abs = Math.abs(v);
      for (const [size, suffix] of SI) {
        if (abs >= size) {
          const decimals = Math.max(0, Math.round(Math.log10(size)) - resExp);
          return `${trimZeros((v / size).toFixed(decimals))}${suffix}`;
        }
      }
      return v === 0 ? '0' : trimZeros(v.toFixed(Math.max(0, -resExp)));
    },
  };
}

function scientificNotation(resExp: number): Notation {
  return {
    kind: 'scientific',
    offset: 0,
    format: (v) => {
      const odd = nonFinite(v);
      if (odd !== null) return odd;
      if (v === 0) return '0';
      const exp = log10Floor(Math.abs(v));
      // A value of everyday size on a huge or tiny axis reads plain (`5`, not `5e0`), with the digits the axis tells apart.
      if (exp >= -4 && exp < 6) return groupThousands(trimZeros(v.toFixed(Math.min(100, Math.max(0, -resExp)))));
      return exponential(v, exp - resExp);
    },
  };
}

/** A round base near the middle of the values: few significant digits, a multiple of a power of ten above their spread. */
function offsetBase(min: number, max: number): number {
  const spread = max / 2 - min / 2;
  const exponent = log10Floor(spread > 0 ? spread * 2 : Math.abs(max) * 1e-12 || 1) + 2;
  const base = Number(`${Math.round((min / 2 + max / 2) / Number(`1e${exponent}`))}e${exponent}`);
  return Number.isFinite(base) ? base : min;
}

function offsetNotation(min: number, max: number, res: number): Notation {
  const base = offsetBase(min, max);
  const deltas = chooseNotation(min - base, max - base, res, 1);
  // The shortest spelling that reads back as the base.
  const baseText = Math.abs(base) >= 1e15 || (base !== 0 && Math.abs(base) < 1e-4) ? base.toExponential().replace('+', '') : groupThousands(String(base));
  return {
    kind: 'offset',
    offset: base,
    format: (v) => {
      const odd = nonFinite(v);
      if (odd !== null) return odd;
      const d = v - base;
      if (d === 0) return baseText;
      return d < 0 ? `${baseText} − ${deltas.format(-d)}` : `${baseText} + ${deltas.format(d)}`;
    },
  };
}

/**
 * Seconds as a duration: 0s, 45s, 1m30s, 2h5m, 3d4h. Sub-second values keep up to 3 decimals (0.25s).
 * Used for x ticks (seconds since start) and for execution durations.
 */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return formatNumber(seconds);
  const sign = seconds < 0 ? '-' : '';
  let s = Math.abs(seconds);
  if (s < 60) {
    const rounded = s >= 10 || Number.isInteger(s) ? Math.round(s) : s >= 1 ? Math.round(s * 10) / 10 : Number(s.toPrecision(2));
    return `${sign}${rounded}s`;
  }
  s = Math.round(s);
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  const parts = d > 0 ? [[d, 'd'], [h, 'h']] : h > 0 ? [[h, 'h'], [m, 'm']] : [[m, 'm'], [sec, 's']];
  return sign + parts.filter(([n], i) => i === 0 || n !== 0).map(([n, u]) => `${n}${u}`).join('');
}

const DURATION_UNITS: readonly [number, string][] = [[86400, 'd'], [3600, 'h'], [60, 'm'], [1, 's']];

/**
 * Durations (seconds) written for a set of ticks `step` seconds apart: every part down to the step's unit (1d0h30m is "1d30m",
 * 0.155 s with a 5 ms step is "0.155s"), so two ticks never read the same — unlike `formatDuration`, which rounds a
 * single duration to its two largest parts.
 */
export function durationNotation(step: number): (seconds: number) => string {
  const decimals = step < 1 ? Math.min(20, Math.max(0, -log10Floor(step))) : 0;
  const smallest = step >= 86400 ? 0 : step >= 3600 ? 1 : step >= 60 ? 2 : 3;
  const scale = 10 ** decimals;
  return (seconds) => {
    const odd = nonFinite(seconds);
    if (odd !== null) return odd;
    const sign = seconds < 0 ? '-' : '';
    let rest = Math.round(Math.abs(seconds) * scale) / scale;
    const parts: string[] = [];
    DURATION_UNITS.forEach(([size, unit], i) => {
      if (i > smallest) return;
      const n = i === 3 ? rest : Math.floor(rest / size);
      rest = i === 3 ? 0 : Math.round((rest - n * size) * scale) / scale;
      const text = i === 3 ? trimZeros(n.toFixed(decimals)) : String(n);
      if (n !== 0 || (i === smallest && parts.length === 0)) parts.push(`${text}${unit}`);
    });
    return sign + parts.join('');
  };
}

const X_SECONDS = durationNotation(0.001);

/**
 * One x value for a tooltip heading: seconds since start as a duration to the millisecond, or a number in the group's
 * units — whole numbers in full (step 9,007,199,254,740,994 is not step 9.007e15), others to 10 significant digits.
 */
export function formatX(x: number, units?: string): string {
  if (units === undefined) return X_SECONDS(x);
  const abs = Math.abs(x);
  // Beyond what Intl writes digit for digit (and below what 10 fraction digits keep): mantissa and exponent. From 1e15
  // the digits that tell doubles apart are written (1e15 + 4.875 is 1,000,000,000,000,004.9, not 1e15).
  const exp = abs !== 0 && (abs >= 1e21 || (!Number.isInteger(x) && abs < 1e-4));
  const text = nonFinite(x) ?? (exp ? exponential(x, 9) : Number.isInteger(x) || abs >= 1e15 ? NUMBER.format(x) : NUMBER.format(Number(x.toPrecision(10))));
  return units ? `${text} ${units}` : text;
}

/** Milliseconds since the epoch as a short local date-time: "Mar 4, 14:05:09" (with the year when it is not this year). */
export function formatTimestamp(ms: number, now = Date.now()): string {
  if (!isPlausibleTime(ms, now)) return INVALID_TIME;
  const d = new Date(ms);
  const sameYear = d.getFullYear() === new Date(now).getFullYear();
  const date = (sameYear ? DAY : DAY_YEAR).format(d);
  const time = TIME.format(d);
  return `${date}, ${time}`;
}

/** The largest |ms| a JavaScript Date holds (±100,000,000 days around the epoch): beyond it a time has no calendar date. */
export const MAX_DATE_MS = 8.64e15;

const HOUR_MINUTE = new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit' });
const YEAR = new Intl.DateTimeFormat('en-US', { year: 'numeric' });

/**
 * Clock times for the ticks of a wall-time axis `stepSeconds` apart over [fromMs, toMs] (local time zone), with as much as
 * tells them apart and no more: `14:05` (minute steps), `14:05:09` (seconds), `14:05:09.25` (below a second, to the
 * step's digits), with the date in front once the window spans more than a day (`Mar 4 14:05`), the date alone for steps
 * of days (`Mar 4`), and the year once the window is not within this year (`Mar 4, 2031`). A time with no calendar date
 * (|ms| > MAX_DATE_MS) is null: the caller says it another way.
 */
export function wallClockNotation(stepSeconds: number, fromMs: number, toMs: number, now = Date.now()): (ms: number) => string | null {
  const thisYear = YEAR.format(new Date(now));
  const dated = (ms: number) => Math.abs(ms) <= MAX_DATE_MS;
  const withYear = !dated(fromMs) || !dated(toMs) || YEAR.format(new Date(fromMs)) !== thisYear || YEAR.format(new Date(toMs)) !== thisYear;
  const dayFormat = withYear ? DAY_YEAR : DAY;
  const withDate = toMs - fromMs >= 86_400_000;
  const decimals = stepSeconds < 1 ? Math.min(3, Math.max(1, -log10Floor(stepSeconds))) : 0;
  return (ms) => {
    if (!dated(ms)) return null;
    const whole = Math.round(ms);
    const d = new Date(whole);
    if (stepSeconds >= 86_400) return dayFormat.format(d);
    let clock = stepSeconds >= 60 ? HOUR_MINUTE.format(d) : TIME.format(d);
    if (decimals > 0) clock += `.${String(((whole % 1000) + 1000) % 1000).padStart(3, '0').slice(0, decimals)}`;
    return withDate ? `${dayFormat.format(d)} ${clock}` : clock;
  };
}

/** What a time an older store holds shows as when it is not a plausible time in milliseconds (see protocol/times). */
export const INVALID_TIME = 'invalid time';

export { executionSeconds } from '../../protocol/index.js';

/** An execution's duration for a page: `formatDuration`, or "—" when its times are invalid. */
export function formatExecutionDuration(seconds: number | null): string {
  return seconds === null ? '—' : formatDuration(seconds);
}
