import type uPlot from 'uplot';
import { durationSplits, formatDuration, formatTick } from './format.js';
import type { AxisModel, PanelModel } from './panels.js';

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
}

export const X_DEFAULT_LABEL = 'time since start';

export function xAxisLabel(panel: PanelModel): string {
  return panel.xUnits ?? X_DEFAULT_LABEL;
}

export function seriesColor(theme: ChartTheme, index: number): string {
  return theme.palette[index % theme.palette.length] ?? theme.text;
}

/**
 * A range function honouring fixed bounds: a given lower/upper is used as is, a missing one comes from the data
 * (with a little headroom for y, none for x so the newest point sits at the right edge).
 */
export function boundedRange(lower: number | undefined, upper: number | undefined, pad: number): uPlot.Range.Function {
  return (_u, dataMin, dataMax) => {
    let min = lower ?? dataMin;
    let max = upper ?? dataMax;
    if (min === null || min === undefined || !Number.isFinite(min)) min = upper !== undefined ? upper - 1 : 0;
    if (max === null || max === undefined || !Number.isFinite(max)) max = min + 1;
    if (max <= min) {
      // One distinct value: open a window around it rather than a zero-height range.
      const half = Math.abs(min) * 0.1 || 1;
      return [lower ?? min - half, upper ?? max + half];
    }
    // Headroom is relative to the data's own spread, so a fixed 0 floor does not inflate the free end.
    const dataSpan = dataMax !== null && dataMin !== null && dataMax > dataMin ? dataMax - dataMin : max - min;
    const span = Math.min(dataSpan, max - min);
    return [lower ?? min - span * pad, upper ?? max + span * pad];
  };
}

function yAxis(axis: AxisModel, index: number, theme: ChartTheme): uPlot.Axis {
  return {
    scale: axis.scale,
    show: !axis.hidden,
    side: axis.side === 'left' ? 3 : 1,
    ...(axis.units !== undefined && { label: axis.units }),
    labelSize: axis.units !== undefined ? 18 : 0,
    labelFont: theme.font,
    font: theme.font,
    stroke: theme.muted,
    size: 52,
    gap: 4,
    values: (_u, splits) => splits.map(formatTick),
    // Only the first axis draws grid lines; more grids would cross each other.
    grid: { show: index === 0, stroke: theme.grid, width: 1 },
    ticks: { show: true, stroke: theme.grid, width: 1, size: 4 },
  };
}

/** 1, 2, 5 × 10^k tick steps from 1e-9 to 5e15. */
const NICE_STEPS = Array.from({ length: 25 }, (_, i) => i - 9).flatMap((e) => [1, 2, 5].map((m) => Number(`${m}e${e}`)));
const WHOLE_STEPS = NICE_STEPS.filter((step) => step >= 1);

/**
 * Tick steps of an x-axis in the group's own units (epoch, step, token): those count in whole numbers, so once the range spans a
 * few units the ticks stay on whole values (no "1.5 epoch"); a narrow zoom still gets fractional ticks.
 */
export function unitTickSteps(min: number, max: number): number[] {
  return max - min >= 4 ? WHOLE_STEPS : NICE_STEPS;
}

function xAxis(panel: PanelModel, theme: ChartTheme): uPlot.Axis {
  const seconds = panel.xUnits === undefined;
  return {
    scale: 'x',
    label: xAxisLabel(panel),
    labelSize: 18,
    labelFont: theme.font,
    font: theme.font,
    stroke: theme.muted,
    size: 34,
    space: seconds ? 70 : 60,
    grid: { show: true, stroke: theme.grid, width: 1 },
    ticks: { show: true, stroke: theme.grid, width: 1, size: 4 },
    values: (_u, splits) => splits.map(seconds ? formatDuration : formatTick),
    ...(seconds
      ? { splits: (u: uPlot, _ai: number, min: number, max: number) => durationSplits(min, max, u.bbox.width / devicePixelRatioOf(u)) }
      : { incrs: (_u: uPlot, _ai: number, min: number, max: number) => unitTickSteps(min, max) }),
  };
}

function devicePixelRatioOf(u: uPlot): number {
  return u.bbox.width > 0 && u.width > 0 ? u.bbox.width / u.width : 1;
}

/** uPlot options of one panel's chart (lines only; progress metrics are drawn as bars outside the chart). */
export function chartOptions({ panel, theme, width, height, syncKey, hidden, plugins = [] }: ChartOptionsInput): uPlot.Options {
  const scales: uPlot.Scales = {
    x: { time: false, range: boundedRange(panel.xLower, panel.xUpper, 0) },
  };
  for (const axis of panel.axes) scales[axis.scale] = { range: boundedRange(axis.lower, axis.upper, 0.05) };
  return {
    width,
    height,
    pxAlign: 0,
    scales,
    axes: [xAxis(panel, theme), ...panel.axes.map((a, i) => yAxis(a, i, theme))],
    series: [
      { label: xAxisLabel(panel) },
      ...panel.lines.map((line): uPlot.Series => ({
        label: line.label,
        scale: line.scale,
        stroke: seriesColor(theme, line.color),
        width: 1.5,
        ...(line.dash && { dash: line.dash }),
        show: !hidden?.has(line.key),
        points: { show: (u, si) => pointsVisible(u, si) },
      })),
    ],
    cursor: {
      sync: { key: syncKey, setSeries: false },
      drag: { x: true, y: false, setScale: false },
      points: { size: 7 },
      focus: { prox: 16 },
    },
    focus: { alpha: 0.35 },
    legend: { show: false },
    plugins,
  };
}

/** Dots on the line only when points are sparse enough to tell apart (e.g. one value per epoch). */
function pointsVisible(u: uPlot, seriesIdx: number): boolean {
  const xs = u.data[0];
  const [i0, i1] = [u.series[seriesIdx]?.idxs?.[0] ?? 0, u.series[seriesIdx]?.idxs?.[1] ?? xs.length - 1];
  const visible = i1 - i0 + 1;
  return visible > 0 && u.bbox.width / visible >= 12 * devicePixelRatioOf(u);
}
