import {
  applySummaryChanges, finishMarks, fromWireArray, marksOfItem, mergeMarks,
  type Execution, type ExecutionDetail, type MetricDef, type StreamEvent, type SummaryObject, type TimeMarks,
} from '../../protocol/index.js';
import type { SeriesRead } from '../api/client.js';
import { boundHeldPoints } from '../model/decimate.js';
import { appendPoints, emptySeries, reserveCapacity, seriesFrom, spliceRange, truncateFrom, type SeriesBuffer } from '../model/series-buffer.js';

/** A live series keeps at most this many points in the tab; older stretches are reduced and re-read on zoom. */
export const LIVE_POINTS_PER_SERIES = 8192;

/**
 * A series that receives live points has its whole window (LIVE_POINTS_PER_SERIES points) allocated at its first live
 * batch while its execution has at most this many series (256 × 8192 × 16 bytes = 32 MiB): a streaming series fills its
 * window within minutes anyway, and allocating it once keeps the tab's memory flat instead of growing and copying it for
 * minutes. Executions with more series grow each window by doubling as its points arrive.
 */
export const RESERVED_LIVE_WINDOWS = 256;

/**
 * One followed execution as the tab holds it: history merged with what streamed. Its series buffers are mutated in place
 * (the live store's `version` says when); everything else is replaced when it changes, so selectors can compare by identity.
 */
export interface FollowedExecution {
  id: string;
  execution: Execution | null;
  definitions: MetricDef[];
  series: Map<string, SeriesBuffer>;
  /** Record-time marks by series key (points recorded with `at`, protocol/time-marks.ts), mutated in place like `series`. */
  times: Map<string, TimeMarks>;
  /** Series keys in the order they first appeared (history first, then live). */
  keys: string[];
  summary: SummaryObject;
  /** History has been read (or failed: then `error` says why). */
  loaded: boolean;
  error: string | null;
  /** The server answered that no execution has this id. */
  notFound?: boolean;
}

export function emptyFollowed(id: string): FollowedExecution {
  return { id, execution: null, definitions: [], series: new Map(), times: new Map(), keys: [], summary: {}, loaded: false, error: null };
}

/** `defs` with the definitions of `added` whose keys it lacks (the first of each key), in order; `defs` itself when none. */
function addDefinitions(defs: readonly MetricDef[], added: readonly MetricDef[]): MetricDef[] {
  const known = new Set(defs.map((d) => d.key));
  const fresh: MetricDef[] = [];
  for (const d of added) {
    if (known.has(d.key)) continue;
    known.add(d.key);
    fresh.push(d);
  }
  return fresh.length > 0 ? [...defs, ...fresh] : (defs as MetricDef[]);
}

/**
 * Merges a history read into what is held. Points already held beyond the history (streamed before a resync) are kept;
 * history replaces the rest. Returns a new object (series buffers of keys in the history are new buffers).
 */
export function mergeHistory(f: FollowedExecution, detail: ExecutionDetail, history: SeriesRead): FollowedExecution {
  const series = new Map(f.series);
  const times = new Map(f.times);
  for (const h of history.series) {
    addMarks(times, h.key, h.times);
    const fresh = seriesFrom(h.x, fromWireArray(h.y), h.total, h.downsampled);
    const held = f.series.get(h.key);
    if (held) appendPoints(fresh, held.x.subarray(0, held.length), held.y.subarray(0, held.length));
    series.set(h.key, fresh);
  }
  const known = new Set(f.keys);
  return {
    ...f,
    execution: detail.execution,
    summary: detail.execution.summary,
    definitions: addDefinitions(f.definitions, detail.definitions),
    series,
    times,
    keys: [...f.keys, ...detail.series.map((s) => s.key).filter((k) => !known.has(k))],
    loaded: true,
    error: null,
  };
}

/**
 * What applying a stream event did: `replaced` is a new object for the state; `data` means held points changed (redraw);
 * `reread` means the history must be read again (a rewind cut into a downsampled stretch: how many real points went is
 * unknown there).
 */
export interface Applied {
  replaced: FollowedExecution | null;
  data: boolean;
  reread?: boolean;
}

/**
 * Applies one stream event about `f`'s execution. Points go into the buffers in place (x at or below the last held x is
 * dropped: that is what makes "subscribe, buffer, read history, apply the buffer" free of gaps and duplicates); the held
 * series are bounded to `LIVE_POINTS_PER_SERIES`.
 */
