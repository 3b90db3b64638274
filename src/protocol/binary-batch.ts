import { markWholeStep, regularStep, regularXProblem } from './regular.js';
import type { IngestBatch, RecordTimes } from './types.js';
import { refuseDuplicateKeys } from './json-duplicate-keys.js';
import { LIMITS } from './limits.js';
import { jsonExact } from './numbers.js';
import { decodeUtf8, markIncreasing, ValidationError, xBeyondLimit } from './validate.js';

/**
 * The binary form of an ingest batch (`Content-Type: application/vnd.plotline.batch`), sent by the TypeScript SDK because
 * encoding and parsing numbers as JSON costs more than storing them. Little-endian:
 *
 *   "PLB1" | u32 header length H | header: UTF-8 JSON of the batch, each points item `{key, n}` instead of `{key, x, y}`
 *   | zero padding to a multiple of 8 | for each points item in header order: n float64 x, then n float64 y
 *
 * An item whose x are exactly `xStart + xStep · i` (steps, epochs) may say so, `{key, n, xStart, xStep}`, and leave its
 * x out of the columns. Whole-number `xStart` and `xStep` must give every value exactly (`regularXProblem`), or the
 * item is refused naming `xStart` or `xStep`; fractional ones mean `xStart + xStep · i` in double arithmetic (what the
 * SDKs that sent them checked bit for bit; today's encoder sends such x as a column). An item may carry its record times `t` (`[first, last]` ms, see `RecordTimes`) in the header as
 * in JSON; a reader that predates `t` refuses it as an unknown field, and a body without it is read as before (`t` is
 * optional, so older writers stay valid). NaN and ±Infinity travel as plain doubles. The decoded batch goes through the same validation as
 * a JSON one.
 */
export const BINARY_BATCH_TYPE = 'application/vnd.plotline.batch';

const MAGIC = 'PLB1';
const PREAMBLE = 8;
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder();
const MAGIC_BYTES = utf8.encode(MAGIC);

/** Points of one series as numbers (NaN and ±Infinity allowed), in any array-like. */
export interface NumberColumns {
  key: string;
  x: ArrayLike<number>;
  y: ArrayLike<number>;
  t?: RecordTimes;
}

const align8 = (n: number) => Math.ceil(n / 8) * 8;

/**
 * Encodes `batch` into bytes from `allocate` (by default a new array), which may hand out reused memory: every byte of
 * the result is written.
 */
export function encodeBinaryBatch(batch: IngestBatch<NumberColumns>,
  allocate: (bytes: number) => Uint8Array<ArrayBuffer> = (n) => new Uint8Array(n)): Uint8Array<ArrayBuffer> {
  const columns: Array<{ values: NumberColumns; withX: boolean }> = [];
  const header = {
    ...batch,
    executions: batch.executions.map((u) => (u.points === undefined ? u : {
      ...u,
      points: u.points.map((p) => {
        if (p.x.length !== p.y.length) throw new RangeError(`points "${p.key}": x and y differ in length (${p.x.length}, ${p.y.length})`);
        // Only a step the server reads back exactly (a reader refuses any other, see regularXProblem).
        const step = p.x.length > 1 ? regularStep(p.x) : null;
        const xStep = step !== null && regularXProblem(p.x[0]!, step, p.x.length) === null ? step : null;
        columns.push({ values: p, withX: xStep === null });
        const times = p.t && { t: p.t };
        return xStep === null ? { key: p.key, n: p.x.length, ...times } : { key: p.key, n: p.x.length, xStart: p.x[0], xStep, ...times };
      }),
    })),
  };
  // −0 in a summary value travels as -0.
  const json = utf8.encode(jsonExact(header));
  const dataStart = align8(PREAMBLE + json.length);
  const total = columns.reduce((sum, c) => sum + (c.withX ? 16 : 8) * c.values.y.length, dataStart);
  const bytes = allocate(total);
  bytes.set(MAGIC_BYTES, 0);
  new DataView(bytes.buffer, bytes.byteOffset).setUint32(4, json.length, true);
  bytes.set(json, PREAMBLE);
  bytes.fill(0, PREAMBLE + json.length, dataStart);
  let at = dataStart;
  for (const c of columns) {
    if (c.withX) at = writeColumn(bytes, at, c.values.x);
    at = writeColumn(bytes, at, c.values.y);
  }
  return bytes;
}

/** Writes `values` as little-endian float64 at byte `at` (a multiple of 8 from an aligned start); returns the end. */
export function writeColumn(bytes: Uint8Array, at: number, values: ArrayLike<number>): number {
  if (LITTLE_ENDIAN) {
    new Float64Array(bytes.buffer, bytes.byteOffset + at, values.length).set(values);
  } else {
    const view = new DataView(bytes.buffer, bytes.byteOffset);
    for (let i = 0; i < values.length; i++) view.setFloat64(at + 8 * i, values[i]!, true);
  }
  return at + 8 * values.length;
}

