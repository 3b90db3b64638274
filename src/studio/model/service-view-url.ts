import { RANGES } from './service-dashboard.js';

/** What a service page shows: the last `span` ms, following live, or a fixed range [from, to] (epoch ms). */
export type TimeRange = { live: true; span: number } | { live: false; from: number; to: number };

/** A service page's view as its URL keeps it, so a reload or a shared link shows the same thing. */
export interface ServiceView {
  range: TimeRange;
  /** Times in UTC rather than the browser's zone. */
  utc: boolean;
}

const DEFAULT_SPAN = 3_600_000;

/**
 * The view in a service page's query string: `range=24h` (one of `RANGES`' labels, live), or `from=<ms>&to=<ms>` (a
 * fixed range, e.g. after a drag-zoom), and `utc=1`. Anything unreadable falls back to the last hour, live.
 */
export function parseServiceView(search: string): ServiceView {
  const p = new URLSearchParams(search);
  const utc = p.get('utc') === '1';
  const from = Number(p.get('from') ?? NaN);
  const to = Number(p.get('to') ?? NaN);
  if (p.has('from') && p.has('to') && Number.isSafeInteger(from) && Number.isSafeInteger(to) && from < to) {
    return { range: { live: false, from, to }, utc };
  }
  const span = RANGES.find(([label]) => label === p.get('range'))?.[1] ?? DEFAULT_SPAN;
  return { range: { live: true, span }, utc };
}

/** The query string (with its `?`, or '' for the default view) that `parseServiceView` reads back as `view`. */
export function serviceViewSearch(view: ServiceView): string {
  const p = new URLSearchParams();
  const { range } = view;
  if (range.live) {
    const label = RANGES.find(([, ms]) => ms === range.span)?.[0];
    if (label && range.span !== DEFAULT_SPAN) p.set('range', label);
  } else {
    p.set('from', String(Math.floor(range.from)));
    p.set('to', String(Math.ceil(range.to)));
  }
  if (view.utc) p.set('utc', '1');
  const s = p.toString();
  return s ? `?${s}` : '';
}
