import { GRID_SLACK } from './live-decimate.js';
import type { AlignedColumns, SeriesBuffer } from './series-buffer.js';

/**
 * What a live chart's redraws keep of each line from one redraw to the next, so that a redraw costs what arrived since the
 * last one rather than every point held. A full live window of 50 series is ~300,000 points; passing over all of them on
 * every one of 20 redraws a second (extents, plot units, gaps, isolated points, the cursor's sampled table) was most of a
 * live redraw (plot-frame.ts, issue #20), and on a busy 2-core machine one such redraw stretched past 50 ms.
 *
 * A line's points are told apart by a `SettledPrefix`: the points it has settled stay as they are while its token and
 * generation hold (the held buffer between edits, or a per-pixel reduction between layouts: live-decimate.ts). What was
 * computed of settled points is kept; the rest is computed again on each call. The sampled table's cells are laid over a
 * span a little wider than the window (as the reduction's buckets: `GRID_SLACK`) so that they stay put while it grows.
 */

/** Points of a line that stay as they are from call to call. */
export interface SettledPrefix {
  /** What the points are of: the held buffer, or the reduction kept for it. */
  token: object;
  /** Changes whenever the points changed other than from `settled` on. */
  generation: number;
  /** While `token` and `generation` hold, points [0, settled) of this call are unchanged by later calls. */
  settled: number;
}

/**
 * Plot units are clamped to ±PLOT_LIMIT: a finite value stays finite (1e308 over a tick of 1e-3 would overflow), and
 * the limit does not depend on the window, so what is kept holds while the axis only widens or narrows within its tick.
 * Whatever draws them clamps again to its pixels (line-frame.ts).
 */
export const PLOT_LIMIT = 1e300;

/** What is kept of one line. Its arrays hold until the next call for the same line. */
class LineMemo {
  token: object | null = null;
  generation = 0;
  /** The settled points of the last call. */
  settled = 0;
  /** Extent of the finite values of points [0, measured). */
  min = Infinity;
  max = -Infinity;
  measured = 0;
  /** Plot units (with origin and unit) of points [0, plotted). */
  origin = NaN;
  unit = NaN;
  y = new Float64Array(0);
  plotted = 0;
  /** x of the NaN/±Infinity points among [0, oddTo), and of the isolated finite points among [0, isolatedTo). */
  odd: number[] = [];
  oddTo = 0;
  isolated: number[] = [];
  isolatedTo = 0;
  /**
   * The sampled table (on grid `grid`): per cell, the index of the point it shows (−1: none). Cells [0, finalCells) are
   * final and hold points [0, picked); cells from there to `touched` hold picks of points that may still change.
   */
  grid = -1;
  picks = new Int32Array(0);
  finalCells = 0;
  picked = 0;
  touched = -1;

  /** Starts over unless `mark` continues what was computed. */
  follow(mark: SettledPrefix): void {
    const same = mark.token === this.token && mark.generation === this.generation && mark.settled >= this.settled;
    this.settled = mark.settled;
    if (same) return;
    this.token = mark.token;
    this.generation = mark.generation;
    this.min = Infinity;
    this.max = -Infinity;
    this.measured = 0;
    this.plotted = 0;
    this.odd = [];
    this.oddTo = 0;
    this.isolated = [];
    this.isolatedTo = 0;
    this.grid = -1;
  }
}

/** The sampled table's cells: `cells` of `width` x units from `from` (more are added as the window grows), laid for a plot `pixels` wide. */
export interface TableGrid {
  id: number;
  from: number;
  width: number;
  cells: number;
  pixels: number;
}

/** A finite number (v − v is NaN for NaN and ±Infinity). */
const finite = (v: number) => v - v === 0;

/** One chart's memo of its live lines, by line key (`LivePlot.line`), and of its sampled table's grid. */
export class LivePlot {
  private readonly memos = new Map<string, LineMemo>();
  private grid: TableGrid | null = null;
  private grids = 0;
  /** Per cell: the largest x shown in it, then its column (reused from call to call). */
  private cellX = new Float64Array(0);
  private cellColumn = new Int32Array(0);
  /** The table's value columns, per line (written over by each call). */
  private readonly columns: (number | null | undefined)[][] = [];

  /** The sampled table's cells as last laid (null: none yet). */
  get tableGrid(): Readonly<TableGrid> | null {
    return this.grid;
  }

  /** The memo of line `key`, following `mark`. */
  line(key: string, mark: SettledPrefix): LineMemo {
    let m = this.memos.get(key);
    if (!m) this.memos.set(key, (m = new LineMemo()));
    m.follow(mark);
    return m;
  }

  /** Forgets lines no longer drawn. */
  keep(keys: ReadonlySet<string>): void {
    for (const key of this.memos.keys()) if (!keys.has(key)) this.memos.delete(key);
  }