/** `n` little-endian float64 at byte `at`: a view of `bytes` on a little-endian machine (`at` aligned to 8), else a copy. */
export function readColumn(bytes: Uint8Array, at: number, n: number): Float64Array {
  if (LITTLE_ENDIAN) return new Float64Array(bytes.buffer, bytes.byteOffset + at, n);
  const view = new DataView(bytes.buffer, bytes.byteOffset);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = view.getFloat64(at + 8 * i, true);
  return out;
}

type Obj = Record<string, unknown>;

/** True when an item gives `xStart` and `xStep` instead of an x column (both must then be finite numbers). */
function hasRegularX(p: Obj, path: string): boolean {
  if (p.xStart === undefined && p.xStep === undefined) return false;
  for (const field of ['xStart', 'xStep'] as const) {
    const v = p[field];
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new ValidationError(`${path}.${field}`, 'must be a finite number (xStart and xStep go together)');
  }
  return true;
}

/**
 * Fills `x` with start + step·i and marks it checked (see `markIncreasing`) when the values increase within ±2^53, which
 * the same pass finds out; otherwise validation scans it and names the first offending x.
 */
function fillRegular(x: Float64Array, start: number, step: number): void {
  const n = x.length;
  if (isWholeRegular(start, step, n)) {
    for (let i = 0; i < n; i++) x[i] = start + step * i;
    markIncreasing(x);
    markWholeStep(x, step);
    return;
  }
  let prev = -Infinity;
  let increasing = true;
  for (let i = 0; i < x.length; i++) {
    const v = start + step * i;
    x[i] = v;
    if (!(v > prev)) increasing = false;
    prev = v;
  }
  if (increasing && (x.length === 0 || (x[0]! >= -LIMITS.maxAbsX && prev <= LIMITS.maxAbsX))) markIncreasing(x);
}

/**
 * Steps and epochs: `start + step · i` for i < n with whole numbers, increasing, within ±2^53, where double arithmetic is
 * exact, so the values increase without being compared and every part of the column is regular too (`markWholeStep`).
 */
function isWholeRegular(start: number, step: number, n: number): boolean {
  if (!(n > 0 && step > 0 && Number.isInteger(start) && Number.isInteger(step) && start >= -LIMITS.maxAbsX)) return false;
  // Far from 2^53 the doubles are exact (rounding is monotone: a double sum below 2^52 is an exact one).
  if (Math.abs(start) + step * (n - 1) < 2 ** 52) return true;
  // Near it, in BigInt: every step · i and every x within 2^53 (2^53 − 1 + 2 reads as 2^53 in doubles).
  const span = BigInt(step) * BigInt(n - 1), limit = BigInt(LIMITS.maxAbsX);
  return span <= limit && BigInt(start) + span <= limit;
}

/**
 * For whole-number `start` and `step > 0` that `isWholeRegular` refused: the first i < n whose exact `start + step · i`
 * is beyond 2^53, with that value (a decimal string), or null. Exact in BigInt, as a double sum near 2^53 rounds.
 */
function wholeIndexBeyondLimit(start: number, step: number, n: number): { i: number; x: string } | null {
  const s = BigInt(start), d = BigInt(step), limit = BigInt(LIMITS.maxAbsX);
  if (s + d * BigInt(n - 1) <= limit) return null;
  const i = s > limit ? 0 : Number((limit - s) / d) + 1;
  return { i, x: String(s + d * BigInt(i)) };
}

const isObject = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Turns a binary body back into a batch whose points items hold `x`/`y` as Float64Arrays (views on `body`, no copy when it
 * is 8-byte aligned). Only the framing is checked here; the result still needs `validateIngestBatch`. The x of items sent
 * as `xStart`/`xStep` of whole numbers (marked, see `markWholeStep`) are made in one block from `allocate` (by default a
 * new array; it may hand out reused memory, every value used is written), items with the same start, step and count
 * sharing one x (read-only, as every decoded column is); any other regular x is made in a new block.
 */
