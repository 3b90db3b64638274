import type uPlot from 'uplot';
import { paletteColor } from './palette.js';
import type { AxisModel, PanelModel } from './panels.js';
import type { YAxisFrame } from './plot-frame.js';
import { safeRange } from './range.js';
import { axisTicks, blankWhatDoesNotFit, durationTicks, fitTicks, logAxisTicks, ticksThatFit, type AxisTicks, type EdgeRoom } from './ticks.js';
import { timeTicks, type TimeAxis } from './time-axis.js';

/** Colors a chart needs, read from the page's CSS variables so light and dark schemes both work. */
export interface ChartTheme {
  text: string;
  muted: string;
  grid: string;
  palette: string[];
  /** Marks NaN/±Infinity positions. */
  odd: string;
  font: string;
}

export interface ChartOptionsInput {
  panel: PanelModel;
  theme: ChartTheme;
  width: number;
  height: number;
  /** uPlot cursor sync key: panels with the same x meaning move their cursors together. */
  syncKey: string;
  /** Series keys hidden by the legend. */
  hidden?: ReadonlySet<string>;
  plugins?: uPlot.Plugin[];
  /** The current y frames by scale key (plot-frame.ts), read whenever uPlot lays out; y data is in their plot units. */
  frames?: () => ReadonlyMap<string, YAxisFrame>;
  /** Indices of isolated points of line `i` (0-based), drawn as dots. */
  isolated?: (line: number) => readonly number[];
  /** Width of a tick label in CSS pixels (the chart measures with its font; by default an estimate). */
  measure?: (text: string) => number;
  /** Told the x tick labels whenever they are computed anew. */
  onXTicks?: (labels: readonly string[]) => void;
  /** y data is log10 of the values (Log y): ticks at powers of ten, labelled with the real values. */
  logY?: boolean;
  /** Log x: uPlot's log scale on x (the chart is given only x > 0), ticks at powers of ten. */
  logX?: boolean;
  /** Relative or wall time on the x axis (model/time-axis.ts): ticks at round durations, x kept as the coordinate. */
  timeAxis?: TimeAxis | null;
  /**
   * The series' path builder (default: uPlot's linear one). The studio's draws no path while the line layer
   * (chart/line-layer.ts) draws the lines off the main thread; uPlot still keeps the series' scales, dots, focus, cursor.
   */
  seriesPaths?: uPlot.Series.PathBuilder;
  /** True while the line layer draws the dots of sparse lines (chart/line-layer.ts): uPlot then draws none of theirs. */
  layerDots?: () => boolean;
  /** The drawn lines' x extent when uPlot's table does not reach it (see `xRange`). */
  xExtent?: () => readonly [number, number] | null;
}

/** A label width estimate for 11 px digits, when nothing can measure. */
export const estimateLabelWidth = (text: string): number => text.length * 6.6;

export const X_DEFAULT_LABEL = 'time since start';

export function xAxisLabel(panel: PanelModel): string {
  return panel.xUnits ?? X_DEFAULT_LABEL;
}

export function seriesColor(theme: ChartTheme, index: number): string {
  return paletteColor(theme.palette, index);
}

/**
 * uPlot looks for a tick increment itself before it asks for splits, and draws no axis when its table has none that fits
 * (huge magnitudes, increments below 1e-16). The ticks here come from ticks.ts, so uPlot is handed one increment that
 * always passes its check; it is not used for anything else.
 */
const ANY_INCREMENT = {
  space: () => 1,
  incrs: (_u: uPlot, _ai: number, min: number, max: number, dim: number) => [Math.max(5, ((max - min) / Math.max(1, dim)) * 2)],
};

/** The x window for the data (or the group's bounds): never empty, never narrower than the float resolution. */
/**
 * The x scale's range: the data's extent within the panel's x bounds. `extent()` is the drawn lines' own x extent when
 * uPlot's table does not reach it (null: the table does): a live chart's sampled table has a column per pixel at the
 * largest x shown in it, so its first column lies up to a pixel after the first point, and the x axis lost its first
 * tick ("0") on every live frame.
 */
