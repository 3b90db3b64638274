import { memo, useCallback, useContext, useMemo, useRef, useState, useSyncExternalStore, type ComponentProps } from 'react';
import { LIMITS, panelFileName, type ExecutionStatus, type TimeMarks } from '../../protocol/index.js';
import { panelMarks, timeAvailable, timeAxisFor } from '../model/time-axis.js';
import type { YAxisFrame } from '../model/plot-frame.js';
import { readout } from '../model/readout.js';
import { valueStore, type ValueStore } from '../model/value-store.js';
import type { LineSeriesModel } from '../model/panels.js';
import type { SeriesBuffer } from '../model/series-buffer.js';
import { useLive, useLiveVersionAtMost } from '../live/react.js';
import { saveAs } from '../chart/export-png.js';
import { fetchDownload } from '../api/client.js';
import { downloadPanelPng, usePanelView, ViewNotes } from './view/use-panel-view.js';
import { currentPathname, currentSearch, navigate, useLocation } from '../router.js';
import { PanelOptionsButton } from './PanelOptions.js';
import { useServerSmoothing } from './use-server-smoothing.js';
import { fullResolutionKeys, useFullResolution } from './use-full-resolution.js';
import { wantsFullResolution } from '../model/full-resolution.js';
import { decodeHidden, encodeHidden, onlyShown, toggleHidden } from '../model/hidden-series.js';
import { YRangeControls } from './view/YRangeControls.js';
import { Legend, LEGEND_TOOLS_FROM } from './Legend.js';
import { ProgressBar } from './ProgressBar.js';
import { UPlotChart, type ChartSource } from './UPlotChart.js';
import { LazyCharts } from './use-near-viewport.js';

