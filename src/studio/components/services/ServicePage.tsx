import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useEffect, useMemo, useRef, useState } from 'react';
import { formatCount, formatRate } from '../../../protocol/index.js';
import { ApiRequestError, getService, getServiceSeries } from '../../api/client.js';
import { useChartTheme } from '../../chart/theme.js';
import { seriesColor, type ChartTheme } from '../../model/chart-options.js';
import { formatNumber } from '../../model/format.js';
import {
  customPanels, drawPanel, latestValue, RANGES, requestPanels, statUnit, tagFilterOptions, type DashboardPanel, type DrawnPanel,
} from '../../model/service-dashboard.js';
import { drawnFromIntervals, indexNear, LIVE_INTERVAL_MS, LiveTail, withLiveTail } from '../../model/service-live.js';
import { live } from '../../live/live.js';
import { useLive } from '../../live/react.js';
import { Link, navigate } from '../../router.js';
import { parseServiceView, serviceViewSearch } from '../../model/service-view-url.js';
import { ServiceChart, shownRange, type TimeRange } from './ServiceChart.js';

/** While live, history is read again this often (the stream's 10 s intervals fill the right edge in between). */
const HISTORY_REFRESH_MS = 60_000;

/**
 * A service's live feed: its streamed intervals (a {@link LiveTail}), and counters that say when to redraw (`version`,
 * at most once a frame), when an interval closed (`closed`: panels not drawn from intervals re-read then) and when
 * intervals may have been missed (`resets`: every panel re-reads).
 */
interface ServiceFeed {
  tail: LiveTail;
  version: number;
  closed: number;
  resets: number;
}

function useServiceFeed(name: string, active: boolean): ServiceFeed {
  const tail = useRef(new LiveTail()).current;
  const [counts, setCounts] = useState({ version: 0, closed: 0, resets: 0 });
  useEffect(() => {
    if (!active) return;
    let frame: number | null = null;
    let closed = 0, resets = 0;
    const publish = () => {
      frame = null;
      setCounts((c) => ({ version: tail.version, closed: c.closed + closed, resets: c.resets + resets }));
      closed = 0;
      resets = 0;
    };
    const stop = live.followServices([name], (feed) => {
      if (feed.type === 'reset') {
        tail.clear();
        resets++;
      } else {
        tail.apply(feed.interval);
        if (feed.interval.closed) closed++;
        tail.prune(feed.interval.start - 2 * HISTORY_REFRESH_MS - LIVE_INTERVAL_MS);
      }
      frame ??= requestAnimationFrame(publish);
    });
    return () => {
      stop();
      if (frame !== null) cancelAnimationFrame(frame);
    };
  }, [name, active, tail]);
  return { tail, ...counts };
}

function valueText(v: number | null, unit: string): string {
  if (v === null) return '—';
  // Legends keep 4 significant digits (the sketch's 1 % shows, not a rounding on top of it); tables use formatLatencyMs.
  if (unit === 'ms') return `${formatNumber(v)} ms`;
  if (unit === 'req/s' || unit === '/s') return `${formatRate(v)}${unit === 'req/s' ? ' req/s' : '/s'}`;
  if (unit === 'count') return formatCount(Math.round(v * 100) / 100);
  return formatNumber(v);
}

function sameDrawn(a: DrawnPanel, b: DrawnPanel): boolean {
  if (a.t.length !== b.t.length || a.lines.length !== b.lines.length) return false;
  for (let i = 0; i < a.t.length; i++) if (a.t[i] !== b.t[i]) return false;
  return a.lines.every((l, k) => {
    const m = b.lines[k]!;
    if (l.label !== m.label) return false;
    for (let i = 0; i < l.values.length; i++) if (l.values[i] !== m.values[i]) return false;
    return true;
  });
}

interface PanelProps {
  service: string;
  panel: DashboardPanel;
  range: TimeRange;
  /** Bumped every HISTORY_REFRESH_MS while live. */
  epoch: number;
  feed: ServiceFeed;
  utc: boolean;
  theme: ChartTheme;
  onZoom: (from: number, to: number) => void;
  /** The time under the synced cursor, ms. */
  cursor: number | null;
  onCursor: (x: number | null) => void;
}

/**
 * One dashboard panel: its region, controls (custom metrics), chart and legend with latest and cursor values. History is
 * read when the range or the panel's read changes (and, while live, once a minute); the live edge comes from the stream.
 */
