import { useMemo, useRef, useState } from 'react';
import type { TooltipRow } from '../../chart/tooltip.js';
import { seriesColor, type ChartTheme } from '../../model/chart-options.js';
import { compareClock, compareSeriesKey, deltaFromBaseline, formatDelta, parseCompareSeriesKey, pointAtOrBefore, type ComparePanelModel } from '../../model/compare.js';
import { formatNumber } from '../../model/format.js';
import { shortenNames } from '../../model/readout.js';
import { lastX, lastY, type SeriesBuffer } from '../../model/series-buffer.js';
import { fileName, type TimeMarks } from '../../../protocol/index.js';
import { panelMarks, timeAvailable, timeAxisFor } from '../../model/time-axis.js';
import { saveAs } from '../../chart/export-png.js';
import { fetchDownload } from '../../api/client.js';
import { UPlotChart, type XRange } from '../UPlotChart.js';
import { PanelOptionsButton } from '../PanelOptions.js';
import { wantsFullResolution } from '../../model/full-resolution.js';
import { fullResolutionKeys, useFullResolution } from '../use-full-resolution.js';
import { useServerSmoothing } from '../use-server-smoothing.js';
import { YRangeControls } from '../view/YRangeControls.js';
import { downloadPanelPng, usePanelView, ViewNotes } from '../view/use-panel-view.js';

interface Props {
  panel: ComparePanelModel;
  series: Map<string, SeriesBuffer>;
  version: number;
  theme: ChartTheme;
  syncKey: string;
  /** Series keys of runs hidden from the header. */
  hiddenRuns: ReadonlySet<string>;
  /** Index of the baseline run, or null. */
  baseline: number | null;
  zoom: XRange | null;
  onZoom: (range: XRange | null) => void;
  onRefine: (keys: string[], from: number, to: number, budget: number) => void;
  /** The compared executions' ids, by run index (a long series is read at full resolution from its own to smooth it). */
  ids: readonly string[];
  /** The runs' names as the legend shows them (`runLabels`), by run index. */
  runNames: readonly string[];
  /** Record-time marks of the runs' series, by compare series key (`compareTimes`). */
  times: ReadonlyMap<string, TimeMarks>;
  /** When each run started (ms since the epoch), by run index; undefined while unknown. */
  startedAts: readonly (number | undefined)[];
}

/**
 * Query of the compare export (`GET /api/compare/export`, DESIGN.md "Panel options": every stored point) of `keys` of each
 * execution in `ids` over `range` (all when null); `name` (the panel's) names the file the server sends. `labels` (by id)
 * name the runs' columns as the legend does; `hide` lists the `[id, key]` series the legend does not show.
 */
export function compareExportUrl(
  ids: readonly string[], keys: readonly string[], range: XRange | null, format: 'csv' | 'json', name: string,
  labels: ReadonlyMap<string, string> = new Map(), hide: ReadonlyArray<readonly [string, string]> = [],
): string {
  const q = new URLSearchParams([
    ['ids', ids.join(',')], ...keys.map((k) => ['key', k]), ['name', name],
    ...ids.flatMap((id) => (labels.has(id) ? [['label', `${id}:${labels.get(id)!}`]] : [])),
    ...hide.map(([id, key]) => ['hide', `${id}:${key}`]),
  ]);
  if (range) {
    q.set('from', String(range.from));
    q.set('to', String(range.to));
  }
  q.set('format', format);
  return `/api/compare/export?${q}`;
}

/** The baseline's series of the same metric as `key`'s line, if there is a baseline and the line is not its own. */
function baselineOf(panel: ComparePanelModel, series: Map<string, SeriesBuffer>, baseline: number | null, lineIndex: number): SeriesBuffer | undefined {
  const line = panel.lines[lineIndex]!;
  if (baseline === null || line.runIndex === baseline) return undefined;
  return series.get(compareSeriesKey(baseline, line.metricKey));
}

/** A value with its difference from the baseline at the same x: `0.52 (+0.013)`. */
function withDelta(value: number, x: number, base: SeriesBuffer | undefined): string {
  const text = formatNumber(value);
  if (!base) return text;
  const d = deltaFromBaseline(value, x, base);
  return d === undefined ? text : `${text} (${formatDelta(d, formatNumber)})`;
}

