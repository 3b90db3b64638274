import { useContext, useEffect, useMemo, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { drawQueue } from '../chart/draw-queue.js';
import { gapMarkersPlugin } from '../chart/gap-markers.js';
import { lineLayer, rawUnderlayPlugin, type LineLayer, type PlottedLines } from '../chart/line-layer.js';
import { attachNavigation, boxWindows, clipMarkersPlugin } from '../chart/navigation.js';
import type { Span } from '../model/navigation.js';
import { AUTO, OutlierWindows, viewAxes, type ClipCount, type YRange } from '../model/y-range.js';
import { measureText } from '../chart/measure.js';
import { cursorIndex, tooltipPlugin, type TooltipRow } from '../chart/tooltip.js';
import { chartOptions, logTicks, seriesColor, type ChartTheme } from '../model/chart-options.js';
import { formatX } from '../model/format.js';
import type { PanelModel } from '../model/panels.js';
import { decimateForDisplay } from '../model/decimate.js';
import { decimateLive, liveDecimation, liveLineBound, settledPoints, staggeredSlack, type LiveDecimation } from '../model/live-decimate.js';
import { LivePlot, type SettledPrefix } from '../model/live-plot.js';
import { plotData, withLegendNotations, type YAxisFrame } from '../model/plot-frame.js';
import { readout } from '../model/readout.js';
import { bufferId, emptySeries, type SeriesBuffer } from '../model/series-buffer.js';
import { forLogScale, nonPositiveInView, type NonPositiveCount } from '../model/panel-options.js';
import type { SmoothingAlgorithm } from '../model/smoothing.js';
import { smoothedSeries } from '../model/full-resolution.js';
import type { SmoothedLine } from './use-server-smoothing.js';
import { timeLabel, type TimeAxis } from '../model/time-axis.js';
import { LazyCharts, useNearViewport } from './use-near-viewport.js';

export interface XRange {
  from: number;
  to: number;
}

/** What every chart of a panel draws from: the panel model, the held series and when they last changed. */
export interface ChartSource {
  panel: PanelModel;
  series: Map<string, SeriesBuffer>;
  /** Changes whenever held data changed (at most once per frame). */
  version: number;
  theme: ChartTheme;
  syncKey: string;
  /** The user's zoom on this panel's x-axis; null follows the newest data. */
  zoom: XRange | null;
  onZoom: (range: XRange | null) => void;
}

interface Props extends ChartSource {
  /** Series not drawn (toggled off in the legend, or filtered out). */
  hidden: ReadonlySet<string>;
  /**
   * The cursor's x over this chart (null when it leaves), told at once on each cursor update (set a store, not React
   * state), with the generation of the chart's data it was placed on: the same x over new data (a zoom's refined points)
   * is a new reading.
   */
  onCursor?: (x: number | null, dataGeneration: number) => void;
  /** The y frames after data changed, when their notation changed (legends write values like their axis). */
  onFrames?: (frames: ReadonlyMap<string, YAxisFrame>) => void;
  /** Zoomed into a range: read it again at this many points per series. */
  onRefine: (from: number, to: number, budget: number) => void;
  /** The tooltip's rows at data x (default: each shown series' value at exactly that x). */
  tooltipRows?: (x: number, shown: (key: string) => boolean) => TooltipRow[];
  height?: number;
  /** Smoothing weight (0: off): the smoothed line is drawn over its raw series, drawn faint. */
  smoothing?: number;
  smoothingAlgorithm?: SmoothingAlgorithm;
  /** Smoothed lines computed on the server from every stored point (series held downsampled), by key: drawn as they are. */
  smoothedLines?: ReadonlyMap<string, SmoothedLine>;
  /**
   * Every stored point of series held downsampled (model/full-resolution.ts), by key: smoothed here, then reduced per pixel
   * for drawing. A series held downsampled with neither this nor a server line is drawn unsmoothed until one arrives.
   */
  fullResolution?: ReadonlyMap<string, SeriesBuffer>;
  /** Log y: y drawn as log10 of the values; non-positive values become gaps, counted through `onNonPositive`. */
  logY?: boolean;
  /** Log x: only points with x > 0 are drawn; the others are counted through `onNonPositive`. */
  logX?: boolean;
  /** Show the x axis as relative or wall time (model/time-axis.ts); null: as x itself. */
  timeAxis?: TimeAxis | null;
  /** How many held values a log axis cannot draw (x ≤ 0 on Log x, y ≤ 0 on Log y); told when it changes. */
  onNonPositive?: (count: NonPositiveCount) => void;
  /** The uPlot instance once made (null when destroyed): for exporting the drawn chart. */
  onPlot?: (u: uPlot | null) => void;
  /** The y range (auto, fixed windows, ignore outliers; y-range.ts). */
  yRange?: YRange;
  /** A box zoom or Ctrl/⌘+wheel chose these y windows (real values by scale). */
  onYWindows?: (windows: ReadonlyMap<string, Span>) => void;
  /** `0` or double-click: the whole data again (default: `onZoom(null)`). */
  onReset?: () => void;
  /**
   * How many visible values the y range clips (drawn as markers at the edge), counted among every stored point where read
   * (`fullResolution`), else among the held ones (`exact` false: a lower bound); told when it changes.
   */
  onClipped?: (clipped: ClipCount) => void;
  /** The chart's accessible name (it takes keyboard focus for navigation). */
  label?: string;
  /** Filled with a reader of the y windows in view (real values by scale), e.g. to start a fixed range from them. */
  yWindowsRef?: { current: (() => Map<string, Span>) | null };
  /**
   * Told whether the chart is near the screen (made) or not, when that changes. Inside `LazyCharts` a chart is made only
   * while on screen or near it (`use-near-viewport.ts`) and dropped once far from it: a page of many panels draws the few
   * in view. The chart's box keeps its height meanwhile, so the page does not move.
   */
  onNear?: (near: boolean) => void;
  /**
   * Filled with each line's smoothed line (real values, panel line order; null: not smoothed) at every data build while
   * smoothing, else null: the legend at the cursor reads the value the tooltip leads with (readout.ts `readout`).
   */
  smoothedOut?: { current: readonly (SeriesBuffer | null)[] | null };
}

/** A series with `f` applied to its values (x kept). */
function mapValues(s: SeriesBuffer, f: (y: Float64Array) => Float64Array): SeriesBuffer {
  return { ...s, y: f(s.y.subarray(0, s.length)) };
}

const log10All = (y: Float64Array) => forLogScale(y).values.map(Math.log10);

/** The points of `s` with x > 0 (x increases, so they are a tail). */
function positiveX(s: SeriesBuffer): SeriesBuffer {
  let i = 0;
  while (i < s.length && !(s.x[i]! > 0)) i++;
  return i === 0 ? s : { ...s, x: s.x.subarray(i, s.length), y: s.y.subarray(i, s.length), length: s.length - i };
}

const EMPTY = emptySeries(0);
/** Live data quiet this long (ms): uPlot draws the lines again (a still chart is uPlot's own canvas). */
const LIVE_QUIET_MS = 1000;
/** uPlot's own line path builder, used whenever the line layer is not drawing the lines. */
const linearPaths = uPlot.paths.linear!();
/** x within 1/SNAP_PER_PIXEL of a pixel are drawn in one column. */
const SNAP_PER_PIXEL = 4;
/** Room the x-axis and padding take below the plot. */
const X_AXIS_PX = 60;

/** Sets a data attribute only when its value changes (a live chart rewrites its tick labels on every redraw). */
function setData(el: HTMLElement, key: string, value: string): void {
  if (el.dataset[key] !== value) el.dataset[key] = value;
}

/** Which data a panel's chart shows: each line's buffer (by identity), its in-place revision and length. */
function dataSignature(panel: PanelModel, series: Map<string, SeriesBuffer>): string {
  return panel.lines.map((l) => {
    const s = series.get(l.key);
    if (!s) return '-';
    return `${bufferId(s)}.${s.rev ?? 0}.${s.length}`;
  }).join(',');
}

/** What changes in frames that a legend would write differently. */
function notationSignature(frames: ReadonlyMap<string, YAxisFrame>): string {
  return [...frames].map(([k, f]) => `${k}:${f.values.kind}:${f.values.offset}:${f.values.format(f.ticks.step)}`).join('|');
}

/** One uPlot chart. Created when the panel's shape or theme changes; live data only calls setData (cursor, zoom and toggles survive). */
export function UPlotChart({
  panel, series, version, theme, syncKey, hidden, zoom, onZoom, onRefine, onCursor, onFrames, tooltipRows, height = 240, smoothing = 0, logY = false, logX = false, timeAxis = null,
  smoothingAlgorithm = 'ema', smoothedLines, fullResolution, onNonPositive, onPlot, yRange = AUTO, onYWindows, onReset, onClipped, label, yWindowsRef,
  onNear, smoothedOut,
}: Props) {
  const hostRef = useRef<HTMLDivElement>(null);
  const { near, width: nearWidth } = useNearViewport(hostRef, useContext(LazyCharts));
  const onNearRef = useRef(onNear);
  onNearRef.current = onNear;
  useEffect(() => onNearRef.current?.(near), [near]);
  /** The host's width, as measured when the chart is made (no layout read then, see use-near-viewport.ts). */
  const madeWidthRef = useRef<number | null>(null);
  const plotRef = useRef<uPlot | null>(null);
  const oddRef = useRef<number[][]>([]);
  const isolatedRef = useRef<number[][]>([]);
  const framesRef = useRef<ReadonlyMap<string, YAxisFrame>>(new Map());
  /** The frames whose notations write legend and tooltip values (on Log y, the linear chart's: see withLegendNotations). */
  const legendFramesRef = useRef<ReadonlyMap<string, YAxisFrame>>(new Map());
  const signatureRef = useRef('');
  /** The lines drawn, and (smoothing on) the raw lines drawn faint under them, per panel line in plot units. */
  const linesRef = useRef<PlottedLines | null>(null);
  const rawRef = useRef<PlottedLines | null>(null);
  const layerRef = useRef<LineLayer | null>(null);
  /** The next data build is for the line layer, already showing: uPlot's table may be sampled (see buildData). */
  const tableSampled = useRef(false);
  const nonPositiveRef = useRef('');
  /** What the data was last built from when the chart was made: the data effect need not build it again. */
  const builtRef = useRef<readonly unknown[] | null>(null);
  const clippedRef = useRef(0);
  const clippedExactRef = useRef(true);
  /** This build is for the line layer while live data arrives (drawNow): the reduction per pixel is kept between redraws. */
  const liveBuildRef = useRef(false);
  /** Per line key, the kept per-pixel reduction of its held series (live-decimate.ts). */
  const liveReductions = useRef(new Map<string, LiveDecimation>());
  /** What live redraws computed of each line's settled points (held or reduced; live-plot.ts). */
  const livePlot = useRef(new LivePlot());
  /** The percentile windows of "ignore outliers" over full-resolution points, kept between redraws (y-range.ts). */
  const outlierWindows = useRef(new OutlierWindows());
  /** Per line, its smoothed line in real values while smoothing (null: the line is not smoothed yet): the tooltip reads both. */
  const smoothedRef = useRef<(SeriesBuffer | null)[] | null>(null);
  /** The drawn lines' x extent while uPlot's table is sampled (its columns then start up to a pixel late: chart-options.ts xRange). */
  const xExtentRef = useRef<readonly [number, number] | null>(null);
  const latest = useRef({
    series, hidden, zoom, onZoom, onRefine, onCursor, onFrames, panel, tooltipRows, smoothing, logY, logX, onNonPositive, yRange, onYWindows, onReset, onClipped,
    timeAxis, smoothingAlgorithm, smoothedLines, fullResolution, smoothedOut,
  });
  latest.current = {
    series, hidden, zoom, onZoom, onRefine, onCursor, onFrames, panel, tooltipRows, smoothing, logY, logX, onNonPositive, yRange, onYWindows, onReset, onClipped,
    timeAxis, smoothingAlgorithm, smoothedLines, fullResolution, smoothedOut,
  };
  const yRangeKey = JSON.stringify(yRange);
  const shape = useMemo(() => JSON.stringify(panel), [panel]);
  /** What the drawn data depends on. */
  const dataDeps = [version, series, zoom?.from, zoom?.to, shape, theme, yRangeKey, smoothedLines, fullResolution, smoothing, smoothingAlgorithm] as const;

  /** The plot area's width, CSS px: the per-pixel reductions have one bucket per pixel. */
  const plotPixels = (): number =>
    plotRef.current?.bbox.width ? plotRef.current.bbox.width / (window.devicePixelRatio || 1) : madeWidthRef.current ?? hostRef.current?.clientWidth ?? 800;

  /**
   * Values (doubles) a line layer frame of this chart needs at most once its live windows are full: x and y of each line
   * as the live chart draws it (`liveLineBound`), twice while smoothing (the raw line under each smoothed one).
   */
  const liveFrameBound = (): number => {
    const { panel: p, series: s, smoothing: w } = latest.current;
    const pixels = plotPixels();
    let points = 0;
    for (const l of p.lines) points += liveLineBound(s.get(l.key)?.x.length ?? 0, pixels);
    return 2 * points * (w > 0 ? 2 : 1);
  };

  const buildData = (): uPlot.AlignedData => {
    const { panel: p, series: s, zoom: z, smoothing: w, logY: log, logX, smoothingAlgorithm: algorithm, smoothedLines: fromServer, fullResolution: full } = latest.current;
    const all = p.lines.map((l) => s.get(l.key) ?? EMPTY);
    const held = logX ? all.map(positiveX) : all;
    const count = nonPositiveInView(p.lines.map((l, i) => ({ key: l.key, held: all[i]! })), { logX, logY: log, from: z?.from, to: z?.to, hidden: latest.current.hidden });
    if (JSON.stringify(count) !== nonPositiveRef.current) {
      nonPositiveRef.current = JSON.stringify(count);
      latest.current.onNonPositive?.(count);
    }
    // Smoothed from every stored point, never from the per-pixel view (which would bias it), then reduced per pixel and put
    // on the log scale: the held points when they are all of them, else the full-resolution points read for it, else the
    // server's smoothed line; a series with none of these yet is drawn unsmoothed meanwhile.
    const want = `${algorithm}:${w}`;
    let allSmoothed = true;
    const smoothedLine: boolean[] = [];
    const smoothed = w > 0 ? all.map((h, i) => {
      const key = p.lines[i]!.key;
      const source = h.downsampled ? full?.get(key) : h;
      const server = source ? undefined : fromServer?.get(key);
      if (!source && (!server || server.smoothing !== want)) allSmoothed = false;
      const line = source ? smoothedSeries(source, algorithm, w) : server ?? h;
      smoothedLine[i] = line !== h;
      return logX ? positiveX(line) : line;
    }) : null;
    smoothedRef.current = smoothed ? smoothed.map((l, i) => (smoothedLine[i] ? l : null)) : null;
    if (latest.current.smoothedOut) latest.current.smoothedOut.current = smoothedRef.current;
    // Which smoothing the drawn lines have (tests and benchmarks wait for it): empty while some line is not smoothed as asked.
    if (hostRef.current) setData(hostRef.current, 'smoothing', smoothed && allSmoothed ? want : '');
    const onScale = (list: SeriesBuffer[]) => (log ? list.map((h) => mapValues(h, log10All)) : list);
    // Draw at most a few points per pixel of what is in view: a long live series then costs each frame a bounded amount.
    const pixels = plotPixels();
    const from = z?.from ?? Math.min(...held.map((h) => (h.length > 0 ? h.x[0]! : Infinity)));
    const to = z?.to ?? Math.max(...held.map((h) => (h.length > 0 ? h.x[h.length - 1]! : -Infinity)));
    const decimate = (list: SeriesBuffer[]) =>
      Number.isFinite(from) && Number.isFinite(to) && to > from ? list.map((h) => decimateForDisplay(h, from, to, pixels)) : list;
    // Following live data with the line layer drawing: every held point lies in [from, to], and what was reduced of it
    // on earlier redraws is kept (a still chart is reduced exactly, as before). A reduction holds its buffers (allocated
    // whole at its first live draw) until its line leaves the panel: it lays its grid anew when its points are not what
    // it reduced, so a still redraw in between needs not drop it.
    const reductions = liveReductions.current;
    if (reductions.size > p.lines.length) {
      const keys = new Set(p.lines.map((l) => l.key));
      for (const key of reductions.keys()) if (!keys.has(key)) reductions.delete(key);
      livePlot.current.keep(keys);
    }
    /** The lines to draw of `list`, and which of their points later live redraws leave as they are (null: not live). */
    const decimateHeld = (list: SeriesBuffer[]): { lines: SeriesBuffer[]; settled: SettledPrefix[] | null } => {
      if (!liveBuildRef.current || z || log || !(Number.isFinite(from) && Number.isFinite(to) && to > from)) return { lines: decimate(list), settled: null };
      const settled: SettledPrefix[] = [];
      const lines = list.map((h, i) => {
        const key = p.lines[i]!.key;
        let state = reductions.get(key);
        if (!state) reductions.set(key, (state = liveDecimation(staggeredSlack(i))));
        const drawn = decimateLive(h, from, to, pixels, state);
        settled.push(settledPoints(h, drawn, state));
        return drawn;
      });
      return { lines, settled };
    };
    const plotHeight = plotRef.current?.bbox.height ? plotRef.current.bbox.height / (window.devicePixelRatio || 1) : height - X_AXIS_PX;
    // Series stamped at their own x a fraction of a pixel apart share one column of the aligned table (plot-frame.ts).
    // While the line layer draws the lines from every point, uPlot's table is only for the cursor and dots: one column a
    // pixel, whatever the number of points (a full live window of 50 series is ~300,000 of them).
    const sampled = tableSampled.current && !logX;
    const snap = !logX && Number.isFinite(from) && Number.isFinite(to) && to > from ? (to - from) / pixels / (sampled ? 1 : SNAP_PER_PIXEL) : 0;
    const frameOpts = { from: z?.from, to: z?.to, hidden: latest.current.hidden, heightPx: plotHeight, snap, sampled };
    xExtentRef.current = sampled && snap > 0 ? [from, to] : null;
    const scaled = onScale(held);
    // The y range frames the axes on the full-resolution visible values (the percentiles of "ignore outliers" too).
    const viewInput = { lines: p.lines, axes: p.axes, range: latest.current.yRange, from: z?.from, to: z?.to, hidden: latest.current.hidden };
    // A line held reduced is framed on its full-resolution points once read (the reduction over-represents extremes).
    const fullPoints = full && latest.current.yRange.kind !== 'auto' ? p.lines.map((l, i) => (all[i]!.downsampled ? full.get(l.key) : undefined)) : undefined;
    const view = viewAxes({ ...viewInput, held: scaled, log, full: fullPoints, windows: outlierWindows.current });
    if (view.clipped !== clippedRef.current || view.clippedExact !== clippedExactRef.current) {
      clippedRef.current = view.clipped;
      clippedExactRef.current = view.clippedExact;
      latest.current.onClipped?.({ count: view.clipped, exact: view.clippedExact });
    }
    const drawn = decimateHeld(scaled);
    const raw = plotData(drawn.lines, p.lines, view.axes, drawn.settled ? { ...frameOpts, live: { plot: livePlot.current, settled: drawn.settled } } : frameOpts);
    // The y-axes are framed on the raw values, so the faint raw line fits too.
    const d = smoothed ? plotData(decimate(onScale(smoothed)), p.lines, view.axes, { ...frameOpts, frames: raw.frames }) : raw;
    // Decimation keeps other points of the raw and the smoothed values: the raw line is drawn at its own x.
    rawRef.current = smoothed ? raw.lines : null;
    linesRef.current = d.lines;
    oddRef.current = d.odd;
    isolatedRef.current = d.isolated;
    framesRef.current = d.frames;
    // The y tick labels per axis, for tests and tools reading the page (uPlot draws them on the canvas).
    // Written on every redraw, changed or not: the studio benchmark counts redraws by these writes.
    if (hostRef.current) hostRef.current.dataset.yTicks = JSON.stringify(p.axes.filter((a) => !a.hidden).map((a) => {
      const f = d.frames.get(a.scale);
      return f ? (log ? logTicks(f, plotHeight).labels.filter(Boolean) : f.ticks.labels) : [];
    }));
    // Legend and tooltip values read alike whatever the y scale: on Log y each axis writes them as the linear chart does.
    const linear = log ? plotData(decimate(held), p.lines, viewAxes({ ...viewInput, held, log: false }).axes, frameOpts).frames : null;
    legendFramesRef.current = linear ? withLegendNotations(d.frames, linear) : d.frames;
    const signature = notationSignature(legendFramesRef.current);
    if (signature !== signatureRef.current) {
      signatureRef.current = signature;
      latest.current.onFrames?.(legendFramesRef.current);
    }
    return [d.x, ...d.ys] as uPlot.AlignedData;
  };

  const applyData = (u: uPlot) => {
    const z = latest.current.zoom;
    u.setData(buildData(), z === null);
    if (z) u.setScale('x', { min: z.from, max: z.to });
  };

  useEffect(() => {
    const host = hostRef.current;
    if (!host || !near) return;
    // Many charts made in one commit each reading the host's width would lay the page out once per chart.
    const width = Math.max(200, nearWidth ?? host.clientWidth);
    madeWidthRef.current = width;
    let ownDrag = false;
    let cursorStale = false;
    let dataGeneration = 0;
    const lineColor = (i: number) => seriesColor(theme, latest.current.panel.lines[i]!.color);
    const lines = lineLayer(() => linesRef.current, () => rawRef.current, lineColor, liveFrameBound);
    layerRef.current = lines;
    const plugins = [
      gapMarkersPlugin(() => oddRef.current, theme.odd, () => linesRef.current),
      rawUnderlayPlugin(() => (lines.showing ? null : rawRef.current), lineColor),
      lines.plugin,
      clipMarkersPlugin(() => clippedRef.current > 0, lineColor, () => linesRef.current),
      tooltipPlugin((u, idx) => {
        const x = u.data[0][idx];
        if (x === undefined) return null;
        const { panel: p, series: s, hidden: h, tooltipRows: custom, timeAxis: ta } = latest.current;
        const here = formatX(x, p.xUnits);
        const title = ta ? `${here} · ${timeLabel(ta, x)}` : here;
        if (custom) return { title, rows: custom(x, (key) => u.series[p.lines.findIndex((l) => l.key === key) + 1]?.show ?? false) };
        const rows = readout(p.lines, s, legendFramesRef.current, x, h, true, smoothedRef.current)
          .filter((r) => r.value !== '—')
          // A value read from reduced points at another x says which, when that x reads differently from the cursor's
          // (series stamped microseconds apart are not told apart).
          .map((r): TooltipRow => {
            const at = r.at === undefined ? null : formatX(r.at, p.xUnits);
            const where = at === null || at === here ? '' : ` at ${at}`;
            const row = { label: r.short, color: seriesColor(theme, r.color) };
            // Smoothing on: the dot sits on the smoothed line, so its value comes first, the raw one on a line of its
            // own under it (as TensorBoard and W&B show both), so a narrow tooltip never cuts either.
            return r.raw === undefined ? { ...row, value: `${r.value}${where}` } : { ...row, value: r.value, note: `raw ${r.raw}${where}` };
          });
        return { title, rows };
      }),
      {
        hooks: {
          setSelect: (u: uPlot) => {
            // Only the chart the box was dragged on zooms y (cursor sync hands the selection to the other panels too).
            const windows = ownDrag ? boxWindows(u, realY) : null;
            ownDrag = false;
            if (windows) latest.current.onYWindows?.(windows);
            if (u.select.width > 4 && u.select.width < u.over.clientWidth - 1) {
              const from = u.posToVal(u.select.left, 'x');
              const to = u.posToVal(u.select.left + u.select.width, 'x');
              if (to > from) latest.current.onZoom({ from, to });
            }
            u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
          },
          // New data under a still mouse (a zoom's refined points, a redraw of the same x window): uPlot places the
          // cursor again only when a scale changed, so the tooltip kept the old points' value while the legend read the
          // new ones. The cursor is placed again after every data change, and both read its one index.
          setData: () => {
            cursorStale = true;
            dataGeneration++;
          },
          draw: (u: uPlot) => {
            if (!cursorStale) return;
            cursorStale = false;
            const { left, top } = u.cursor;
            // (Not published to synced charts: each places its own cursor after its own data changed.)
            if (left !== undefined && left >= 0 && top !== undefined) u.setCursor({ left, top }, true);
          },
          setCursor: (u: uPlot) => {
            const idx = cursorIndex(u);
            // At once, as the tooltip: a frame later, the legend at the cursor lagged it while live.
            latest.current.onCursor?.(idx === null ? null : u.data[0][idx] ?? null, dataGeneration);
          },
        },
      },
    ];
    const opts = chartOptions({
      panel, theme, width, height, syncKey, hidden: latest.current.hidden, plugins,
      frames: () => framesRef.current,
      isolated: (i) => isolatedRef.current[i] ?? [],
      measure: measureText(theme.font),
      logY: latest.current.logY,
      logX: latest.current.logX,
      timeAxis,
      seriesPaths: (v, si, i0, i1) => (lines.showing ? null : linearPaths(v, si, i0, i1)),
      layerDots: () => lines.showing,
      xExtent: () => xExtentRef.current,
      onXTicks: (labels) => setData(host, 'xTicks', JSON.stringify(labels)),
    });
    const u = new uPlot(opts, buildData(), host);
    madeWidthRef.current = null;
    plotRef.current = u;
    builtRef.current = dataDeps;
    if (yWindowsRef) {
      yWindowsRef.current = () => {
        const out = new Map<string, Span>();
        for (const a of latest.current.panel.axes) {
          const sc = u.scales[a.scale];
          if (sc?.min != null && sc.max != null) out.set(a.scale, { from: realY(a.scale, sc.min), to: realY(a.scale, sc.max) });
        }
        return out;
      };
    }
    onPlot?.(u);
    const z = latest.current.zoom;
    if (z) u.setScale('x', { min: z.from, max: z.to });
    const reset = () => (latest.current.onReset ?? (() => latest.current.onZoom(null)))();
    const onDblClick = reset;
    const detach = attachNavigation(u, host, {
      logX: () => latest.current.logX,
      logY: () => latest.current.logY,
      setX: (span) => latest.current.onZoom(span),
      setY: (windows) => latest.current.onYWindows?.(windows),
      reset,
      follow: () => latest.current.onZoom(null),
      realY,
      plotY,
    });
    const onLeave = () => latest.current.onCursor?.(null, dataGeneration);
    const onOwnDown = () => (ownDrag = true);
    u.over.addEventListener('mousedown', onOwnDown);
    u.over.addEventListener('dblclick', onDblClick);
    u.over.addEventListener('mouseleave', onLeave);
    const ro = new ResizeObserver(() => {
      const w = Math.max(200, host.clientWidth);
      if (w !== u.width) u.setSize({ width: w, height });
    });
    ro.observe(host);
    return () => {
      drawQueue.cancel(plotRef);
      ro.disconnect();
      detach();
      u.over.removeEventListener('mousedown', onOwnDown);
      u.over.removeEventListener('dblclick', onDblClick);
      u.over.removeEventListener('mouseleave', onLeave);
      u.destroy();
      plotRef.current = null;
      onPlot?.(null);
    };
    // `shape` stands for `panel`: a new object with the same shape must not rebuild the chart.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [shape, theme, syncKey, height, logY, logX, timeAxis, near]);

  // What the user changed (zoom, smoothing, theme, another execution's data) is drawn at once; live data (`version`) only
  // when this panel's own series changed, and through the frame-budgeted draw queue, so that many panels receiving data
  // together draw over a few frames rather than in one long task.
  const drawnData = useRef('');
  const smoothingFrame = useRef(0);
  const quietTimer = useRef<ReturnType<typeof setTimeout> | null>(null);
  /**
   * Draws the chart's data now. `live`: a redraw for live data, whose lines the line layer draws off the main thread
   * until live data has been quiet for LIVE_QUIET_MS (then uPlot draws them again); any other redraw has uPlot draw them.
   */
  const drawNow = (u: uPlot, live = false) => {
    drawQueue.cancel(plotRef);
    cancelAnimationFrame(smoothingFrame.current);
    if (quietTimer.current !== null) clearTimeout(quietTimer.current);
    quietTimer.current = null;
    const layer = layerRef.current;
    if (live && layer?.start()) {
      quietTimer.current = setTimeout(() => {
        quietTimer.current = null;
        const now = plotRef.current;
        if (now) drawNow(now);
      }, LIVE_QUIET_MS);
    } else layer?.stop();
    drawnData.current = dataSignature(latest.current.panel, latest.current.series);
    // Only once the layer shows its lines: until then uPlot draws them, from the table.
    tableSampled.current = live && layer?.showing === true;
    liveBuildRef.current = quietTimer.current !== null;
    // Committed at once (not in uPlot's microtask after this returns): the draw queue then measures, and spreads over
    // frames, the whole redraw — paths and axes included — rather than only the data build.
    try {
      u.batch(() => applyData(u));
    } finally {
      tableSampled.current = false;
      liveBuildRef.current = false;
    }
  };
  const userDeps = [series, zoom?.from, zoom?.to, shape, theme, yRangeKey, smoothedLines, fullResolution, smoothing, smoothingAlgorithm] as const;
  const drawnDeps = useRef<readonly unknown[] | null>(null);
  useEffect(() => {
    const u = plotRef.current;
    const built = builtRef.current;
    builtRef.current = null;
    const before = drawnDeps.current;
    drawnDeps.current = userDeps;
    if (!u) return;
    // Building the data again right after the chart was made from the same data would double the cost of opening a page.
    if (built && built.every((d, i) => Object.is(d, dataDeps[i]))) {
      drawnData.current = dataSignature(latest.current.panel, latest.current.series);
      return;
    }
    // A moving smoothing slider (only the weight or algorithm changed) smooths at most once per frame: the last value wins.
    const smoothingOnly = before !== null && userDeps.every((d, i) => i >= userDeps.length - 2 || Object.is(d, before[i]));
    if (smoothingOnly) {
      cancelAnimationFrame(smoothingFrame.current);
      smoothingFrame.current = requestAnimationFrame(() => {
        const now = plotRef.current;
        if (now) drawNow(now);
      });
      return;
    }
    drawNow(u);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, userDeps);
  useEffect(() => () => {
    cancelAnimationFrame(smoothingFrame.current);
    if (quietTimer.current !== null) clearTimeout(quietTimer.current);
  }, []);

  useEffect(() => {
    if (!plotRef.current || dataSignature(panel, series) === drawnData.current) return;
    drawQueue.queue(plotRef, () => {
      const u = plotRef.current;
      if (u) drawNow(u, true);
    });
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [version]);

  useEffect(() => {
    const u = plotRef.current;
    if (!u) return;
    let changed = false;
    layerRef.current?.stop();
    u.batch(() => {
      panel.lines.forEach((line, i) => {
        const show = !hidden.has(line.key);
        if (u.series[i + 1]?.show !== show) {
          u.setSeries(i + 1, { show });
          changed = true;
        }
      });
      // The y-axes follow the shown lines: their frames are computed with the data.
      if (changed) applyData(u);
    });
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [hidden, shape]);

  // Also once the chart is made (a lazy one comes near the screen) and once its series are held (read after the first ones).
  const held = panel.lines.every((l) => series.has(l.key));
  useEffect(() => {
    const u = plotRef.current;
    if (!zoom || !u) return;
    // A burst of wheel notches or key presses refetches once, for where it ends.
    const t = window.setTimeout(() => latest.current.onRefine(zoom.from, zoom.to, Math.round(u.width * 4)), 120);
    return () => window.clearTimeout(t);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [zoom?.from, zoom?.to, near, held]);

  /** A y scale's plot units (frame tick units, log10 on Log y) → real values, and back. */
  function realY(scale: string, plot: number): number {
    const f = framesRef.current.get(scale);
    const v = f ? f.origin + plot * f.unit : plot;
    return latest.current.logY ? 10 ** v : v;
  }
  function plotY(scale: string, real: number): number {
    const f = framesRef.current.get(scale);
    const v = latest.current.logY ? Math.log10(real) : real;
    return f ? (v - f.origin) / f.unit : v;
  }

  return (
    <div
      className="chart"
      ref={hostRef}
      tabIndex={0}
      role="application"
      aria-roledescription="chart"
      aria-label={`${label ?? panel.title}: wheel or + and − zoom, arrows pan, Shift+drag pans, drag a box to zoom, 0 resets, f follows live`}
    />
  );
}
