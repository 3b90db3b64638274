import { useCallback, useEffect, useMemo } from 'react';
import { useChartTheme } from '../chart/theme.js';
import { live } from '../live/live.js';
import { useFollow, useLive } from '../live/react.js';
import type { FollowedExecution } from '../live/followed.js';
import { executionSeconds, formatExecutionDuration, formatTimestamp } from '../model/format.js';
import { pageTimeAvailable, withPanelXUnits } from '../model/time-axis.js';
import { buildPanels, cursorSyncKey, isSummarySeries, SUMMARY_PANEL_ID, type PanelModel } from '../model/panels.js';
import { decodeRange, encodeRange } from '../model/url-state.js';
import { currentSearch, Link, navigate, useLocation } from '../router.js';
import { Labels, StatusBadge } from './badges.js';
import { ChartPanel } from './ChartPanel.js';
import { LEGEND_TOOLS_FROM } from './Legend.js';
import { panelBudget } from '../model/panel-budget.js';
import type { ExecutionDetail } from '../../protocol/index.js';
import { InfoEditor } from './execution/InfoEditor.js';
import './execution/execution.css';
import { DiscardedNote } from './DiscardedNote.js';
import type { XRange } from './UPlotChart.js';
import { NotFound } from './NotFound.js';
import { PageBar } from './view/PageBar.js';
import { SummaryTree } from './SummaryTree.js';
import { useClock } from './use-now.js';
import { IncrementalList } from './IncrementalList.js';
import { LazyCharts } from './use-near-viewport.js';

/**
 * Points per series to read an execution's history at: 4 per pixel of one grid cell, or of the whole row when a panel
 * spans it (a legend longer than `LEGEND_TOOLS_FROM`).
 */
function historyBudget(detail: ExecutionDetail): number {
  const panels = buildPanels(detail.definitions, detail.series.map((s) => s.key));
  return panelBudget(window.innerWidth, panels.some((p) => p.lines.length > LEGEND_TOOLS_FROM));
}

/** The keys an execution's panels draw: a summary value only once it has changed (two points); constants stay in the tree. */
function drawnKeysOf(f: FollowedExecution): string[] {
  return f.keys.filter((k) => !isSummarySeries(k) || (f.series.get(k)?.total ?? 0) >= 2);
}