/**
 * One group across the compared runs: a chart with every run's series and a legend naming them `<run> · <metric>`,
 * with the latest value and, when a baseline is chosen, its difference from the baseline at the same x. Its "Panel options"
 * and the page bar set smoothing, log axes, x axis and y range as on an execution's panels (view/use-panel-view.ts).
 */
export function ComparePanel({ panel, series, version, theme, syncKey, hiddenRuns, baseline, zoom, onZoom, onRefine, ids, runNames, times, startedAts }: Props) {
  const view = usePanelView(panel, onZoom);
  // As the execution page's legend: long run names are shortened around the part that tells them apart (full on hover).
  const shorts = useMemo(() => shortenNames(panel.lines.map((l) => l.label)), [panel.lines]);
  const { options } = view;
  // Long series are smoothed from every stored point: read from their own run into the tab when they fit, else smoothed by
  // the server (one read per run).
  const ref = (key: string) => {
    const { runIndex, metricKey } = parseCompareSeriesKey(key);
    return { key, executionId: ids[runIndex], seriesKey: metricKey };
  };
  const lineKeys = panel.lines.map((l) => l.key);
  const fullKeys = fullResolutionKeys(lineKeys, series);
  const fullResolution = useFullResolution(fullKeys.map(ref), series, wantsFullResolution(options.smoothing, view.yRange));
  const smoothedLines = useServerSmoothing(lineKeys.filter((k) => !fullKeys.includes(k)).map(ref), series, version, options.smoothing, options.smoothingAlgorithm, zoom);
  const [hiddenLines, setHiddenLines] = useState<ReadonlySet<string>>(() => new Set());
  const hidden = new Set([...hiddenLines, ...panel.lines.filter((l) => hiddenRuns.has(l.key)).map((l) => l.key)]);
  const toggle = (key: string) =>
    setHiddenLines((h) => {
      const next = new Set(h);
      if (!next.delete(key)) next.add(key);
      return next;
    });

  // Relative and wall time as on an execution's panel, from the clock of the first shown run that has one.
  const clockLines = panel.lines.filter((l) => !hidden.has(l.key));
  const clock = compareClock((clockLines.length > 0 ? clockLines : panel.lines).map((l) => l.key), times, startedAts);
  const marksNow = clock.key === undefined ? undefined : panelMarks([clock.key], times);
  const marksRef = useRef(marksNow);
  marksRef.current = marksNow;
  const hasMarks = marksNow !== undefined;
  const timeAxis = useMemo(
    () => timeAxisFor(options.xAxis, panel.xUnits, clock.startedAt, () => marksRef.current),
    // A new axis only when what it shows changes; the marks themselves are read at every layout.
    [options.xAxis, panel.xUnits, clock.startedAt, hasMarks],
  );

  const [downloadError, setDownloadError] = useState<string | null>(null);
  // A data download holds the shown metrics of every run with a shown line (the server reads runs × keys).
  const shownLines = panel.lines.filter((l) => !hidden.has(l.key));
  const shownRuns = [...new Set(shownLines.map((l) => l.runIndex))].sort((a, b) => a - b).filter((i) => ids[i] !== undefined);
  const shownIds = shownRuns.map((i) => ids[i]!);
  const shownKeys = [...new Set(shownLines.map((l) => l.metricKey))];
  // The file's columns are the legend's lines: named alike, and without the run × key pairs it does not show.
  const shownPairs = new Set(shownLines.map((l) => l.key));
  const hidePairs = shownRuns.flatMap((i) => shownKeys.filter((k) => !shownPairs.has(compareSeriesKey(i, k))).map((k) => [ids[i]!, k] as const));
  const exportLabels = new Map(shownRuns.map((i) => [ids[i]!, runNames[i] ?? ids[i]!]));
  const download = (kind: 'csv' | 'json' | 'png') => {
    const name = fileName(['compare', panel.title], kind);
    if (kind === 'png') {
      downloadPanelPng(view.plotRef.current, panel, hidden, theme, name);
      return;
    }
    setDownloadError(null);
    fetchDownload(compareExportUrl(shownIds, shownKeys, zoom, kind, panel.title, exportLabels, hidePairs), kind === 'csv' ? 'text/csv' : 'application/json').then(
      (blob) => saveAs(blob, name),
      (err: unknown) => setDownloadError(`Download ${kind.toUpperCase()} failed: ${err instanceof Error ? err.message : String(err)}`),
    );
  };

  const tooltipRows = (x: number, shown: (key: string) => boolean): TooltipRow[] =>
    panel.lines.flatMap((line, i) => {
      if (!shown(line.key)) return [];
      const s = series.get(line.key);
      const p = pointAtOrBefore(s, x);
      // Past a run's last point it has no value at the cursor (a shorter or still-running run).
      if (!p || (s && x > lastX(s)!)) return [];
      return [{ label: line.label, color: seriesColor(theme, line.color), value: withDelta(p.y, p.x, baselineOf(panel, series, baseline, i)) }];
    });

  return (
    <section className="panel" role="region" aria-label={panel.title}>
      <header className="panel-head">
        <h3>{panel.title}</h3>
        <div className="panel-head-tools">
          {(zoom || view.yZoomed) && (
            <button type="button" className="follow-button" onClick={view.resetView} title="Return to following the newest data (double-click the chart does the same)">
              Follow live
            </button>
          )}
          <PanelOptionsButton
            title={panel.title}
            options={options}
            onChange={view.setOptions}
            overrides={view.overrides}
            xUnits={panel.xUnits}
            timeAvailable={timeAvailable(panel.xUnits, clock.startedAt, marksNow)}
            nonPositive={view.nonPositive}
            onDownload={download}
            extra={<YRangeControls axes={panel.axes} range={view.yRange} onChange={view.setYRange} inView={view.windowsInView} />}
            dataDownloadNote={shownLines.length === 0 ? 'No series shown to download.' : null}
            message={downloadError}
          />
        </div>
      </header>
      {downloadError && (
        <p className="panel-download-error" role="alert">
          {downloadError}{' '}
          <button type="button" className="link-button" onClick={() => setDownloadError(null)}>Dismiss</button>
        </p>
      )}
      <UPlotChart
        panel={panel}
        series={series}
        version={version}
        theme={theme}
        syncKey={syncKey}
        hidden={hidden}
        zoom={zoom}
        onZoom={onZoom}
        onRefine={(from, to, budget) => onRefine(panel.lines.map((l) => l.key), from, to, budget)}
        tooltipRows={tooltipRows}
        timeAxis={timeAxis}
        smoothing={options.smoothing}
        smoothingAlgorithm={options.smoothingAlgorithm}
        fullResolution={fullResolution}
        smoothedLines={smoothedLines}
        logY={options.logY}
        logX={options.logX}
        onNonPositive={view.setNonPositive}
        onPlot={(u) => (view.plotRef.current = u)}
        yRange={view.yRange}
        onYWindows={view.zoomY}
        onReset={view.resetView}
        onClipped={view.setClipped}
        yWindowsRef={view.yWindowsRef}
      />
      <ViewNotes yRange={view.yRange} clipped={view.clipped} options={options} nonPositive={view.nonPositive} />
      <ul className="legend compare-legend" aria-label="Legend">
        {panel.lines.map((line, i) => {
          const short = shorts[i]!;
          if (hiddenRuns.has(line.key)) return null;
          const s = series.get(line.key);
          const off = hiddenLines.has(line.key);
          const y = s ? lastY(s) : null;
          const base = baselineOf(panel, series, baseline, i);
          return (
            <li key={line.key}>
              <button type="button" className={`legend-item${off ? ' off' : ''}`} aria-pressed={!off} title={off ? `Show ${line.label}` : `Hide ${line.label}`} onClick={() => toggle(line.key)}>
                <span
                  className={`swatch${line.dash ? ' dashed' : ''}`}
                  style={line.dash ? { borderColor: seriesColor(theme, line.color) } : { background: seriesColor(theme, line.color) }}
                />
                {short === line.label ? <span className="legend-key">{line.label}</span> : (
                  <>
                    <span className="legend-key" aria-hidden="true">{short}</span>
                    <span className="sr-only">{line.label}</span>
                  </>
                )}
                <span className="legend-value">{y === null || !s ? '—' : withDelta(y, lastX(s)!, base)}</span>
              </button>
            </li>
          );
        })}
      </ul>
    </section>
  );
}