export function xRange(panel: PanelModel, extent: () => readonly [number, number] | null = () => null): uPlot.Range.Function {
  return (_u, dataMin, dataMax) => {
    const e = extent();
    const lo = e && !(e[0] >= dataMin) ? e[0] : dataMin;
    const hi = e && !(e[1] <= dataMax) ? e[1] : dataMax;
    return safeRange(lo, hi, { lower: panel.xLower, upper: panel.xUpper, pad: 0 });
  };
}

/** Vertical room a y tick label needs (its line and a gap). */
const Y_LABEL_SPACE_PX = 24;
/** Plot height when the chart has not been laid out yet. */
const DEFAULT_PLOT_HEIGHT_PX = 180;

/**
 * Ticks of a Log y axis whose frame is over log10 of the values (ticks.ts logAxisTicks): powers of ten and readable minor
 * ticks, in plot units, with their real values as labels ('' for unlabelled minor ticks); with fewer than two labelled
 * ticks in view, the frame's own ticks labelled with their real values.
 */
export function logTicks(f: YAxisFrame, heightPx = DEFAULT_PLOT_HEIGHT_PX): { plot: number[]; labels: string[] } {
  const real = (t: number) => f.origin + t * f.unit;
  const t = logAxisTicks(real(f.plotMin), real(f.plotMax), { lengthPx: heightPx, spacePx: Y_LABEL_SPACE_PX });
  if (t.labels.filter(Boolean).length >= 2) return { plot: t.positions.map((p) => (p - f.origin) / f.unit), labels: t.labels };
  return { plot: f.plotTicks, labels: f.plotTicks.map((p) => String(Number((10 ** real(p)).toPrecision(3)))) };
}

/** Grid lines only at labelled ticks (minor ticks of a log axis get a tick mark, not a line across the plot). */
const labelledOnly = (labels: () => readonly string[]) => (_u: uPlot, splits: number[]) => {
  const l = labels();
  return splits.map((v, i) => (l.length !== splits.length || l[i] ? v : null));
};

function yAxis(axis: AxisModel, index: number, theme: ChartTheme, frames: () => ReadonlyMap<string, YAxisFrame>, measure: (t: string) => number, logY = false): uPlot.Axis {
  const frame = () => frames().get(axis.scale);
  let last: { plot: number[]; labels: string[] } | null = null;
  return {
    scale: axis.scale,
    show: !axis.hidden,
    side: axis.side === 'left' ? 3 : 1,
    ...(axis.units !== undefined && { label: axis.units }),
    labelSize: axis.units !== undefined ? 18 : 0,
    labelFont: theme.font,
    font: theme.font,
    stroke: theme.muted,
    gap: 4,
    ...ANY_INCREMENT,
    splits: (u) => {
      const f = frame();
      if (f && logY) last = logTicks(f, plotHeightPx(u));
      return f ? (logY ? last!.plot : f.plotTicks) : [];
    },
    values: (_u, splits) => {
      const f = frame();
      if (f && logY && last && last.plot.length === splits.length) return last.labels;
      return f && f.plotTicks.length === splits.length ? f.ticks.labels : splits.map(() => '');
    },
    // As wide as the longest label (labels like "10 + 1.5e-8" or "-1.8e308" must not be cut off at the edge).
    size: (_u, values) => Math.ceil(Math.max(24, ...(values ?? []).map((v) => measure(String(v)))) + 4 + 4 + 4),
    // Only the first axis draws grid lines; more grids would cross each other.
    grid: { show: index === 0, stroke: theme.grid, width: 1, ...(logY && { filter: labelledOnly(() => last?.labels ?? []) }) },
    ticks: { show: true, stroke: theme.grid, width: 1, size: 4 },
  };
}

function plotHeightPx(u: uPlot): number {
  return u.bbox.height > 0 ? u.bbox.height / devicePixelRatioOf(u) : DEFAULT_PLOT_HEIGHT_PX;
}

interface XAxisMode {
  logX: boolean;
  timeAxis: TimeAxis | null;
}

