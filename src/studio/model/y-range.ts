import type { AxisModel, LineSeriesModel } from './panels.js';
import { bufferId, lowerBound, type SeriesBuffer } from './series-buffer.js';

/**
 * The y range of a panel (issue #17 "Y range"): `auto` follows the visible data; `fixed` holds a min and/or max per
 * y-axis (typed in, or set by a box zoom or Ctrl+wheel); `outliers` frames each axis on the 1st–99th percentile of its
 * visible values, so a few spikes do not flatten the rest. Values outside a fixed or percentile window are clipped and
 * counted, and the chart marks them at the edge.
 *
 * In the URL as `yr.<panel id>`: `o` for outliers, or per axis (panel axis order) `<min>:<max>` joined by `;`, an empty
 * end following the data (`0:1;:5`). Auto has no parameter (`a` when the page-level `yr` says otherwise).
 */
export interface YWindow {
  min?: number | undefined;
  max?: number | undefined;
}

export type YRange = { kind: 'auto' } | { kind: 'outliers' } | { kind: 'fixed'; axes: (YWindow | null)[] };

export const AUTO: YRange = { kind: 'auto' };
/** The percentiles "ignore outliers" frames on. */
export const OUTLIER_QUANTILES: readonly [number, number] = [0.01, 0.99];
/** Headroom around a percentile window, as a fraction of its width (as plot-frame.ts pads an auto axis). */
const OUTLIER_PAD = 0.05;

const param = (panelId: string) => `yr.${panelId}`;

/** The y range of `panelId` in a search string; anything malformed reads as auto (a shared link never breaks). */
export function decodeYRange(search: string, panelId: string): YRange {
  const raw = new URLSearchParams(search).get(param(panelId));
  if (!raw) return AUTO;
  if (raw === 'o') return { kind: 'outliers' };
  const num = (t: string | undefined) => {
    if (t === undefined || t.trim() === '') return undefined;
    const v = Number(t);
    return Number.isFinite(v) ? v : undefined;
  };
  const axes = raw.split(';').map((part): YWindow | null => {
    const [a, b] = part.split(':');
    const w = { min: num(a), max: num(b) };
    if (w.min === undefined && w.max === undefined) return null;
    return w.min !== undefined && w.max !== undefined && !(w.max > w.min) ? null : w;
  });
  return axes.some((w) => w !== null) ? { kind: 'fixed', axes } : AUTO;
}

const compact = (v: number | undefined) => (v === undefined ? '' : String(Number(v.toPrecision(10))));

/** The search string with `panelId`'s y range set (removed for auto), other parameters kept. */
export function encodeYRange(search: string, panelId: string, r: YRange): string {
  const p = new URLSearchParams(search);
  let value = '';
  if (r.kind === 'outliers') value = 'o';
  else if (r.kind === 'fixed' && r.axes.some((w) => w && (w.min !== undefined || w.max !== undefined))) {
    const parts = r.axes.map((w) => (w ? `${compact(w.min)}:${compact(w.max)}` : ':'));
    while (parts.length > 1 && parts[parts.length - 1] === ':') parts.pop();
    value = parts.join(';');
  }
  if (value) p.set(param(panelId), value);
  else p.delete(param(panelId));
  const s = p.toString();
  return s ? `?${s}` : '';
}

/** The URL parameter of the page-level y range (the bar over all panels): `yr=o` frames every panel on its percentiles. */
export const PAGE_Y_RANGE_PARAM = 'yr';

/** The page-level y range: auto or ignore outliers (fixed windows belong to one panel's axes). */
export function decodePageYRange(search: string): YRange {
  return new URLSearchParams(search).get(PAGE_Y_RANGE_PARAM) === 'o' ? { kind: 'outliers' } : AUTO;
}

/** The search string with the page-level y range set: every panel takes it (their own y ranges are removed). */
export function setPageYRange(search: string, r: YRange): string {
  const p = new URLSearchParams(search);
  for (const name of [...p.keys()]) if (name.startsWith(`${PAGE_Y_RANGE_PARAM}.`)) p.delete(name);
  if (r.kind === 'outliers') p.set(PAGE_Y_RANGE_PARAM, 'o');
  else p.delete(PAGE_Y_RANGE_PARAM);
  const out = p.toString();
  return out ? `?${out}` : '';
}

/** What panel `panelId` frames its y with: its own y range (`yr.<id>`; `a`: auto over the page's), else the page's. */
export function effectiveYRange(search: string, panelId: string): YRange {
  return new URLSearchParams(search).has(param(panelId)) ? decodeYRange(search, panelId) : decodePageYRange(search);
}

