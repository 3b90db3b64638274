import { toWireArray, type SeriesData } from '../../protocol/index.js';
import { bucketsForBudget, M4, type PointSummary } from '../../protocol/downsample.js';
import { BLOCK_SIZE, BlockTable } from './block-table.js';
import { decodeBlock, decodeChunkWith } from './chunk.js';

export interface ChunkColumns {
  xs: Buffer;
  ys: Buffer;
}

/**
 * One chunk overlapping a read range, in x order, as the planning query returns it. Edge chunks (reaching past `from` or
 * `to`) come with their block tier and encoded columns, since counting the points in range needs them. A chunk inside the
 * range may come without its block tier (`blocks` null) but then with its whole-chunk `summary`: a downsampled read needs
 * its blocks only when a bucket edge falls inside it.
 */
export interface ChunkMeta {
  id: number;
  count: number;
  /** x of the chunk's first and last points: needed only when `blocks` is null. */
  firstX?: number;
  lastX?: number;
  blocks: Buffer | null;
  summary: PointSummary | null;
  columns: ChunkColumns | null;
}

export interface Range {
  from?: number;
  to?: number;
  budget?: number;
  /** Downsampled reads may move bucket edges to stored block boundaries (`M4.snapBucket`): no block is decoded. */
  snap?: boolean;
}

/** One block of one chunk: where its values start in the x and y columns, and where they end (null: at the end). */
export interface BlockRef {
  id: number;
  b: number;
  from: number;
  count: number;
  x: { start: number; end: number | null };
  y: { start: number; end: number | null };
}

/**
 * A read of one series, planned from the chunks' summaries: what it returns and what it still needs. A backend loads
 * `neededTables` first (block tiers; `addTables`), then the columns of `needed` and the points of `neededBlocks`.
 */
export interface RangePlan {
  key: string;
  chunks: ChunkMeta[];
  tables: Array<BlockTable | null>;
  lo: number;
  hi: number;
  total: number;
  /** Null when every point in range is returned. */
  m4: M4 | null;
  /** Bucket edges may snap to block boundaries (`Range.snap`). */
  snap: boolean;
  /** Chunks whose block tier is needed (and missing). */
  neededTables: number[];
  /** Chunks whose whole columns are needed (every point in range is returned). */
  needed: number[];
  /** Blocks whose points a downsampled read needs (they straddle a bucket edge): a backend may load just these. */
  neededBlocks: BlockRef[];
}

/**
 * Points loaded for a plan: whole columns by chunk id (an embedded backend may load them as asked for), and/or decoded
 * blocks by `${chunkId}:${block}`.
 */
export interface LoadedPoints {
  columns: { get(id: number): ChunkColumns | undefined };
  blocks?: ReadonlyMap<string, { x: Float64Array; y: Float64Array }>;
}

function columnsOf(c: ChunkMeta, loaded: LoadedPoints['columns']): ChunkColumns {
  const cols = c.columns ?? loaded.get(c.id);
  if (!cols) throw new Error(`range read: the points of chunk ${c.id} were not loaded`);
  return cols;
}

const blockCount = (c: ChunkMeta, b: number) => Math.min(BLOCK_SIZE, c.count - b * BLOCK_SIZE);

/**
 * Visits what overlaps [lo, hi] in x order: each block of a chunk whose block tier is known (telling whether it lies
 * wholly inside), or a whole chunk without one (b = -1; such a chunk always lies inside).
 */
function eachPart(plan: RangePlan, visit: (i: number, b: number, inside: boolean) => void, start = 0, end = plan.chunks.length): void {
  const { chunks, tables, lo, hi } = plan;
  for (let i = start; i < end; i++) {
    const c = chunks[i]!;
    const t = tables[i];
    if (!t) {
      if (!(c.firstX! >= lo && c.lastX! <= hi)) throw new Error(`range read: edge chunk ${c.id} came without its block tier`);
      visit(i, -1, true);
      continue;
    }
    for (let b = 0; b < t.length; b++) {
      const first = t.firstX(b);
      const last = t.lastX(b);
      if (last < lo || first > hi) continue;
      visit(i, b, first >= lo && last <= hi);
    }
  }
}

/**
 * Plans a read of [from, to] of one series from its chunks overlapping the range (x order): every point when they fit the
 * budget, else M4 buckets over the range clamped to the data, built from the summaries of whole chunks or blocks wherever
 * one falls inside one bucket, so that only blocks straddling a bucket edge or the range ends are decoded (with
 * `range.snap`, only those straddling the range ends or wider than half a bucket).
 * `listBlocks: false` skips listing those blocks (`neededBlocks`), for a backend that loads points as `finishRange` asks.
 */
