import { timeAtX, xAtTime, type TimeMarks } from '../../protocol/index.js';
import { formatX, MAX_DATE_MS, wallClockNotation } from './format.js';
import type { XAxisChoice } from './panel-options.js';
import { durationTicks, type AxisTicks } from './ticks.js';

/**
 * The x axis shown as time while the data keeps its own x (DESIGN.md "Panel options", X axis): on a seconds axis x is the
 * time since the start already; on a group's units (steps recorded with `at`) the record-time marks the server keeps
 * (protocol/time-marks.ts) give the time of each x. Ticks are placed at round durations since the start — at the x where
 * that time was reached — and labelled as that duration (relative time) or as the clock time (wall time). x stays the
 * plotted coordinate, so zoom, refinement and the cursor work as on the units axis.
 */
export interface TimeAxis {
  kind: 'relative' | 'wall';
  /** When the execution started, ms since the epoch. */
  startedAt: number;
  /** The marks now held (null: x is seconds since the start). Read at every layout: live marks keep coming. */
  marks: () => TimeMarks | null;
}

/**
 * The marks a panel's x axis reads: those of its first line that has any (the lines of a group share x and are recorded
 * in the same loop, so their marks agree; merging them all on every frame would cost more than it tells).
 */
export function panelMarks(keys: readonly string[], times: ReadonlyMap<string, TimeMarks>): TimeMarks | undefined {
  for (const k of keys) {
    const m = times.get(k);
    if (m && m.x.length > 0) return m;
  }
  return undefined;
}

/** What an explicit x (recorded with `at`) is called when the group names no units (DESIGN.md X axis: "step or the group's units"). */
export const STEP_UNITS = 'step';

/**
 * The units of a panel's x: the group's, else "step" when its lines carry record-time marks (only points recorded with
 * `at` keep their record time, so x was given explicitly and is not seconds), else undefined: x is seconds since the start.
 */
export function panelXUnits(xUnits: string | undefined, marks: TimeMarks | undefined): string | undefined {
  return xUnits ?? (marks !== undefined && marks.x.length > 0 ? STEP_UNITS : undefined);
}

const explicitX = new WeakMap<object, object>();

/**
 * `panel` with the x units it shows (`panelXUnits` of its lines' marks): the same object while nothing changes, one
 * stable copy per panel when its x turned out to be explicit steps, so memoised charts keep their identity.
 */
export function withPanelXUnits<P extends { xUnits?: string; lines: ReadonlyArray<{ key: string }> }>(
  panel: P, times: ReadonlyMap<string, TimeMarks> | undefined,
): P {
  if (panel.xUnits !== undefined || !times) return panel;
  const units = panelXUnits(undefined, panelMarks(panel.lines.map((l) => l.key), times));
  if (units === undefined) return panel;
  let copy = explicitX.get(panel) as P | undefined;
  if (!copy) {
    copy = { ...panel, xUnits: units };
    explicitX.set(panel, copy);
  }
  return copy;
}

/** Whether relative/wall time can be shown: x is seconds, or the lines have record-time marks. */
export function timeAvailable(xUnits: string | undefined, startedAt: number | undefined, marks: TimeMarks | undefined): boolean {
  return startedAt !== undefined && (xUnits === undefined || (marks !== undefined && marks.x.length > 0));
}

/**
 * Whether the page-level X axis can offer relative and wall time: some panel can show them (`timeAvailable` of its
 * units, the start, and the record-time marks of its lines), as each panel's own options say.
 */
export function pageTimeAvailable(
  panels: ReadonlyArray<{ xUnits?: string | undefined; lines: ReadonlyArray<{ key: string }> }>, startedAt: number | undefined,
  times: ReadonlyMap<string, TimeMarks> | undefined,
): boolean {
  return panels.some((p) => timeAvailable(p.xUnits, startedAt, times ? panelMarks(p.lines.map((l) => l.key), times) : undefined));
}

