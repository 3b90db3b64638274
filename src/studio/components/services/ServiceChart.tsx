import { useEffect, useLayoutEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { createDrawQueue } from '../../chart/draw-queue.js';
import { seriesColor, type ChartTheme } from '../../model/chart-options.js';
import { chooseNotation } from '../../model/format.js';

/** The time shown: the last `span` ms following now (live), or a fixed range from a drag-zoom (ms since the epoch). */
export type { TimeRange } from '../../model/service-view-url.js';
import type { TimeRange } from '../../model/service-view-url.js';

/** The x range a time range shows at `now`. */
export function shownRange(range: TimeRange, now: number): [number, number] {
  return range.live ? [now - range.span, now] : [range.from, range.to];
}

/** What a panel asks of its chart: draw its data again (the same arrays, changed in place, or new ones). */
export interface ServiceChartHandle {
  /** Now (a user's change: a new read, another range). */
  draw(): void;
  /**
   * Through {@link serviceDraws} (live data); while the chart is off screen, only once it comes near the viewport again:
   * most of a 30-panel page is scrolled away, and every redrawn canvas costs the frame's commit.
   */
  drawSoon(): void;
}

interface Props {
  /** The lines' labels, in order: the chart is made again when they change. */
  labels: readonly string[];
  /** The data to draw (x in ms, then one array per line): read when the chart is made and on each `draw`. */
  data: () => uPlot.AlignedData;
  /** Filled with the chart's handle while it exists. */
  handle: { current: ServiceChartHandle | null };
  unit: string;
  theme: ChartTheme;
  utc: boolean;
  range: TimeRange;
  syncKey: string;
  onZoom: (from: number, to: number) => void;
  /** The time under the cursor (ms; null when the cursor left), for the legends of every panel. */
  onCursor: (x: number | null) => void;
  height?: number;
}

/**
 * Service panels' live redraws, at most 15 charts and 12 ms of drawing a frame. A changed canvas costs the main thread
 * more in the frame's commit (its recorded drawing rasterised) than in its draw, and each frame with any change costs a
 * commit and a paint of the page (~4 ms in the service bench's traces): a second's 30 changed panels in two frames
 * keeps each frame's task short without paying that overhead five times.
 */
export const serviceDraws = createDrawQueue({
  nextFrame: (fn) => requestAnimationFrame(() => fn()),
  now: () => performance.now(),
  budgetMs: 12,
  maxPerFrame: 15,
});

/**
 * One timer for every live chart of the page: each tick moves their x ranges to now (through {@link serviceDraws}), about
 * one pixel of a 15 min chart a second — the right edge follows in real time without React rendering.
 */
const liveCharts = new Set<() => void>();
let liveTimer: ReturnType<typeof setInterval> | null = null;
const LIVE_TICK_MS = 500;

function followNow(move: () => void): () => void {
  liveCharts.add(move);
  liveTimer ??= setInterval(() => {
    for (const m of liveCharts) m();
  }, LIVE_TICK_MS);
  return () => {
    liveCharts.delete(move);
    if (liveCharts.size === 0 && liveTimer !== null) {
      clearInterval(liveTimer);
      liveTimer = null;
    }
  };
}

/**
 * `data` with exactly `lines` y columns after x, as a chart built for `lines` series draws it: a missing column is all
 * gaps, an extra one is left out (data of other lines for a moment, until the chart is rebuilt for them).
 */
export function fitColumns(data: uPlot.AlignedData, lines: number): uPlot.AlignedData {
  if (data.length === lines + 1) return data;
  const x = data[0];
  const gaps = () => Array.from({ length: x.length }, () => null);
  return [x, ...Array.from({ length: lines }, (_, i) => data[i + 1] ?? gaps())] as uPlot.AlignedData;
}

/** Points drawn only where a value has no neighbour (a single bucket with data would otherwise not show). */
function isolated(u: uPlot, sidx: number): number[] | null {
  const d = u.data[sidx]!;
  const out: number[] = [];
  for (let i = 0; i < d.length; i++) if (d[i] != null && d[i - 1] == null && d[i + 1] == null) out.push(i);
  return out;
}

/**
 * y tick steps 1, 2, 5 × 10ⁿ: uPlot's default set has 2.5, whose ticks (2.5, 7.5) a whole-number axis (in-flight
 * requests, replicas) showed rounded as 3 and 8.
 */
const Y_INCRS = Array.from({ length: 28 }, (_, i) => [1, 2, 5].map((m) => m * 10 ** (i - 12))).flat();

const UTC = (ts: number) => uPlot.tzDate(new Date(ts), 'Etc/UTC');

/** A wall-clock uPlot chart of a service panel (x in ms since the epoch), cursor synced by `syncKey`, drag to zoom. */
export function ServiceChart({ labels, data, handle, unit, theme, utc, range, syncKey, onZoom, onCursor, height = 180 }: Props) {
  const hostRef = useRef<HTMLDivElement>(null);
  const plotRef = useRef<uPlot | null>(null);
  const latest = useRef({ onZoom, onCursor, range, data });
  latest.current = { onZoom, onCursor, range, data };
  const labelKey = labels.join('\u0000');

  // Built in the layout phase: the panel draws its new data in its own layout effect, which runs after this one, so a
  // chart is never handed data of other lines (fewer columns than its series made uPlot throw).
  useLayoutEffect(() => {
    const host = hostRef.current;
    if (!host) return;
    const opts: uPlot.Options = {
      width: Math.max(200, host.clientWidth),
      height,
      ms: 1,
      ...(utc && { tzDate: UTC }),
      legend: { show: false },
      cursor: { sync: { key: syncKey, setSeries: false }, drag: { x: true, y: false, setScale: false } },
      scales: { x: { time: true, range: () => shownRange(latest.current.range, Date.now()) }, y: { range: (_u, min, max) => [Math.min(0, min ?? 0), max && max > 0 ? max * 1.1 : 1] } },
      axes: [
        { stroke: theme.muted, grid: { stroke: theme.grid, width: 1 }, ticks: { stroke: theme.grid, width: 1 }, font: theme.font },
        { stroke: theme.muted, grid: { stroke: theme.grid, width: 1 }, ticks: { stroke: theme.grid, width: 1 }, font: theme.font, size: 68, incrs: Y_INCRS,
          values: (_u, vals) => {
            const notation = chooseNotation(Math.min(...vals), Math.max(...vals), vals.length > 1 ? Math.abs(vals[1]! - vals[0]!) : 1);
            return vals.map((v) => `${notation.format(v)}${unit ? ` ${unit}` : ''}`);
          } },
      ],
      series: [{}, ...labels.map((label, i) => ({ label, stroke: seriesColor(theme, i), width: 1.5, spanGaps: false, points: { show: true, size: 5, filter: isolated } }))],
      hooks: {
        setSelect: [(u) => {
          if (u.select.width > 4) {
            const a = u.posToVal(u.select.left, 'x');
            const b = u.posToVal(u.select.left + u.select.width, 'x');
            if (b > a) latest.current.onZoom(a, b);
          }
          u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
        }],
        // The shown x range as data attributes (ms): what a test or a user's script can read of a canvas axis.
        setScale: [(u, key) => {
          if (key !== 'x') return;
          host.dataset.xMin = String(Math.round(u.scales.x!.min ?? 0));
          host.dataset.xMax = String(Math.round(u.scales.x!.max ?? 0));
        }],
        // The time under the pointer, not the nearest bucket of this chart: synced panels of other steps agree on it.
        setCursor: [(u) => {
          const left = u.cursor.left;
          latest.current.onCursor(left === undefined || left < 0 ? null : u.posToVal(left, 'x'));
        }],
      },
    };
    const lines = labels.length;
    const data = () => fitColumns(latest.current.data(), lines);
    const u = new uPlot(opts, data(), host);
    plotRef.current = u;
    // Off screen (beyond a margin of half a viewport), live redraws wait until the chart comes into view.
    let visible = true;
    let stale = false;
    const queue = () => serviceDraws.queue(u, () => u.setData(data()));
    const io = new IntersectionObserver((entries) => {
      visible = entries.some((e) => e.isIntersecting);
      if (visible && stale) {
        stale = false;
        queue();
      }
    }, { rootMargin: '50% 0px' });
    io.observe(host);
    handle.current = {
      draw: () => {
        serviceDraws.cancel(u);
        stale = false;
        u.setData(data());
      },
      drawSoon: () => {
        if (visible) queue();
        else stale = true;
      },
    };
    const ro = new ResizeObserver(() => {
      const w = Math.max(200, host.clientWidth);
      if (w !== u.width) u.setSize({ width: w, height });
    });
    ro.observe(host);
    return () => {
      ro.disconnect();
      io.disconnect();
      serviceDraws.cancel(u);
      u.destroy();
      plotRef.current = null;
      handle.current = null;
    };
    // Rebuilt when the lines, units, theme or time zone change; data alone only calls setData.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [labelKey, unit, theme, utc, syncKey, height]);

  // Another range: the x scale at once (its data follows with the read).
  useEffect(() => {
    handle.current?.draw();
  }, [range]); // eslint-disable-line react-hooks/exhaustive-deps

  useEffect(() => {
    if (!range.live) return;
    return followNow(() => {
      const u = plotRef.current;
      if (!u) return;
      const [min, max] = shownRange(latest.current.range, Date.now());
      // Redrawn only once now has moved half a pixel: a 24 h chart moves a pixel every few minutes, not every tick.
      const shown = u.scales.x!.max ?? -Infinity;
      if (((max - shown) * u.width) / (max - min) < 0.5) return;
      // setData moves the x range to now too (and keeps a queued data draw, which a mere move would replace).
      handle.current?.drawSoon();
    });
  }, [range.live]);

  return <div className="chart" ref={hostRef} />;
}