interface Props extends Omit<ChartSource, 'version'> {
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
 * Which series an export asks for: the keys themselves, or (when naming them would make too long a URL: a panel of
 * thousands of series) the panel's group less its hidden lines (`group` + `omit`, DESIGN.md API "export").
 */
export type ExportSeries = { keys: readonly string[] } | { group: string; omit: readonly string[] };

/** Longest list of key parameters sent as such (characters once encoded), well under the server's header limit. */
const MAX_KEY_QUERY_CHARS = 4000;

/**
 * How a panel's download names its shown series: by key while they are few (at most `LIMITS.maxKeysPerRead` and a short
 * query), else by `group` (a group panel) with the hidden keys omitted.
 */
export function exportSeries(group: string | null, keys: readonly string[], shown: readonly string[]): ExportSeries {
  const query = new URLSearchParams(shown.map((k) => ['key', k])).toString();
  if (group === null || (shown.length <= LIMITS.maxKeysPerRead && query.length <= MAX_KEY_QUERY_CHARS)) return { keys: shown };
  const visible = new Set(shown);
  return { group, omit: keys.filter((k) => !visible.has(k)) };
}

/**
 * Query of the export endpoint for the shown lines and x range (DESIGN.md "Panel options": every stored point); `name`
 * (the panel's) names the file the server sends.
 */
export function exportUrl(
  executionId: string, series: ExportSeries | readonly string[], range: { from: number; to: number } | null, format: 'csv' | 'json', withTime = false, name?: string,
): string {
  const which: ExportSeries = Array.isArray(series) ? { keys: series } : (series as ExportSeries);
  const q = 'keys' in which ? new URLSearchParams(which.keys.map((k) => ['key', k])) : new URLSearchParams([['group', which.group], ...which.omit.map((k) => ['omit', k])]);
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

/**
 * One group (or ungrouped metric): progress bars, then the chart with its legend. Named after the group for assistive tech
 * and tests. Memoised: the page re-renders on every change of its execution (the stream sends one with each batch of
 * points), and a panel then re-renders only when what it shows changed — zoom by value; `onZoom` is not compared (the
 * page's closure over this panel's axis, the same while `panel` is).
 */
export const ChartPanel = memo(ChartPanelView, (a, b) => {
  for (const k of Object.keys({ ...a, ...b }) as Array<keyof Props>) {
    if (k === 'onZoom') continue;
    if (k === 'zoom') {
      if (a.zoom?.from !== b.zoom?.from || a.zoom?.to !== b.zoom?.to) return false;
    } else if (!Object.is(a[k], b[k])) return false;
  }
  return true;
});

function ChartPanelView({ panel, series, theme, syncKey, status, zoom, onZoom, onRefine, role = 'region', executionId, executionName, startedAt, times }: Props) {
  const { search } = useLocation();
  const view = usePanelView(panel, onZoom);
  const { options, overrides, setOptions, yRange, setYRange, zoomY, yZoomed, yWindowsRef, windowsInView, resetView, clipped, setClipped, nonPositive, setNonPositive, plotRef } = view;
  const lineKeys = panel.lines.map((l) => l.key);
  // Live points re-render the panel's chart, legend and progress bars (each follows the live version itself), not the
  // panel: only while smoothing or ignoring outliers, whose reads follow the series' growth, does the panel re-render per live frame; and when
  // its lines get their first record-time marks (wall time becomes available).
  const readsFull = wantsFullResolution(options.smoothing, yRange);
  const version = useLive((s) => (readsFull ? s.version : 0));
  const hasMarks = useLive(() => times !== undefined && panelMarks(lineKeys, times) !== undefined);
  const marksNow = times ? panelMarks(lineKeys, times) : undefined;
  const marksOf = useRef(() => marksNow);
  // Read at every layout: marks grow with the live data while the panel does not re-render.
  marksOf.current = () => (times ? panelMarks(lineKeys, times) : undefined);
  const wallTimeAvailable = timeAvailable(panel.xUnits, startedAt, marksNow);
  const timeAxis = useMemo(
    () => timeAxisFor(options.xAxis, panel.xUnits, startedAt, () => marksOf.current()),
    // A new axis only when what it shows changes; the marks themselves are read at every layout.
    [options.xAxis, panel.xUnits, startedAt, hasMarks],
  );
  // Long series are smoothed from every stored point: read into the tab when they fit, else smoothed by the server.
  const fullKeys = fullResolutionKeys(lineKeys, series);
  const fullResolution = useFullResolution(fullKeys.map((k) => ({ key: k, executionId, seriesKey: k })), series, readsFull);
  const serverKeys = lineKeys.filter((k) => !fullKeys.includes(k));
  const smoothedLines = useServerSmoothing(serverKeys.map((k) => ({ key: k, executionId, seriesKey: k })), series, version, options.smoothing, options.smoothingAlgorithm, zoom);
  const keys = lineKeys;
  // Series toggled off in the legend live in the URL, so a shared link shows the same lines.
  const hidden = decodeHidden(search, panel.id, keys);
  const hiddenKey = [...hidden].join('\n');
  const setHidden = useCallback(
    (next: ReadonlySet<string>) => navigate(currentPathname() + encodeHidden(currentSearch(), panel.id, next), { replace: true }),
    [panel.id],
  );
  const [filter, setFilter] = useState('');
  // The cursor's x: a store, so that only the legend renders as it moves (in the same frame as the tooltip). A reading
  // is new when the x or the data under it changed (the same x over a zoom's refined points reads those).
  const [cursor] = useState(() => valueStore<CursorReading | null>(null));
  const onCursor = useCallback((x: number | null, generation: number) => {
    const c = cursor.get();
    if (x === null) cursor.set(null);
    else if (c?.x !== x || c.generation !== generation) cursor.set({ x, generation });
  }, [cursor]);
  const [downloadError, setDownloadError] = useState<string | null>(null);
  // A lazy panel (LazyCharts) far from the screen is skipped by the browser's rendering (`.panel-far`) until it nears it.
  const lazy = useContext(LazyCharts);
  const [far, setFar] = useState(lazy);
  const [frames, setFrames] = useState<ReadonlyMap<string, YAxisFrame>>(() => new Map());
  // The chart's smoothed lines (written at each data build): the legend at the cursor reads what the tooltip leads with.
  const smoothedOf = useRef<readonly (SeriesBuffer | null)[] | null>(null);
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
  const shownKeys = keys.filter((k) => !drawnHidden.has(k));
  const download = (kind: 'csv' | 'json' | 'png') => {
    // The server names a data file alike (Content-Disposition), from the same parts.
    const name = panelFileName({ id: executionId ?? '', name: executionName ?? '' }, panel.title, shownKeys, kind);
    if (kind === 'png') downloadPanelPng(plotRef.current, panel, drawnHidden, theme, name);
    else if (executionId) {
      const group = panel.id.startsWith('group:') ? panel.title : null;
      const url = exportUrl(executionId, exportSeries(group, keys, shownKeys), zoom, kind, timeAxis !== null, panel.title);
      setDownloadError(null);
      fetchDownload(url, kind === 'csv' ? 'text/csv' : 'application/json').then(
        (blob) => saveAs(blob, name),
        (err: unknown) => setDownloadError(`Download ${kind.toUpperCase()} failed: ${err instanceof Error ? err.message : String(err)}`),
      );
    }
  };
  return (
    <section className={`panel${panel.lines.length === 0 ? ' panel-progress-only' : ''}${panel.lines.length > LEGEND_TOOLS_FROM ? ' panel-wide' : ''}${far ? ' panel-far' : ''}`} role={role} aria-label={panel.title}>
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
            message={downloadError}
          />
        )}
        </div>
      </header>
      {downloadError && (
        <p className="panel-download-error" role="alert">
          {downloadError}{' '}
          <button type="button" className="link-button" onClick={() => setDownloadError(null)}>Dismiss</button>
        </p>
      )}
      {panel.progress.map((p) => (
        <LiveProgressBar key={p.key} model={p} series={series} status={status} />
      ))}
      {panel.lines.length > 0 && (
        <>
          <LiveChart
            panel={panel}
            series={series}
            theme={theme}
            syncKey={syncKey}
            hidden={drawnHidden}
            zoom={zoom}
            onZoom={onZoom}
            onRefine={(from, to, budget) => onRefine(keys, from, to, budget)}
            onCursor={onCursor}
            onFrames={setFrames}
            smoothing={options.smoothing}
            smoothingAlgorithm={options.smoothingAlgorithm}
            smoothedLines={smoothedLines}
            fullResolution={fullResolution}
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
            onNear={(near) => setFar(lazy && !near)}
            smoothedOut={smoothedOf}
          />
          <ViewNotes yRange={yRange} clipped={clipped} options={options} nonPositive={nonPositive} />
          <LiveLegend lines={panel.lines} series={series} frames={frames} cursor={cursor} smoothed={smoothedOf} theme={theme} hidden={hidden} onToggle={toggle} onOnly={only} filter={filter} onFilter={setFilter} />
        </>
      )}
    </section>
  );
}