function xAxis(panel: PanelModel, theme: ChartTheme, measure: (t: string) => number, onXTicks: ((labels: readonly string[]) => void) | undefined, mode: XAxisMode): uPlot.Axis {
  const seconds = panel.xUnits === undefined;
  let last: AxisTicks | null = null;
  let lastLayout = '';
  const ticksFor = (min: number, max: number, widthPx: number, room: EdgeRoom): AxisTicks => {
    const layout = `${widthPx},${room.left},${room.right}`;
    if (last && last.min === min && last.max === max && layout === lastLayout) return last;
    lastLayout = layout;
    if (mode.logX) {
      // Powers of ten and minor ticks; labels spaced by the widest one (two passes, as below).
      const lo = Math.log10(Math.max(min, Number.MIN_VALUE));
      const hi = Math.log10(max);
      let log = logAxisTicks(lo, hi, { lengthPx: widthPx, spacePx: 48 + 16 });
      const widest = Math.max(0, ...log.labels.filter(Boolean).map(measure));
      if (widest + 16 > 48 + 16) log = logAxisTicks(lo, hi, { lengthPx: widthPx, spacePx: widest + 16 });
      // Within a decade too narrow for minor ticks: linear ticks of the real values (nearly even on so narrow a log window).
      const linear = fitTicks(min, max, (a, b, n) => axisTicks(a, b, { maxTicks: n }), { lengthPx: widthPx, measure, room });
      // Powers of ten near an end may have no room for their label there.
      const ends = blankWhatDoesNotFit({ values: log.positions, labels: log.labels, min: lo, max: hi }, { lengthPx: widthPx, measure, room });
      last = ends.labels.filter(Boolean).length >= 2 ? { ...linear, values: log.values, labels: ends.labels } : linear;
      onXTicks?.(last.labels.filter(Boolean));
      return last;
    }
    const make = (lo: number, hi: number, maxTicks: number): AxisTicks => {
      if (mode.timeAxis) return timeTicks(mode.timeAxis, lo, hi, maxTicks);
      return seconds ? durationTicks(lo, hi, { maxTicks }) : axisTicks(lo, hi, { maxTicks, wholeSteps: true });
    };
    // As many ticks as their labels' width allows, none overlapping or cut off at the canvas edge (ticks.ts fitTicks).
    const t = fitTicks(min, max, make, { lengthPx: widthPx, measure, room });
    last = t;
    onXTicks?.(t.labels.filter(Boolean));
    return t;
  };
  return {
    scale: 'x',
    // Log x ticks are the x values themselves (powers of ten), whatever time the X axis control asks for.
    label: mode.logX ? `${xAxisLabel(panel)} (log)` : mode.timeAxis ? (mode.timeAxis.kind === 'wall' ? 'wall time' : X_DEFAULT_LABEL) : xAxisLabel(panel),
    labelSize: 18,
    labelFont: theme.font,
    font: theme.font,
    stroke: theme.muted,
    size: 34,
    ...ANY_INCREMENT,
    // uPlot's own filter on a log scale blanks every split that is not a power of ten: the minor ticks are ours.
    ...(mode.logX && { filter: (_u: uPlot, splits: number[]) => splits }),
    grid: { show: true, stroke: theme.grid, width: 1, ...(mode.logX && { filter: labelledOnly(() => last?.labels ?? []) }) },
    ticks: { show: true, stroke: theme.grid, width: 1, size: 4 },
    splits: (u, _ai, min, max) => ticksFor(min, max, u.bbox.width / devicePixelRatioOf(u) || u.width, edgeRoom(u)).values,
    values: (_u, splits) => (last && last.values.length === splits.length && last.values.every((v, i) => v === splits[i]) ? last.labels : splits.map(String)),
  };
}

/** Room left and right of the plot on the canvas (the y axes' gutters), where an x label may reach. */
function edgeRoom(u: uPlot): EdgeRoom {
  const dpr = devicePixelRatioOf(u);
  if (!(u.bbox.width > 0)) return { left: 0, right: 0 };
  const left = u.bbox.left / dpr;
  return { left, right: Math.max(0, u.width - left - u.bbox.width / dpr) };
}

/**
 * Device pixels per CSS pixel, as uPlot takes them (its bbox is in device pixels): the page's devicePixelRatio (1 where
 * there is none, as in tests). The plot's width over the chart's, as this once read, is smaller than that (the y axes'
 * gutters are left out) and put x ticks for the whole chart's width on the plot; the canvas is not sized yet when uPlot
 * first asks for ticks.
 */
