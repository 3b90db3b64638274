import { DDSketch } from '@datadog/sketches-js';
import type { MetricKind } from '../../protocol/index.js';

/**
 * The aggregate of one series (service, name, tag set) over one interval, and the exact merge of several. One shape for
 * every kind; which fields mean something depends on the kind:
 *
 * | kind | count | sum | min, max | last, lastAt | sketch | members |
 * |---|---|---|---|---|---|---|
 * | counter | Σ 1/rate (increments) | Σ value/rate (the counted total) | – | – | – | – |
 * | gauge | samples | Σ value | of the samples | latest sample and its time (ms) | – | – |
 * | distribution | Σ 1/rate (weighted values) | Σ value/rate | exact | – | DDSketch, 1 % relative accuracy, weights 1/rate | – |
 * | set | distinct members | – | – | – | – | the members |
 *
 * Merging is exact for every field (sketches of one relative accuracy merge bin by bin), so coarser tiers, replicas and
 * tag filters never approximate more than the sketch itself.
 */
export interface Aggregate {
  kind: MetricKind;
  count: number;
  sum: number;
  min: number;
  max: number;
  last: number;
  lastAt: number;
  sketch: DDSketch | null;
  members: Set<string> | null;
}

/** DDSketch relative accuracy: every percentile is within 1 % of the true value at its rank. */
export const RELATIVE_ACCURACY = 0.01;

/**
 * An empty aggregate. `withSketch: false` makes a distribution without its sketch: merges into it then keep count, sum,
 * min and max only (skipping every bin), for reads that ask no percentile.
 */
export function newAggregate(kind: MetricKind, withSketch = true): Aggregate {
  return {
    kind, count: 0, sum: 0, min: Infinity, max: -Infinity, last: NaN, lastAt: -Infinity,
    sketch: kind === 'distribution' && withSketch ? new DDSketch({ relativeAccuracy: RELATIVE_ACCURACY }) : null,
    members: kind === 'set' ? new Set() : null,
  };
}

/** Adds one counter increment sent at sample rate `rate`. */
export function addCount(a: Aggregate, value: number, rate: number): void {
  a.count += 1 / rate;
  a.sum += value / rate;
}

/** Adds one gauge sample taken at `at` (ms); a later sample wins `last`, an equal time the one added later. */
export function addGauge(a: Aggregate, value: number, at: number): void {
  a.count++;
  a.sum += value;
  if (value < a.min) a.min = value;
  if (value > a.max) a.max = value;
  if (at >= a.lastAt) {
    a.last = value;
    a.lastAt = at;
  }
}

/** Adds one distribution value sent at sample rate `rate` (weight 1/rate, a float: not truncated to an integer). */
export function addValue(a: Aggregate, value: number, rate: number): void {
  const w = 1 / rate;
  a.count += w;
  a.sum += value * w;
  if (value < a.min) a.min = value;
  if (value > a.max) a.max = value;
  a.sketch!.accept(value, w);
}

/**
 * A histogram's values over one interval, already bucketed by the sender (OTLP): exact count, sum, min and max, and each
 * bucket as a representative value (its midpoint) with its count as the weight.
 */
export interface BucketedValues {
  count: number;
  sum: number;
  min: number;
  max: number;
  centers: readonly number[];
  weights: readonly number[];
}

/**
 * Adds a bucketed histogram to a distribution: count, sum, min and max stay exact; the sketch gets each bucket's midpoint
 * weighted by its count, so a percentile is within half its bucket's width (plus the sketch's 1 %) of the true value.
 */
export function addBucketed(a: Aggregate, h: BucketedValues): void {
  a.count += h.count;
  a.sum += h.sum;
  if (h.min < a.min) a.min = h.min;
  if (h.max > a.max) a.max = h.max;
  for (let i = 0; i < h.centers.length; i++) if (h.weights[i]! > 0) a.sketch!.accept(h.centers[i]!, h.weights[i]!);
}

