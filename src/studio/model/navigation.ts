/**
 * Chart navigation as pure arithmetic on a shown span (issue #17): wheel and keyboard zoom about a point, panning by a
 * fraction of the view or by dragged pixels, and which key does what. Spans are in axis values; on a log axis the same
 * operations happen on log10 of the values, so a zoom keeps the point under the cursor and pans move by equal ratios.
 */

/** A shown range of one axis, from < to. */
export interface Span {
  from: number;
  to: number;
}

/** Zooming stops before a span is narrower than this fraction of its magnitude (float noise, see range.ts). */
const MIN_RELATIVE_WIDTH = 1e-12;
/** A wheel notch of 100 px zooms by e^(100·k): about 18 %. */
const WHEEL_RATE = 0.002;
/** What one `+` / `-` press zooms by, and what an arrow press pans by (a fraction of the view). */
export const KEY_ZOOM = 0.8;
export const KEY_PAN = 0.1;

const toLog = (s: Span): Span => ({ from: Math.log10(s.from), to: Math.log10(s.to) });
const fromLog = (s: Span): Span => ({ from: 10 ** s.from, to: 10 ** s.to });

function valid(s: Span, log: boolean): boolean {
  if (!(Number.isFinite(s.from) && Number.isFinite(s.to) && s.to > s.from)) return false;
  if (log && !(s.from > 0)) return false;
  const mag = Math.max(Math.abs(s.from), Math.abs(s.to));
  return s.to - s.from > mag * MIN_RELATIVE_WIDTH && Math.abs(s.to) <= Number.MAX_VALUE / 2 && Math.abs(s.from) <= Number.MAX_VALUE / 2;
}

/**
 * `view` zoomed by `factor` (< 1 zooms in, > 1 out) about `anchor`, which stays where it is on screen. Returns `view`
 * unchanged when the result would be empty, noise-narrow or overflow (zooming stops there rather than breaking).
 */
export function zoomSpan(view: Span, anchor: number, factor: number, log = false): Span {
  if (!(factor > 0) || !valid(view, log)) return view;
  const v = log ? toLog(view) : view;
  let a = log ? Math.log10(anchor) : anchor;
  if (!Number.isFinite(a)) a = (v.from + v.to) / 2;
  a = Math.min(v.to, Math.max(v.from, a));
  const z = { from: a - (a - v.from) * factor, to: a + (v.to - a) * factor };
  const out = log ? fromLog(z) : z;
  return valid(out, log) ? out : view;
}

/** `view` moved by `fraction` of its width (positive: towards larger values). */
export function panSpan(view: Span, fraction: number, log = false): Span {
  if (!valid(view, log)) return view;
  const v = log ? toLog(view) : view;
  const d = (v.to - v.from) * fraction;
  const moved = { from: v.from + d, to: v.to + d };
  const out = log ? fromLog(moved) : moved;
  return valid(out, log) ? out : view;
}

/** `view` dragged by `dxPx` pixels of a plot `widthPx` wide: the content follows the pointer, so the view moves against it. */
export function dragSpan(view: Span, dxPx: number, widthPx: number, log = false): Span {
  return widthPx > 0 ? panSpan(view, -dxPx / widthPx, log) : view;
}

/** The zoom factor of one wheel event (WheelEvent.deltaY and deltaMode: 0 pixels, 1 lines, 2 pages). Scrolling down zooms out. */
export function wheelFactor(deltaY: number, deltaMode = 0): number {
  const px = deltaMode === 1 ? deltaY * 16 : deltaMode === 2 ? deltaY * 400 : deltaY;
  const clamped = Math.max(-500, Math.min(500, px));
  return Math.exp(clamped * WHEEL_RATE);
}

export type NavAction =
  | { kind: 'zoom'; factor: number }
  | { kind: 'pan'; fraction: number }
  | { kind: 'reset' }
  | { kind: 'follow' };

/**
 * What a key pressed on a focused chart does (issue #17): `+`/`=` zoom in, `-` zoom out, ←/→ pan (by half the view
 * with Shift), `0` resets the zoom, `f` follows live data. Keys with Ctrl, ⌘ or Alt are left to the browser.
 */
export function navKey(key: string, mods: { ctrl?: boolean; meta?: boolean; alt?: boolean; shift?: boolean } = {}): NavAction | null {
  if (mods.ctrl || mods.meta || mods.alt) return null;
  switch (key) {
    case '+':
    case '=':
      return { kind: 'zoom', factor: KEY_ZOOM };
    case '-':
    case '_':
      return { kind: 'zoom', factor: 1 / KEY_ZOOM };
    case 'ArrowLeft':
      return { kind: 'pan', fraction: -(mods.shift ? 0.5 : KEY_PAN) };
    case 'ArrowRight':
      return { kind: 'pan', fraction: mods.shift ? 0.5 : KEY_PAN };
    case '0':
      return { kind: 'reset' };
    case 'f':
    case 'F':
      return { kind: 'follow' };
    default:
      return null;
  }
}