export function devicePixelRatioOf(_u?: uPlot): number {
  const dpr = (globalThis as { devicePixelRatio?: number }).devicePixelRatio;
  return typeof dpr === 'number' && dpr > 0 ? dpr : 1;
}

/**
 * Width of a series line, CSS px. One device pixel is the line width a software-rastered canvas (no GPU, as in headless
 * Chromium) strokes as a hairline; anything wider goes through the path stroker and costs 3–10× more per redraw, which
 * is what a 50-line live chart spends its frames on.
 */
export const LINE_WIDTH_PX = 1;

/** uPlot options of one panel's chart (lines only; progress metrics are drawn as bars outside the chart). */
export function chartOptions({
  panel, theme, width, height, syncKey, hidden, plugins = [], frames = () => new Map(), isolated = () => [], measure = estimateLabelWidth, onXTicks, logY = false, logX = false, timeAxis = null, seriesPaths, layerDots = () => false, xExtent,
}: ChartOptionsInput): uPlot.Options {
  const scales: uPlot.Scales = {
    x: logX
      ? { time: false, distr: 3, log: 10, range: (_u, lo, hi) => (lo > 0 && hi > lo ? [lo, hi] : [lo > 0 ? lo : 1, Math.max(hi, (lo > 0 ? lo : 1) * 10)]) }
      : { time: false, range: xRange(panel, xExtent) },
  };
  for (const axis of panel.axes) {
    // y data arrives in the plot units of its frame; the window is the frame's.
    scales[axis.scale] = {
      range: (_u, dataMin, dataMax) => {
        const f = frames().get(axis.scale);
        return f ? [f.plotMin, f.plotMax] : safeRange(dataMin, dataMax, { pad: 0.05 });
      },
    };
  }
  return {
    width,
    height,
    pxAlign: 0,
    scales,
    axes: [xAxis(panel, theme, measure, onXTicks, { logX, timeAxis }), ...panel.axes.map((a, i) => yAxis(a, i, theme, frames, measure, logY))],
    series: [
      { label: xAxisLabel(panel) },
      ...panel.lines.map((line, i): uPlot.Series => {
        const color = seriesColor(theme, line.color);
        return {
          label: line.label,
          scale: line.scale,
          stroke: color,
          width: LINE_WIDTH_PX,
          // uPlot strokes in canvas pixels: a dash pattern in CSS pixels is as long at any device pixel ratio.
          ...(line.dash && { dash: line.dash.map((d) => d * devicePixelRatioOf()) }),
          ...(seriesPaths && { paths: seriesPaths }),
          // The y scales' windows are the frames' (plot-frame.ts), never the data's extent: uPlot need not scan every
          // value of every series for its min and max on each redraw (boxing each one while that code is unoptimised).
          auto: false,
          show: !hidden?.has(line.key),
          points: {
            show: (u, si) => !layerDots() && pointsVisible(u, si),
            // Dense lines draw no dots, except for points no line reaches (a finite value between NaNs); the line layer
            // draws those of sparse lines with all their others.
            filter: (u, si, show) => (show || (layerDots() && pointsVisible(u, si)) ? null : [...isolated(i)]),
            size: 5,
            width: 1,
            fill: color,
            stroke: color,
          },
        };
      }),
    ],
    cursor: {
      sync: { key: syncKey, setSeries: false },
      // A box (dragged over 30 px both ways) zooms y as well; a mostly horizontal drag zooms x only.
      drag: { x: true, y: true, uni: 30, setScale: false },
      points: { size: 7 },
      focus: { prox: 16 },
    },
    focus: { alpha: 0.35 },
    legend: { show: false },
    plugins,
  };
}

/** Dots on the line only when points are sparse enough to tell apart (e.g. one value per epoch). */
export function pointsVisible(u: uPlot, seriesIdx: number): boolean {
  const xs = u.data[0];
  const [i0, i1] = [u.series[seriesIdx]?.idxs?.[0] ?? 0, u.series[seriesIdx]?.idxs?.[1] ?? xs.length - 1];
  const visible = i1 - i0 + 1;
  return visible > 0 && u.bbox.width / visible >= 12 * devicePixelRatioOf(u);
}
