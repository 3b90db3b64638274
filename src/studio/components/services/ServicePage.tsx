import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { memo, useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import type uPlot from 'uplot';
import { formatCount, formatRate } from '../../../protocol/index.js';
import { ApiRequestError, getService, getServiceReplicas, getServiceSeries } from '../../api/client.js';
import { useChartTheme } from '../../chart/theme.js';
import { seriesColor, type ChartTheme } from '../../model/chart-options.js';
import { formatNumber } from '../../model/format.js';
import { customPanels, drawPanel, latestValue, RANGES, REPLICAS_STAT, requestPanels, statUnit, tagFilterOptions, type DashboardPanel } from '../../model/service-dashboard.js';
import { ServiceFeed } from '../../model/service-feed.js';
import { indexNear, LIVE_INTERVAL_MS } from '../../model/service-live.js';
import { applyInterval, panelData, spliceTail, tailRead, takesIntervals, type PanelData } from '../../model/service-panel-data.js';
import { live } from '../../live/live.js';
import { useLive } from '../../live/react.js';
import { Link, navigate } from '../../router.js';
import { parseServiceView, serviceViewSearch } from '../../model/service-view-url.js';
import { ServiceChart, shownRange, type ServiceChartHandle, type TimeRange } from './ServiceChart.js';

/** While live, the history's last buckets are read again this often (the stream's 10 s intervals fill the edge between). */
const HISTORY_REFRESH_MS = 60_000;

/** The page's live feed while `active`: streamed intervals batched per animation frame, outside React. */
function useServiceFeed(name: string, active: boolean): ServiceFeed {
  const feed = useMemo(() => new ServiceFeed((fn) => requestAnimationFrame(() => fn()), 2 * HISTORY_REFRESH_MS + LIVE_INTERVAL_MS), [name]);
  useEffect(() => {
    if (!active) return;
    const stop = live.followServices([name], (event) => feed.push(event));
    const refresh = setInterval(() => feed.refresh(), HISTORY_REFRESH_MS);
    return () => {
      stop();
      clearInterval(refresh);
    };
  }, [feed, name, active]);
  return feed;
}

function valueText(v: number | null, unit: string): string {
  if (v === null) return '—';
  // Legends keep 4 significant digits (the sketch's 1 % shows, not a rounding on top of it); tables use formatLatencyMs.
  if (unit === 'ms') return `${formatNumber(v)} ms`;
  if (unit === 'req/s' || unit === '/s') return `${formatRate(v)}${unit === 'req/s' ? ' req/s' : '/s'}`;
  if (unit === 'count') return formatCount(Math.round(v * 100) / 100);
  return formatNumber(v);
}

/** Sets an element's text only when it differs (no style or layout work for an unchanged value). */
function setText(el: Element | null | undefined, text: string): void {
  if (el && el.textContent !== text) el.textContent = text;
}

/**
 * Writes a panel's legend values (latest, and at the cursor when there is one) into its list items, in line order; the
 * items themselves are React's (made when the lines change), their values written here as live data comes.
 */
function writeLegend(list: HTMLElement | null, data: PanelData, unit: string, cursor: number | null, range: TimeRange): void {
  if (!list) return;
  const [from, to] = shownRange(range, Date.now());
  data.lines.forEach((line, i) => {
    const item = list.children[i];
    if (!item) return;
    setText(item.querySelector('.legend-value'), valueText(latestValue(line.values), unit));
    const at = item.querySelector<HTMLElement>('.legend-cursor');
    if (!at) return;
    if (cursor === null) {
      at.hidden = true;
      return;
    }
    const k = indexNear(data.t, line.values, cursor, (to - from) / 50);
    setText(at, `at cursor ${valueText(k >= 0 ? line.values[k] ?? null : null, unit)}`);
    at.hidden = false;
  });
}

const EMPTY_DATA: PanelData = { t: [], lines: [], cut: -Infinity, step: 0 };

interface PanelProps {
  service: string;
  panel: DashboardPanel;
  range: TimeRange;
  feed: ServiceFeed;
  utc: boolean;
  theme: ChartTheme;
  onZoom: (from: number, to: number) => void;
}

/**
 * One dashboard panel: its region, controls (custom metrics), chart and legend with latest and cursor values. History is
 * read when the range or the panel's read changes (and again after a reset of the stream). While live, the stream's
 * intervals are written into the drawn arrays in place and drawn through the chart's draw queue (only when a value of
 * this panel changed), the legend's values written alongside: live data never renders React. Once a minute — and, for
 * panels the intervals cannot draw, when an interval closes — only the history's last buckets are read again.
 */
const ServicePanel = memo(function ServicePanel({ service, panel: base, range, feed, utc, theme, onZoom }: PanelProps) {
  const [stat, setStat] = useState(base.read.stat);
  const [filter, setFilter] = useState('');
  const [split, setSplit] = useState('');
  const panel: DashboardPanel = base.kind === undefined ? base : {
    ...base, unit: statUnit(stat),
    read: { ...base.read, stat, ...(split && { by: split }), ...(filter && { tags: [filter] }) },
    combine: split ? { kind: 'split' } : { kind: 'sum' },
  };
  const budget = 240;
  const query = useQuery({
    queryKey: ['service-series', service, panel.read, range.live ? `${range.span}` : `${range.from}-${range.to}`],
    queryFn: ({ signal }) => {
      const [from, to] = shownRange(range, Date.now());
      return readSeries(service, panel, { from, to, budget }, signal);
    },
    placeholderData: keepPreviousData,
    retry: false,
  });
  const chart = useRef<ServiceChartHandle | null>(null);
  const legend = useRef<HTMLUListElement>(null);
  const dataRef = useRef<PanelData>(EMPTY_DATA);
  const cursorRef = useRef<number | null>(null);
  const latest = useRef({ panel, range, refetch: query.refetch });
  latest.current = { panel, range, refetch: query.refetch };
  const drawNow = () => {
    chart.current?.draw();
    writeLegend(legend.current, dataRef.current, latest.current.panel.unit, cursorRef.current, latest.current.range);
  };
  // The legend at once (every panel's text in the feed's frame: one layout and paint), the canvas through the queue.
  const drawSoon = () => {
    writeLegend(legend.current, dataRef.current, latest.current.panel.unit, cursorRef.current, latest.current.range);
    chart.current?.drawSoon();
  };

  // A history answer: the panel's data anew, with the intervals streamed since its last bucket.
  const data = useMemo(() => {
    if (!query.data) return panelData({ t: [], lines: [{ label: panel.title, values: [] }] }, 0);
    const d = panelData(drawPanel(panel, query.data.series), query.data.step);
    if (range.live) for (const i of feed.tail.since(d.cut)) applyInterval(d, panel, i);
    return d;
  }, [query.data]); // eslint-disable-line react-hooks/exhaustive-deps
  dataRef.current = data;
  useLayoutEffect(drawNow, [data]); // eslint-disable-line react-hooks/exhaustive-deps

  useEffect(() => {
    if (!range.live) return;
    let reading: AbortController | null = null;
    // The history's last buckets again (a few points, not 24 h), spliced in; a tail that does not fit reads it all.
    const readTail = () => {
      const d = dataRef.current;
      const { panel: p } = latest.current;
      const r = tailRead(d, Date.now());
      if (!r || reading) return;
      reading = new AbortController();
      readSeries(service, p, r, reading.signal).then((answer) => {
        if (dataRef.current !== d) return;
        if (answer.step !== d.step || !spliceTail(d, drawPanel(p, answer.series))) {
          void latest.current.refetch();
          return;
        }
        for (const i of feed.tail.since(d.cut)) applyInterval(d, p, i);
        drawSoon();
      }, () => {}).finally(() => {
        reading = null;
      });
    };
    const stop = feed.subscribe((frame) => {
      const d = dataRef.current;
      const { panel: p } = latest.current;
      if (frame.reset) {
        void latest.current.refetch();
        return;
      }
      let changed = false;
      for (const i of frame.intervals) if (applyInterval(d, p, i)) changed = true;
      if (changed) drawSoon();
      if (frame.refresh || (frame.closed && !takesIntervals(d, p))) readTail();
    });
    return () => {
      stop();
      reading?.abort();
    };
  }, [feed, range.live, service]); // eslint-disable-line react-hooks/exhaustive-deps

  // The synced cursor: every legend's value under it, written in the feed's frame (no chart is redrawn for it).
  useEffect(() => feed.subscribe((frame) => {
    if (frame.cursor === undefined) return;
    cursorRef.current = frame.cursor;
    writeLegend(legend.current, dataRef.current, latest.current.panel.unit, cursorRef.current, latest.current.range);
  }), [feed]);

  const tagOptions = Object.entries(base.tagKeys ?? {}).filter(([k]) => k !== 'host');
  const labels = data.lines.map((l) => l.label);
  return (
    <section className="panel" role="region" aria-label={panel.title}>
      <header className="panel-head">
        <h3 className="panel-title">{panel.title}{panel.unit ? <span className="muted"> ({panel.unit})</span> : null}</h3>
        {base.kind !== undefined ? (
          <div className="panel-controls">
            <select aria-label="Stat" value={stat} onChange={(e) => setStat(e.target.value)}>
              {(base.stats ?? []).map((s) => <option key={s} value={s}>{s}</option>)}
            </select>
            <select aria-label="Tag filter" value={filter} onChange={(e) => setFilter(e.target.value)}>
              <option value="">all tags</option>
              {tagFilterOptions(tagOptions).map((t) => <option key={t} value={t}>{t}</option>)}
            </select>
            <select aria-label="Split by tag" value={split} onChange={(e) => setSplit(e.target.value)}>
              <option value="">no split</option>
              {[...tagOptions.map(([k]) => k), 'host'].map((k) => <option key={k} value={k}>split by {k}</option>)}
            </select>
          </div>
        ) : null}
      </header>
      {query.error ? <p role="alert" className="muted wrap-anywhere">{String((query.error as Error).message)}</p> : null}
      <ServiceChart labels={labels} data={() => [dataRef.current.t, ...dataRef.current.lines.map((l) => l.values)] as uPlot.AlignedData} handle={chart}
        unit={panel.unit === 'req/s' ? '' : panel.unit === 'count' ? '' : panel.unit} theme={theme} utc={utc} range={range}
        syncKey="service" onZoom={onZoom} onCursor={(x) => feed.cursor(x)} />
      <ul className="legend" aria-label="Legend" ref={legend}>
        {labels.map((label, i) => (
          <li key={label} className="legend-item">
            <span className="swatch" style={{ background: seriesColor(theme, i) }} />
            <span className="legend-key">{label}</span>
            {/* Values are written by writeLegend (live data does not render React). */}
            <span className="legend-value" />
            <span className="legend-cursor muted" hidden />
          </li>
        ))}
      </ul>
    </section>
  );
});

/**
 * A panel's history read. A request panel whose metric the service does not record (no active-requests gauge) is empty
 * without asking; a metric gone since the service's metrics were read (404 naming `metric`) is empty too.
 */
function readSeries(service: string, panel: DashboardPanel, r: { from: number; to: number; budget: number }, signal?: AbortSignal) {
  if (panel.absent) return Promise.resolve({ step: 0, series: [] });
  if (panel.read.stat === REPLICAS_STAT) return getServiceReplicas(service, r, signal);
  return getServiceSeries(service, { ...panel.read, by: panel.read.by, tags: panel.read.tags, ...r }, signal).catch((e: unknown) => {
    if (e instanceof ApiRequestError && e.status === 404 && e.message.startsWith('metric:')) return { step: 0, series: [] };
    throw e;
  });
}

/** `/services/:name`: the request dashboard and one panel per custom metric, live by default. */
export function ServicePage({ name }: { name: string }) {
  const theme = useChartTheme();
  // The range (`?range=24h`, or `?from=&to=` after a zoom) and UTC live in the URL: a reload or a shared link shows the same.
  const initial = useMemo(() => parseServiceView(typeof location === 'undefined' ? '' : location.search), []);
  const [range, setRange] = useState<TimeRange>(initial.range);
  const [utc, setUtc] = useState(initial.utc);
  useEffect(() => {
    navigate(`${location.pathname}${serviceViewSearch({ range, utc })}`, { replace: true });
  }, [range, utc]);
  const feed = useServiceFeed(name, range.live);
  const detail = useQuery({
    queryKey: ['service', name],
    queryFn: ({ signal }) => getService(name, '1h', signal),
    // New metrics show in the stream's intervals (below); this only catches tag values seen since.
    refetchInterval: HISTORY_REFRESH_MS,
    placeholderData: keepPreviousData,
  });
  const metrics = detail.data?.metrics ?? [];
  const streamedStatus = useLive((s) => s.services[name]?.status);
  // A metric the service had not sent when its metrics were read: read them again (a new panel).
  const detailRef = useRef(detail);
  detailRef.current = detail;
  useEffect(() => feed.subscribe((frame) => {
    const d = detailRef.current;
    if (!d.data || d.isFetching || frame.intervals.length === 0) return;
    const known = new Set(d.data.metrics.map((m) => m.name));
    if (frame.intervals.some((i) => i.metrics.some((m) => !known.has(m.metric)))) void d.refetch();
  }), [feed]);
  const status = streamedStatus ?? detail.data?.service.status;
  const request = useMemo(() => requestPanels(metrics), [JSON.stringify(metrics.map((m) => [m.name, m.tags]))]); // eslint-disable-line react-hooks/exhaustive-deps
  const custom = useMemo(() => customPanels(metrics), [JSON.stringify(metrics.map((m) => [m.name, m.tags]))]); // eslint-disable-line react-hooks/exhaustive-deps
  const groups = [...new Set(custom.map((p) => p.group!))];
  const onZoom = useCallback((a: number, b: number) => setRange({ live: false, from: a, to: b }), []);
  const common = { service: name, range, feed, utc, theme, onZoom };
  const spanLabel = range.live ? RANGES.find(([, ms]) => ms === range.span)?.[0] ?? '1h' : 'custom';
  return (
    <section className="page service-page">
      <div className="page-head">
        <h1><Link href="/services">Services</Link> / {name}</h1>
        {status ? <span className={`status status-${status === 'live' ? 'running' : 'cancelled'}`}>{status}</span> : null}
        <div className="range-controls">
          <select aria-label="Time range" value={spanLabel} onChange={(e) => {
            const r = RANGES.find(([l]) => l === e.target.value);
            if (r) setRange({ live: true, span: r[1] });
          }}>
            {RANGES.map(([label]) => <option key={label} value={label}>last {label}</option>)}
            {!range.live ? <option value="custom">custom range</option> : null}
          </select>
          <label className="inline-field"><input type="checkbox" checked={range.live} onChange={(e) => {
            if (e.target.checked) setRange({ live: true, span: range.live ? range.span : 3_600_000 });
            else {
              const [from, to] = shownRange(range, Date.now());
              setRange({ live: false, from, to });
            }
          }} /> Live</label>
          <label className="inline-field"><input type="checkbox" checked={utc} onChange={(e) => setUtc(e.target.checked)} /> UTC</label>
        </div>
      </div>
      {detail.error ? <p role="alert">Could not load the service: {String((detail.error as Error).message)}</p> : null}
      {detail.data && metrics.length === 0 ? <p className="muted">No metrics recorded yet.</p> : null}
      {detail.data && detail.data.service.malformedLines > 0 ? (
        <p className="muted">
          {detail.data.service.malformedLines.toLocaleString()} DogStatsD {detail.data.service.malformedLines === 1 ? 'line' : 'lines'} naming this
          service {detail.data.service.malformedLines === 1 ? 'was' : 'were'} refused as malformed (a UDP sender cannot be told; the format is
          {' '}<code>name:value|type|@rate|#tag:value</code>).
        </p>
      ) : null}
      {request.length > 0 ? <div className="panels service-panels">{request.map((p) => <ServicePanel key={p.title} panel={p} {...common} />)}</div> : null}
      {groups.map((g) => (
        <div key={g}>
          <h2 className="group-title">{g}</h2>
          <div className="panels service-panels">{custom.filter((p) => p.group === g).map((p) => <ServicePanel key={p.title} panel={p} {...common} />)}</div>
        </div>
      ))}
    </section>
  );
}
