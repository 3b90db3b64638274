import { M4 } from '../../protocol/downsample.js';
import { edited, lowerBound, type SeriesBuffer } from './series-buffer.js';

/** Reductions by bucket count, reused: a live chart reduces each of its series on every redraw (50 × 112 KiB of buckets). */
const scratch = new Map<number, M4>();
const SCRATCH_SIZES = 8;

/** An empty M4 over [from, to] in `buckets` buckets, from the scratch ones when it has that many (used within one call only). */
function scratchM4(from: number, to: number, buckets: number): M4 {
  const m4 = scratch.get(buckets);
  if (m4) return m4.reset(from, to);
  if (scratch.size >= SCRATCH_SIZES) scratch.delete(scratch.keys().next().value!);
  const made = new M4(from, to, buckets);
  scratch.set(buckets, made);
  return made;
}

/**
 * What a chart draws of one held series: the points within [from, to] (plus one neighbour on each side, so lines reach the
 * edges), reduced to first/min/max/last (and the first non-finite point) per pixel-wide bucket once there are more than about
 * four per pixel. A long live series then costs the chart a bounded number of points, whatever its length, and no spike or
 * NaN marker is lost. Returns `s` itself when nothing needs reducing.
 */
export function decimateForDisplay(s: SeriesBuffer, from: number, to: number, pixels: number): SeriesBuffer {
  const buckets = Math.max(1, Math.floor(pixels));
  if (s.length <= buckets * 4) return s;
  const start = Math.max(0, lowerBound(s, from) - 1);
  const end = Math.min(s.length, lowerBound(s, to) + 1);
  const n = end - start;
  if (n <= buckets * 4) return { ...s, x: s.x.subarray(start, end), y: s.y.subarray(start, end), length: n };
  // The neighbours just outside [from, to] are kept as they are; the points inside go through the server's M4 reduction.
  const inFrom = s.x[start]! < from ? start + 1 : start;
  const inTo = s.x[end - 1]! > to ? end - 1 : end;
  const m4 = scratchM4(from, to, buckets);
  m4.addPoints(s.x, s.y, inFrom, inTo);
  const before = inFrom > start ? 1 : 0;
  const length = before + m4.keptCount() + (inTo < end ? 1 : 0);
  const x = new Float64Array(length);
  const y = new Float64Array(length);
  if (before) { x[0] = s.x[start]!; y[0] = s.y[start]!; }
  m4.writeKept(x, y, before);
  if (inTo < end) { x[length - 1] = s.x[inTo]!; y[length - 1] = s.y[inTo]!; }
  return { x, y, length, total: s.total, downsampled: true };
}

/**
 * Keeps a live series' memory bounded: once it holds more than `max` points — or would, with `incoming` more to append —
 * the older part is reduced to first/min/max/last per bucket (spikes and NaN kept; `max / 16` buckets, so at most `max / 4`
 * points) and the series is marked downsampled, so zooming into that stretch reads it again from the server. The newest
 * `max / 2` points stay exact, so afterwards it holds at most `3 max / 4` points and an append of up to `max / 4` fits.
 * The reduction is done in place in buffers of exactly `max` points (allocated once, when the buffers are not that size
 * yet), so a series streaming for hours allocates no more point storage once it has reached the bound. Mutates `s`;
 * returns whether it reduced anything.
 */
export function boundHeldPoints(s: SeriesBuffer, max: number, incoming = 0): boolean {
  if (s.length + incoming <= max) return false;
  const recent = Math.min(s.length, Math.floor(max / 2));
  const split = s.length - recent;
  if (split < 2) return false;
  const older: SeriesBuffer = { ...s, x: s.x.subarray(0, split), y: s.y.subarray(0, split), length: split };
  const reduced = decimateForDisplay(older, older.x[0]!, older.x[split - 1]!, Math.floor(max / 16));
  const length = reduced.length + recent;
  // Exactly `max` when the reduced points and what is coming fit; else (an append larger than max / 4) what is needed.
  const capacity = Math.max(max, length + incoming);
  if (s.x.length === capacity) {
    s.x.set(reduced.x.subarray(0, reduced.length));
    s.y.set(reduced.y.subarray(0, reduced.length));
    s.x.copyWithin(reduced.length, split, s.length);
    s.y.copyWithin(reduced.length, split, s.length);
  } else {
    const x = new Float64Array(capacity);
    const y = new Float64Array(capacity);
    x.set(reduced.x.subarray(0, reduced.length));
    y.set(reduced.y.subarray(0, reduced.length));
    x.set(s.x.subarray(split, s.length), reduced.length);
    y.set(s.y.subarray(split, s.length), reduced.length);
    s.x = x;
    s.y = y;
  }
  s.length = length;
  s.downsampled = true;
  edited(s);
  return true;
}
