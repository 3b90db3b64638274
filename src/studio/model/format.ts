/** Number, duration and time formatting shared by axes, legends, tables and the summary tree. */

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
  if (Number.isInteger(v) && Math.abs(v) < 1e15) return NUMBER.format(v);
  const abs = Math.abs(v);
  if (abs !== 0 && (abs >= 1e9 || abs < 1e-4)) return v.toExponential(3).replace(/\.?0+e/, 'e');
  return NUMBER.format(Number(v.toPrecision(4)));
}

/** A compact axis tick: 1.2k, 3.4M, 0.001, 1e-6. */
export function formatTick(v: number): string {
  const abs = Math.abs(v);
  if (abs === 0) return '0';
  if (abs >= 1e15 || abs < 1e-4) return v.toExponential(1).replace(/\.0e/, 'e');
  const units: [number, string][] = [[1e12, 'T'], [1e9, 'G'], [1e6, 'M'], [1e3, 'k']];
  for (const [size, suffix] of units) {
    if (abs >= size) return `${trimZeros((v / size).toPrecision(3))}${suffix}`;
  }
  return trimZeros(v.toPrecision(4));
}

function trimZeros(s: string): string {
  return s.includes('.') && !s.includes('e') ? s.replace(/\.?0+$/, '') : s;
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

const DURATION_STEPS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400, 172800, 604800];

/** Tick positions for a seconds axis that land on round durations (10s, 1m, 5m, 1h…), about one per `minSpace` pixels. */
export function durationSplits(min: number, max: number, widthPx: number, minSpace = 70): number[] {
  if (!(max > min) || widthPx <= 0) return [min];
  const maxTicks = Math.max(2, Math.floor(widthPx / minSpace));
  const range = max - min;
  let step = DURATION_STEPS.find((st) => range / st <= maxTicks);
  if (step === undefined) step = Math.ceil(range / maxTicks / 604800) * 604800;
  if (range < maxTicks) step = niceStep(range / maxTicks);
  const out: number[] = [];
  const firstIndex = Math.ceil(min / step - 1e-9);
  for (let i = firstIndex; i * step <= max + step * 1e-9; i++) out.push(Number((i * step).toPrecision(12)) + 0);
  return out;
}

/** 1, 2 or 5 × 10^n at or above `raw`. */
export function niceStep(raw: number): number {
  const pow = 10 ** Math.floor(Math.log10(raw));
  const n = raw / pow;
  return (n <= 1 ? 1 : n <= 2 ? 2 : n <= 5 ? 5 : 10) * pow;
}

/** Milliseconds since the epoch as a short local date-time: "Mar 4, 14:05:09" (with the year when it is not this year). */
export function formatTimestamp(ms: number, now = Date.now()): string {
  const d = new Date(ms);
  const sameYear = d.getFullYear() === new Date(now).getFullYear();
  const date = (sameYear ? DAY : DAY_YEAR).format(d);
  const time = TIME.format(d);
  return `${date}, ${time}`;
}

/** How long an execution ran, or has been running until `now` (ms). */
export function executionSeconds(e: { startedAt: number; endedAt: number | null }, now: number): number {
  return Math.max(0, ((e.endedAt ?? now) - e.startedAt) / 1000);
}
