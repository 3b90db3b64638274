import { useCallback, useEffect, useMemo, useState } from 'react';
import { useChartTheme } from '../../chart/theme.js';
import { emptyFollowed, type FollowedExecution } from '../../live/followed.js';
import { live } from '../../live/live.js';
import { useFollow, useLive } from '../../live/react.js';
import { seriesColor } from '../../model/chart-options.js';
import {
  buildComparePanels, compareClock, compareSeriesKey, compareTimes, decodeCompareParams, encodeCompareParams, parseCompareSeriesKey, runLabels, shortIds, type CompareParams,
} from '../../model/compare.js';
import { formatTimestamp } from '../../model/format.js';
import { panelMarks, timeAvailable, withPanelXUnits } from '../../model/time-axis.js';
import { panelBudget } from '../../model/panel-budget.js';
import { isSummarySeries } from '../../model/panels.js';
import type { SeriesBuffer } from '../../model/series-buffer.js';
import { decodeRange, encodeRange, executionPath } from '../../model/url-state.js';
import { currentSearch, Link, navigate, useLocation } from '../../router.js';
import { Labels, StatusBadge } from '../badges.js';
import type { XRange } from '../UPlotChart.js';
import { ComparePanel } from './ComparePanel.js';
import { PageBar } from '../view/PageBar.js';
import './compare.css';

/** How long the page waits for the slowest run's history before drawing what it has. */
const PANELS_WAIT_MS = 1500;

/** Keys of a run that are drawn: metrics, and summary values once they changed (two points), as on the execution page. */
function drawnKeys(f: FollowedExecution): string[] {
  return f.keys.filter((k) => !isSummarySeries(k) || (f.series.get(k)?.total ?? 0) >= 2);
}

/**
 * `/compare?ids=a,b,c`: the selected executions overlaid, one panel per group across them, one colour per run. Every run
 * is followed live; the header lists the runs (colour, name, status, labels) with controls to hide a run or make it the
 * baseline. Hidden runs, the baseline and the zoom are kept in the URL.
 */
