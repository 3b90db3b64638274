import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { seriesColor, type ChartTheme } from '../../model/chart-options.js';
import { chooseNotation } from '../../model/format.js';
import type { DrawnPanel } from '../../model/service-dashboard.js';

interface Props {
  drawn: DrawnPanel;
  unit: string;
  theme: ChartTheme;
  utc: boolean;
  /** Shown x range, ms since the epoch (the range picker's, moving while live). */
  from: number;
  to: number;
  syncKey: string;
  onZoom: (from: number, to: number) => void;
  /** The cursor's bucket index (null when the cursor left), for the legend. */
  onCursor: (index: number | null) => void;
  height?: number;
}

/** Points drawn only where a value has no neighbour (a single bucket with data would otherwise not show). */
function isolated(u: uPlot, sidx: number): number[] | null {
  const d = u.data[sidx]!;
  const out: number[] = [];
  for (let i = 0; i < d.length; i++) if (d[i] != null && d[i - 1] == null && d[i + 1] == null) out.push(i);
  return out;
}

const UTC = (ts: number) => uPlot.tzDate(new Date(ts), 'Etc/UTC');

/** A wall-clock uPlot chart of a service panel (x in ms since the epoch), cursor synced by `syncKey`, drag to zoom. */
export function ServiceChart({ drawn, unit, theme, utc, from, to, syncKey, onZoom, onCursor, height = 180 }: Props) {
  const hostRef = useRef<HTMLDivElement>(null);
  const plotRef = useRef<uPlot | null>(null);
  const latest = useRef({ onZoom, onCursor, from, to });
  latest.current = { onZoom, onCursor, from, to };
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
      scales: { x: { time: true, range: () => [latest.current.from, latest.current.to] }, y: { range: (_u, min, max) => [Math.min(0, min ?? 0), max && max > 0 ? max * 1.1 : 1] } },
      axes: [
        { stroke: theme.muted, grid: { stroke: theme.grid, width: 1 }, ticks: { stroke: theme.grid, width: 1 }, font: theme.font },
        { stroke: theme.muted, grid: { stroke: theme.grid, width: 1 }, ticks: { stroke: theme.grid, width: 1 }, font: theme.font, size: 68,
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
        setCursor: [(u) => latest.current.onCursor(u.cursor.idx ?? null)],
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
    plotRef.current?.setData([drawn.t, ...drawn.lines.map((l) => l.values)] as uPlot.AlignedData);
  }, [drawn, from, to]);

  return <div className="chart" ref={hostRef} />;
}