/** Seconds since the start at x (NaN when unknown). */
export function secondsAt(axis: TimeAxis, x: number): number {
  const m = axis.marks();
  return m ? (timeAtX(m, x) - axis.startedAt) / 1000 : x;
}

/** The x at which `seconds` since the start were reached. */
export function xAtSeconds(axis: TimeAxis, seconds: number): number {
  const m = axis.marks();
  return m ? xAtTime(m, axis.startedAt + seconds * 1000) : seconds;
}

const CLOCK = new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit', second: '2-digit' });

/** The clock part of a local time ("14:05:09"), or null for a time with no calendar date (beyond ±MAX_DATE_MS). */
export function clockTime(ms: number): string | null {
  return Math.abs(ms) <= MAX_DATE_MS ? CLOCK.format(new Date(Math.round(ms))) : null;
}

/** How a time with no calendar date (x far beyond any clock) is said on a wall-time axis: from the start. */
const fromStart = (duration: string) => `start + ${duration}`;

/**
 * Ticks of x window [min, max] shown as time: round durations of the time the window spans, at the x where each was
 * reached; where several fall closer than half an even spacing (a pause with no points) the first is kept.
 * Wall time is labelled by `wallClockNotation` (date, minutes, seconds or fractions as the step needs); a time with no
 * calendar date, or labels that would read alike, as the duration since the start (`start + 3d`).
 */
export function timeTicks(axis: TimeAxis, min: number, max: number, maxTicks: number): AxisTicks {
  const lo = secondsAt(axis, min);
  const hi = secondsAt(axis, max);
  const t = durationTicks(lo, hi > lo ? hi : lo + 1, { maxTicks });
  const values: number[] = [];
  const durations: string[] = [];
  const labels: string[] = [];
  // Crowded: closer than half the spacing of `maxTicks` even ticks. Not the whole spacing: the round step is about that
  // wide, so a rate that merely wobbles (a loaded machine) dropped single ticks of an even axis (30s of 25s…55s).
  const gap = (max - min) / Math.max(1, maxTicks) / 2;
  const wall = wallClockNotation(t.step, axis.startedAt + t.min * 1000, axis.startedAt + t.max * 1000);
  t.values.forEach((s, i) => {
    const x = xAtSeconds(axis, s);
    // Round times crowd where time ran without steps (a pause): keep ticks as far apart as `maxTicks` even ones would be.
    if (!(x >= min && x <= max) || (values.length > 0 && !(x - values[values.length - 1]! >= gap))) return;
    values.push(x);
    durations.push(t.labels[i]!);
    labels.push(axis.kind === 'wall' ? wall(axis.startedAt + s * 1000) ?? fromStart(t.labels[i]!) : t.labels[i]!);
  });
  // Clock times that read alike (steps finer than a millisecond): the durations, which never do.
  const distinct = new Set(labels).size === labels.length;
  return { ...t, min, max, values, labels: distinct ? labels : durations.map(fromStart) };
}

/** The time axis a panel option asks for, when it can be shown (else null: the units axis). */
export function timeAxisFor(
  choice: XAxisChoice, xUnits: string | undefined, startedAt: number | undefined, marks: () => TimeMarks | undefined,
): TimeAxis | null {
  if (startedAt === undefined) return null;
  if (xUnits === undefined) return choice === 'wall' ? { kind: 'wall', startedAt, marks: () => null } : null;
  if (choice === 'units' || !marks()) return null;
  return { kind: choice, startedAt, marks: () => marks() ?? null };
}

/** The time of x as a tooltip says it: the clock time (wall) or the duration since the start (relative). */
export function timeLabel(axis: TimeAxis, x: number): string {
  const s = secondsAt(axis, x);
  if (Number.isNaN(s)) return '—';
  return axis.kind === 'wall' ? clockTime(axis.startedAt + s * 1000) ?? fromStart(formatX(s)) : formatX(s);
}
