import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import { formatAgo, formatCount, formatLatencyMs, formatRate, NO_DATA, type ServiceListItem } from '../../../protocol/index.js';
import { listServices } from '../../api/client.js';
import { RANGES } from '../../model/service-dashboard.js';
import { live } from '../../live/live.js';
import { useLive } from '../../live/react.js';
import { Link } from '../../router.js';
import { useNow } from '../use-now.js';

type SortKey = 'service' | 'status' | 'replicas' | 'last update' | 'requests/s' | 'avg request' | 'p99' | '2XX' | '4XX' | '5XX';

const COLUMNS: Array<{ key: SortKey; value: (s: ServiceListItem) => number | string | null }> = [
  { key: 'service', value: (s) => s.name },
  { key: 'status', value: (s) => s.status },
  { key: 'replicas', value: (s) => s.replicas },
  { key: 'last update', value: (s) => s.lastSeen },
  { key: 'requests/s', value: (s) => s.summary.requestsPerSecond },
  { key: 'avg request', value: (s) => s.summary.avgRequestMs },
  { key: 'p99', value: (s) => s.summary.p99Ms },
  { key: '2XX', value: (s) => (s.summary.requests ? s.summary['2XX'] : null) },
  { key: '4XX', value: (s) => (s.summary.requests ? s.summary['4XX'] : null) },
  { key: '5XX', value: (s) => (s.summary.requests ? s.summary['5XX'] : null) },
];

/** The window's figures are read again this long after an interval closes (intervals of all services close together). */
const REREAD_AFTER_MS = 300;
/** And at least this often, for services that went quiet (their window moves on without events). */
const SLOW_REREAD_MS = 60_000;

/**
 * `/services`: the `plotline get` table over a chosen window, sortable by any column, live through the stream: status and
 * replicas from `service` events, "last update" from each streamed interval, and the window's figures read again when an
 * interval closes (every 10 s while a service sends) or a service appears — not polled.
 */
export function ServicesPage() {
  const [window, setWindow] = useState('1h');
  const [sort, setSort] = useState<{ key: SortKey; desc: boolean }>({ key: 'service', desc: false });
  const now = useNow(true, 1000);
  const query = useQuery({
    queryKey: ['services', window],
    queryFn: ({ signal }) => listServices(window, signal),
    refetchInterval: SLOW_REREAD_MS,
    placeholderData: keepPreviousData,
  });
  const streamed = useLive((s) => s.services);
  const [heard, setHeard] = useState<Record<string, number>>({});
  const names = (query.data?.services ?? []).map((s) => s.name).join('\n');
  const refetch = useRef(query.refetch);
  refetch.current = query.refetch;
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | null = null;
    const reread = () => {
      timer ??= setTimeout(() => {
        timer = null;
        void refetch.current();
      }, REREAD_AFTER_MS);
    };
    const stop = live.followServices(names === '' ? [] : names.split('\n'), (feed) => {
      if (feed.type === 'reset' || feed.interval.closed) reread();
      if (feed.type === 'interval') setHeard((h) => ({ ...h, [feed.interval.service]: Date.now() }));
    });
    return () => {
      stop();
      if (timer !== null) clearTimeout(timer);
    };
  }, [names]);
  // A service the list does not hold yet (a `service` event): read the list again.
  const unknown = Object.keys(streamed).some((n) => !names.split('\n').includes(n));
  useEffect(() => {
    if (unknown && query.data && !query.isFetching) void query.refetch();
  }, [unknown, query.data]); // eslint-disable-line react-hooks/exhaustive-deps
  const services = (query.data?.services ?? []).map((s): ServiceListItem => {
    const e = streamed[s.name];
    const lastSeen = Math.max(s.lastSeen ?? 0, e?.lastSeen ?? 0, heard[s.name] ?? 0) || null;
    return e ? { ...s, status: e.status, replicas: e.replicas, lastSeen } : { ...s, lastSeen };
  });
  const column = COLUMNS.find((c) => c.key === sort.key)!;
  const rows = [...services].sort((a, b) => {
    const x = column.value(a), y = column.value(b);
    if (x === y) return a.name.localeCompare(b.name);
    if (x === null) return 1;
    if (y === null) return -1;
    const d = typeof x === 'string' ? x.localeCompare(String(y)) : x - (y as number);
    return sort.desc ? -d : d;
  });
  return (
    <section className="page services-page">
      <div className="page-head">
        <h1>Services</h1>
        <label className="inline-field">
          Window
          <select aria-label="Window" value={window} onChange={(e) => setWindow(e.target.value)}>
            {RANGES.map(([label]) => <option key={label} value={label}>{label === '15m' ? '15 min' : label === '1h' ? '1 h' : label.replace(/(\d+)/, '$1 ')}</option>)}
          </select>
        </label>
      </div>
      {query.error ? <p role="alert">Could not load services: {String((query.error as Error).message)}</p> : null}
      {query.data && rows.length === 0 ? <p className="empty">No services yet. Send DogStatsD lines over UDP or to POST /api/ingest/statsd, use MetricsClient or instrumentHttp.</p> : null}
      {rows.length > 0 ? (
        <div className="table-scroll">
          <table className="services">
            <thead>
              <tr>
                {COLUMNS.map((c) => (
                  <th key={c.key} aria-sort={sort.key === c.key ? (sort.desc ? 'descending' : 'ascending') : 'none'}>
                    <button type="button" onClick={() => setSort((s) => ({ key: c.key, desc: s.key === c.key ? !s.desc : c.key !== 'service' && c.key !== 'status' }))}>
                      {c.key}{sort.key === c.key ? (sort.desc ? ' ↓' : ' ↑') : ''}
                    </button>
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {rows.map((s) => {
                const q = s.summary;
                const none = q.requests === 0;
                return (
                  <tr key={s.name}>
                    <td className="service-name" title={s.name}><Link href={`/services/${encodeURIComponent(s.name)}`}>{s.name}</Link></td>
                    <td><span className={`status status-${s.status === 'live' ? 'running' : 'cancelled'}`}>{s.status}</span></td>
                    <td className="num">{s.replicas}</td>
                    <td>{formatAgo(s.lastSeen, now)}</td>
                    <td className="num">{formatRate(q.requestsPerSecond)}</td>
                    <td className="num">{formatLatencyMs(q.avgRequestMs)}</td>
                    <td className="num">{formatLatencyMs(q.p99Ms)}</td>
                    <td className="num">{none ? NO_DATA : formatCount(q['2XX'])}</td>
                    <td className="num">{none ? NO_DATA : formatCount(q['4XX'])}</td>
                    <td className="num">{none ? NO_DATA : formatCount(q['5XX'])}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      ) : null}
    </section>
  );
}
