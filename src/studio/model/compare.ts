import type { Execution, MetricDef, TimeMarks } from '../../protocol/index.js';
import { buildPanels, type AxisModel, type LineSeriesModel, type PanelModel } from './panels.js';
import { lowerBound, type SeriesBuffer } from './series-buffer.js';

/**
 * The compare model: several executions overlaid. Pure data, like `panels.ts`:
 * - one panel per group key across the runs (the union of their panels, in order of first appearance);
 * - each series is one run's metric, named `<run> · <metric key>`, keyed `<run index>/<metric key>`;
 * - one colour per run, the same in every panel; a run's second, third… metric in a panel is dashed;
 * - axes are shared across runs the way they are within one run (same scale name → same axis).
 */

/** A comparison holds at most this many runs: beyond it colours and legends stop being readable. */
export const MAX_COMPARE_RUNS = 20;

/** Joins the run and the metric in a series name: `train-resnet50 · loss`. */
export const SERIES_NAME_SEPARATOR = ' · ';

export interface CompareParams {
  ids: string[];
  /** The run every value is compared with, when chosen (one of `ids`). */
  baseline: string | null;
  /** Runs hidden from every panel. */
  hidden: string[];
}

/** `?ids=a,b,c&baseline=b&hide=c` → the comparison's parameters (ids unique, at most `MAX_COMPARE_RUNS`). */
export function decodeCompareParams(search: string): CompareParams {
  const p = new URLSearchParams(search);
  const list = (name: string) => p.getAll(name).flatMap((v) => v.split(',')).map((v) => v.trim()).filter((v) => v !== '');
  const ids = [...new Set(list('ids'))].slice(0, MAX_COMPARE_RUNS);
  const baseline = p.get('baseline');
  return { ids, baseline: baseline !== null && ids.includes(baseline) ? baseline : null, hidden: list('hide').filter((id) => ids.includes(id)) };
}

/** The search string of a comparison; other parameters of `search` (zoom) are kept. */
export function encodeCompareParams(params: CompareParams, search = ''): string {
  const p = new URLSearchParams(search);
  p.set('ids', params.ids.join(','));
  if (params.baseline) p.set('baseline', params.baseline);
  else p.delete('baseline');
  if (params.hidden.length > 0) p.set('hide', params.hidden.join(','));
  else p.delete('hide');
  return `?${p.toString().replace(/%2C/g, ',')}`;
}

export function comparePath(ids: readonly string[]): string {
  return `/compare${encodeCompareParams({ ids: [...ids], baseline: null, hidden: [] })}`;
}

/** What the compare model needs of one run. */
export interface CompareRunInput {
  id: string;
  execution: Execution | null;
  definitions: readonly MetricDef[];
  /** Keys with data to draw. */
  keys: readonly string[];
}

export interface CompareRun {
  id: string;
  /** Position in the comparison: its colour index and the prefix of its series keys. */
  index: number;
  /** How series of this run are named: the execution name, or, when several runs share it, what tells them apart. */
  label: string;
}

/** The first characters of an id that tell runs apart in a table or legend (8, as git abbreviates). */
export function shortId(id: string): string {
  return id.length <= 8 ? id : id.slice(0, 8).replace(/[-_.:]+$/, '');
}

/**
 * Ids that tell these runs apart, by id: each id's `shortId`, or the whole id when another id starts the same (ids chosen
 * by people share prefixes: `cmp-run-0` and `cmp-run-1` both start `cmp-run`; a longer cut such as `…-lr0.0` of
 * `…-lr0.01` would read as another id).
 */
export function shortIds(ids: readonly string[]): Map<string, string> {
  const unique = [...new Set(ids)];
  const out = new Map<string, string>();
  for (const id of unique) {
    const short = shortId(id);
    out.set(id, unique.some((o) => o !== id && o.startsWith(short)) ? id : short);
  }
  return out;
}

/**
 * Names of the runs in legends. A run whose execution name is unique is called by it; runs sharing a name are called by
 * their label values that differ between them (`lr=0.01`) after the name, else by their short id.
 */
export function runLabels(runs: readonly { id: string; execution: Execution | null }[]): string[] {
  const name = (r: { id: string; execution: Execution | null }) => r.execution?.name ?? r.id;
  const byName = new Map<string, { id: string; execution: Execution | null }[]>();
  for (const r of runs) byName.set(name(r), [...(byName.get(name(r)) ?? []), r]);
  const short = shortIds(runs.map((r) => r.id));
  return runs.map((r) => {
    const same = byName.get(name(r))!;
    if (same.length === 1) return name(r);
    const labels = r.execution?.labels ?? {};
    const differing = Object.keys(labels).filter((k) => same.some((o) => (o.execution?.labels ?? {})[k] !== labels[k]));
    const distinct = differing.map((k) => (labels[k] === '' ? k : `${k}=${labels[k]}`)).join(' ');
    const taken = same.filter((o) => o !== r).some((o) => {
      const ol = o.execution?.labels ?? {};
      return differing.every((k) => ol[k] === labels[k]);
    });
    return distinct !== '' && !taken ? `${name(r)} (${distinct})` : `${name(r)} #${short.get(r.id)}`;
  });
}

export function compareSeriesKey(runIndex: number, metricKey: string): string {
  return `${runIndex}/${metricKey}`;
}

/** `<run index>/<metric key>` → its parts. */
export function parseCompareSeriesKey(key: string): { runIndex: number; metricKey: string } {
  const slash = key.indexOf('/');
  return { runIndex: Number(key.slice(0, slash)), metricKey: key.slice(slash + 1) };
}

