import { useMemo, useState } from 'react';
import type { ExecutionStatus } from '../../protocol/index.js';
import type { YAxisFrame } from '../model/plot-frame.js';
import { readout } from '../model/readout.js';
import { Legend, LEGEND_TOOLS_FROM } from './Legend.js';
import { ProgressBar } from './ProgressBar.js';
import { UPlotChart, type ChartSource } from './UPlotChart.js';

interface Props extends ChartSource {
  /** The execution's status: a running one follows live data; an ended one's progress bars stop. */
  status: ExecutionStatus;
  onRefine: (keys: string[], from: number, to: number, budget: number) => void;
  /** A group panel is a landmark region; the summary-over-time chart lives inside the Summary region as a figure. */
  role?: 'region' | 'figure';
}

/** One group (or ungrouped metric): progress bars, then the chart with its legend. Named after the group for assistive tech and tests. */
export function ChartPanel({ panel, series, version, theme, syncKey, status, zoom, onZoom, onRefine, role = 'region' }: Props) {
  const [hidden, setHidden] = useState<ReadonlySet<string>>(() => new Set());
  const [filter, setFilter] = useState('');
  const [cursorX, setCursorX] = useState<number | null>(null);
  const [frames, setFrames] = useState<ReadonlyMap<string, YAxisFrame>>(() => new Map());
  const running = status === 'running';
  const keys = panel.lines.map((l) => l.key);
  const toggle = (key: string) =>
    setHidden((h) => {
      const next = new Set(h);
      if (!next.delete(key)) next.add(key);
      return next;
    });
  const only = (key: string) =>
    setHidden((h) => (h.size === keys.length - 1 && !h.has(key) ? new Set() : new Set(keys.filter((k) => k !== key))));
  // The chart draws what the legend shows: toggled-off series and those the filter leaves out are hidden.
  const needle = filter.trim().toLowerCase();
  const drawnHidden = useMemo(() => {
    if (!needle) return hidden;
    const out = new Set(hidden);
    for (const line of panel.lines) if (!line.label.toLowerCase().includes(needle)) out.add(line.key);
    return out;
  }, [hidden, needle, panel.lines]);
  const rows = readout(panel.lines, series, frames, cursorX);
  void version;
  return (
    <section className={`panel${panel.lines.length === 0 ? ' panel-progress-only' : ''}${panel.lines.length > LEGEND_TOOLS_FROM ? ' panel-wide' : ''}`} role={role} aria-label={panel.title}>
      <header className="panel-head">
        <h3>{panel.title}</h3>
        {zoom && panel.lines.length > 0 && (
          running ? (
            <button type="button" className="follow-button" onClick={() => onZoom(null)} title="Return to following the newest data (double-click the chart does the same)">
              Follow live
            </button>
          ) : (
            <button type="button" className="follow-button" onClick={() => onZoom(null)} title="Show the whole execution again (double-click the chart does the same)">
              Reset zoom
            </button>
          )
        )}
      </header>
      {panel.progress.map((p) => (
        <ProgressBar key={p.key} model={p} series={series.get(p.key)} status={status} />
      ))}
      {panel.lines.length > 0 && (
        <>
          <UPlotChart
            panel={panel}
            series={series}
            version={version}
            theme={theme}
            syncKey={syncKey}
            hidden={drawnHidden}
            zoom={zoom}
            onZoom={onZoom}
            onRefine={(from, to, budget) => onRefine(keys, from, to, budget)}
            onCursor={setCursorX}
            onFrames={setFrames}
          />
          <Legend rows={rows} theme={theme} hidden={hidden} onToggle={toggle} onOnly={only} filter={filter} onFilter={setFilter} atCursor={cursorX !== null} />
        </>
      )}
    </section>
  );
}
