import { formatAlone, type Notation } from './format.js';
import type { LineSeriesModel } from './panels.js';
import type { YAxisFrame } from './plot-frame.js';
import { lowerBound, type SeriesBuffer } from './series-buffer.js';

/**
 * What a legend or tooltip says about each line of a panel: its value at the cursor (or the latest value), written in
 * the notation of the line's y-axis so that values on one axis read alike and never hide a difference the axis shows.
 */

export interface ReadoutRow {
  key: string;
  label: string;
  /** The label as shown, shortened among its siblings (shortenNames). */
  short: string;
  /** Palette index. */
  color: number;
  /** The line's dash pattern (canvas px, on/off…), so the swatch looks like the line; absent for a solid line. */
  dash?: number[];
  /**
   * The value as text ("—" when the line has no point yet). Smoothing on (`readout`'s `smoothed`), at the cursor: the
   * smoothed line's value there — what the line drawn and the cursor's dot show.
   */
  value: string;
  /** Smoothing on, at the cursor: the raw value (read as without smoothing; `at` is its x). Absent otherwise. */
  raw?: string;
  /**
   * The x of the value, when the line is held reduced (per-pixel first/min/max/last) and has no held point at the
   * cursor's x: the value is then its held point at or before the cursor, which a tooltip names rather than pass off as
   * the value at the cursor. Absent otherwise.
   */
  at?: number;
}

/** Longest label a legend shows whole; longer ones are shortened in the middle (full name on hover). */
export const MAX_LABEL_CHARS = 36;

/** `name` shortened in the middle with "…" to at most `max` characters: metric names differ at both ends (prefix/suffix). */
export function shortenName(name: string, max = MAX_LABEL_CHARS): string {
  if (name.length <= max) return name;
  const tail = Math.ceil((max - 1) / 2);
  return `${name.slice(0, max - 1 - tail)}…${name.slice(name.length - tail)}`;
}

/** Characters of context kept on each side of the part that tells a name from its siblings. */
const CONTEXT = 8;

/**
 * Short labels for a legend's names: a name longer than `max` keeps the part where it differs from the others (with a
 * little context), its first and last characters, and "…" for what is cut — `model.encoder.layers.07.self_attention…norm`
 * becomes `model.en…layers.07.self_at…l_global` rather than losing "07" in the middle.
 */
export function shortenNames(names: readonly string[], max = MAX_LABEL_CHARS): string[] {
  const long = names.filter((n) => n.length > max);
  if (long.length < 2) return names.map((n) => shortenName(n, max));
  let prefix = long[0]!.length;
  let suffix = long[0]!.length;
  for (const n of long) {
    const first = long[0]!;
    let p = 0;
    while (p < prefix && p < n.length && n[p] === first[p]) p++;
    prefix = p;
    let s = 0;
    while (s < suffix && s < n.length && n[n.length - 1 - s] === first[first.length - 1 - s]) s++;
    suffix = s;
  }
  return names.map((n) => {
    if (n.length <= max) return n;
    const from = Math.max(0, Math.min(prefix, n.length - suffix) - CONTEXT);
    const to = Math.min(n.length, Math.max(prefix, n.length - suffix) + CONTEXT);
    const middle = n.slice(from, to);
    if (middle.length >= max - 2) return shortenName(middle, max);
    const room = max - middle.length - (from > 0 ? 1 : 0) - (to < n.length ? 1 : 0);
    const head = from > 0 ? n.slice(0, Math.min(from, Math.floor(room / 2))) : '';
    const tailLength = to < n.length ? Math.min(n.length - to, room - head.length) : 0;
    const tail = tailLength > 0 ? n.slice(n.length - tailLength) : '';
    return `${head}${from > head.length ? '…' : ''}${middle}${to < n.length - tail.length ? '…' : ''}${tail}`;
  });
}

/** The y of the last point at or before `x` (a line recorded at other x than the cursor's still reads), or undefined. */
export function valueAtOrBefore(s: SeriesBuffer | undefined, x: number): number | undefined {
  const i = s ? indexAtOrBefore(s, x) : -1;
  return i >= 0 ? s!.y[i] : undefined;
}

/** The index of the last point of `s` at or before `x`, or −1. */
function indexAtOrBefore(s: SeriesBuffer, x: number): number {
  const i = lowerBound(s, x);
  return i < s.length && s.x[i] === x ? i : i - 1;
}

/** The notation of a line's values: its axis's, or a single-value one while there is no chart (not made, or not laid out). */
export function lineNotation(frames: ReadonlyMap<string, YAxisFrame>, line: LineSeriesModel): Pick<Notation, 'format'> {
  return frames.get(line.scale)?.values ?? { format: formatAlone };
}

const shortsOf = new WeakMap<readonly LineSeriesModel[], string[]>();

/** `shortenNames` of the lines' labels, once per lines array (a panel's lines are kept while live data redraws it). */
function shortLabels(lines: readonly LineSeriesModel[]): string[] {
  let shorts = shortsOf.get(lines);
  if (!shorts) shortsOf.set(lines, (shorts = shortenNames(lines.map((l) => l.label))));
  return shorts;
}

/**
 * Rows for `lines`: the value at or before `x` (null: the latest value). Hidden lines are left out when `skipHidden`.
 */
export function readout(
  lines: readonly LineSeriesModel[],
  series: ReadonlyMap<string, SeriesBuffer>,
  frames: ReadonlyMap<string, YAxisFrame>,
  x: number | null,
  hidden: ReadonlySet<string> = new Set(),
  skipHidden = false,
  smoothed?: readonly (SeriesBuffer | null | undefined)[] | null,
): ReadoutRow[] {
  const rows: ReadoutRow[] = [];
  const shorts = shortLabels(lines);
  for (const [i, line] of lines.entries()) {
    if (skipHidden && hidden.has(line.key)) continue;
    const s = series.get(line.key);
    const p = !s ? -1 : x === null ? s.length - 1 : indexAtOrBefore(s, x);
    const v = p >= 0 ? s!.y[p] : undefined;
    const at = x !== null && p >= 0 && s!.downsampled ? s!.x[p] : undefined;
    const notation = lineNotation(frames, line);
    const value = v === undefined ? '—' : notation.format(v);
    // Smoothing on: the legend and tooltip at the cursor lead with the smoothed value at the cursor's x (the dot on the
    // line drawn), not the raw value of the last held point before it, which may be another x.
    const sm = x !== null && v !== undefined ? smoothed?.[i] : undefined;
    const sv = sm ? valueAtOrBefore(sm, x!) : undefined;
    rows.push({
      key: line.key, label: line.label, short: shorts[i]!, color: line.color, ...(line.dash && { dash: line.dash }),
      value: sv === undefined ? value : notation.format(sv),
      ...(sv !== undefined && { raw: value }),
      ...(at !== undefined && at !== x && { at }),
    });
  }
  return rows;
}
