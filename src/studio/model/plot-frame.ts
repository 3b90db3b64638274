import { readoutNotation, type Notation } from './format.js';
import type { AxisModel, LineSeriesModel } from './panels.js';
import { safeRange } from './range.js';
import { gapsAndIsolated, lineExtent, plotUnits, type LivePlot, type SettledPrefix } from './live-plot.js';
import { alignSeries, denserThan, lowerBound, type SeriesBuffer } from './series-buffer.js';
import { axisTicks, type AxisTicks } from './ticks.js';

/**
 * What one chart draws, in the units uPlot is given. y values are handed to uPlot in *tick units* of their axis,
 * t = (y − origin) / step: whatever the data's magnitude (1e-300 or 1e308, or 10 + 1e-9), uPlot then only ever sees
 * numbers of order 1…1000 across a window a few units wide — its scales, paths and hit tests stay exact, and a window
 * whose width overflows a double (−1e308…1e308) is still drawn. Ticks, labels and legend values come from the real
 * values (ticks.ts, format.ts). x stays in its own units (|x| ≤ 2^53 by the ingest rule), so cursor sync across panels
 * compares real x.
 */

/** Headroom above and below the data on a y-axis, as a fraction of its spread. */
export const Y_PAD = 0.05;
/** Vertical pixels a y tick label needs. */
const Y_TICK_SPACE_PX = 30;
/** Plot values further than this many windows outside are clamped (they are off-screen anyway; Infinity must not reach a path). */
const OFFSCREEN_WINDOWS = 1e6;

/** One y-axis of a chart, ready to draw. */
export interface YAxisFrame {
  scale: string;
  /** Ticks of the real window. */
  ticks: AxisTicks;
  /** The real value at plot 0, and the real size of one plot unit (the tick step). */
  origin: number;
  unit: number;
  /** The window in plot units. */
  plotMin: number;
  plotMax: number;
  /** Tick positions in plot units. */
  plotTicks: number[];
  /** How legend and tooltip values of this axis's series are written: the tick notation with about two more digits, each value with at least READOUT_DIGITS of its own (format.ts `readoutNotation`). */
  values: Notation;
}

/** The real value → plot units of `frame`, clamped far off-screen. */
export function toPlot(frame: YAxisFrame, v: number): number {
  const t = (v - frame.origin) / frame.unit;
  const span = frame.plotMax - frame.plotMin;
  return Math.max(frame.plotMin - OFFSCREEN_WINDOWS * span, Math.min(frame.plotMax + OFFSCREEN_WINDOWS * span, t));
}

/** The frame of a y-axis whose shown series span `dataMin`…`dataMax` (null: no finite value) over a plot `heightPx` tall. */
export function yAxisFrame(axis: AxisModel, dataMin: number | null, dataMax: number | null, heightPx: number): YAxisFrame {
  const [lo, hi] = safeRange(dataMin, dataMax, { lower: axis.lower, upper: axis.upper, pad: Y_PAD });
  const ticks = axisTicks(lo, hi, { maxTicks: Math.floor(heightPx / Y_TICK_SPACE_PX) });
  const unit = ticks.step;
  // An offset notation's base is a multiple of the step; otherwise 0 keeps plot units proportional to the values.
  const origin = ticks.notation.kind === 'offset' ? ticks.notation.offset : 0;
  const plot = (v: number) => (v - origin) / unit;
  const maxAbs = Math.max(Math.abs(lo), Math.abs(hi));
  return {
    scale: axis.scale,
    ticks,
    origin,
    unit,
    plotMin: plot(lo),
    plotMax: plot(hi),
    plotTicks: ticks.values.map(plot),
    values: readoutNotation(lo, hi, Math.min(ticks.step / 100, maxAbs * 1e-4 || ticks.step / 100)),
  };
}

/** A chart's data in uPlot's layout and units. */
export interface PlotData {
  x: Float64Array;
  /** Per line (panel order): values in plot units; null marks a NaN/±Infinity gap, undefined "no point at this x". */
  ys: (number | null | undefined)[][];
  /** Per line: x of its NaN/±Infinity values (gap markers). */
  odd: number[][];
  /** Per line: indices (into `x`) of finite points with no finite neighbour — drawn as dots, since no line reaches them. */
  isolated: number[][];
  /** Per y-axis scale key. */
  frames: Map<string, YAxisFrame>;
  /**
   * Per line (panel order), unaligned: its own x (a view of the held buffer) and its values in plot units, NaN and
   * ±Infinity as they are — what the line layer draws (chart/line-layer.ts).
   */
  lines: SeriesBuffer[];
}

export interface PlotDataOptions {
  /** The x window in view (a zoom); values outside it do not widen the y-axes. */
  from?: number | undefined;
  to?: number | undefined;
  hidden?: ReadonlySet<string>;
  /** Height of the plot area in CSS pixels. */
  heightPx: number;
  /** Use these frames instead of framing this data (a smoothed line drawn in the frames of its raw series). */
  frames?: ReadonlyMap<string, YAxisFrame>;
  /** x closer than this share a column of the aligned table (`alignSeries`): a fraction of a pixel, in x units. Default 0. */
  snap?: number;
  /**
   * The aligned table (`x`, `ys`) holds one point of each series per `snap` (`alignSeries` sampled): for a chart whose
   * lines are drawn from `lines` (every point) and whose table serves the cursor and dots. `lines` and `odd` are whole.
   */
  sampled?: boolean;
  /**
   * A live chart's memo and each line's settled points (live-plot.ts): what was computed of settled points on earlier
   * redraws is kept. Used for a sampled table of lines denser than `snap`, with nothing zoomed (the window is every held
   * point); `lines` then hold plot units clamped to ±PLOT_LIMIT rather than to the window, and are the memo's own arrays
   * (they hold until the next call).
   */
  live?: { plot: LivePlot; settled: readonly SettledPrefix[] };
}

