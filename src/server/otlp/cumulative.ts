import type { BucketedValues } from '../services/aggregate.js';

/**
 * Cumulative → delta for OTLP streams, as pure functions over the last point of each stream. The state lives where every
 * server replica sees it (the rollup store, {@link StreamStates}): successive exports of one app may land on different
 * replicas behind a load balancer, and a replica keeping its own last values would count the first delta it sees twice
 * (or lose it). Per stream key the store runs {@link advance} atomically (read, decide, write), and the delta is computed
 * from the state it read ({@link counterDelta}, {@link histogramDelta}): two replicas never both count one interval.
 *
 * Times are nanoseconds since the epoch as 20-digit zero-padded decimal text, so text order is time order and nothing
 * loses precision.
 */

/** Explicit-bucket or exponential histogram counts as sent, in a form two points of one stream subtract in. */
export type RawHistogram = {
  count: number;
  sum: number;
  /** NaN when the point did not say. */
  min: number;
  max: number;
} & (
  | { bounds: number[]; counts: number[] }
  | { scale: number; zero: number; pos: ExpBuckets; neg: ExpBuckets }
);

/** One side of an exponential histogram: bucket `offset + i` holds `counts[i]`. */
export interface ExpBuckets {
  offset: number;
  counts: number[];
}

/** The last point of a stream: start and time (ns, 20-digit text) and the cumulative value. */
export interface StreamPoint {
  start: string;
  time: string;
  value?: number;
  h?: RawHistogram;
}

/**
 * Shared per-stream state (implemented by the rollup stores). For each entry, atomically: read the stored state (null when
 * none), store `step(stored, incoming)`, and return what was read. Concurrent calls for one key (other replicas) run one
 * after the other.
 */
export interface StreamStates {
  exchangeStreams(entries: readonly { key: string; state: string }[], step: (stored: string | null, incoming: string) => string): Promise<(string | null)[]>;
}

/** Process-local {@link StreamStates} (tests, benchmarks): a bounded map, oldest streams forgotten first. */
export class MemoryStreamStates implements StreamStates {
  private readonly states = new Map<string, string>();

  constructor(private readonly maxStreams = 100_000) {}

  async exchangeStreams(entries: readonly { key: string; state: string }[], step: (stored: string | null, incoming: string) => string): Promise<(string | null)[]> {
    return entries.map(({ key, state }) => {
      const stored = this.states.get(key) ?? null;
      this.states.delete(key);
      this.states.set(key, step(stored, state));
      if (this.states.size > this.maxStreams) this.states.delete(this.states.keys().next().value!);
      return stored;
    });
  }
}

/** Nanoseconds as 20-digit text (the order of texts is the order of times). */
export function nanosText(n: bigint): string {
  return n.toString().padStart(20, '0');
}

export function encodeStreamPoint(p: StreamPoint): string {
  return JSON.stringify(p, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v));
}

export function decodeStreamPoint(text: string): StreamPoint {
  return JSON.parse(text, (_k, v) => (v === 'NaN' ? NaN : v === 'Infinity' ? Infinity : v === '-Infinity' ? -Infinity : v)) as StreamPoint;
}

/** How a point relates to the stored one of its stream. */
type Relation = 'first' | 'stale' | 'restart' | 'next';

function relation(prev: StreamPoint | null, cur: StreamPoint): Relation {
  if (!prev) return 'first';
  if (cur.start < prev.start) return 'stale'; // from before the app restarted, arriving late
  if (cur.start > prev.start) return 'restart';
  return cur.time > prev.time ? 'next' : 'stale'; // a retried or reordered export: already counted
}

/** The state to keep: the incoming point unless it is stale (then the stored one stays). The store's atomic step. */
export function advance(stored: string | null, incoming: string): string {
  if (stored === null) return incoming;
  return relation(decodeStreamPoint(stored), decodeStreamPoint(incoming)) === 'stale' ? stored : incoming;
}

/**
 * The increment a cumulative counter point adds, given the state its stream had (`prev`), or null when it adds nothing
 * here: a stream's first point counts in full only when its start time is not before `since` (the app began counting while
 * this server was listening), else it is the baseline; a changed start time (a restarted app) or a value that went down
 * counts the new value in full; a point not later than the stored one (a retry, or an export overtaken by a later one on
 * another replica) adds nothing, its interval being counted by the later one.
 */
export function counterDelta(prev: StreamPoint | null, cur: StreamPoint, since: string): number | null {
  switch (relation(prev, cur)) {
    case 'first': return firstCounts(cur, since) ? cur.value! : null;
    case 'stale': return null;
    case 'restart': return cur.value!;
    case 'next': return cur.value! < prev!.value! ? cur.value! : cur.value! - prev!.value!;
  }
}

/** As {@link counterDelta}, for histograms: the counts added since `prev`; a bucket or the count going down is a reset. */
export function histogramDelta(prev: StreamPoint | null, cur: StreamPoint, since: string): BucketedValues | null {
  const h = cur.h!;
  switch (relation(prev, cur)) {
    case 'first': return firstCounts(cur, since) ? bucketedValues(h) : null;
    case 'stale': return null;
    case 'restart': return bucketedValues(h);
    case 'next': return subtract(h, prev!.h!) ?? bucketedValues(h);
  }
}

function firstCounts(cur: StreamPoint, since: string): boolean {
  return cur.start !== nanosText(0n) && cur.start >= since;
}

// ---- Histograms ---------------------------------------------------------------------------------------------------------

