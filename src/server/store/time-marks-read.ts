import { finishMarks, type SeriesData } from '../../protocol/index.js';

/**
 * A series read with its time marks (rows in x order, as a backend selects them: those in range and the nearest on each
 * side), thinned to the read's budget; a series without marks is returned as it is.
 */
export function withMarks(data: SeriesData, rows: ReadonlyArray<{ x: number; t: number }>, budget: number | undefined): SeriesData {
  const times = finishMarks(rows.map((r) => r.x), rows.map((r) => r.t), budget);
  return times ? { ...data, times } : data;
}