  /**
   * The sampled table (`alignSeries` sampled: one point of each line per cell, half a pixel to a pixel wide, its last finite one,
   * else its last) of `lines` (plot units, sorted x), made from what each line's memo kept: cells of settled points are
   * picked once. `snap`: a pixel in x units; `clamp[j]`: the [lo, hi] its values are clamped to in the table (uPlot
   * draws from it). A plot over MAX_TABLE_CELLS pixels wide gets cells of more than a pixel. The value columns are this
   * object's own: they hold until the next call.
   */
  sampledTable(lines: readonly SeriesBuffer[], memos: readonly LineMemo[], snap: number, clamp: readonly (readonly [number, number])[]): Omit<AlignedColumns, 'odd'> {
    let lo = Infinity;
    let hi = -Infinity;
    for (const s of lines) {
      if (s.length === 0) continue;
      lo = Math.min(lo, s.x[0]!);
      hi = Math.max(hi, s.x[s.length - 1]!);
    }
    const k = lines.length;
    if (!(lo <= hi)) return { x: new Float64Array(0), ys: lines.map(() => []) };
    const pixels = Math.max(1, Math.round((hi - lo) / snap));
    const g = this.layGrid(lo, hi, pixels, snap);
    if (this.cellX.length < g.cells) {
      this.cellX = new Float64Array(g.cells);
      this.cellColumn = new Int32Array(g.cells);
    }
    const cellX = this.cellX;
    cellX.fill(-Infinity, 0, g.cells);
    for (let j = 0; j < k; j++) {
      const s = lines[j]!;
      const m = memos[j]!;
      pick(m, s, g);
      const xs = s.x;
      const picks = m.picks;
      for (let c = 0; c <= m.touched; c++) {
        const p = picks[c]!;
        if (p >= 0 && xs[p]! > cellX[c]!) cellX[c] = xs[p]!;
      }
    }
    const cellColumn = this.cellColumn;
    let columns = 0;
    for (let c = 0; c < g.cells; c++) cellColumn[c] = cellX[c]! > -Infinity ? columns++ : -1;
    const x = new Float64Array(columns);
    for (let c = 0; c < g.cells; c++) if (cellColumn[c]! >= 0) x[cellColumn[c]!] = cellX[c]!;
    // The value columns of the last call are written over (every entry, `undefined` where a line shows no point) and
    // handed to uPlot again at once. Its garbage stays: uPlot's columns mix numbers with null and undefined, so each
    // value is a boxed number (~6 MB/s for 50 lines at 18 redraws a second, measured with and without this).
    const ys = lines.map((s, j) => {
      const m = memos[j]!;
      const [min, max] = clamp[j]!;
      const col = this.columns[j] ?? (this.columns[j] = []);
      col.length = columns;
      const values = s.y;
      const picks = m.picks;
      for (let c = 0; c < g.cells; c++) {
        const at = cellColumn[c]!;
        if (at < 0) continue;
        const p = c <= m.touched ? picks[c]! : -1;
        if (p < 0) col[at] = undefined;
        else {
          const v = values[p]!;
          col[at] = finite(v) ? (v < min ? min : v > max ? max : v) : null;
        }
      }
      return col;
    });
    this.columns.length = lines.length;
    return { x, ys };
  }

  /**
   * The grid for lines spanning [lo, hi] over `pixels`: the one laid while it still fits; grown by cells of the same
   * width while the window grows, up to TABLE_CELLS_PER_PIXEL a pixel (what was picked then holds); else a new one.
   */
  private layGrid(lo: number, hi: number, pixels: number, snap: number): TableGrid {
    const g = this.grid;
    if (g && g.from === lo && g.pixels === pixels) {
      if (hi < g.from + g.width * g.cells) return g;
      const cells = Math.ceil(((hi - lo) * GRID_SLACK) / g.width);
      if (cells <= Math.min(TABLE_CELLS_PER_PIXEL * pixels, MAX_TABLE_CELLS) && hi < g.from + g.width * cells) {
        g.cells = cells;
        return g;
      }
    }
    const cells = Number.isFinite(pixels) ? Math.min(pixels, MAX_TABLE_CELLS) : MAX_TABLE_CELLS;
    const width = hi > lo ? ((hi - lo) * GRID_SLACK) / cells : snap;
    this.grid = { id: ++this.grids, from: lo, width, cells, pixels };
    return this.grid;
  }
}

/**
 * The sampled table's cells are grown rather than laid anew until there are this many a pixel: a grid is laid (and every
 * point drawn picked again) each time the window doubles, rather than every eighth of it.
 */
const TABLE_CELLS_PER_PIXEL = 2;

/** Cells of the sampled table at most (a plot wider than any screen has cells wider than a pixel). */
const MAX_TABLE_CELLS = 1 << 16;