/** `/executions/:id`: header, one panel per group, the summary. Data comes from the live store (history + stream). */
export function ExecutionPage({ id }: { id: string }) {
  useFollow([id], { budget: historyBudget, order: pageOrder });
  const followed = useLive((s) => s.followed[id] ?? null);
  // Live points re-render each panel's chart, legend and bars (they follow the live version themselves), not the page: it
  // re-renders when what it lays out changes with the data — a summary series drawn once it has two points, the first
  // record-time marks of a series.
  useLive((s) => {
    const f = s.followed[id];
    return f ? `${drawnKeysOf(f).join('\n')}|${f.times.size}` : '';
  });
  const theme = useChartTheme();
  const { pathname, search } = useLocation();
  const range = decodeRange(search);
  const definitions = followed?.definitions;
  const drawnKeys = followed ? drawnKeysOf(followed) : [];
  const drawnSignature = drawnKeys.join('\n');
  // eslint-disable-next-line react-hooks/exhaustive-deps
  const panels = useMemo(() => buildPanels(definitions ?? [], drawnKeys), [definitions, drawnSignature]);
  const execution = followed?.execution ?? null;
  const running = execution?.status === 'running';
  const now = useClock(running);
  useEffect(() => {
    document.title = `${execution?.name ?? 'Execution'} · Plotline`;
  }, [execution?.name]);

  const setZoom = useCallback(
    (axis: string, r: XRange | null) => navigate(pathname + encodeRange(currentSearch(), r && { axis, ...r }), { replace: true }),
    [pathname],
  );
  const refine = useCallback((k: string[], from: number, to: number, budget: number) => void live.refine(id, k, from, to, budget), [id]);

  const renderPanel = (drawn: PanelModel, role?: 'figure') => {
    // Lines recorded with `at` have an explicit x: labelled as steps, with relative/wall time from their record times.
    const panel = withPanelXUnits(drawn, followed!.times);
    const axis = panel.xUnits ?? '';
    const zoom = range && range.axis === axis ? { from: range.from, to: range.to } : null;
    return (
      <ChartPanel
        key={panel.id}
        panel={panel}
        series={followed!.series}
        times={followed!.times}
        theme={theme}
        syncKey={cursorSyncKey(id, panel)}
        status={execution!.status}
        zoom={zoom}
        onZoom={(r) => setZoom(axis, r)}
        executionId={id}
        executionName={execution!.name}
        startedAt={execution!.startedAt}
        onRefine={refine}
        {...(role && { role })}
      />
    );
  };
  const groupPanels = panels.filter((p) => p.id !== SUMMARY_PANEL_ID);
  const summaryPanel = panels.find((p) => p.id === SUMMARY_PANEL_ID);
  // A live point re-renders the panels that show it; the header and the page bar only when what they show changed (the
  // same element is reused, so React skips them).
  const duration = execution ? formatExecutionDuration(executionSeconds(execution, now)) : '';
  const followedError = followed?.error;
  const header = useMemo(() => execution && (
    <header className="exec-head">
      <div className="exec-title">
        <h1>{execution.name}</h1>
        <StatusBadge status={execution.status} />
      </div>
      <dl className="exec-meta">
        <div><dt>Started</dt><dd>{formatTimestamp(execution.startedAt)}</dd></div>
        <div><dt>Duration</dt><dd>{duration}</dd></div>
        <div><dt>Metrics</dt><dd>{execution.metricCount}</dd></div>
        <div><dt>ID</dt><dd className="mono">{execution.id}</dd></div>
      </dl>
      <Labels labels={execution.labels} />
      <InfoEditor execution={execution} />
      {execution.error && <pre className="error-box" role="alert">{execution.error}</pre>}
      {followedError && <div className="error-box" role="alert">{followedError}</div>}
      <DiscardedNote discarded={execution.discarded} definitions={definitions ?? []} />
    </header>
    // eslint-disable-next-line react-hooks/exhaustive-deps
  ), [execution, duration, followedError, definitions]);
  const timeAvailable = execution ? pageTimeAvailable(groupPanels, execution.startedAt, followed!.times) : false;
  const pageBar = useMemo(() => <PageBar timeAvailable={timeAvailable} />, [timeAvailable]);

  if (!followed || !followed.loaded) {
    return <div className="page"><p className="muted">Loading…</p></div>;
  }
  if (!execution && followed.notFound) return <NotFound what={`No execution has the id “${id}”.`} />;
  if (!execution) {
    return (
      <div className="page">
        <Link href="/" className="back">← Executions</Link>
        <div className="error-box" role="alert">Could not load execution “{id}”: {followed.error ?? 'no answer from the server'}</div>
      </div>
    );
  }
  return (
    <div className="page">
      <Link href="/" className="back">← Executions</Link>
      {header}
      {groupPanels.length === 0 && <p className="muted empty-panels">No metrics recorded yet{running ? ' — charts appear as soon as the first point arrives.' : '.'}</p>}
      {groupPanels.length > 0 && pageBar}
      <div className="panels">
        <LazyCharts.Provider value={true}>
          <IncrementalList items={groupPanels} render={renderPanel} deps={[id, pathname, followed, theme, search]} />
        </LazyCharts.Provider>
      </div>
      <SummaryTree summary={followed.summary} chart={summaryPanel && renderPanel(summaryPanel, 'figure')} />
    </div>
  );
}

/** The series keys in the order the page shows them, panel by panel: the first screen's history is read first. */
function pageOrder(detail: ExecutionDetail): string[] {
  return buildPanels(detail.definitions, detail.series.map((s) => s.key)).flatMap((p) => [...p.progress.map((b) => b.key), ...p.lines.map((l) => l.key)]);
}