export function planRange(key: string, chunks: ChunkMeta[], range: Range, opts: { listBlocks?: boolean } = {}): RangePlan {
  const lo = range.from ?? -Infinity;
  const hi = range.to ?? Infinity;
  // A chunk inside the range with its whole-chunk summary is planned from that: its block tier (a compact one costs a
  // decoding) is read only if a bucket edge falls into it (`neededTables`), even when its bytes came along.
  const deferred = (c: ChunkMeta) => c.summary !== null && c.firstX !== undefined && c.lastX !== undefined && c.firstX >= lo && c.lastX <= hi;
  const plan: RangePlan = {
    key, chunks, tables: chunks.map((c) => (c.blocks && !deferred(c) ? BlockTable.cached(c.id, c.blocks) : null)), lo, hi, total: 0, m4: null,
    snap: range.snap === true,
    neededTables: [], needed: [], neededBlocks: [],
  };
  if (chunks.length === 0 || lo > hi) return plan;

  let total = 0;
  let dataLo = Infinity;
  let dataHi = -Infinity;
  const none = new Map<number, ChunkColumns>();
  eachPart(plan, (i, b, inside) => {
    const c = chunks[i]!;
    if (b < 0) {
      total += c.count;
      dataLo = Math.min(dataLo, c.firstX!);
      dataHi = Math.max(dataHi, c.lastX!);
      return;
    }
    const t = plan.tables[i]!;
    if (inside) {
      total += blockCount(c, b);
      dataLo = Math.min(dataLo, t.firstX(b));
      dataHi = Math.max(dataHi, t.lastX(b));
      return;
    }
    const cols = columnsOf(c, none);
    const { x } = decodeBlock(cols.xs, cols.ys, t, c.count, b);
    for (const v of x) {
      if (v < lo || v > hi) continue;
      total++;
      dataLo = Math.min(dataLo, v);
      dataHi = Math.max(dataHi, v);
    }
  });
  plan.total = total;
  if (total === 0) return plan;
  if (range.budget === undefined || total <= range.budget) {
    plan.needed = chunks.filter((c) => !c.columns).map((c) => c.id);
    plan.neededTables = chunks.filter((c, i) => !plan.tables[i]).map((c) => c.id);
    return plan;
  }
  const m4 = new M4(dataLo, dataHi, bucketsForBudget(range.budget));
  plan.m4 = m4;
  chunks.forEach((c, i) => {
    if (!plan.tables[i] && !(c.summary && m4.snapBucket(c.firstX!, c.lastX!, plan.snap) >= 0)) plan.neededTables.push(c.id);
  });
  if (opts.listBlocks !== false) planBlocks(plan, new Set(chunks.map((c) => c.id)));
  return plan;
}

/** Adds the blocks of chunks `ids` (whose tiers are known) that a downsampled read must decode. */
function planBlocks(plan: RangePlan, ids: ReadonlySet<number>): void {
  const m4 = plan.m4!;
  eachPart(plan, (i, b, inside) => {
    const c = plan.chunks[i]!;
    if (b < 0 || !ids.has(c.id) || c.columns) return;
    const t = plan.tables[i]!;
    if (inside && m4.snapBucket(t.firstX(b), t.lastX(b), plan.snap) >= 0) return;
    const last = b + 1 >= t.length;
    plan.neededBlocks.push({
      id: c.id, b, from: b * BLOCK_SIZE, count: blockCount(c, b),
      x: { start: t.xOffset(b), end: last ? null : t.xOffset(b + 1) },
      y: { start: t.yOffset(b), end: last ? null : t.yOffset(b + 1) },
    });
  });
}

/**
 * Gives the plan the block tiers of `plan.neededTables`, by chunk id; a downsampled read then knows which blocks it needs
 * (`listBlocks: false`: a backend that loads points as `finishRange` asks does not need them listed).
 */
export function addTables(plan: RangePlan, tables: ReadonlyMap<number, Buffer>, opts: { listBlocks?: boolean } = {}): void {
  const added = new Set<number>();
  plan.chunks.forEach((c, i) => {
    const bytes = tables.get(c.id);
    if (plan.tables[i] || !bytes) return;
    plan.tables[i] = BlockTable.cached(c.id, bytes);
    added.add(c.id);
  });
  if (plan.m4 && added.size > 0 && opts.listBlocks !== false) planBlocks(plan, added);
}

/**
 * Work units (about one per point decoded) a step of `finishRangeSteps` does before it gives its caller the chance to
 * pause: well under a millisecond, so that `finishRangeInSteps` can pause by elapsed time.
 */
export const WORK_PER_STEP = 4096;
/**
 * Milliseconds a read holds the event loop before `finishRangeInSteps` lets other work run: short enough for
 * `/api/health` to answer within its 100 ms p99 while the worst reads run, long enough that a whole-series read of
 * 10–20 ms takes one or two turns, not one per 32,000 points whatever they cost.
 */
