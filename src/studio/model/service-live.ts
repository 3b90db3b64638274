/**
 * The live edge of service panels (pure): history read once from the series API, then the stream's `serviceInterval`
 * events (DESIGN.md: the open interval at most once a second, each closed one once) drawn after it at the 10 s interval,
 * so a panel moves within a second of the traffic without polling. An interval event carries each metric merged over its
 * tag sets, the request counts by status class, the replicas and the seconds its rates are over: it answers every
 * request panel and a custom panel's rate/count/sum/avg/min/max/last/p50/p90/p99 without a tag filter or a split. Other
 * panels (a filter, a split, p99.9) cannot be drawn from it and re-read their history when an interval closes.
 */
import type { ServiceInterval } from '../../protocol/index.js';
import type { DashboardPanel, DrawnPanel } from './service-dashboard.js';

/** Width of one live interval, ms (the server's finest tier). */
export const LIVE_INTERVAL_MS = 10_000;

type PanelShape = Pick<DashboardPanel, 'read' | 'combine'>;

/** Whether a panel's values can be taken from interval events (else it re-reads history as intervals close). */
export function drawnFromIntervals(panel: PanelShape): boolean {
  if (panel.combine.kind === 'split' || (panel.read.tags?.length ?? 0) > 0) return false;
  if (panel.combine.kind === 'replicas' || panel.combine.kind === 'class') return true;
  if (panel.read.by) return false;
  return ['rate', 'count', 'sum', 'avg', 'min', 'max', 'last', 'p50', 'p90', 'p99'].includes(panel.read.stat);
}

/**
 * The value a panel draws for one interval: `undefined` when the interval cannot say (see {@link drawnFromIntervals}),
 * `null` where the interval holds no data for it. Rates are over the interval's `seconds`, as the series API's are.
 */
export function intervalValue(panel: PanelShape, interval: ServiceInterval): number | null | undefined {
  if (!drawnFromIntervals(panel)) return undefined;
  const c = panel.combine;
  if (c.kind === 'replicas') return interval.replicas > 0 ? interval.replicas : null;
  if (c.kind === 'class') {
    // As the history draws it: 0 where requests of other classes were counted, empty where there were none.
    const r = interval.requests;
    return r.requests > 0 ? (r[c.statusClass] / interval.seconds) * panel.read.scale : null;
  }
  const m = interval.metrics.find((x) => x.metric === panel.read.metric);
  if (!m) return null;
  const finite = (v: number | null) => (v !== null && Number.isFinite(v) ? v * panel.read.scale : null);
  switch (panel.read.stat) {
    case 'rate': return finite(m.count / interval.seconds);
    case 'count': return finite(m.count);
    case 'sum': return finite(m.sum);
    case 'avg': return m.count > 0 ? finite(m.sum / m.count) : null;
    case 'min': return finite(m.min);
    case 'max': return finite(m.max);
    case 'last': return finite(m.last);
    case 'p50': return finite(m.p50);
    case 'p90': return finite(m.p90);
    case 'p99': return finite(m.p99);
  }
  return undefined;
}

/**
 * A service's live intervals by start, as streamed: a closed interval replaces the open one of the same start and is
 * not replaced by it again. Bounded: intervals before `keepFrom` are dropped by {@link LiveTail.prune}.
 */
export class LiveTail {
  private readonly byStart = new Map<number, ServiceInterval>();
  /** Bumped on each change (pages redraw when it moves). */
  version = 0;

  apply(interval: ServiceInterval): void {
    const held = this.byStart.get(interval.start);
    if (held?.closed && !interval.closed) return;
    this.byStart.set(interval.start, interval);
    this.version++;
  }

  /** Intervals starting at or after `from`, oldest first. */
  since(from: number): ServiceInterval[] {
    return [...this.byStart.values()].filter((i) => i.start >= from).sort((a, b) => a.start - b.start);
  }

  prune(keepFrom: number): void {
    for (const start of this.byStart.keys()) if (start < keepFrom) this.byStart.delete(start);
  }

  clear(): void {
    this.byStart.clear();
    this.version++;
  }
}

/**
 * A panel's history followed by its live intervals: from the start of the history's last bucket (the one that was
 * filling when it was read, by the server's clock) each streamed interval is a point at its start, replacing a history
 * bucket of the same start; history buckets no interval replaced stay. One-line panels only: others are returned as read.
 */
export function withLiveTail(panel: PanelShape, history: DrawnPanel, tail: readonly ServiceInterval[]): DrawnPanel {
  if (history.lines.length !== 1 || !drawnFromIntervals(panel)) return history;
  const cut = history.t.length > 0 ? history.t[history.t.length - 1]! : -Infinity;
  const live = new Map<number, number | null>();
  for (const i of tail) {
    if (i.start < cut) continue;
    const v = intervalValue(panel, i);
    if (v !== undefined) live.set(i.start, v);
  }
  if (live.size === 0) return history;
  const line = history.lines[0]!;
  const points: Array<[number, number | null]> = [];
  history.t.forEach((t, k) => {
    if (!live.has(t)) points.push([t, line.values[k] ?? null]);
  });
  for (const [t, v] of live) points.push([t, v]);
  points.sort((a, b) => a[0] - b[0]);
  return { t: points.map((p) => p[0]), lines: [{ label: line.label, values: points.map((p) => p[1]) }] };
}

/**
 * The index of the value a legend shows under a synced cursor at time `x`: the nearest bucket holding a value within
 * `maxDistance` ms (the pointer snaps to a lone point next to it, as the chart draws it); -1 when none is that close.
 */
export function indexNear(t: readonly number[], values: ReadonlyArray<number | null>, x: number, maxDistance: number): number {
  let lo = 0, hi = t.length - 1, after = t.length;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (t[mid]! >= x) {
      after = mid;
      hi = mid - 1;
    } else lo = mid + 1;
  }
  let best = -1, bestD = Infinity;
  for (let i = after - 1; i >= 0 && x - t[i]! <= maxDistance; i--) {
    if (values[i] !== null && values[i] !== undefined) {
      best = i;
      bestD = x - t[i]!;
      break;
    }
  }
  for (let i = after; i < t.length && t[i]! - x <= maxDistance && t[i]! - x < bestD; i++) {
    if (values[i] !== null && values[i] !== undefined) return i;
  }
  return best;
}