/** Dash patterns (CSS pixels) of a run's 1st, 2nd… metric in one panel; the colour tells the run. */
const DASHES: (number[] | undefined)[] = [undefined, [6, 4], [2, 3], [10, 3, 2, 3]];

export interface CompareLine extends LineSeriesModel {
  runId: string;
  runIndex: number;
  metricKey: string;
}

export interface ComparePanelModel extends PanelModel {
  lines: CompareLine[];
}

/**
 * The union of the runs' panels. Progress metrics are drawn as lines here (a bar per run would not compare). Each
 * run contributes `<run> · <metric>` lines in run order, coloured by run index.
 */
export function buildComparePanels(runs: readonly CompareRunInput[], labels: readonly string[]): ComparePanelModel[] {
  const merged = new Map<string, ComparePanelModel>();
  runs.forEach((run, runIndex) => {
    const defs = run.definitions.map((d) => (d.scale?.progress ? { ...d, scale: { ...d.scale, progress: false } } : d));
    for (const panel of buildPanels(defs, run.keys)) {
      let target = merged.get(panel.id);
      if (!target) {
        const { lines: _l, progress: _p, axes: _a, ...rest } = panel;
        target = { ...rest, axes: [], lines: [], progress: [] };
        merged.set(panel.id, target);
      }
      // A run without data under a defined key still gets its line: it shows in the legend with no value.
      panel.lines.forEach((line, metricIndex) => {
        let axis = target!.axes.find((a) => a.scale === line.scale);
        if (!axis) {
          const own = panel.axes.find((a) => a.scale === line.scale)!;
          axis = { ...own, side: target!.axes.length % 2 === 0 ? 'left' : 'right' } satisfies AxisModel;
          target!.axes.push(axis);
        }
        const dash = DASHES[metricIndex % DASHES.length];
        target!.lines.push({
          key: compareSeriesKey(runIndex, line.key),
          label: `${labels[runIndex] ?? run.id}${SERIES_NAME_SEPARATOR}${line.label}`,
          scale: line.scale,
          color: runIndex,
          runId: run.id,
          runIndex,
          metricKey: line.key,
          ...(dash && { dash }),
        });
      });
    }
  });
  return [...merged.values()];
}

/**
 * The record-time marks (protocol/time-marks.ts) of every run's series, keyed like the compare lines
 * (`compareSeriesKey`), so the execution page's time-axis functions (time-axis.ts) read them unchanged.
 */
export function compareTimes(runs: readonly { times: ReadonlyMap<string, TimeMarks> }[]): Map<string, TimeMarks> {
  const out = new Map<string, TimeMarks>();
  runs.forEach((run, i) => {
    for (const [key, m] of run.times) out.set(compareSeriesKey(i, key), m);
  });
  return out;
}

/**
 * Whose clock a compare panel's time axis reads (relative and wall time are each run's own): the first of `keys` (the
 * shown lines, in legend order) whose run has record-time marks for it, else the first key's run (x is seconds since
 * that run's start). `startedAt` is that run's start (ms since the epoch), undefined while unknown or with no keys.
 */
export function compareClock(
  keys: readonly string[], times: ReadonlyMap<string, TimeMarks>, startedAts: readonly (number | undefined)[],
): { key: string | undefined; startedAt: number | undefined } {
  const key = keys.find((k) => (times.get(k)?.x.length ?? 0) > 0) ?? keys[0];
  return { key, startedAt: key === undefined ? undefined : startedAts[parseCompareSeriesKey(key).runIndex] };
}

/**
 * A run's value at `x`: the point at x, else the straight line between the points around it (runs seldom share exact x
 * when x is time). Outside the series' range, or next to a non-finite value, there is none (undefined).
 */
export function valueAt(s: SeriesBuffer | undefined, x: number): number | undefined {
  if (!s || s.length === 0) return undefined;
  const i = lowerBound(s, x);
  if (i < s.length && s.x[i] === x) return s.y[i];
  if (i === 0 || i >= s.length) return undefined;
  const x0 = s.x[i - 1]!;
  const x1 = s.x[i]!;
  const y0 = s.y[i - 1]!;
  const y1 = s.y[i]!;
  if (!Number.isFinite(y0) || !Number.isFinite(y1)) return undefined;
  return y0 + ((y1 - y0) * (x - x0)) / (x1 - x0);
}

/** A run's own point at or before `x` (what a tooltip shows for it), with its x. */
export function pointAtOrBefore(s: SeriesBuffer | undefined, x: number): { x: number; y: number } | undefined {
  if (!s || s.length === 0) return undefined;
  let i = lowerBound(s, x);
  if (i < s.length && s.x[i] === x) return { x, y: s.y[i]! };
  i--;
  return i >= 0 ? { x: s.x[i]!, y: s.y[i]! } : undefined;
}

/** `value − baseline at the same x`, or undefined when the baseline has no value there or either is not finite. */
export function deltaFromBaseline(value: number, x: number, baseline: SeriesBuffer | undefined): number | undefined {
  const b = valueAt(baseline, x);
  if (b === undefined || !Number.isFinite(b) || !Number.isFinite(value)) return undefined;
  return value - b;
}

/** A difference as text: `+0.012`, `−3.4`, `±0`. */
export function formatDelta(d: number, format: (v: number) => string): string {
  if (d === 0) return '±0';
  return d > 0 ? `+${format(d)}` : `−${format(-d)}`;
}