export const READ_SLICE_MS = 8;
/** Work units of adding one chunk's or block's summary to the buckets. */
const SUMMARY_WORK = 16;

/** Carries out a plan, with the columns of `plan.needed` and the points of `plan.neededBlocks` in `points`. */
export function finishRange(plan: RangePlan, points: LoadedPoints): SeriesData {
  const steps = finishRangeSteps(plan, points);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}

/**
 * `finishRange` that lets other work run (`pause`) whenever it has held the event loop for `sliceMs` (checked between
 * chunks, about every `WORK_PER_STEP` points decoded), so that a read of millions of points never holds it for long and a
 * small one never waits for turns it does not need. The plan's points must stay as loaded meanwhile (they are immutable
 * copies).
 */
export async function finishRangeInSteps(
  plan: RangePlan, points: LoadedPoints, pause = (): Promise<void> => new Promise((r) => setImmediate(r)), sliceMs = READ_SLICE_MS,
): Promise<SeriesData> {
  const steps = finishRangeSteps(plan, points);
  let sliceStart = performance.now();
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
    if (performance.now() - sliceStart < sliceMs) continue;
    await pause();
    sliceStart = performance.now();
  }
}

/** `finishRange` as a generator that yields (to be resumed later) after about `workPerStep` units of work. */
export function* finishRangeSteps(plan: RangePlan, points: LoadedPoints, workPerStep = WORK_PER_STEP): Generator<void, SeriesData, void> {
  const { key, chunks, tables, lo, hi, total, m4, snap } = plan;
  const loaded = points.columns;
  if (total === 0) return { key, total: 0, downsampled: false, x: [], y: [] };
  let work = 0;
  /** Visits every part, chunk by chunk, yielding whenever a step's worth of work was done. */
  function* visitAll(visit: (i: number, b: number, inside: boolean) => void): Generator<void, void, void> {
    for (let i = 0; i < chunks.length; i++) {
      eachPart(plan, visit, i, i + 1);
      if (work >= workPerStep && i + 1 < chunks.length) {
        work = 0;
        yield;
      }
    }
  }
  const block = (i: number, b: number) => {
    const c = chunks[i]!;
    const got = c.columns ? undefined : points.blocks?.get(`${c.id}:${b}`);
    if (got) return got;
    const cols = columnsOf(c, loaded);
    return decodeBlock(cols.xs, cols.ys, tables[i]!, c.count, b);
  };

  if (!m4) {
    const x: number[] = [];
    const y: number[] = [];
    let whole: { i: number; x: Float64Array; y: Float64Array } | null = null;
    yield* visitAll((i, b, inside) => {
      const c = chunks[i]!;
      if (b < 0) throw new Error(`range read: the block tier of chunk ${c.id} was not loaded`);
      let px: Float64Array;
      let py: Float64Array;
      if (inside && tables[i]!.length > 1) {
        // Decoding the whole chunk once is cheaper than block by block.
        if (whole?.i !== i) whole = { i, ...decodeChunkWith({ count: c.count, ...columnsOf(c, loaded) }, tables[i]!) };
        px = whole.x.subarray(b * BLOCK_SIZE, b * BLOCK_SIZE + blockCount(c, b));
        py = whole.y.subarray(b * BLOCK_SIZE, b * BLOCK_SIZE + blockCount(c, b));
      } else {
        ({ x: px, y: py } = block(i, b));
      }
      work += px.length;
      for (let k = 0; k < px.length; k++) {
        if (px[k]! < lo || px[k]! > hi) continue;
        x.push(px[k]!);
        y.push(py[k]!);
      }
    });
    return { key, total, downsampled: false, x, y: toWireArray(y) };
  }

  yield* visitAll((i, b, inside) => {
    if (b < 0) {
      const c = chunks[i]!;
      m4.addSummary(c.summary!, m4.snapBucket(c.firstX!, c.lastX!, snap));
      work += SUMMARY_WORK;
      return;
    }
    const t = tables[i]!;
    const whole = inside ? m4.snapBucket(t.firstX(b), t.lastX(b), snap) : -1;
    if (whole >= 0) {
      m4.addSummary(t.summary(b), whole);
      work += SUMMARY_WORK;
      return;
    }
    const { x, y } = block(i, b);
    work += x.length;
    // x increases: the points in range are one span.
    let from = 0;
    while (from < x.length && !(x[from]! >= lo)) from++;
    let to = x.length;
    while (to > from && !(x[to - 1]! <= hi)) to--;
    m4.addPoints(x, y, from, to);
  });
  const out = m4.result();
  return { key, total, downsampled: true, x: out.x, y: toWireArray(out.y) };
}