/**
 * The held (already decimated) series of a panel's lines → what uPlot draws, with one frame per y-axis. Extents,
 * the change of units and isolated points are computed per series, before alignment, so their cost follows the number of
 * points rather than the aligned layout (series recorded at their own x align into a table of series × all x).
 */
export function plotData(held: readonly SeriesBuffer[], lines: readonly LineSeriesModel[], axes: readonly AxisModel[], opts: PlotDataOptions): PlotData {
  const from = opts.from ?? -Infinity;
  const to = opts.to ?? Infinity;
  const snap = opts.snap ?? 0;
  const live = opts.live && opts.sampled && snap > 0 && from === -Infinity && to === Infinity && denserThan(held, snap) ? opts.live : null;
  const memos = live ? held.map((_, j) => live.plot.line(lines[j]!.key, live.settled[j]!)) : null;
  const extent = new Map<string, { min: number; max: number; shown: boolean }>();
  lines.forEach((line, j) => {
    const shown = !opts.hidden?.has(line.key);
    let e = extent.get(line.scale);
    // An axis's range follows its shown lines; one whose lines are all hidden keeps following all of them.
    if (!e || (shown && !e.shown)) extent.set(line.scale, (e = { min: Infinity, max: -Infinity, shown }));
    else if (!shown && e.shown) return;
    const [min, max] = memos ? lineExtent(memos[j]!, held[j]!) : windowExtent(held[j]!, from, to);
    if (min < e.min) e.min = min;
    if (max > e.max) e.max = max;
  });

  const frames = new Map<string, YAxisFrame>(opts.frames ?? []);
  for (const axis of opts.frames ? [] : axes) {
    const e = extent.get(axis.scale);
    const has = e !== undefined && e.min <= e.max;
    frames.set(axis.scale, yAxisFrame(axis, has ? e.min : null, has ? e.max : null, opts.heightPx));
  }
  const clampOf = (j: number): [number, number] => {
    const frame = frames.get(lines[j]!.scale)!;
    const span = frame.plotMax - frame.plotMin;
    return [frame.plotMin - OFFSCREEN_WINDOWS * span, frame.plotMax + OFFSCREEN_WINDOWS * span];
  };

  if (memos) {
    const plotted = held.map((s, j) => {
      const { origin, unit } = frames.get(lines[j]!.scale)!;
      return { ...s, y: plotUnits(memos[j]!, s, origin, unit) };
    });
    const table = live!.plot.sampledTable(plotted, memos, snap, held.map((_, j) => clampOf(j)));
    const marks = held.map((s, j) => gapsAndIsolated(memos[j]!, s));
    const isolated = marks.map((m) => m.isolated.map((x) => alignedIndex(table.x, x)));
    return { x: table.x, ys: table.ys, odd: marks.map((m) => m.odd), isolated, frames, lines: plotted };
  }

  const plotted = held.map((s, j) => {
    const frame = frames.get(lines[j]!.scale)!;
    const y = new Float64Array(s.length);
    const ys = s.y;
    // toPlot, with its constants read once: this runs over every point drawn, on every redraw.
    const { origin, unit } = frame;
    const [lo, hi] = clampOf(j);
    for (let i = 0; i < y.length; i++) {
      const v = ys[i]!;
      // NaN and ±Infinity stay as they are: alignment turns them into marked gaps.
      if (Number.isFinite(v)) {
        const t = (v - origin) / unit;
        y[i] = t < lo ? lo : t > hi ? hi : t;
      } else y[i] = v;
    }
    return { ...s, y };
  });
  const aligned = alignSeries(plotted, opts.snap, opts.sampled);
  const isolated = held.map((s) => isolatedX(s).map((x) => alignedIndex(aligned.x, x)));
  return { x: aligned.x, ys: aligned.ys, odd: aligned.odd, isolated, frames, lines: plotted };
}

/** The extent [min, max] of the finite values of `s` with x in [from, to] (Infinity, −Infinity: none). */
function windowExtent(s: SeriesBuffer, from: number, to: number): [number, number] {
  let end = to === Infinity ? s.length : lowerBound(s, to);
  while (end < s.length && s.x[end]! <= to) end++;
  const ys = s.y;
  let min = Infinity;
  let max = -Infinity;
  for (let i = from === -Infinity ? 0 : lowerBound(s, from); i < end; i++) {
    const v = ys[i]!;
    if (!Number.isFinite(v)) continue;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return [min, max];
}

/** x of the finite points of `s` whose neighbours are NaN/±Infinity or absent. */
function isolatedX(s: SeriesBuffer): number[] {
  const out: number[] = [];
  const ys = s.y;
  const n = s.length;
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(ys[i]!)) continue;
    if ((i === 0 || !Number.isFinite(ys[i - 1]!)) && (i === n - 1 || !Number.isFinite(ys[i + 1]!))) out.push(s.x[i]!);
  }
  return out;
}

function alignedIndex(xs: Float64Array, x: number): number {
  let lo = 0;
  let hi = xs.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (xs[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The frames a legend and tooltip write values with: those drawn, each with the value notation of the same axis on the
 * linear scale (`linear`, framed on the real values), so toggling Log y never changes how a value reads (a log axis's
 * frame is over log10 of the values: its notation would write 0.000123 with the digits of a log step).
 */
export function withLegendNotations(drawn: ReadonlyMap<string, YAxisFrame>, linear: ReadonlyMap<string, YAxisFrame>): Map<string, YAxisFrame> {
  return new Map([...drawn].map(([scale, f]) => [scale, { ...f, values: linear.get(scale)?.values ?? f.values }]));
}