export function decodeBinaryBatch(body: Uint8Array, allocate: (points: number) => Float64Array = (n) => new Float64Array(n)): unknown {
  if (body.length < PREAMBLE || fromUtf8.decode(body.subarray(0, 4)) !== MAGIC) {
    throw new ValidationError('body', `a ${BINARY_BATCH_TYPE} body must start with "${MAGIC}" and the header length`);
  }
  const headerLength = new DataView(body.buffer, body.byteOffset, body.byteLength).getUint32(4, true);
  if (PREAMBLE + headerLength > body.length) {
    throw new ValidationError('body', `header length ${headerLength} runs past the end of the body (${body.length} bytes)`);
  }
  let header: unknown;
  const headerBytes = body.subarray(PREAMBLE, PREAMBLE + headerLength);
  try {
    header = JSON.parse(decodeUtf8(headerBytes, 'header'));
  } catch (e) {
    if (e instanceof ValidationError) throw e;
    throw new ValidationError('body', `the binary batch header must be valid JSON (${(e as Error).message})`);
  }
  // Paths in the header are the batch's own (`executions[0].id`), as every other error of a binary batch names them.
  refuseDuplicateKeys(headerBytes);
  const aligned = body.byteOffset % 8 === 0 ? body : body.slice();
  let at = align8(PREAMBLE + headerLength);
  let items = 0;
  // Items with a regular x get their x column made afterwards, all in one block (one allocation per batch, not per item).
  const regular: Array<{ item: Obj; start: number; step: number; n: number; whole: boolean }> = [];
  let wholePoints = 0;
  let otherPoints = 0;
  const executions = isObject(header) && Array.isArray(header.executions) ? header.executions : [];
  executions.forEach((u: unknown, i) => {
    if (!isObject(u) || !Array.isArray(u.points)) return;
    const points: unknown[] = u.points;
    points.forEach((p: unknown, j) => {
      if (!isObject(p)) return;
      const path = `executions[${i}].points[${j}]`;
      if ('x' in p || 'y' in p) throw new ValidationError(`${path}.${'x' in p ? 'x' : 'y'}`, 'a binary batch carries x and y in its column section; give their count as "n"');
      const n = p.n;
      if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) throw new ValidationError(`${path}.n`, 'must be a whole number of points, 0 or more');
      const isRegular = hasRegularX(p, path);
      const bytes = (isRegular ? 8 : 16) * n;
      // Checked before anything is built from n: the body bounds it.
      if (at + bytes > aligned.length) {
        throw new ValidationError(`${path}.n`, `${n} points run past the end of the body (${aligned.length - at} bytes of columns left)`);
      }
      // A new object rather than deleting n, xStart and xStep (which would leave a slow dictionary-mode object); any other
      // field stays, in its place, for validation to name.
      const { n: _n, xStart, xStep, ...rest } = p;
      const item: Obj = { ...rest, x: isRegular ? null : readColumn(aligned, at, n), y: readColumn(aligned, at + bytes - 8 * n, n) };
      if (isRegular) {
        const whole = isWholeRegular(xStart as number, xStep as number, n);
        if (!whole && n > 0) {
          if (Number.isInteger(xStart) && Number.isInteger(xStep) && (xStep as number) > 0) {
            const beyond = wholeIndexBeyondLimit(xStart as number, xStep as number, n);
            if (beyond) throw new ValidationError(`${path}.x[${beyond.i}]`, xBeyondLimit(`${beyond.x} = xStart + ${beyond.i} · xStep`));
          }
          // Whole numbers mean whole numbers: within the limit, a value double arithmetic rounds would be stored as another
          // x than the one meant. A fractional step means `xStart + xStep · i` in doubles, as every SDK that sent one
          // checked bit for bit (older TS SDKs sent 0.1-steps so; refusing them now would lose their spooled batches).
          const inexact = Number.isInteger(xStart) && Number.isInteger(xStep) ? regularXProblem(xStart as number, xStep as number, n) : null;
          if (inexact) throw new ValidationError(`${path}.${inexact.field}`, inexact.rule);
        }
        regular.push({ item, start: xStart as number, step: xStep as number, n, whole });
        if (whole) wholePoints += n;
        else otherPoints += n;
      }
      points[j] = item;
      at += bytes;
      items++;
    });
  });
  if (regular.length > 0) {
    // Items with the same whole-number start, step and count (series recorded at the same steps, as those of one batch
    // usually are) share one x, made once: every reader takes decoded columns as read-only.
    const sameX = new Map<string, { start: number; step: number; n: number; items: Obj[] }>();
    for (const r of regular) {
      if (!r.whole) continue;
      const key = `${r.start} ${r.step} ${r.n}`;
      const group = sameX.get(key);
      if (group) {
        group.items.push(r.item);
        wholePoints -= r.n;
      } else {
        sameX.set(key, { start: r.start, step: r.step, n: r.n, items: [r.item] });
      }
    }
    const wholeBlock = wholePoints > 0 ? allocate(wholePoints) : null;
    let wholeAt = 0;
    for (const g of sameX.values()) {
      const x = wholeBlock!.subarray(wholeAt, wholeAt += g.n);
      fillRegular(x, g.start, g.step);
      for (const item of g.items) item.x = x;
    }
    const otherBlock = otherPoints > 0 ? new Float64Array(otherPoints) : null;
    let otherAt = 0;
    for (const r of regular) {
      if (r.whole) continue;
      const x = otherBlock!.subarray(otherAt, otherAt += r.n);
      fillRegular(x, r.start, r.step);
      r.item.x = x;
    }
  }
  // Without points the padding after the header may be left out.
  if (at !== aligned.length && !(items === 0 && aligned.length === PREAMBLE + headerLength)) {
    throw new ValidationError('body', `the body holds ${aligned.length - at} bytes more than the header's points account for`);
  }
  return header;
}