/** Where the legend reads its values at the cursor: the cursor's x, over the chart's data of this generation. */
interface CursorReading {
  x: number;
  generation: number;
}

/** The live store's version: a component calling this re-renders once per live frame in which data changed. */
const useLiveVersion = () => useLive((s) => s.version);

/** The panel's chart, redrawn (through the draw queue) as live data arrives. */
function LiveChart(props: Omit<ComponentProps<typeof UPlotChart>, 'version'>) {
  return <UPlotChart {...props} version={useLiveVersion()} />;
}

/** A progress bar following its series live. */
function LiveProgressBar({ model, series, status }: { model: ComponentProps<typeof ProgressBar>['model']; series: ReadonlyMap<string, SeriesBuffer>; status: ExecutionStatus }) {
  useLiveVersion();
  return <ProgressBar model={model} series={series.get(model.key)} status={status} />;
}

type LegendProps = ComponentProps<typeof Legend>;

/** How often a legend's latest values are rewritten while data streams in, ms (values at the cursor follow it at once). */
export const LEGEND_LIVE_INTERVAL_MS = 250;

/** The legend with each line's latest value (or its value at the cursor), rewritten as live data arrives. */
function LiveLegend({ lines, series, frames, cursor, smoothed, ...legend }: Omit<LegendProps, 'rows' | 'atCursor'> & {
  lines: readonly LineSeriesModel[]; series: ReadonlyMap<string, SeriesBuffer>; frames: ReadonlyMap<string, YAxisFrame>; cursor: ValueStore<CursorReading | null>;
  smoothed: { readonly current: readonly (SeriesBuffer | null)[] | null };
}) {
  const cursorX = useSyncExternalStore(cursor.subscribe, cursor.get)?.x ?? null;
  useLiveVersionAtMost(LEGEND_LIVE_INTERVAL_MS);
  return <Legend {...legend} rows={readout(lines, series, frames, cursorX, undefined, false, smoothed.current)} atCursor={cursorX !== null} />;
}