export function ComparePage() {
  const { pathname, search } = useLocation();
  const params = useMemo(() => decodeCompareParams(search), [search]);
  // Read at the resolution of one panel (refined on zoom), fixed for the page's life.
  const [budget] = useState(() => panelBudget(window.innerWidth));
  useFollow(params.ids, { budget });
  const followedAll = useLive((s) => s.followed);
  const version = useLive((s) => s.version);
  const theme = useChartTheme();
  const range = decodeRange(search);

  const runs = useMemo(() => params.ids.map((id) => followedAll[id] ?? emptyFollowed(id)), [params.ids, followedAll]);
  const labels = useMemo(() => runLabels(runs), [runs]);
  const short = useMemo(() => shortIds(params.ids), [params.ids]);
  const shape = JSON.stringify(runs.map((f) => [f.definitions, drawnKeys(f)])) + labels.join('\n');
  // eslint-disable-next-line react-hooks/exhaustive-deps
  const panels = useMemo(() => buildComparePanels(runs.map((f) => ({ ...f, keys: drawnKeys(f) })), labels), [shape]);
  const series = useMemo(() => {
    const m = new Map<string, SeriesBuffer>();
    runs.forEach((f, i) => {
      for (const [key, s] of f.series) m.set(compareSeriesKey(i, key), s);
    });
    return m;
    // `version` marks buffers changed in place.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [runs, version]);
  // Record-time marks of every run (filled in place as points arrive, like the buffers).
  // eslint-disable-next-line react-hooks/exhaustive-deps
  const times = useMemo(() => compareTimes(runs), [runs, version]);
  const startedAts = runs.map((f) => f.execution?.startedAt);
  // Lines recorded with `at` have an explicit x: labelled as steps, with relative/wall time from their record times.
  const shownPanels = panels.map((p) => withPanelXUnits(p, times));
  const pageTime = shownPanels.some((p) => {
    const clock = compareClock(p.lines.map((l) => l.key), times, startedAts);
    return timeAvailable(p.xUnits, clock.startedAt, clock.key === undefined ? undefined : panelMarks([clock.key], times));
  });
  const baselineIndex = params.baseline === null ? null : params.ids.indexOf(params.baseline);
  const hiddenRunKeys = useMemo(() => {
    const hiddenIdx = new Set(params.hidden.map((id) => params.ids.indexOf(id)));
    return new Set(panels.flatMap((p) => p.lines.filter((l) => hiddenIdx.has(l.runIndex)).map((l) => l.key)));
  }, [panels, params]);

  useEffect(() => {
    document.title = `Compare ${params.ids.length} runs · Plotline`;
  }, [params.ids.length]);
  // Charts are built once every run's history is in (or after a short wait for a slow one): each run arriving on its
  // own would rebuild every panel's chart with one more run's lines.
  const allLoaded = runs.every((f) => f.loaded);
  const [waited, setWaited] = useState(false);
  useEffect(() => {
    const t = setTimeout(() => setWaited(true), PANELS_WAIT_MS);
    return () => clearTimeout(t);
  }, []);
  const showPanels = allLoaded || waited;

  const setParams = (next: Partial<CompareParams>) => navigate(pathname + encodeCompareParams({ ...params, ...next }, search), { replace: true });
  const setZoom = useCallback(
    (axis: string, r: XRange | null) => navigate(pathname + encodeRange(currentSearch(), r && { axis, ...r }), { replace: true }),
    [pathname],
  );
  const refine = useCallback((keys: string[], from: number, to: number, budget: number) => {
    const byRun = new Map<number, string[]>();
    for (const k of keys) {
      const { runIndex, metricKey } = parseCompareSeriesKey(k);
      byRun.set(runIndex, [...(byRun.get(runIndex) ?? []), metricKey]);
    }
    for (const [i, metricKeys] of byRun) if (params.ids[i]) void live.refine(params.ids[i]!, metricKeys, from, to, budget);
  }, [params.ids]);

  if (params.ids.length === 0) {
    return (
      <div className="page">
        <Link href="/" className="back">← Executions</Link>
        <h1>Compare</h1>
        <p className="muted">No runs to compare: select runs in the executions table and press “Compare”.</p>
      </div>
    );
  }
  const loading = !allLoaded;
  const loadedCount = runs.filter((f) => f.loaded).length;
  return (
    <div className="page compare-page">
      <Link href="/" className="back">← Executions</Link>
      <header className="exec-head">
        <div className="exec-title"><h1>Compare {params.ids.length} runs</h1></div>
        <ul className="compare-runs" aria-label="Runs">
          {runs.map((f, i) => {
            const hidden = params.hidden.includes(f.id);
            const e = f.execution;
            return (
              <li key={f.id} className={`compare-run${hidden ? ' off' : ''}`}>
                <span className="run-swatch" style={{ background: seriesColor(theme, i) }} aria-hidden />
                <span className="compare-run-name">
                  <Link href={executionPath(f.id)}>{labels[i]}</Link>
                  <span className="muted mono" title={f.id}> #{short.get(f.id)}</span>
                </span>
                {e ? <StatusBadge status={e.status} /> : <span className="muted">{f.error ?? 'loading…'}</span>}
                {e && <span className="muted nowrap">{formatTimestamp(e.startedAt)}</span>}
                {e && <Labels labels={e.labels} />}
                <span className="compare-run-actions">
                  <label className="baseline-choice" title="Show every value's difference from this run at the same x">
                    <input
                      type="radio"
                      name="baseline"
                      checked={params.baseline === f.id}
                      onChange={() => setParams({ baseline: f.id })}
                      aria-label={`Baseline: ${labels[i]}`}
                    />
                    baseline
                  </label>
                  <button
                    type="button"
                    className="chip"
                    aria-pressed={hidden}
                    aria-label={`${hidden ? 'Show' : 'Hide'} ${labels[i]}`}
                    onClick={() => setParams({ hidden: hidden ? params.hidden.filter((h) => h !== f.id) : [...params.hidden, f.id] })}
                  >
                    {hidden ? 'Show' : 'Hide'}
                  </button>
                  <button
                    type="button"
                    className="chip"
                    aria-label={`Remove ${labels[i]} from the comparison`}
                    title="Remove from the comparison"
                    onClick={() => setParams({ ids: params.ids.filter((id) => id !== f.id), hidden: params.hidden.filter((h) => h !== f.id), baseline: params.baseline === f.id ? null : params.baseline })}
                  >
                    ✕
                  </button>
                </span>
              </li>
            );
          })}
        </ul>
        {params.baseline !== null && (
          <p className="muted compare-baseline-note">
            Differences are from <strong>{labels[baselineIndex!]}</strong> at the same x.{' '}
            <button type="button" className="link-button" onClick={() => setParams({ baseline: null })}>No baseline</button>
          </p>
        )}
      </header>
      {loading && <p className="muted" role="status">Loading {loadedCount} of {runs.length} runs…</p>}
      {!loading && panels.length === 0 && <p className="muted empty-panels">None of these runs has recorded metrics yet.</p>}
      {showPanels && panels.length > 0 && <PageBar timeAvailable={pageTime} />}
      <div className="panels">
        {showPanels && shownPanels.map((panel) => {
          const axis = panel.xUnits ?? '';
          const zoom = range && range.axis === axis ? { from: range.from, to: range.to } : null;
          return (
            <ComparePanel
              key={panel.id}
              panel={panel}
              series={series}
              version={version}
              theme={theme}
              syncKey={`compare|${panel.xUnits ?? '@seconds'}`}
              hiddenRuns={hiddenRunKeys}
              baseline={baselineIndex}
              zoom={zoom}
              onZoom={(r) => setZoom(axis, r)}
              onRefine={refine}
              ids={params.ids}
              runNames={labels}
              times={times}
              startedAts={startedAts}
            />
          );
        })}
      </div>
    </div>
  );
}
