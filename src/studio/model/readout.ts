import { formatNumber, type Notation } from './format.js';
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
  /** Palette index. */
  color: number;
  /** The value as text ("—" when the line has no point yet). */
  value: string;
}

/** Longest label a legend shows whole; longer ones are shortened in the middle (full name on hover). */
export const MAX_LABEL_CHARS = 36;

/** `name` shortened in the middle with "…" to at most `max` characters: metric names differ at both ends (prefix/suffix). */
export function shortenName(name: string, max = MAX_LABEL_CHARS): string {
  if (name.length <= max) return name;
  const tail = Math.ceil((max - 1) / 2);
  return `${name.slice(0, max - 1 - tail)}…${name.slice(name.length - tail)}`;
}

/** The y of the last point at or before `x` (a line recorded at other x than the cursor's still reads), or undefined. */
export function valueAtOrBefore(s: SeriesBuffer | undefined, x: number): number | undefined {
  if (!s || s.length === 0) return undefined;
  const i = lowerBound(s, x);
  if (i < s.length && s.x[i] === x) return s.y[i];
  return i > 0 ? s.y[i - 1] : undefined;
}

/** The notation of a line's values: its axis's, or a single-value fallback before the chart has laid out. */
export function lineNotation(frames: ReadonlyMap<string, YAxisFrame>, line: LineSeriesModel): Pick<Notation, 'format'> {
  return frames.get(line.scale)?.values ?? { format: formatNumber };
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
): ReadoutRow[] {
  const rows: ReadoutRow[] = [];
  for (const line of lines) {
    if (skipHidden && hidden.has(line.key)) continue;
    const s = series.get(line.key);
    const v = x === null ? (s && s.length > 0 ? s.y[s.length - 1] : undefined) : valueAtOrBefore(s, x);
    rows.push({ key: line.key, label: line.label, color: line.color, value: v === undefined ? '—' : lineNotation(frames, line).format(v) });
  }
  return rows;
}
