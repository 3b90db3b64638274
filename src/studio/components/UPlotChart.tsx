import { useEffect, useMemo, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { gapMarkersPlugin } from '../chart/gap-markers.js';
import { tooltipPlugin, type TooltipRow } from '../chart/tooltip.js';
import { chartOptions, seriesColor, type ChartTheme } from '../model/chart-options.js';
import { formatDuration, formatNumber } from '../model/format.js';
import type { PanelModel } from '../model/panels.js';
import { decimateForDisplay } from '../model/decimate.js';
import { alignSeries, emptySeries, lowerBound, type SeriesBuffer } from '../model/series-buffer.js';

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
  hidden: ReadonlySet<string>;
  /** Zoomed into a range: read it again at this many points per series. */
  onRefine: (from: number, to: number, budget: number) => void;
  /** The tooltip's rows at data x (default: each shown series' value at exactly that x). */
  tooltipRows?: (x: number, shown: (key: string) => boolean) => TooltipRow[];
  height?: number;
}

const EMPTY = emptySeries(0);

function rawValueAt(s: SeriesBuffer | undefined, x: number): number | undefined {
  if (!s) return undefined;
  const i = lowerBound(s, x);
  return i < s.length && s.x[i] === x ? s.y[i] : undefined;
}

/** One uPlot chart. Created when the panel's shape or theme changes; live data only calls setData (cursor, zoom and toggles survive). */
export function UPlotChart({ panel, series, version, theme, syncKey, hidden, zoom, onZoom, onRefine, tooltipRows, height = 240 }: Props) {
  const hostRef = useRef<HTMLDivElement>(null);
  const plotRef = useRef<uPlot | null>(null);
  const oddRef = useRef<number[][]>([]);
  const latest = useRef({ series, hidden, zoom, onZoom, onRefine, panel, tooltipRows });
  latest.current = { series, hidden, zoom, onZoom, onRefine, panel, tooltipRows };
  const shape = useMemo(() => JSON.stringify(panel), [panel]);

  const buildData = (): uPlot.AlignedData => {
    const { panel: p, series: s, zoom: z } = latest.current;
    const held = p.lines.map((l) => s.get(l.key) ?? EMPTY);
    // Draw at most a few points per pixel of what is in view: a long live series then costs each frame a bounded amount.
    const pixels = plotRef.current?.bbox.width ? plotRef.current.bbox.width / (window.devicePixelRatio || 1) : hostRef.current?.clientWidth ?? 800;
    const from = z?.from ?? Math.min(...held.map((h) => (h.length > 0 ? h.x[0]! : Infinity)));
    const to = z?.to ?? Math.max(...held.map((h) => (h.length > 0 ? h.x[h.length - 1]! : -Infinity)));
    const aligned = alignSeries(Number.isFinite(from) && Number.isFinite(to) && to > from ? held.map((h) => decimateForDisplay(h, from, to, pixels)) : held);
    oddRef.current = aligned.odd;
    return [aligned.x, ...aligned.ys] as uPlot.AlignedData;
  };

  const applyData = (u: uPlot) => {
    const z = latest.current.zoom;
    u.setData(buildData(), z === null);
    if (z) u.setScale('x', { min: z.from, max: z.to });
  };

  useEffect(() => {
    const host = hostRef.current;
    if (!host) return;
    const xText = (x: number) => (panel.xUnits === undefined ? formatDuration(x) : `${formatNumber(x)} ${panel.xUnits}`);
    const plugins = [
      gapMarkersPlugin(() => oddRef.current, theme.odd),
      tooltipPlugin((u, idx) => {
        const x = u.data[0][idx];
        if (x === undefined) return null;
        const custom = latest.current.tooltipRows;
        if (custom) {
          const lines = latest.current.panel.lines;
          return { title: xText(x), rows: custom(x, (key) => u.series[lines.findIndex((l) => l.key === key) + 1]?.show ?? false) };
        }
        const rows = latest.current.panel.lines.flatMap((line, i) => {
          if (!u.series[i + 1]?.show) return [];
          const y = u.data[i + 1]?.[idx];
          const value = y === null ? rawValueAt(latest.current.series.get(line.key), x) : y;
          return value === undefined || value === null ? [] : [{ label: line.label, color: seriesColor(theme, line.color), value: formatNumber(value) }];
        });
        return { title: xText(x), rows };
      }),
      {
        hooks: {
          setSelect: (u: uPlot) => {
            if (u.select.width > 4) {
              const from = u.posToVal(u.select.left, 'x');
              const to = u.posToVal(u.select.left + u.select.width, 'x');
              if (to > from) latest.current.onZoom({ from, to });
            }
            u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
          },
        },
      },
    ];
    const opts = chartOptions({ panel, theme, width: Math.max(200, host.clientWidth), height, syncKey, hidden: latest.current.hidden, plugins });
    const u = new uPlot(opts, buildData(), host);
    plotRef.current = u;
    const z = latest.current.zoom;
    if (z) u.setScale('x', { min: z.from, max: z.to });
    const onDblClick = () => latest.current.onZoom(null);
    u.over.addEventListener('dblclick', onDblClick);
    const ro = new ResizeObserver(() => {
      const w = Math.max(200, host.clientWidth);
      if (w !== u.width) u.setSize({ width: w, height });
    });
    ro.observe(host);
    return () => {
      ro.disconnect();
      u.over.removeEventListener('dblclick', onDblClick);
      u.destroy();
      plotRef.current = null;
    };
    // `shape` stands for `panel`: a new object with the same shape must not rebuild the chart.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [shape, theme, syncKey, height]);

  useEffect(() => {
    const u = plotRef.current;
    if (u) applyData(u);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [version, series, zoom?.from, zoom?.to, shape, theme]);

  useEffect(() => {
    const u = plotRef.current;
    if (!u) return;
    panel.lines.forEach((line, i) => {
      const show = !hidden.has(line.key);
      if (u.series[i + 1]?.show !== show) u.setSeries(i + 1, { show });
    });
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [hidden, shape]);

  useEffect(() => {
    const u = plotRef.current;
    if (zoom && u) latest.current.onRefine(zoom.from, zoom.to, Math.round(u.width * 4));
  }, [zoom?.from, zoom?.to]);

  return <div className="chart" ref={hostRef} />;
}