/** Adds a set member; a new one is copied out of the text it was parsed from (see `detach` in series-index.ts). */
export function addMember(a: Aggregate, member: string): void {
  if (a.members!.has(member)) return;
  a.members!.add(Buffer.from(member, 'utf8').toString('utf8'));
  a.count = a.members!.size;
}

/** Visits every non-empty bin of a sketch: sign (-1, 0, 1), key and weight. */
function forEachBin(s: DDSketch, visit: (sign: -1 | 0 | 1, key: number, weight: number) => void): void {
  if (s.zeroCount > 0) visit(0, 0, s.zeroCount);
  for (const [sign, store] of [[1, s.store], [-1, s.negativeStore]] as const) {
    if (store.count === 0) continue;
    for (let key = store.minKey; key <= store.maxKey; key++) {
      const w = store.bins[key - store.offset];
      if (w) visit(sign, key, w);
    }
  }
}

function addBin(s: DDSketch, sign: -1 | 0 | 1, key: number, weight: number): void {
  if (sign === 0) s.zeroCount += weight;
  else (sign > 0 ? s.store : s.negativeStore).add(key, weight);
  s.count += weight;
}

/**
 * Merges `b` into `a` (same kind). Sketches are merged bin by bin here rather than with `DDSketch.merge`, which in
 * @datadog/sketches-js 2.1 leaves out the negative values' store.
 */
export function mergeInto(a: Aggregate, b: Aggregate): void {
  a.count += b.count;
  a.sum += b.sum;
  if (b.min < a.min) a.min = b.min;
  if (b.max > a.max) a.max = b.max;
  if (b.lastAt >= a.lastAt && b.lastAt > -Infinity) {
    a.last = b.last;
    a.lastAt = b.lastAt;
  }
  if (a.sketch && b.sketch) forEachBin(b.sketch, (sign, key, w) => addBin(a.sketch!, sign, key, w));
  if (a.members && b.members) {
    for (const m of b.members) a.members.add(m);
    a.count = a.members.size;
  }
}

/** A copy of `a` (sketch bins copied array to array, not bin by bin). */
export function cloneAggregate(a: Aggregate): Aggregate {
  const c = newAggregate(a.kind);
  c.count = a.count;
  c.sum = a.sum;
  c.min = a.min;
  c.max = a.max;
  c.last = a.last;
  c.lastAt = a.lastAt;
  if (a.sketch) c.sketch!._copy(a.sketch);
  if (a.members) c.members = new Set(a.members);
  return c;
}

/**
 * The value at quantile q (0..1) with DDSketch's rank rule (the value whose cumulative weight first exceeds q·(count − 1)),
 * kept within the exact min and max. NaN when empty.
 */
export function quantile(a: Aggregate, q: number): number {
  if (!a.sketch || a.count <= 0) return NaN;
  const v = a.sketch.getValueAtQuantile(q);
  return Math.min(a.max, Math.max(a.min, v));
}

// ---- Binary form (what the rollup stores keep) ----------------------------------------------------------------------

const KIND_CODES: readonly MetricKind[] = ['counter', 'gauge', 'distribution', 'set'];

class Writer {
  buf = new Uint8Array(64);
  view = new DataView(this.buf.buffer);
  n = 0;
  private room(k: number): void {
    if (this.n + k <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.n + k));
    next.set(this.buf);
    this.buf = next;
    this.view = new DataView(next.buffer);
  }
  byte(b: number): void {
    this.room(1);
    this.buf[this.n++] = b;
  }
  f64(v: number): void {
    this.room(8);
    this.view.setFloat64(this.n, v, true);
    this.n += 8;
  }
  /** Unsigned LEB128 for integers up to 2^53. */
  uvar(v: number): void {
    this.room(8);
    while (v >= 0x80) {
      this.buf[this.n++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    this.buf[this.n++] = v;
  }
  svar(v: number): void {
    this.uvar(v < 0 ? -2 * v - 1 : 2 * v);
  }
  bytes(b: Uint8Array): void {
    this.uvar(b.length);
    this.room(b.length);
    this.buf.set(b, this.n);
    this.n += b.length;
  }
}

class Reader {
  n = 0;
  private readonly view: DataView;
  constructor(private readonly buf: Uint8Array) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }
  byte(): number {
    if (this.n >= this.buf.length) throw new RangeError('aggregate: truncated');
    return this.buf[this.n++]!;
  }
  f64(): number {
    const v = this.view.getFloat64(this.n, true);
    this.n += 8;
    return v;
  }
  uvar(): number {
    let v = 0, scale = 1, b: number;
    do {
      b = this.byte();
      v += (b & 0x7f) * scale;
      scale *= 0x80;
    } while (b & 0x80);
    return v;
  }
  svar(): number {
    const u = this.uvar();
    return u % 2 ? -(u + 1) / 2 : u / 2;
  }
  bytes(): Uint8Array {
    const len = this.uvar();
    const b = this.buf.subarray(this.n, this.n + len);
    this.n += len;
    return b;
  }
}