/**
 * Bucket counts as values for the sketch: each bucket stands for the midpoint of its range clipped to [min, max], so a
 * percentile is off by at most half the width of its bucket (explicit), or (base − 1)/2 relatively (exponential, base
 * 2^(2^−scale)). Explicit bucket i holds (bounds[i−1], bounds[i]], the first from −∞, the last to +∞; exponential positive
 * bucket k holds (base^k, base^(k+1)], negative ones the same magnitudes below zero. A missing min or max becomes the
 * edge of the outermost non-empty bucket.
 */
export function bucketedValues(h: RawHistogram, clipMin = h.min, clipMax = h.max): BucketedValues & { lo: number; hi: number } {
  const centers: number[] = [], weights: number[] = [];
  let lo = Infinity, hi = -Infinity;
  const add = (a: number, b: number, w: number): void => {
    if (Number.isFinite(clipMin)) a = Math.max(a, Math.min(clipMin, b));
    if (Number.isFinite(clipMax)) b = Math.min(b, Math.max(clipMax, a));
    if (!Number.isFinite(a)) a = b;
    if (!Number.isFinite(b)) b = a;
    centers.push(Number.isFinite(a) ? (a + b) / 2 : 0);
    weights.push(w);
    if (w > 0) {
      if (a < lo) lo = a;
      if (b > hi) hi = b;
    }
  };
  if ('bounds' in h) {
    const { bounds, counts } = h;
    for (let i = 0; i < counts.length; i++) add(i === 0 ? -Infinity : bounds[i - 1]!, i === bounds.length ? Infinity : bounds[i]!, counts[i]!);
  } else {
    if (h.zero > 0) add(0, 0, h.zero);
    const width = 2 ** -h.scale;
    for (const [side, sign] of [[h.pos, 1], [h.neg, -1]] as const) {
      side.counts.forEach((w, i) => {
        if (w === 0) return;
        const k = side.offset + i;
        const a = 2 ** (k * width), z = 2 ** ((k + 1) * width);
        if (sign > 0) add(a, z, w);
        else add(-z, -a, w);
      });
    }
  }
  return { count: h.count, sum: h.sum, min: Number.isNaN(h.min) ? lo : h.min, max: Number.isNaN(h.max) ? hi : h.max, centers, weights, lo, hi };
}

/** The histogram with a missing min or max filled from its outermost non-empty buckets (what a delta's extremes need). */
export function withExtremes(h: RawHistogram): RawHistogram {
  if (!Number.isNaN(h.min) && !Number.isNaN(h.max)) return h;
  const v = bucketedValues(h);
  return { ...h, min: v.min, max: v.max };
}

/**
 * `cur − prev` of one cumulative stream, or null when it is a reset (the count or a bucket went down, other bounds).
 * Exponential points at different scales are compared at the coarser one (the SDK lowers the scale as its range grows).
 * Min and max of the difference: the new cumulative extreme when it moved (a value beyond every earlier one arrived in
 * this interval: exact), else the edge of the outermost bucket that grew, kept within the cumulative extremes.
 */
function subtract(cur: RawHistogram, prev: RawHistogram): BucketedValues | null {
  if (cur.count < prev.count) return null;
  let diff: RawHistogram;
  if ('bounds' in cur) {
    if (!('bounds' in prev) || prev.bounds.length !== cur.bounds.length || prev.bounds.some((b, i) => b !== cur.bounds[i])) return null;
    const counts = cur.counts.map((c, i) => c - (prev.counts[i] ?? 0));
    if (counts.some((c) => c < 0) || prev.counts.length > cur.counts.length) return null;
    diff = { ...cur, count: cur.count - prev.count, sum: cur.sum - prev.sum, counts };
  } else {
    if ('bounds' in prev) return null;
    const scale = Math.min(cur.scale, prev.scale);
    const pos = subtractSide(downscale(cur.pos, cur.scale - scale), downscale(prev.pos, prev.scale - scale));
    const neg = subtractSide(downscale(cur.neg, cur.scale - scale), downscale(prev.neg, prev.scale - scale));
    const zero = cur.zero - prev.zero;
    if (!pos || !neg || zero < 0) return null;
    diff = { ...cur, count: cur.count - prev.count, sum: cur.sum - prev.sum, scale, zero, pos, neg };
  }
  const v = bucketedValues(diff, cur.min, cur.max);
  const count = diff.count;
  const min = cur.min < prev.min ? cur.min : Math.max(cur.min, v.lo);
  const max = cur.max > prev.max ? cur.max : Math.min(cur.max, v.hi);
  return { count, sum: diff.sum, min: count > 0 ? min : Infinity, max: count > 0 ? max : -Infinity, centers: v.centers, weights: v.weights };
}

function downscale(b: ExpBuckets, by: number): Map<number, number> {
  const out = new Map<number, number>();
  const f = 2 ** by;
  b.counts.forEach((c, i) => {
    if (c === 0) return;
    const k = Math.floor((b.offset + i) / f);
    out.set(k, (out.get(k) ?? 0) + c);
  });
  return out;
}

function subtractSide(cur: Map<number, number>, prev: Map<number, number>): ExpBuckets | null {
  for (const [k, c] of prev) if ((cur.get(k) ?? 0) < c) return null;
  if (cur.size === 0) return { offset: 0, counts: [] };
  const keys = [...cur.keys()];
  const offset = Math.min(...keys), top = Math.max(...keys);
  const counts = new Array<number>(top - offset + 1).fill(0);
  for (const [k, c] of cur) counts[k - offset] = c - (prev.get(k) ?? 0);
  return { offset, counts };
}
