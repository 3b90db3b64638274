/**
 * A service panel's drawn data, kept in place while live (pure): the history read once, then each streamed interval
 * written into the same arrays — the open interval's point replaced, a new interval appended — so a live event costs a
 * panel O(1) work and nothing of its 24 h is rebuilt. The arrays are the ones the chart draws (uPlot's aligned data).
 * A minute's re-read (or, for panels the intervals cannot draw, each closed interval) asks only the history's last
 * buckets ({@link tailRead}) and splices them in ({@link spliceTail}). Semantics as {@link withLiveTail}'s.
 */
import type { ServiceInterval } from '../../protocol/index.js';
import type { DashboardPanel, DrawnPanel, Line } from './service-dashboard.js';
import { drawnFromIntervals, intervalValue } from './service-live.js';

type PanelShape = Pick<DashboardPanel, 'read' | 'combine'>;

export interface PanelData {
  /** Bucket and interval starts, ms, increasing; shared by every line. */
  t: number[];
  lines: Line[];
  /**
   * Start of the last bucket read from history (the one filling when it was read): intervals from it on are drawn over
   * it and after it, older ones are ignored. -Infinity when the history was empty.
   */
  cut: number;
  /** Width of the history's buckets, ms (0: unknown). */
  step: number;
}

/** Panel data from a history answer (arrays copied: the history object stays as read). */
export function panelData(history: DrawnPanel, step: number): PanelData {
  return {
    t: history.t.slice(),
    lines: history.lines.map((l) => ({ label: l.label, values: l.values.slice() })),
    cut: history.t.length > 0 ? history.t[history.t.length - 1]! : -Infinity,
    step,
  };
}

/** The index of the first `t` ≥ `x` (t increasing), searched from the end: live writes land at the end. */
function indexFromEnd(t: readonly number[], x: number): number {
  let i = t.length;
  while (i > 0 && t[i - 1]! >= x) i--;
  return i;
}

/**
 * Writes one interval into a one-line panel's data in place: replaces the point of the same start (the open interval
 * again, or the history's last bucket), else inserts it in order. Returns whether a drawn value changed (false for an
 * interval older than the cut, a multi-line panel, or a panel the intervals cannot draw).
 */
export function applyInterval(data: PanelData, panel: PanelShape, interval: ServiceInterval): boolean {
  if (data.lines.length !== 1 || interval.start < data.cut) return false;
  const v = intervalValue(panel, interval);
  if (v === undefined) return false;
  const values = data.lines[0]!.values;
  const i = indexFromEnd(data.t, interval.start);
  if (data.t[i] === interval.start) {
    if (values[i] === v) return false;
    values[i] = v;
    return true;
  }
  if (i === data.t.length) {
    data.t.push(interval.start);
    values.push(v);
  } else {
    data.t.splice(i, 0, interval.start);
    values.splice(i, 0, v);
  }
  return true;
}

/** Whether a panel's data takes the stream's intervals (one line, values the intervals carry). */
export function takesIntervals(data: PanelData, panel: PanelShape): boolean {
  return data.lines.length === 1 && drawnFromIntervals(panel);
}

/**
 * The read that refreshes only a panel's last buckets: from its cut to past `now`, at the history's step (a budget of
 * whole steps, so the series API picks the same step and bucket starts). Null when the data has no cut or step yet.
 */
export function tailRead(data: PanelData, now: number): { from: number; to: number; budget: number } | null {
  if (!Number.isFinite(data.cut) || data.step <= 0) return null;
  const budget = Math.max(1, Math.floor((now - data.cut) / data.step) + 1);
  return { from: data.cut, to: data.cut + budget * data.step, budget };
}

/**
 * Replaces everything from `tail`'s first bucket on with `tail` (a {@link tailRead} answer, drawn), lines matched by
 * label; the cut moves to the tail's last bucket. Returns false (data unchanged) when the tail does not fit: it starts
 * off the bucket grid, or has a label the data has not (a split whose top N changed): read the whole history then.
 * Live intervals from the new cut on are to be applied again by the caller.
 */
export function spliceTail(data: PanelData, tail: DrawnPanel): boolean {
  if (tail.t.length === 0) return true;
  const first = tail.t[0]!;
  const at = indexFromEnd(data.t, first);
  const byLabel = new Map(tail.lines.map((l) => [l.label, l.values]));
  if (at < data.t.length && data.t[at] !== first) return false;
  if ([...byLabel.keys()].some((label) => !data.lines.some((l) => l.label === label))) return false;
  data.t.length = at;
  data.t.push(...tail.t);
  for (const line of data.lines) {
    line.values.length = at;
    const from = byLabel.get(line.label);
    for (let i = 0; i < tail.t.length; i++) line.values.push(from?.[i] ?? null);
  }
  data.cut = tail.t[tail.t.length - 1]!;
  return true;
}