const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder();

/**
 * Encodes an aggregate compactly (little-endian): kind byte, then per kind counter: count, sum (f64); gauge: count, sum,
 * min, max, last, lastAt (f64); distribution: count, sum, min, max (f64) and the sketch's non-empty bins (sign, key delta as
 * zig-zag varint, weight as a varint when every weight is an integer, else f64); set: member count and UTF-8 members.
 */
export function encodeAggregate(a: Aggregate): Uint8Array {
  const w = new Writer();
  w.byte(KIND_CODES.indexOf(a.kind));
  switch (a.kind) {
    case 'counter':
      w.f64(a.count); w.f64(a.sum);
      break;
    case 'gauge':
      w.f64(a.count); w.f64(a.sum); w.f64(a.min); w.f64(a.max); w.f64(a.last); w.f64(a.lastAt);
      break;
    case 'distribution': {
      w.f64(a.count); w.f64(a.sum); w.f64(a.min); w.f64(a.max);
      const bins: Array<[number, number, number]> = [];
      let integral = true;
      forEachBin(a.sketch!, (sign, key, weight) => {
        bins.push([sign, key, weight]);
        if (!Number.isInteger(weight) || weight > Number.MAX_SAFE_INTEGER) integral = false;
      });
      writeBins(w, bins.length, integral, (i) => bins[i]!);
      break;
    }
    case 'set':
      w.uvar(a.members!.size);
      for (const m of a.members!) w.bytes(textEncoder.encode(m));
      break;
  }
  return w.buf.slice(0, w.n);
}

/** The bins of an encoded distribution, in encoding order: zero, then positive keys ascending, then negative ascending. */
interface Bins {
  signs: Int8Array;
  keys: Float64Array;
  weights: Float64Array;
  integral: boolean;
}

function readBins(r: Reader): Bins {
  const n = r.uvar();
  const integral = r.byte() === 1;
  const b: Bins = { signs: new Int8Array(n), keys: new Float64Array(n), weights: new Float64Array(n), integral };
  let key = 0;
  for (let i = 0; i < n; i++) {
    b.signs[i] = r.byte() - 1;
    key += r.svar();
    b.keys[i] = key;
    b.weights[i] = integral ? r.uvar() : r.f64();
  }
  return b;
}

const SIGN_ORDER = [2, 0, 1]; // index sign + 1: negative after positive, zero first

function writeBins(w: Writer, n: number, integral: boolean, bin: (i: number) => [number, number, number]): void {
  w.uvar(n);
  w.byte(integral ? 1 : 0);
  let prev = 0;
  for (let i = 0; i < n; i++) {
    const [sign, key, weight] = bin(i);
    w.byte(sign + 1);
    w.svar(key - prev);
    prev = key;
    if (integral) w.uvar(weight);
    else w.f64(weight);
  }
}

/**
 * Merges two encoded aggregates into the encoding of their merge. Distributions are merged bin list by bin list (both
 * sorted), without building sketches: this runs for every stored row a flush touches.
 */
