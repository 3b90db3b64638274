/**
 * CSV cells of an export (RFC 4180): a field holding a comma, a double quote, CR or LF is quoted, its quotes doubled.
 * Numbers are written in JavaScript's shortest round-trip form, so parsing a cell with `Number()` gives the stored double
 * back exactly; non-finite values are `NaN`, `Infinity`, `-Infinity`; a series with no point at a row's x leaves its cell
 * empty.
 */
export function csvField(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** Name of the column an export with `time=wall` adds after x: when the row's x was recorded, ISO 8601 in UTC. */
export const WALL_TIME_COLUMN = 'wall_time';

/** The header row `x,<key>,…` (keys quoted as needed), with its line end; `x,wall_time,<key>,…` with a time column. */
export function csvHeader(keys: readonly string[], withTime = false): string {
  return ['x', ...(withTime ? [WALL_TIME_COLUMN] : []), ...keys].map(csvField).join(',') + '\n';
}

/** A time cell: ISO 8601 UTC with milliseconds (`2026-01-01T00:00:00.000Z`), empty when unknown (NaN). */
export function csvTime(ms: number): string {
  return Number.isFinite(ms) ? new Date(Math.round(ms)).toISOString() : '';
}

/**
 * One number as text: `String(n)` is the shortest text that parses back to the same double (and gives NaN/±Infinity);
 * -0 is written `-0` so it survives too.
 */
export function csvNumber(n: number): string {
  return Object.is(n, -0) ? '-0' : String(n);
}

/**
 * Rows of several series joined on x, for series that are each sorted by x (strictly increasing, as the store keeps them):
 * one row per distinct x in ascending order, a cell per series (empty where that series has no point at the x). With
 * `timeOf` (ms of an x, NaN when unknown) a time cell follows x.
 */
export function joinedCsvRows(series: ReadonlyArray<{ x: ArrayLike<number>; y: ArrayLike<number> }>, timeOf?: (x: number) => number): string {
  const at = series.map(() => 0);
  let out = '';
  for (;;) {
    let x = Infinity;
    let any = false;
    for (let s = 0; s < series.length; s++) {
      const i = at[s]!;
      if (i < series[s]!.x.length) {
        any = true;
        if (series[s]!.x[i]! < x) x = series[s]!.x[i]!;
      }
    }
    if (!any) return out;
    let row = csvNumber(x);
    if (timeOf) row += ',' + csvTime(timeOf(x));
    for (let s = 0; s < series.length; s++) {
      const i = at[s]!;
      row += ',';
      if (i < series[s]!.x.length && series[s]!.x[i] === x) {
        row += csvNumber(series[s]!.y[i]!);
        at[s] = i + 1;
      }
    }
    out += row + '\n';
  }
}