/** The search string with panel `panelId` set to `r`, written as what differs from the page's y range. */
export function setPanelYRange(search: string, panelId: string, r: YRange): string {
  const page = decodePageYRange(search);
  if (r.kind !== 'fixed' && r.kind === page.kind) return encodeYRange(search, panelId, AUTO);
  if (r.kind !== 'auto') return encodeYRange(search, panelId, r);
  const p = new URLSearchParams(search);
  p.set(param(panelId), 'a');
  return `?${p}`;
}

/**
 * The `q`-quantile (0…1) of `values` by linear interpolation between closest ranks (as numpy's default); reorders
 * `values` in place (quickselect, O(n) on average). NaN for an empty array.
 */
export function quantileInPlace(values: Float64Array, q: number): number {
  const n = values.length;
  if (n === 0) return NaN;
  const pos = Math.min(1, Math.max(0, q)) * (n - 1);
  const k = Math.floor(pos);
  const lo = select(values, k);
  if (pos === k) return lo;
  // The next rank is the smallest of what quickselect left above k.
  let hi = Infinity;
  for (let i = k + 1; i < n; i++) if (values[i]! < hi) hi = values[i]!;
  return lo + (hi - lo) * (pos - k);
}

/** Hoare's quickselect: the k-th smallest, with everything before k no larger and everything after no smaller. */
function select(a: Float64Array, k: number): number {
  let left = 0;
  let right = a.length - 1;
  while (right > left) {
    const pivot = a[(left + right) >>> 1]!;
    let i = left;
    let j = right;
    while (i <= j) {
      while (a[i]! < pivot) i++;
      while (a[j]! > pivot) j--;
      if (i <= j) {
        const t = a[i]!;
        a[i] = a[j]!;
        a[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) right = j;
    else if (k >= i) left = i;
    else break;
  }
  return a[k]!;
}

export interface ViewAxesInput {
  /** Held series per line, in the units drawn (log10 of the values on Log y). */
  held: readonly SeriesBuffer[];
  lines: readonly LineSeriesModel[];
  axes: readonly AxisModel[];
  range: YRange;
  /** The visible x window. */
  from?: number | undefined;
  to?: number | undefined;
  hidden?: ReadonlySet<string>;
  /** Log y: fixed windows and the axes' own bounds are in real values and are taken to log10 (non-positive ends follow the data). */
  log?: boolean;
  /**
   * Per line, every stored point of a line held reduced (model/full-resolution.ts), in real values (undefined: none read):
   * "ignore outliers" takes its percentiles over these rather than over the held points. A reduction keeps each bucket's
   * lowest and highest point, so extremes are over-represented in what is held: a dip at 0.08 % of the points is in ~2–8 %
   * of the held ones, inside the 1st percentile. A fixed window counts the values it clips among these too.
   */
  full?: readonly (SeriesBuffer | undefined)[];
  /** Keeps percentile windows from redraw to redraw (see `OutlierWindows`). */
  windows?: OutlierWindows;
}

export interface ViewAxes {
  /** The panel's axes with the windows of the y range as their bounds (plot-frame.ts frames an axis on its bounds). */
  axes: AxisModel[];
  /**
   * Visible values of shown lines outside their axis's window (0 on auto): among every stored point of a line whose
   * full-resolution points were given (`full`), else among its held points.
   */
  clipped: number;
  /** False when `clipped` is a lower bound: some line counted was held reduced (each reduced point is a stored one). */
  clippedExact: boolean;
}

/** How many values a y range clips, and whether that is every one (false: at least that many). */
export interface ClipCount {
  count: number;
  exact: boolean;
}

/** The note under a chart whose y range clips `count` values: `At least 741 values are …` when the count is a lower bound. */
export function clipNote(count: number, exact: boolean): string {
  const n = `${count.toLocaleString('en-US')} ${count === 1 ? 'value' : 'values'}`;
  return `${exact ? n.charAt(0).toUpperCase() + n.slice(1) : `At least ${n}`} ${count === 1 ? 'is' : 'are'} outside the y range: clipped, marked ▲▼ at the edge.`;
}

/** The lines of an axis whose values frame it: its shown lines (all of them when all are hidden). */
function axisLines(input: ViewAxesInput, scale: string): number[] {
  const { lines, hidden } = input;
  const idx = lines.map((l, j) => (l.scale === scale && !hidden?.has(l.key) ? j : -1)).filter((j) => j >= 0);
  return idx.length > 0 ? idx : lines.map((l, j) => (l.scale === scale ? j : -1)).filter((j) => j >= 0);
}

/** Whether a value is drawn: finite, and on Log y (`log`) also positive. */
const drawable = (v: number, log: boolean) => (log ? v > 0 && v < Infinity : Number.isFinite(v));

/** How many drawn values of `c` lie outside [lower, upper] in drawn units (log10 on Log y; an undefined bound is open). */
function countOutside(c: Float64Array, log: boolean, lower: number | undefined, upper: number | undefined): number {
  let n = 0;
  for (let i = 0; i < c.length; i++) {
    const raw = c[i]!;
    if (!drawable(raw, log)) continue;
    const v = log ? Math.log10(raw) : raw;
    if ((lower !== undefined && v < lower) || (upper !== undefined && v > upper)) n++;
  }
  return n;
}

/** The values of `s` with x in the visible window. */
function visibleSlice(input: ViewAxesInput, s: SeriesBuffer): Float64Array {
  const from = input.from ?? -Infinity;
  const to = input.to ?? Infinity;
  const start = from === -Infinity ? 0 : lowerBound(s, from);
  let end = to === Infinity ? s.length : lowerBound(s, to);
  while (end < s.length && s.x[end]! <= to) end++;
  return s.y.subarray(start, end);
}

/**
 * Visible finite values of the lines `idx` (in drawn units), each from `source(j)`; `toLog` values (real ones, on Log y)
 * are taken to log10, the non-positive ones left out.
 */
function visibleValues(input: ViewAxesInput, idx: readonly number[], source: (j: number) => { s: SeriesBuffer; toLog: boolean } | undefined): Float64Array {
  const chunks: { c: Float64Array; toLog: boolean }[] = [];
  for (const j of idx) {
    const src = source(j);
    if (src) chunks.push({ c: visibleSlice(input, src.s), toLog: src.toLog });
  }
  let n = 0;
  for (const { c, toLog } of chunks) for (let i = 0; i < c.length; i++) if (drawable(c[i]!, toLog)) n++;
  const out = new Float64Array(n);
  let k = 0;
  for (const { c, toLog } of chunks) {
    for (let i = 0; i < c.length; i++) {
      const v = c[i]!;
      if (drawable(v, toLog)) out[k++] = toLog ? Math.log10(v) : v;
    }
  }
  return out;
}

/**
 * Percentile windows of a chart's axes (and the values a fixed window clips among full-resolution points), kept from
 * redraw to redraw while an axis is framed on full-resolution points: those
 * change when read again (at most once a second while live, use-full-resolution.ts), and the held points of its other
 * lines change on every live redraw. The window is taken again when the full-resolution points, the visible window or the
 * lines change, or the held points grew by more than 1/64 since (a percentile of the whole moves little by then): a live
 * redraw does not select over millions of points.
 */
export class OutlierWindows {
  private readonly kept = new Map<string, { signature: string; held: number; frame: OutlierFrame }>();

  private readonly counts = new Map<string, { signature: string; n: number }>();

  /** A count over full-resolution points under `key` (one a line): kept while `signature` holds, else `compute`d. */
  count(key: string, signature: string, compute: () => number): number {
    const k = this.counts.get(key);
    if (k && k.signature === signature) return k.n;
    const n = compute();
    this.counts.set(key, { signature, n });
    return n;
  }

  /** The frame of axis `scale`: kept, or computed by `compute`. */
  window(scale: string, signature: string, held: number, compute: () => OutlierFrame): OutlierFrame {
    const k = this.kept.get(scale);
    if (k && k.signature === signature && held >= k.held && held - k.held <= k.held / 64) return k.frame;
    const frame = compute();
    this.kept.set(scale, { signature, held, frame });
    return frame;
  }
}

/** An axis's percentile window (null: too few values, or no spread) and how many full-resolution values it clips. */
export interface OutlierFrame {
  window: [number, number] | null;
  clippedFull: number;
}

/** Whether line `j` is framed on its full-resolution points. */
const hasFull = (input: ViewAxesInput, j: number) => (input.full?.[j]?.length ?? 0) > 0;

/** The 1st–99th percentile window of `values` (reordered), padded; null when too few values or no spread. */
function percentileWindow(values: Float64Array): [number, number] | null {
  if (values.length < 3) return null;
  const lo = quantileInPlace(values, OUTLIER_QUANTILES[0]);
  const hi = quantileInPlace(values, OUTLIER_QUANTILES[1]);
  if (!(hi > lo)) return null;
  const pad = (hi - lo) * OUTLIER_PAD;
  return [lo - pad, hi + pad];
}

/** The percentile window of an axis ("ignore outliers"): over full-resolution points where read, else over what is held. */
function outlierWindow(input: ViewAxesInput, scale: string): OutlierFrame {
  const idx = axisLines(input, scale);
  const log = input.log ?? false;
  const full = (j: number) => (hasFull(input, j) ? input.full![j] : undefined);
  const source = (j: number) => {
    const f = full(j);
    if (f) return { s: f, toLog: log };
    const h = input.held[j];
    return h ? { s: h, toLog: false } : undefined;
  };
  const compute = (): OutlierFrame => {
    const window = percentileWindow(visibleValues(input, idx, source));
    let clippedFull = 0;
    if (window) {
      // The values clipped are counted among every point too, not among the reduced ones.
      for (const j of idx) {
        const f = full(j);
        if (f) clippedFull += countOutside(visibleSlice(input, f), log, window[0], window[1]);
      }
    }
    return { window, clippedFull };
  };
  if (!input.windows || !idx.some((j) => full(j))) return compute();
  let held = 0;
  const parts: string[] = [String(input.from), String(input.to), String(log)];
  for (const j of idx) {
    const f = full(j);
    if (f) parts.push(`${j}:${bufferId(f)}.${f.rev ?? 0}.${f.length}`);
    else {
      parts.push(`${j}:-`);
      held += input.held[j]?.length ?? 0;
    }
  }
  return input.windows.window(scale, parts.join(','), held, compute);
}

/**
 * How many visible full-resolution values of line `j` lie outside [lower, upper] (drawn units: log10 on Log y, where the
 * non-positive ones are not drawn and not counted). Kept in `input.windows` while the points, window and bounds hold: a
 * live redraw does not count millions of points again.
 */
function fullClipped(input: ViewAxesInput, j: number, lower: number | undefined, upper: number | undefined): number {
  const f = input.full![j]!;
  const log = input.log ?? false;
  const compute = () => countOutside(visibleSlice(input, f), log, lower, upper);
  if (!input.windows) return compute();
  const signature = `${bufferId(f)}.${f.rev ?? 0}.${f.length}:${input.from}:${input.to}:${lower}:${upper}:${log}`;
  return input.windows.count(`${j}`, signature, compute);
}

const toLog = (v: number | undefined) => (v === undefined ? undefined : v > 0 ? Math.log10(v) : undefined);

/** The axes a panel is framed on under its y range, and how many visible values that clips. */
export function viewAxes(input: ViewAxesInput): ViewAxes {
  const { axes, range, log = false } = input;
  let clipped = 0;
  let exact = true;
  const out = axes.map((axis, i): AxisModel => {
    const own = log ? { ...axis, lower: toLog(axis.lower), upper: toLog(axis.upper) } : axis;
    let lower: number | undefined;
    let upper: number | undefined;
    if (range.kind === 'fixed') {
      const w = range.axes[i];
      if (!w) return own;
      lower = log ? toLog(w.min) : w.min;
      upper = log ? toLog(w.max) : w.max;
      if (lower === undefined && upper === undefined) return own;
    } else if (range.kind === 'outliers') {
      const o = outlierWindow(input, axis.scale);
      if (!o.window) return own;
      [lower, upper] = o.window;
      clipped += o.clippedFull;
    } else return own;
    // Lines framed on their full-resolution points had their clipped values counted among those (outliers); under a
    // fixed window every stored point read is counted too, not the reduced ones drawn.
    const counted = axisLines(input, axis.scale);
    const heldLines = counted.filter((j) => !hasFull(input, j));
    if (range.kind === 'fixed') for (const j of counted) if (hasFull(input, j)) clipped += fullClipped(input, j, lower, upper);
    const values = visibleValues(input, heldLines, (j) => {
      const h = input.held[j];
      if (h?.downsampled) exact = false;
      return h ? { s: h, toLog: false } : undefined;
    });
    for (let k = 0; k < values.length; k++) {
      const v = values[k]!;
      if ((lower !== undefined && v < lower) || (upper !== undefined && v > upper)) clipped++;
    }
    const bounded: AxisModel = { ...own };
    if (lower !== undefined) bounded.lower = lower;
    if (upper !== undefined) bounded.upper = upper;
    return bounded;
  });
  return { axes: out, clipped, clippedExact: exact };
}
