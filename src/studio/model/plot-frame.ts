import { chooseNotation, type Notation } from './format.js';
import type { AxisModel, LineSeriesModel } from './panels.js';
import { safeRange } from './range.js';
import type { AlignedColumns } from './series-buffer.js';
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
  /** How legend and tooltip values of this axis's series are written: the tick notation with about two more digits. */
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
    values: chooseNotation(lo, hi, Math.min(ticks.step / 100, maxAbs * 1e-4 || ticks.step / 100)),
  };
}

/** A chart's data in uPlot's layout and units. */
export interface PlotData {
  x: Float64Array;
  /** Per line (panel order): values in plot units; null marks a NaN/±Infinity gap, undefined "no point at this x". */
  ys: (number | null | undefined)[][];
  /** Per line: the real values (for tooltips and legends). */
  raw: (number | null | undefined)[][];
  /** Per line: indices of finite points with no finite neighbour — drawn as dots, since no line reaches them. */
  isolated: number[][];
  /** Per y-axis scale key. */
  frames: Map<string, YAxisFrame>;
}

export interface PlotDataOptions {
  /** The x window in view (a zoom); values outside it do not widen the y-axes. */
  from?: number | undefined;
  to?: number | undefined;
  hidden?: ReadonlySet<string>;
  /** Height of the plot area in CSS pixels. */
  heightPx: number;
}

/** Aligned columns of a panel's lines → what uPlot draws, with one frame per y-axis. */
export function plotData(aligned: AlignedColumns, lines: readonly LineSeriesModel[], axes: readonly AxisModel[], opts: PlotDataOptions): PlotData {
  const { x } = aligned;
  const from = opts.from ?? -Infinity;
  const to = opts.to ?? Infinity;
  let i0 = 0;
  while (i0 < x.length && x[i0]! < from) i0++;
  let i1 = x.length - 1;
  while (i1 >= i0 && x[i1]! > to) i1--;

  const extent = new Map<string, { min: number; max: number; shown: boolean }>();
  lines.forEach((line, j) => {
    const shown = !opts.hidden?.has(line.key);
    let e = extent.get(line.scale);
    // An axis's range follows its shown lines; one whose lines are all hidden keeps following all of them.
    if (!e || (shown && !e.shown)) extent.set(line.scale, (e = { min: Infinity, max: -Infinity, shown }));
    else if (!shown && e.shown) return;
    const ys = aligned.ys[j]!;
    for (let i = i0; i <= i1; i++) {
      const v = ys[i];
      if (typeof v === 'number') {
        if (v < e.min) e.min = v;
        if (v > e.max) e.max = v;
      }
    }
  });

  const frames = new Map<string, YAxisFrame>();
  for (const axis of axes) {
    const e = extent.get(axis.scale);
    const has = e !== undefined && e.min <= e.max;
    frames.set(axis.scale, yAxisFrame(axis, has ? e.min : null, has ? e.max : null, opts.heightPx));
  }

  const ys = lines.map((line, j) => {
    const frame = frames.get(line.scale)!;
    return aligned.ys[j]!.map((v) => (typeof v === 'number' ? toPlot(frame, v) : v));
  });
  return { x, ys, raw: aligned.ys, isolated: aligned.ys.map(isolatedPoints), frames };
}

/** Indices of finite values whose nearest points on both sides (skipping x where the series has no point) are gaps or absent. */
export function isolatedPoints(ys: readonly (number | null | undefined)[]): number[] {
  const out: number[] = [];
  let prevFinite = false;
  let candidate = -1;
  for (let i = 0; i < ys.length; i++) {
    const v = ys[i];
    if (v === undefined) continue;
    const finite = v !== null;
    if (candidate >= 0 && !finite) out.push(candidate);
    candidate = finite && !prevFinite ? i : -1;
    prevFinite = finite;
  }
  if (candidate >= 0) out.push(candidate);
  return out;
}
