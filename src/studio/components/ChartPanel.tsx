import { useCallback, useMemo, useRef, useState } from 'react';
import type uPlot from 'uplot';
import { panelFileName, type ExecutionStatus, type TimeMarks } from '../../protocol/index.js';
import { panelMarks, timeAvailable, timeAxisFor } from '../model/time-axis.js';
import type { YAxisFrame } from '../model/plot-frame.js';
import { readout } from '../model/readout.js';
import { panelPng, saveAs } from '../chart/export-png.js';
import { seriesColor } from '../model/chart-options.js';
import { nonPositiveNote, type NonPositiveCount, type PanelOptions } from '../model/panel-options.js';
import { effectivePanelOptions, panelOverrides, setPanelOptions } from '../model/page-options.js';
import { navigate, useLocation } from '../router.js';
import { PanelOptionsButton } from './PanelOptions.js';
import { useServerSmoothing } from './use-server-smoothing.js';
import { decodeHidden, encodeHidden, onlyShown, toggleHidden } from '../model/hidden-series.js';
import { YRangeControls } from './view/YRangeControls.js';
import { AUTO, decodeYRange, encodeYRange, type YRange } from '../model/y-range.js';
import type { Span } from '../model/navigation.js';
import { Legend, LEGEND_TOOLS_FROM } from './Legend.js';
import { ProgressBar } from './ProgressBar.js';
import { UPlotChart, type ChartSource } from './UPlotChart.js';

interface Props extends ChartSource {
  /** The execution's status: a running one follows live data; an ended one's progress bars stop. */
  status: ExecutionStatus;
  onRefine: (keys: string[], from: number, to: number, budget: number) => void;
  /** A group panel is a landmark region; the summary-over-time chart lives inside the Summary region as a figure. */
  role?: 'region' | 'figure';
  /** The execution the panel draws: data downloads read its full-resolution export. */
  executionId?: string;
  /** Its name: downloads are named `<execution name>-<panel name>`. */
  executionName?: string;
  /** When the execution started (ms since the epoch): makes wall time available on a seconds x-axis. */
  startedAt?: number;
  /** Record-time marks by series key (points recorded with `at`): make relative and wall time available on a units axis. */
  times?: ReadonlyMap<string, TimeMarks>;
}

/**
 * Query of the export endpoint for the shown lines and x range (DESIGN.md "Panel options": every stored point); `name`
 * (the panel's) names the file the server sends.
 */
export function exportUrl(
  executionId: string, keys: readonly string[], range: { from: number; to: number } | null, format: 'csv' | 'json', withTime = false, name?: string,
): string {
  const q = new URLSearchParams(keys.map((k) => ['key', k]));
  if (name !== undefined) q.set('name', name);
  if (range) {
    q.set('from', String(range.from));
    q.set('to', String(range.to));
  }
  q.set('format', format);
  // Shown as time: the file says when each point was recorded too.
  if (withTime) q.set('time', 'wall');
  return `/api/executions/${encodeURIComponent(executionId)}/export?${q}`;
}