function ServicePanel({ service, panel: base, range, epoch, feed, utc, theme, onZoom, cursor, onCursor }: PanelProps) {
  const [stat, setStat] = useState(base.read.stat);
  const [filter, setFilter] = useState('');
  const [split, setSplit] = useState('');
  const panel: DashboardPanel = base.kind === undefined ? base : {
    ...base, unit: statUnit(stat),
    read: { ...base.read, stat, ...(split && { by: split }), ...(filter && { tags: [filter] }) },
    combine: split ? { kind: 'split' } : { kind: 'sum' },
  };
  const budget = 240;
  const fromIntervals = drawnFromIntervals(panel);
  // Live: read again on a reset, each minute, and — for panels the intervals cannot draw — when an interval closes.
  const reread = range.live ? `${range.span}/${feed.resets}/${epoch}/${fromIntervals ? '' : feed.closed}` : `${range.from}-${range.to}`;
  const query = useQuery({
    queryKey: ['service-series', service, panel.read, reread],
    queryFn: ({ signal }) => {
      const [from, to] = shownRange(range, Date.now());
      return getServiceSeries(service, { ...panel.read, by: panel.read.by, tags: panel.read.tags, from, to, budget }, signal).catch((e: unknown) => {
        // A request panel whose metric this service does not record (in-flight without the active-requests gauge): no data.
        if (e instanceof ApiRequestError && e.status === 404 && e.message.startsWith('metric:')) return { step: 0, series: [] };
        throw e;
      });
    },
    placeholderData: keepPreviousData,
    retry: false,
  });
  const history: DrawnPanel = useMemo(() => (query.data ? drawPanel(panel, query.data.series) : { t: [], lines: [{ label: panel.title, values: [] }] }),
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [query.data, panel.title, panel.combine.kind]);
  const previous = useRef<DrawnPanel | null>(null);
  const drawn = useMemo(() => {
    const next = range.live && query.data ? withLiveTail(panel, history, feed.tail.since(history.t.at(-1) ?? 0)) : history;
    // The same points as drawn already: keep the object, so the chart is not redrawn (most events move a few panels).
    if (previous.current && sameDrawn(previous.current, next)) return previous.current;
    previous.current = next;
    return next;
  }, [history, range.live, feed.version, fromIntervals]); // eslint-disable-line react-hooks/exhaustive-deps
  const tagOptions = Object.entries(base.tagKeys ?? {}).filter(([k]) => k !== 'host');
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
      <ServiceChart drawn={drawn} unit={panel.unit === 'req/s' ? '' : panel.unit === 'count' ? '' : panel.unit} theme={theme} utc={utc} range={range}
        syncKey="service" onZoom={onZoom} onCursor={onCursor} />
      <ul className="legend" aria-label="Legend">
        {drawn.lines.map((line, i) => {
          const [from, to] = shownRange(range, Date.now());
          const k = cursor === null ? -1 : indexNear(drawn.t, line.values, cursor, (to - from) / 50);
          const at = k >= 0 ? line.values[k] ?? null : null;
          return (
            <li key={line.label} className="legend-item">
              <span className="swatch" style={{ background: seriesColor(theme, i) }} />
              <span className="legend-key">{line.label}</span>
              <span className="legend-value">{valueText(latestValue(line.values), panel.unit)}</span>
              {cursor !== null ? <span className="legend-cursor muted">at cursor {valueText(at, panel.unit)}</span> : null}
            </li>
          );
        })}
      </ul>
    </section>
  );
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
  const [cursor, setCursor] = useState<number | null>(null);
  const feed = useServiceFeed(name, range.live);
  const [epoch, setEpoch] = useState(0);
  useEffect(() => {
    if (!range.live) return;
    const t = setInterval(() => setEpoch((e) => e + 1), HISTORY_REFRESH_MS);
    return () => clearInterval(t);
  }, [range.live]);
  const detail = useQuery({
    queryKey: ['service', name],
    queryFn: ({ signal }) => getService(name, '1h', signal),
    // New metrics show in the stream's intervals (below); this only catches tag values seen since.
    refetchInterval: HISTORY_REFRESH_MS,
    placeholderData: keepPreviousData,
  });
  const metrics = detail.data?.metrics ?? [];
  const streamedStatus = useLive((s) => s.services[name]?.status);
  useEffect(() => {
    if (!detail.data) return;
    const known = new Set(detail.data.metrics.map((m) => m.name));
    const latest = feed.tail.since(0).at(-1);
    if (latest && latest.metrics.some((m) => !known.has(m.metric)) && !detail.isFetching) void detail.refetch();
  }, [feed.version]); // eslint-disable-line react-hooks/exhaustive-deps
  const status = streamedStatus ?? detail.data?.service.status;
  const request = useMemo(() => requestPanels(metrics), [JSON.stringify(metrics.map((m) => [m.name, m.tags]))]); // eslint-disable-line react-hooks/exhaustive-deps
  const custom = useMemo(() => customPanels(metrics), [JSON.stringify(metrics.map((m) => [m.name, m.tags]))]); // eslint-disable-line react-hooks/exhaustive-deps
  const groups = [...new Set(custom.map((p) => p.group!))];
  const onZoom = (a: number, b: number) => setRange({ live: false, from: a, to: b });
  const common = { service: name, range, epoch, feed, utc, theme, onZoom, cursor, onCursor: setCursor };
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
