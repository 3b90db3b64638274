import { applySummaryChanges, fromWireArray, type Execution, type MetricDef, type StreamEvent } from '../../protocol/index.js';
import { getExecution, getSeries } from '../api/client.js';
import { boundHeldPoints } from '../model/decimate.js';
import { appendPoints, emptySeries, seriesFrom, spliceRange, truncateFrom } from '../model/series-buffer.js';
import { liveStore, touchFollowed, type FollowedExecution } from './live-store.js';

/** A live series keeps at most this many points in the tab; older stretches are reduced and re-read on zoom. */
const LIVE_POINTS_PER_SERIES = 8192;

/** Points per series asked for when a page opens: about 4 per pixel of a full-width chart (first/min/max/last). */
export function initialBudget(): number {
  const width = typeof window === 'undefined' ? 1200 : window.innerWidth;
  return Math.min(16_000, Math.max(400, Math.round(width * 4)));
}

function addDefinitions(f: FollowedExecution, defs: readonly MetricDef[]): boolean {
  let changed = false;
  for (const d of defs) {
    if (f.definitions.some((old) => old.key === d.key)) continue;
    f.definitions = [...f.definitions, d];
    changed = true;
  }
  return changed;
}

/**
 * Keeps the followed execution's data whole: subscribe first, buffer stream events while history loads, then apply the
 * buffered events (the series buffers drop any x at or below what history already has — no gap, no duplicate).
 * A `resync` from the server (restart, client too far behind) runs the same load again and merges.
 */
export class ExecutionSync {
  private pending: StreamEvent[] | null = null;
  private loadToken = 0;

  /** Starts following `id` (null: follow nothing). History is loaded when the stream confirms the subscription. */
  setFollowed(id: string | null): void {
    const current = liveStore.getState().followed;
    if ((current?.id ?? null) === id) return;
    this.loadToken++;
    this.pending = id === null ? null : [];
    liveStore.setState({
      followed: id === null ? null : { id, execution: null, definitions: [], series: new Map(), keys: [], summary: {}, loaded: false, error: null },
    });
  }

  /** The stream is subscribed (fresh hello) or lost events (resync): reload history, buffering what streams meanwhile. */
  async load(): Promise<void> {
    const f = liveStore.getState().followed;
    if (!f) return;
    const token = ++this.loadToken;
    this.pending ??= [];
    try {
      const detail = await getExecution(f.id);
      const keys = detail.series.map((s) => s.key);
      const history = keys.length > 0 ? await getSeries(f.id, { keys, budget: initialBudget() }) : { series: [] };
      if (token !== this.loadToken || liveStore.getState().followed !== f) return;
      const series = new Map(f.series);
      for (const h of history.series) {
        const fresh = seriesFrom(h.x, fromWireArray(h.y), h.total, h.downsampled);
        const held = f.series.get(h.key);
        // Points already held beyond the history (streamed before a resync) are kept.
        if (held) appendPoints(fresh, held.x.subarray(0, held.length), held.y.subarray(0, held.length));
        series.set(h.key, fresh);
      }
      const knownKeys = new Set(f.keys);
      const next: FollowedExecution = {
        ...f,
        execution: detail.execution,
        summary: detail.execution.summary,
        definitions: f.definitions,
        series,
        keys: [...f.keys, ...keys.filter((k) => !knownKeys.has(k))],
        loaded: true,
        error: null,
      };
      addDefinitions(next, detail.definitions);
      liveStore.setState({ followed: next });
      const buffered = this.pending ?? [];
      this.pending = null;
      for (const e of buffered) this.apply(e);
      touchFollowed();
    } catch (err) {
      if (token !== this.loadToken) return;
      liveStore.setState({ followed: { ...f, error: err instanceof Error ? err.message : String(err), loaded: true } });
    }
  }

  /** A stream event for the followed execution (or an execution upsert): applied now, or buffered while history loads. */
  onEvent(event: StreamEvent): void {
    if (this.pending) this.pending.push(event);
    else this.apply(event);
  }

  private apply(event: StreamEvent): void {
    const f = liveStore.getState().followed;
    if (!f) return;
    switch (event.type) {
      case 'points': {
        if (event.executionId !== f.id) return;
        let newKeys = false;
        for (const p of event.series) {
          let s = f.series.get(p.key);
          if (!s) {
            s = emptySeries();
            f.series.set(p.key, s);
            f.keys = [...f.keys, p.key];
            newKeys = true;
          }
          appendPoints(s, p.x, fromWireArray(p.y));
          boundHeldPoints(s, LIVE_POINTS_PER_SERIES);
        }
        if (newKeys) liveStore.setState({ followed: { ...f } });
        touchFollowed();
        return;
      }
      case 'definitions':
        if (event.executionId !== f.id) return;
        if (addDefinitions(f, event.definitions)) liveStore.setState({ followed: { ...f } });
        return;
      case 'rewind': {
        if (event.executionId !== f.id) return;
        let reread = false;
        for (const s of f.series.values()) {
          if (truncateFrom(s, event.x) > 0 && s.downsampled) reread = true;
        }
        touchFollowed();
        // A downsampled series cannot tell how many real points it lost: its history is read again (and merged).
        if (reread) void this.load();
        return;
      }
      case 'summary':
        if (event.executionId !== f.id) return;
        liveStore.setState({ followed: { ...f, summary: applySummaryChanges(f.summary, event) } });
        return;
      case 'execution':
        if (event.execution.id === f.id) liveStore.setState({ followed: { ...f, execution: event.execution } });
        return;
      default:
    }
  }

  /**
   * Zoomed into [from, to]: reads those series again at the chart's resolution and splices the finer points in.
   * Only series that are still downsampled are read.
   */
  async refine(keys: readonly string[], from: number, to: number, budget: number): Promise<void> {
    const f = liveStore.getState().followed;
    if (!f || !f.loaded) return;
    const coarse = keys.filter((k) => f.series.get(k)?.downsampled);
    if (coarse.length === 0) return;
    const res = await getSeries(f.id, { keys: coarse, from, to, budget });
    const target = liveStore.getState().followed;
    if (target?.id !== f.id) return;
    for (const s of res.series) {
      const held = target.series.get(s.key);
      if (held) target.series.set(s.key, spliceRange(held, from, to, s.x, fromWireArray(s.y), s.downsampled));
    }
    touchFollowed();
  }
}

export function upsertExecution(e: Execution): void {
  liveStore.setState((s) => ({ executions: { ...s.executions, [e.id]: e }, listVersion: s.listVersion + 1 }));
}