/** One group (or ungrouped metric): progress bars, then the chart with its legend. Named after the group for assistive tech and tests. */
export function ChartPanel({ panel, series, version, theme, syncKey, status, zoom, onZoom, onRefine, role = 'region', executionId, executionName, startedAt, times }: Props) {
  const { search } = useLocation();
  // The page bar's options, with this panel's own overrides.
  const options = effectivePanelOptions(search, panel.id);
  const overrides = panelOverrides(search, panel.id);
  const setOptions = useCallback(
    (o: PanelOptions) => navigate(window.location.pathname + setPanelOptions(window.location.search, panel.id, o), { replace: true }),
    [panel.id],
  );
  const yRange = decodeYRange(search, panel.id);
  const setYRange = useCallback(
    (r: YRange) => navigate(window.location.pathname + encodeYRange(window.location.search, panel.id, r), { replace: true }),
    [panel.id],
  );
  // A box zoom or Ctrl+wheel: fixed windows on every axis it covered.
  const zoomY = (w: ReadonlyMap<string, Span>) =>
    setYRange({ kind: 'fixed', axes: panel.axes.map((a) => { const s = w.get(a.scale); return s ? { min: s.from, max: s.to } : null; }) });
  const yZoomed = yRange.kind === 'fixed';
  const yWindowsRef = useRef<(() => Map<string, Span>) | null>(null);
  // "Fixed" starts from the windows in view (to the digits that tell them apart), to be edited from there.
  const windowsInView = () => {
    const w = yWindowsRef.current?.() ?? new Map<string, Span>();
    const round = (v: number) => Number(v.toPrecision(4));
    return panel.axes.map((a) => {
      const s = w.get(a.scale);
      return s && round(s.to) > round(s.from) ? { min: round(s.from), max: round(s.to) } : null;
    });
  };
  const resetView = () => {
    onZoom(null);
    if (yZoomed) setYRange(AUTO);
  };
  const [clipped, setClipped] = useState(0);
  const [nonPositive, setNonPositive] = useState<NonPositiveCount>({ x: 0, y: 0, exact: true });
  const logNote = nonPositiveNote(nonPositive, options.logX, options.logY);
  const plotRef = useRef<uPlot | null>(null);
  const lineKeys = panel.lines.map((l) => l.key);
  const marksNow = times ? panelMarks(lineKeys, times) : undefined;
  const marksRef = useRef(marksNow);
  marksRef.current = marksNow;
  const wallTimeAvailable = timeAvailable(panel.xUnits, startedAt, marksNow);
  const hasMarks = marksNow !== undefined;
  const timeAxis = useMemo(
    () => timeAxisFor(options.xAxis, panel.xUnits, startedAt, () => marksRef.current),
    // A new axis only when what it shows changes; the marks themselves are read at every layout.
    [options.xAxis, panel.xUnits, startedAt, hasMarks],
  );
  const smoothedLines = useServerSmoothing(executionId, lineKeys, series, version, options.smoothing, options.smoothingAlgorithm, zoom);
  const keys = lineKeys;
  // Series toggled off in the legend live in the URL, so a shared link shows the same lines.
  const hidden = decodeHidden(search, panel.id, keys);
  const hiddenKey = [...hidden].join('\n');
  const setHidden = useCallback(
    (next: ReadonlySet<string>) => navigate(window.location.pathname + encodeHidden(window.location.search, panel.id, next), { replace: true }),
    [panel.id],
  );
  const [filter, setFilter] = useState('');
  const [cursorX, setCursorX] = useState<number | null>(null);
  const [frames, setFrames] = useState<ReadonlyMap<string, YAxisFrame>>(() => new Map());
  const running = status === 'running';
  const toggle = (key: string) => setHidden(toggleHidden(hidden, key));
  const only = (key: string) => setHidden(onlyShown(hidden, keys, key));
  // The chart draws what the legend shows: toggled-off series and those the filter leaves out are hidden.
  const needle = filter.trim().toLowerCase();
  const drawnHidden = useMemo(() => {
    if (!needle) return hidden;
    const out = new Set(hidden);
    for (const line of panel.lines) if (!line.label.toLowerCase().includes(needle)) out.add(line.key);
    return out;
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [hiddenKey, needle, panel.lines]);
  const rows = readout(panel.lines, series, frames, cursorX);
  void version;
  const shownKeys = keys.filter((k) => !drawnHidden.has(k));
  const download = (kind: 'csv' | 'json' | 'png') => {
    // The server names a data file alike (Content-Disposition), from the same parts.
    const name = panelFileName({ id: executionId ?? '', name: executionName ?? '' }, panel.title, shownKeys, kind);
    if (kind !== 'png') {
      if (executionId) saveAs(exportUrl(executionId, shownKeys, zoom, kind, timeAxis !== null, panel.title), name);
      return;
    }
    const u = plotRef.current;
    if (!u) return;
    const css = getComputedStyle(document.documentElement);
    const legend = panel.lines.filter((l) => !drawnHidden.has(l.key)).map((l) => ({ label: l.label, color: seriesColor(theme, l.color) }));
    void panelPng(u, {
      title: panel.title, legend, font: theme.font,
      background: css.getPropertyValue('--panel').trim() || '#fff', text: css.getPropertyValue('--text').trim() || '#000',
    }).then((blob) => saveAs(blob, name));
  };
  return (
    <section className={`panel${panel.lines.length === 0 ? ' panel-progress-only' : ''}${panel.lines.length > LEGEND_TOOLS_FROM ? ' panel-wide' : ''}`} role={role} aria-label={panel.title}>
      <header className="panel-head">
        <h3>{panel.title}</h3>
        <div className="panel-head-tools">
        {(zoom || yZoomed) && panel.lines.length > 0 && (
          running && zoom ? (
            <button type="button" className="follow-button" onClick={resetView} title="Return to following the newest data (double-click the chart does the same)">
              Follow live
            </button>
          ) : (
            <button type="button" className="follow-button" onClick={resetView} title="Show the whole execution again (double-click or 0 on the chart does the same)">
              Reset zoom
            </button>
          )
        )}
        {panel.lines.length > 0 && (
          <PanelOptionsButton
            title={panel.title}
            options={options}
            onChange={setOptions}
            overrides={overrides}
            xUnits={panel.xUnits}
            timeAvailable={wallTimeAvailable}
            nonPositive={nonPositive}
            onDownload={download}
            extra={<YRangeControls axes={panel.axes} range={yRange} onChange={setYRange} inView={windowsInView} />}
            dataDownloadNote={executionId ? (shownKeys.length === 0 ? 'No series shown to download.' : null) : 'Data downloads are per execution.'}
          />
        )}
        </div>
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
            smoothing={options.smoothing}
            smoothingAlgorithm={options.smoothingAlgorithm}
            smoothedLines={smoothedLines}
            logY={options.logY}
            logX={options.logX}
            timeAxis={timeAxis}
            onNonPositive={setNonPositive}
            onPlot={(u) => (plotRef.current = u)}
            yRange={yRange}
            onYWindows={zoomY}
            onReset={resetView}
            onClipped={setClipped}
            yWindowsRef={yWindowsRef}
          />
          {yRange.kind !== 'auto' && clipped > 0 && (
            <p className="panel-clip-note">{clipped.toLocaleString()} {clipped === 1 ? 'value is' : 'values are'} outside the y range: clipped, marked ▲▼ at the edge.</p>
          )}
          {logNote && <p className="panel-log-note">{logNote}</p>}
          <Legend rows={rows} theme={theme} hidden={hidden} onToggle={toggle} onOnly={only} filter={filter} onFilter={setFilter} atCursor={cursorX !== null} />
        </>
      )}
    </section>
  );
}
