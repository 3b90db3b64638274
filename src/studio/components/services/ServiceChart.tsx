import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { seriesColor, type ChartTheme } from '../../model/chart-options.js';
import { chooseNotation } from '../../model/format.js';
import type { DrawnPanel } from '../../model/service-dashboard.js';

/** The time shown: the last `span` ms following now (live), or a fixed range from a drag-zoom (ms since the epoch). */
export type TimeRange = { live: true; span: number } | { live: false; from: number; to: number };

/** The x range a time range shows at `now`. */
export function shownRange(range: TimeRange, now: number): [number, number] {
  return range.live ? [now - range.span, now] : [range.from, range.to];
}

interface Props {
  drawn: DrawnPanel;
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
 * One timer for every live chart of the page: each tick moves their x ranges to now in the same task (one layout, one
 * paint), about one pixel of a 15 min chart a second — the right edge follows in real time without React rendering.
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
 * Redraws spread over animation frames: a live event that moves 30 panels redraws as many as fit in ~8 ms per frame
 * (at least one), the rest in the next frames, so the page keeps answering instead of blocking for all 30 at once.
 */
const queued = new Map<uPlot, uPlot.AlignedData>();
let frameAsked = false;
const FRAME_BUDGET_MS = 8;

function redrawSoon(u: uPlot, data: uPlot.AlignedData): void {
  queued.set(u, data);
  if (frameAsked) return;
  frameAsked = true;
  requestAnimationFrame(drawQueued);
}

function drawQueued(): void {
  frameAsked = false;
  const start = performance.now();
  for (const [u, data] of queued) {
    queued.delete(u);
    // A chart destroyed while queued has no root in the document any more.
    if (u.root.isConnected) u.setData(data);
    if (performance.now() - start > FRAME_BUDGET_MS) break;
  }
  if (queued.size > 0) {
    frameAsked = true;
    requestAnimationFrame(drawQueued);
  }
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
export function ServiceChart({ drawn, unit, theme, utc, range, syncKey, onZoom, onCursor, height = 180 }: Props) {
  const hostRef = useRef<HTMLDivElement>(null);
  const plotRef = useRef<uPlot | null>(null);
  const latest = useRef({ onZoom, onCursor, range });
  latest.current = { onZoom, onCursor, range };
  const labels = drawn.lines.map((l) => l.label).join('\u0000');

  useEffect(() => {
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
      series: [{}, ...drawn.lines.map((l, i) => ({ label: l.label, stroke: seriesColor(theme, i), width: 1.5, spanGaps: false, points: { show: true, size: 5, filter: isolated } }))],
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
    const u = new uPlot(opts, [drawn.t, ...drawn.lines.map((l) => l.values)] as uPlot.AlignedData, host);
    plotRef.current = u;
    const ro = new ResizeObserver(() => {
      const w = Math.max(200, host.clientWidth);
      if (w !== u.width) u.setSize({ width: w, height });
    });
    ro.observe(host);
    return () => {
      ro.disconnect();
      u.destroy();
      plotRef.current = null;
    };
    // Rebuilt when the lines, units, theme or time zone change; data alone only calls setData.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [labels, unit, theme, utc, syncKey, height]);

  useEffect(() => {
    const u = plotRef.current;
    if (u) redrawSoon(u, [drawn.t, ...drawn.lines.map((l) => l.values)] as uPlot.AlignedData);
  }, [drawn, range]);

  useEffect(() => {
    if (!range.live) return;
    return followNow(() => {
      const u = plotRef.current;
      if (!u) return;
      const [min, max] = shownRange(latest.current.range, Date.now());
      // Redrawn only once now has moved half a pixel: a 24 h chart moves a pixel every few minutes, not every tick.
      const shown = u.scales.x!.max ?? -Infinity;
      if (((max - shown) * u.width) / (max - min) < 0.5) return;
      u.setScale('x', { min, max });
    });
  }, [range.live]);

  return <div className="chart" ref={hostRef} />;
}
