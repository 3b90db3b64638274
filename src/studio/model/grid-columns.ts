import type { SeriesBuffer } from './series-buffer.js';

/** The columns of an aligned table: its x, and per series the column of each of its points. */
export interface TableColumns {
  /** Strictly increasing. */
  x: Float64Array;
  /**
   * Per series, `column[j][i]` is the column of its i-th point (−1: not in the table, `sampled`); a series never has two
   * points in one column.
   */
  column: Int32Array[];
}

/**
 * More cells than this many per point (beyond `FREE_CELLS`), and the grid is not worth its arrays (points sparse over a
 * wide x range, e.g. held points far outside a deep zoom): the caller merges instead. A chart's snap is a quarter pixel,
 * so its view alone is 4 cells a pixel.
 */
const MAX_CELLS_PER_POINT = 4;
/** Cells allowed whatever the number of points (17 bytes each of scratch): a 4,000-pixel-wide view at 4 cells a pixel. */
const FREE_CELLS = 16_384;

/**
 * The columns of the snapped aligned table in O(points + cells), without comparing series with each other: x is cut into
 * cells `snap` wide from the smallest x, and the points of one cell share one column — x the largest of them — when no
 * series has two points in it. A crowded cell (a series with two or more points in it: a line denser than `snap`) keeps
 * one column per distinct x, so no series ever has two points in a column. Every column lies within one cell, so the value
 * at or before a column's x (`valueAtOrBefore`) is each member's own point.
 *
 * Series must be sorted with unique x (as held). `snap` > 0, in x units (a chart passes a fraction of a pixel). Null when
 * the x range holds too many cells for its points (`MAX_CELLS_PER_POINT`; the caller then uses the heap merge).
 *
 * It is a counting sort by cell (a bucket sort of the points) in place of the k-way merge: the cost follows the points,
 * not points · log series, whatever the spread of series stamped at nearly the same x.
 *
 * `sampled`: each series puts only one point of each cell in the table — its last finite one, else its last — and the
 * rest get column −1 (not in the table). Every cell is then one column: a table of at most series × cells, whatever the
 * number of points, for a chart whose lines are drawn from every point by something else (the line layer).
 */
export function gridColumns(series: readonly SeriesBuffer[], snap: number, sampled = false): TableColumns | null {
  let points = 0;
  let lo = Infinity;
  let hi = -Infinity;
  for (const s of series) {
    if (s.length === 0) continue;
    points += s.length;
    lo = Math.min(lo, s.x[0]!);
    hi = Math.max(hi, s.x[s.length - 1]!);
  }
  if (points === 0) return { x: new Float64Array(0), column: series.map(() => new Int32Array(0)) };
  const span = Math.floor((hi - lo) * (1 / snap));
  if (!(span < MAX_CELLS_PER_POINT * points + FREE_CELLS)) return null;
  const cells = span + 1;
  const perCell = 1 / snap;
  // Pass 1: each point's cell (kept in what becomes its column), points per cell, and which cells are crowded.
  const count = new Int32Array(cells);
  const crowded = new Uint8Array(cells);
  const column: Int32Array[] = [];
  // Plain loops rather than closures over the arrays: these run over every point of every redraw.
  for (let j = 0; j < series.length; j++) {
    const xs = series[j]!.x;
    const at = new Int32Array(series[j]!.length);
    let last = -1;
    if (sampled) sampleCells(xs, series[j]!.y, at, lo, perCell, count);
    else {
      for (let i = 0; i < at.length; i++) {
        const c = Math.floor((xs[i]! - lo) * perCell);
        at[i] = c;
        count[c]!++;
        if (c === last) crowded[c] = 1;
        last = c;
      }
    }
    column.push(at);
  }
  // Where each crowded cell's points go in the scratch (in cell order), sorted there to find its distinct x.
  let crowdedPoints = 0;
  const scratchAt = new Int32Array(cells + 1);
  for (let c = 0; c < cells; c++) {
    scratchAt[c] = crowdedPoints;
    if (crowded[c] === 1) crowdedPoints += count[c]!;
  }
  scratchAt[cells] = crowdedPoints;
  const scratch = new Float64Array(crowdedPoints);
  if (crowdedPoints > 0) {
    const fill = scratchAt.slice(0, cells);
    for (let j = 0; j < series.length; j++) {
      const xs = series[j]!.x;
      const at = column[j]!;
      for (let i = 0; i < at.length; i++) if (crowded[at[i]!] === 1) scratch[fill[at[i]!]!++] = xs[i]!;
    }
  }
  // Columns per cell: one for a plain cell with points, the distinct x of a crowded one (sorted and deduplicated in place,
  // its distinct values first). `first[c]` is the cell's first column.
  const first = new Int32Array(cells);
  const distinct = new Int32Array(cells);
  let columns = 0;
  for (let c = 0; c < cells; c++) {
    first[c] = columns;
    if (count[c] === 0) continue;
    if (crowded[c] === 0) {
      columns++;
      continue;
    }
    const cell = scratch.subarray(scratchAt[c]!, scratchAt[c + 1]!).sort();
    let n = 1;
    for (let i = 1; i < cell.length; i++) if (cell[i] !== cell[n - 1]) cell[n++] = cell[i]!;
    distinct[c] = n;
    columns += n;
  }
  // Pass 2: cells → columns; a plain column's x is its largest member.
  const x = new Float64Array(columns).fill(-Infinity);
  for (let j = 0; j < series.length; j++) {
    const xs = series[j]!.x;
    const at = column[j]!;
    for (let i = 0; i < at.length; i++) {
      const v = xs[i]!;
      const c = at[i]!;
      if (c < 0) continue;
      let col = first[c]!;
      if (crowded[c] === 1) {
        // The rank of v among the cell's distinct x: a binary search over a cell's few values.
        const base = scratchAt[c]!;
        let a = base;
        let b = base + distinct[c]!;
        while (a < b) {
          const mid = (a + b) >>> 1;
          if (scratch[mid]! < v) a = mid + 1;
          else b = mid;
        }
        col += a - base;
        x[col] = v;
      } else if (v > x[col]!) x[col] = v;
      at[i] = col;
    }
  }
  return { x, column };
}

/**
 * `gridColumns`'s sampled pass over one series: `at[i]` is the cell of the point kept for its cell (the last finite one,
 * else the last) and −1 for the others; `count` counts the kept ones.
 */
function sampleCells(xs: Float64Array, ys: Float64Array, at: Int32Array, lo: number, perCell: number, count: Int32Array): void {
  let cell = -1;
  let pick = -1;
  let pickFinite = false;
  for (let i = 0; i < at.length; i++) {
    const c = Math.floor((xs[i]! - lo) * perCell);
    const finite = Number.isFinite(ys[i]!);
    at[i] = -1;
    if (c !== cell) {
      if (pick >= 0) {
        at[pick] = cell;
        count[cell]!++;
      }
      cell = c;
      pick = i;
      pickFinite = finite;
    } else if (finite || !pickFinite) {
      pick = i;
      pickFinite = finite;
    }
  }
  if (pick >= 0) {
    at[pick] = cell;
    count[cell]!++;
  }
}