/** Picks, in `m`, the point each cell of `g` shows of line `s`, from where the final cells end. */
function pick(m: LineMemo, s: SeriesBuffer, g: TableGrid): void {
  if (m.grid !== g.id) {
    m.grid = g.id;
    if (m.picks.length !== g.cells) m.picks = new Int32Array(g.cells);
    m.picks.fill(-1);
    m.finalCells = 0;
    m.picked = 0;
    m.touched = -1;
  } else if (m.picks.length < g.cells) {
    // The grid grew: its cells so far keep their picks.
    const picks = new Int32Array(g.cells).fill(-1);
    picks.set(m.picks);
    m.picks = picks;
  }
  const picks = m.picks;
  // The cells of unsettled points are picked again.
  if (m.touched >= m.finalCells) picks.fill(-1, m.finalCells, m.touched + 1);
  const xs = s.x;
  const ys = s.y;
  const n = s.length;
  // Locals and no closure: when a grid is laid this runs over every point drawn.
  const { from, width } = g;
  const top = g.cells - 1;
  // Cells before the last settled point's have all their points settled.
  const finalCells = m.settled > 0 ? cellOf(xs[m.settled - 1]!, from, width, top) : 0;
  let start = -1;
  for (let i = m.picked; i < n; i++) {
    const f = Math.floor((xs[i]! - from) / width);
    const c = f < 0 ? 0 : f > top ? top : f;
    if (start < 0 && c >= finalCells) start = i;
    const p = picks[c]!;
    const v = ys[i]!;
    if (p < 0 || v - v === 0 || ys[p]! - ys[p]! !== 0) picks[c] = i;
  }
  m.picked = start < 0 ? n : start;
  m.finalCells = finalCells;
  m.touched = n > 0 ? cellOf(xs[n - 1]!, from, width, top) : -1;
}

/** The cell of x on a grid from `from`, cells `width` wide, the last one `top`. */
function cellOf(x: number, from: number, width: number, top: number): number {
  return Math.min(top, Math.max(0, Math.floor((x - from) / width)));
}

/** The extent [min, max] of the finite values of `s` (Infinity, −Infinity: none), from what `m` kept of its settled part on. */
export function lineExtent(m: LineMemo, s: SeriesBuffer): [number, number] {
  const settled = m.settled;
  const ys = s.y;
  let min = m.min;
  let max = m.max;
  for (let i = m.measured; i < settled; i++) {
    const v = ys[i]!;
    if (!finite(v)) continue;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  m.min = min;
  m.max = max;
  m.measured = settled;
  for (let i = settled; i < s.length; i++) {
    const v = ys[i]!;
    if (!finite(v)) continue;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return [min, max];
}

/**
 * The values of `s` in plot units, (v − origin) / unit clamped to ±PLOT_LIMIT, NaN and ±Infinity as they are: `m`'s own
 * array (at least `s.length` long), whose settled part is computed once while origin and unit hold.
 */
export function plotUnits(m: LineMemo, s: SeriesBuffer, origin: number, unit: number): Float64Array {
  const settled = m.settled;
  if (origin !== m.origin || unit !== m.unit) {
    m.origin = origin;
    m.unit = unit;
    m.plotted = 0;
  }
  if (m.y.length < s.length) {
    // As long as what holds the line's x (a reduction's x is a view of its whole buffer, which grows a few points a
    // redraw), else twice as long: not a new array on every redraw.
    const whole = s.x.byteOffset === 0 ? s.x.buffer.byteLength / Float64Array.BYTES_PER_ELEMENT : 0;
    const y = new Float64Array(s.length <= whole ? whole : Math.max(s.length, 2 * m.y.length));
    y.set(m.y.subarray(0, m.plotted));
    m.y = y;
  }
  const y = m.y;
  const ys = s.y;
  for (let i = m.plotted; i < s.length; i++) {
    const v = ys[i]!;
    if (finite(v)) {
      const t = (v - origin) / unit;
      y[i] = t < -PLOT_LIMIT ? -PLOT_LIMIT : t > PLOT_LIMIT ? PLOT_LIMIT : t;
    } else y[i] = v;
  }
  m.plotted = settled;
  return y;
}

/**
 * x of the NaN/±Infinity points of `s` (gap markers) and of its isolated points (finite, with no finite neighbour: drawn as
 * dots), from what `m` kept of its settled part on. The arrays hold until the next call for the line.
 */
export function gapsAndIsolated(m: LineMemo, s: SeriesBuffer): { odd: number[]; isolated: number[] } {
  const settled = m.settled;
  const xs = s.x;
  const ys = s.y;
  const n = s.length;
  for (let i = m.oddTo; i < settled; i++) if (!finite(ys[i]!)) m.odd.push(xs[i]!);
  m.oddTo = Math.max(m.oddTo, settled);
  // A point's isolation reads its right neighbour: it is settled once that one is.
  const isolated = (i: number) => finite(ys[i]!) && (i === 0 || !finite(ys[i - 1]!)) && (i === n - 1 || !finite(ys[i + 1]!));
  const end = Math.max(0, settled - 1);
  for (let i = m.isolatedTo; i < end; i++) if (isolated(i)) m.isolated.push(xs[i]!);
  m.isolatedTo = Math.max(m.isolatedTo, end);
  let odd = m.odd;
  for (let i = m.oddTo; i < n; i++) if (!finite(ys[i]!)) (odd === m.odd ? (odd = [...m.odd]) : odd).push(xs[i]!);
  let iso = m.isolated;
  for (let i = m.isolatedTo; i < n; i++) if (isolated(i)) (iso === m.isolated ? (iso = [...m.isolated]) : iso).push(xs[i]!);
  return { odd, isolated: iso };
}

export type { LineMemo };
