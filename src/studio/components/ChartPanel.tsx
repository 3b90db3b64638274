import { useState } from 'react';
import { Legend } from './Legend.js';
import { ProgressBar } from './ProgressBar.js';
import { UPlotChart, type ChartSource } from './UPlotChart.js';

interface Props extends ChartSource {
  running: boolean;
  onRefine: (keys: string[], from: number, to: number, budget: number) => void;
  /** A group panel is a landmark region; the summary-over-time chart lives inside the Summary region as a figure. */
  role?: 'region' | 'figure';
}

/** One group (or ungrouped metric): progress bars, then the chart with its legend. Named after the group for assistive tech and tests. */
export function ChartPanel({ panel, series, version, theme, syncKey, running, zoom, onZoom, onRefine, role = 'region' }: Props) {
  const [hidden, setHidden] = useState<ReadonlySet<string>>(() => new Set());
  const toggle = (key: string) =>
    setHidden((h) => {
      const next = new Set(h);
      if (!next.delete(key)) next.add(key);
      return next;
    });
  const keys = panel.lines.map((l) => l.key);
  return (
    <section className={`panel${panel.lines.length === 0 ? ' panel-progress-only' : ''}`} role={role} aria-label={panel.title}>
      <header className="panel-head">
        <h3>{panel.title}</h3>
        {zoom && panel.lines.length > 0 && (
          <button type="button" className="follow-button" onClick={() => onZoom(null)} title="Return to following the newest data (double-click the chart does the same)">
            Follow live
          </button>
        )}
      </header>
      {panel.progress.map((p) => (
        <ProgressBar key={p.key} model={p} series={series.get(p.key)} running={running} />
      ))}
      {panel.lines.length > 0 && (
        <>
          <UPlotChart
            panel={panel}
            series={series}
            version={version}
            theme={theme}
            syncKey={syncKey}
            hidden={hidden}
            zoom={zoom}
            onZoom={onZoom}
            onRefine={(from, to, budget) => onRefine(keys, from, to, budget)}
          />
          <Legend lines={panel.lines} series={series} theme={theme} hidden={hidden} onToggle={toggle} />
        </>
      )}
    </section>
  );
}
