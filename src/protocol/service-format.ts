/**
 * Numbers of service metrics as people read them, shared by `plotline get` and the studio's services pages:
 * latencies with a unit (`850 µs`, `24 ms`, `1.2 s`), rates (`12.5`), counts (`1,204`), ages (`3s ago`).
 * `-` stands for no data.
 */

export const NO_DATA = '-';

/** Up to 3 significant digits, no trailing zeros: 24, 1.2, 0.35, 123. */
function sig3(v: number): string {
  if (v === 0) return '0';
  const abs = Math.abs(v);
  const s = abs >= 100 ? Math.round(v).toString() : v.toPrecision(abs >= 10 ? 3 : 2);
  return s.includes('.') && !s.includes('e') ? s.replace(/\.?0+$/, '') : s;
}

/** A latency given in ms: `850 µs` below 1 ms, `24 ms` below 1 s, else `1.2 s`; `-` for null or non-finite. */
export function formatLatencyMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return NO_DATA;
  const abs = Math.abs(ms);
  if (abs === 0) return '0 ms';
  if (abs < 1) return `${sig3(ms * 1000)} µs`;
  if (abs < 1000) return `${sig3(ms)} ms`;
  return `${sig3(ms / 1000)} s`;
}

/** Beyond this magnitude a whole number is written with an exponent (`1.23e20`), so a gauge of 1e308 stays a short cell. */
const GROUPED_MAX = 1e15;

/** `1e308`, `1.23e20`, `-4.5e16`: 3 significant digits, no `+`, no trailing zeros. */
function exponent(v: number): string {
  return v.toExponential(2).replace(/\.?0+e/, 'e').replace('e+', 'e');
}

/** A rate per second or a gauge (`0.5`, `12.3`, `1,204`, `-12,345`, `1e308`); `-` for null. */
export function formatRate(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return NO_DATA;
  const abs = Math.abs(v);
  if (abs >= GROUPED_MAX) return exponent(v);
  return abs >= 1000 ? Math.round(v).toLocaleString('en-US') : sig3(v);
}

/** A count (`0`, `1,204`, `2.5`, `1e20`); `-` for null. */
export function formatCount(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return NO_DATA;
  if (Math.abs(v) >= GROUPED_MAX) return exponent(v);
  return Number.isInteger(v) ? v.toLocaleString('en-US') : sig3(v);
}

/** How long ago `at` (ms) was at `now`: `just now`, `12s ago`, `5m ago`, `3h ago`, `2d ago`; `-` for null. */
export function formatAgo(at: number | null | undefined, now: number): string {
  if (at === null || at === undefined || !(at > 0)) return NO_DATA;
  const s = Math.max(0, Math.round((now - at) / 1000));
  if (s < 1) return 'just now';
  if (s < 60) return `${s}s ago`;
  if (s < 3600) return `${Math.floor(s / 60)}m ago`;
  if (s < 86400) return `${Math.floor(s / 3600)}h ago`;
  return `${Math.floor(s / 86400)}d ago`;
}

/** The status class of a code: `2XX` from `200`, `2XX` or `2xx` (likewise 4XX, 5XX); null for anything else. */
export function statusClass(code: string | null): '2XX' | '4XX' | '5XX' | null {
  if (code === null || !/^[1-5](\d\d|XX|xx)$/.test(code)) return null;
  const c = code.charAt(0);
  return c === '2' ? '2XX' : c === '4' ? '4XX' : c === '5' ? '5XX' : null;
}