export function combineEncoded(stored: Uint8Array, incoming: Uint8Array): Uint8Array {
  if (stored[0] !== 2 || incoming[0] !== 2) {
    const a = decodeAggregate(stored);
    mergeInto(a, decodeAggregate(incoming));
    return encodeAggregate(a);
  }
  const ra = new Reader(stored), rb = new Reader(incoming);
  ra.byte(); rb.byte();
  const count = ra.f64() + rb.f64(), sum = ra.f64() + rb.f64();
  const min = Math.min(ra.f64(), rb.f64()), max = Math.max(ra.f64(), rb.f64());
  const a = readBins(ra), b = readBins(rb);
  const na = a.keys.length, nb = b.keys.length;
  const signs: number[] = [], keys: number[] = [], weights: number[] = [];
  let i = 0, j = 0;
  while (i < na || j < nb) {
    let c: number;
    if (i >= na) c = 1;
    else if (j >= nb) c = -1;
    else c = SIGN_ORDER[a.signs[i]! + 1]! - SIGN_ORDER[b.signs[j]! + 1]! || a.keys[i]! - b.keys[j]!;
    if (c <= 0) {
      signs.push(a.signs[i]!); keys.push(a.keys[i]!); weights.push(a.weights[i]! + (c === 0 ? b.weights[j]! : 0));
      i++;
      if (c === 0) j++;
    } else {
      signs.push(b.signs[j]!); keys.push(b.keys[j]!); weights.push(b.weights[j]!);
      j++;
    }
  }
  const w = new Writer();
  w.byte(2);
  w.f64(count); w.f64(sum); w.f64(min); w.f64(max);
  const integral = a.integral && b.integral && weights.every((x) => x <= Number.MAX_SAFE_INTEGER);
  writeBins(w, keys.length, integral, (k) => [signs[k]!, keys[k]!, weights[k]!]);
  return w.buf.slice(0, w.n);
}

/** Merges an encoded aggregate into `a` (same kind) without building an intermediate aggregate: what queries do per row. */
export function mergeEncodedInto(a: Aggregate, buf: Uint8Array): void {
  if (buf[0] !== 2 || a.kind !== 'distribution') {
    mergeInto(a, decodeAggregate(buf));
    return;
  }
  const r = new Reader(buf);
  r.byte();
  a.count += r.f64();
  a.sum += r.f64();
  const min = r.f64(), max = r.f64();
  if (min < a.min) a.min = min;
  if (max > a.max) a.max = max;
  // Without a sketch (no percentile asked) the bins are not read at all.
  if (!a.sketch) return;
  const n = r.uvar();
  const integral = r.byte() === 1;
  const s = a.sketch!;
  let key = 0;
  for (let i = 0; i < n; i++) {
    const sign = r.byte() - 1;
    key += r.svar();
    const weight = integral ? r.uvar() : r.f64();
    if (sign === 0) s.zeroCount += weight;
    else (sign > 0 ? s.store : s.negativeStore).add(key, weight);
    s.count += weight;
  }
}

export function decodeAggregate(buf: Uint8Array): Aggregate {
  const r = new Reader(buf);
  const kind = KIND_CODES[r.byte()];
  if (!kind) throw new RangeError('aggregate: unknown kind');
  const a = newAggregate(kind);
  switch (kind) {
    case 'counter':
      a.count = r.f64(); a.sum = r.f64();
      break;
    case 'gauge':
      a.count = r.f64(); a.sum = r.f64(); a.min = r.f64(); a.max = r.f64(); a.last = r.f64(); a.lastAt = r.f64();
      break;
    case 'distribution': {
      a.count = r.f64(); a.sum = r.f64(); a.min = r.f64(); a.max = r.f64();
      const n = r.uvar();
      const integral = r.byte() === 1;
      let key = 0;
      for (let i = 0; i < n; i++) {
        const sign = (r.byte() - 1) as -1 | 0 | 1;
        key += r.svar();
        addBin(a.sketch!, sign, key, integral ? r.uvar() : r.f64());
      }
      break;
    }
    case 'set': {
      const n = r.uvar();
      for (let i = 0; i < n; i++) a.members!.add(textDecoder.decode(r.bytes()));
      a.count = a.members!.size;
      break;
    }
  }
  return a;
}
