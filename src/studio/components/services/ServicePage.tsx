import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import { formatCount, formatRate } from '../../../protocol/index.js';
import { getService, getServiceSeries } from '../../api/client.js';
import { useChartTheme } from '../../chart/theme.js';
import { seriesColor, type ChartTheme } from '../../model/chart-options.js';
import { formatNumber } from '../../model/format.js';
import {
  customPanels, drawPanel, latestValue, RANGES, requestPanels, statUnit, type DashboardPanel, type DrawnPanel,
} from '../../model/service-dashboard.js';
import { Link } from '../../router.js';
import { useNow } from '../use-now.js';
import { ServiceChart } from './ServiceChart.js';

/** The time shown: the last `span` ms following now (live), or a fixed range from a drag-zoom. */
type TimeRange = { live: true; span: number } | { live: false; from: number; to: number };

function valueText(v: number | null, unit: string): string {
  if (v === null) return '—';
  // Legends keep 4 significant digits (the sketch's 1 % shows, not a rounding on top of it); tables use formatLatencyMs.
  if (unit === 'ms') return `${formatNumber(v)} ms`;
  if (unit === 'req/s' || unit === '/s') return `${formatRate(v)}${unit === 'req/s' ? ' req/s' : '/s'}`;
  if (unit === 'count') return formatCount(Math.round(v * 100) / 100);
  return formatNumber(v);
}

interface PanelProps {
  service: string;
  panel: DashboardPanel;
  from: number;
  to: number;
  live: boolean;
  utc: boolean;
  theme: ChartTheme;
  onZoom: (from: number, to: number) => void;
  cursor: number | null;
  onCursor: (i: number | null) => void;
}

/** One dashboard panel: its region, controls (custom metrics), chart and legend with latest and cursor values. */
function ServicePanel({ service, panel: base, from, to, live, utc, theme, onZoom, cursor, onCursor }: PanelProps) {
  const [stat, setStat] = useState(base.read.stat);
  const [filter, setFilter] = useState('');
  const [split, setSplit] = useState('');
  const panel: DashboardPanel = base.kind === undefined ? base : {
    ...base, unit: statUnit(stat),
    read: { ...base.read, stat, ...(split && { by: split }), ...(filter && { tags: [filter] }) },
    combine: split ? { kind: 'split' } : { kind: 'sum' },
  };
  // Live: the query's window moves by whole seconds, so each refetch reads the buckets as they fill.
  const budget = 240;
  const query = useQuery({
    queryKey: ['service-series', service, panel.read, Math.floor(from / 1000), Math.ceil(to / 1000)],
    queryFn: ({ signal }) => getServiceSeries(service, { ...panel.read, by: panel.read.by, tags: panel.read.tags, from, to, budget }, signal),
    refetchInterval: live ? 1000 : false,
    placeholderData: keepPreviousData,
    retry: false,
  });
  const drawn: DrawnPanel = useMemo(() => (query.data ? drawPanel(panel, query.data.series) : { t: [], lines: [{ label: panel.title, values: [] }] }),
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [query.data, panel.title, panel.combine.kind]);
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
              {tagOptions.flatMap(([k, vs]) => vs.map((v) => <option key={`${k}:${v}`} value={v === '' ? k : `${k}:${v}`}>{v === '' ? k : `${k}:${v}`}</option>))}
            </select>
            <select aria-label="Split by tag" value={split} onChange={(e) => setSplit(e.target.value)}>
              <option value="">no split</option>
              {[...tagOptions.map(([k]) => k), 'host'].map((k) => <option key={k} value={k}>split by {k}</option>)}
            </select>
          </div>
        ) : null}
      </header>
      {query.error ? <p role="alert" className="muted">{String((query.error as Error).message)}</p> : null}
      <ServiceChart drawn={drawn} unit={panel.unit === 'req/s' ? '' : panel.unit === 'count' ? '' : panel.unit} theme={theme} utc={utc} from={from} to={to}
        syncKey="service" onZoom={onZoom} onCursor={onCursor} />
      <ul className="legend" aria-label="Legend">
        {drawn.lines.map((line, i) => {
          const at = cursor !== null && cursor < line.values.length ? line.values[cursor] ?? null : null;
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
  const [range, setRange] = useState<TimeRange>({ live: true, span: 3_600_000 });
  const [utc, setUtc] = useState(false);
  const [cursor, setCursor] = useState<number | null>(null);
  const now = useNow(range.live, 1000);
  const from = range.live ? now - range.span : range.from;
  const to = range.live ? now : range.to;
  const detail = useQuery({
    queryKey: ['service', name],
    queryFn: ({ signal }) => getService(name, '1h', signal),
    refetchInterval: 5000,
    placeholderData: keepPreviousData,
  });
  const metrics = detail.data?.metrics ?? [];
  const request = useMemo(() => requestPanels(metrics), [JSON.stringify(metrics.map((m) => [m.name, m.tags]))]); // eslint-disable-line react-hooks/exhaustive-deps
  const custom = useMemo(() => customPanels(metrics), [JSON.stringify(metrics.map((m) => [m.name, m.tags]))]); // eslint-disable-line react-hooks/exhaustive-deps
  const groups = [...new Set(custom.map((p) => p.group!))];
  const onZoom = (a: number, b: number) => setRange({ live: false, from: a, to: b });
  const common = { service: name, from, to, live: range.live, utc, theme, onZoom, cursor, onCursor: setCursor };
  const spanLabel = range.live ? RANGES.find(([, ms]) => ms === range.span)?.[0] ?? '1h' : 'custom';
  return (
    <section className="page service-page">
      <div className="page-head">
        <h1><Link href="/services">Services</Link> / {name}</h1>
        {detail.data ? <span className={`status status-${detail.data.service.status === 'live' ? 'running' : 'cancelled'}`}>{detail.data.service.status}</span> : null}
        <div className="range-controls">
          <select aria-label="Time range" value={spanLabel} onChange={(e) => {
            const r = RANGES.find(([l]) => l === e.target.value);
            if (r) setRange({ live: true, span: r[1] });
          }}>
            {RANGES.map(([label]) => <option key={label} value={label}>last {label}</option>)}
            {!range.live ? <option value="custom">custom range</option> : null}
          </select>
          <label className="inline-field"><input type="checkbox" checked={range.live} onChange={(e) => setRange(e.target.checked ? { live: true, span: range.live ? range.span : 3_600_000 } : { live: false, from, to })} /> Live</label>
          <label className="inline-field"><input type="checkbox" checked={utc} onChange={(e) => setUtc(e.target.checked)} /> UTC</label>
        </div>
      </div>
      {detail.error ? <p role="alert">Could not load the service: {String((detail.error as Error).message)}</p> : null}
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