export function applyStreamEvent(f: FollowedExecution, event: StreamEvent): Applied {
  switch (event.type) {
    case 'points': {
      let keys: string[] | null = null;
      for (const p of event.series) {
        let s = f.series.get(p.key);
        if (!s) {
          s = emptySeries();
          f.series.set(p.key, s);
          keys = [...(keys ?? f.keys), p.key];
        }
        // Room is made before the append, in place, so a series at its bound keeps its buffers (LIVE_POINTS_PER_SERIES
        // points each, allocated once); the bound after the append catches a batch larger than a quarter of it.
        if (s.x.length < LIVE_POINTS_PER_SERIES && f.series.size <= RESERVED_LIVE_WINDOWS) reserveCapacity(s, LIVE_POINTS_PER_SERIES);
        boundHeldPoints(s, LIVE_POINTS_PER_SERIES, p.x.length);
        appendPoints(s, p.x, fromWireArray(p.y), LIVE_POINTS_PER_SERIES);
        boundHeldPoints(s, LIVE_POINTS_PER_SERIES);
        addMarks(f.times, p.key, marksOfItem(p.x, p.t) ?? undefined, LIVE_POINTS_PER_SERIES);
      }
      return { replaced: keys ? { ...f, keys } : null, data: true };
    }
    case 'definitions': {
      const definitions = addDefinitions(f.definitions, event.definitions);
      return { replaced: definitions === f.definitions ? null : { ...f, definitions }, data: false };
    }
    case 'summary':
      return { replaced: { ...f, summary: applySummaryChanges(f.summary, event) }, data: false };
    case 'rewind': {
      let reread = false;
      for (const s of f.series.values()) if (truncateFrom(s, event.x) > 0 && s.downsampled) reread = true;
      for (const [key, m] of f.times) {
        const keep = m.x.findIndex((x) => x >= event.x);
        if (keep === 0) f.times.delete(key);
        else if (keep > 0) f.times.set(key, { x: m.x.slice(0, keep), t: m.t.slice(0, keep) });
      }
      return { replaced: null, data: true, reread };
    }
    case 'execution':
      return { replaced: { ...f, execution: event.execution }, data: false };
    default:
      return { replaced: null, data: false };
  }
}

/** Splices a finer read of [from, to] into the held series (zoom refinement). Mutates `f.series`. */
export function spliceRefinement(f: FollowedExecution, from: number, to: number, read: SeriesRead): void {
  for (const s of read.series) {
    const held = f.series.get(s.key);
    if (held) f.series.set(s.key, spliceRange(held, from, to, s.x, fromWireArray(s.y), s.downsampled));
    addMarks(f.times, s.key, s.times);
  }
}

/**
 * Adds marks of one series to what is held (finer marks of a zoomed read join the coarser ones). `max`: a live series'
 * marks (two per streamed batch) are thinned to half of it, evenly by index, once they pass it — as the series' points are
 * bounded — so a long stream recorded with `at` holds a bounded number of marks.
 */
function addMarks(times: Map<string, TimeMarks>, key: string, marks: TimeMarks | undefined, max = Infinity): void {
  const held = times.get(key);
  if (held && marks && max < Infinity && appendMarks(held, marks)) {
    if (held.x.length > max) times.set(key, finishMarks(held.x, held.t, Math.floor(max / 2))!);
    return;
  }
  let merged = mergeMarks(held, marks);
  if (merged && merged.x.length > max) merged = finishMarks(merged.x, merged.t, Math.floor(max / 2));
  if (merged) times.set(key, merged);
}

/**
 * The live case of `mergeMarks` done in place (the held marks are this tab's own): marks all after the held ones are
 * appended, t kept non-decreasing, instead of copying every held mark for each streamed batch. False (nothing done) when
 * they are not all after.
 */
function appendMarks(held: TimeMarks, marks: TimeMarks): boolean {
  if (held.x.length === 0 || marks.x.length === 0 || !(marks.x[0]! > held.x[held.x.length - 1]!)) return false;
  let t = held.t[held.t.length - 1]!;
  for (let i = 0; i < marks.x.length; i++) {
    t = Math.max(t, marks.t[i]!);
    held.x.push(marks.x[i]!);
    held.t.push(t);
  }
  return true;
}

/** The execution a stream event is about, when it is about one. */
export function eventExecutionId(event: StreamEvent): string | null {
  switch (event.type) {
    case 'points':
    case 'definitions':
    case 'summary':
    case 'rewind':
      return event.executionId;
    case 'execution':
      return event.execution.id;
    default:
      return null;
  }
}
