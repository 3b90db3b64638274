import { writeColumn, readColumn } from './binary-batch.js';
import { fromWireArray } from './numbers.js';
import type { SeriesData, TimeMarks, WireNumber } from './types.js';
import { ValidationError } from './validate.js';

/**
 * The binary form of a series read (`GET /api/executions/:id/series` with `Accept: application/vnd.plotline.series`),
 * which the studio asks for: a page opening 40 series of 2,000 points reads them as float64 columns it can chart as they
 * are, where JSON costs the server a stringify and the browser a parse and a copy. Little-endian:
 *
 *   "PLS1" | u32 0 | for each series: u32 header length H | header: UTF-8 JSON `{key, total, downsampled, n}` (plus
 *   `times` and `smoothed` as in JSON when the series has them: record-time marks and the server's smoothed line; and
 *   `exec`, the execution's id, in a read of several executions: `GET /api/series`)
 *   | zero padding to a multiple of 8 | n float64 x | n float64 y
 *
 * Every frame is a multiple of 8 bytes long, so each column lies aligned. NaN and ±Infinity travel as plain doubles.
 */
export const SERIES_BINARY_TYPE = 'application/vnd.plotline.series';

/** One series of a read, in columns (`SeriesData` with its y as numbers). */
export interface SeriesColumnsRead {
  /** The execution, in a read of several (`GET /api/series`). */
  exec?: string;
  key: string;
  total: number;
  downsampled: boolean;
  x: Float64Array;
  y: Float64Array;
  times?: TimeMarks;
  smoothed?: { x: number[]; y: WireNumber[] };
}

const MAGIC = 'PLS1';
const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder('utf-8', { fatal: true });
const align8 = (n: number) => Math.ceil(n / 8) * 8;

/** The 8 bytes a binary series answer starts with. */
export function seriesBinaryPreamble(): Uint8Array {
  const bytes = new Uint8Array(8);
  bytes.set(utf8.encode(MAGIC));
  return bytes;
}

/** One series as a frame of the binary answer. */
export function encodeSeriesFrame(s: SeriesData & { exec?: string }): Uint8Array {
  return encodeFrame({
    ...(s.exec !== undefined && { exec: s.exec }),
    key: s.key, total: s.total, downsampled: s.downsampled, n: s.x.length, ...(s.times && { times: s.times }), ...(s.smoothed && { smoothed: s.smoothed }),
  }, s.x, fromWireArray(s.y));
}

/**
 * Full-resolution points of one series as a frame (the binary export, `format=binary`: a series is then several frames of
 * the same key, in x order, `total` being the frame's own count).
 */
export function encodeColumnsFrame(key: string, x: ArrayLike<number>, y: ArrayLike<number>): Uint8Array {
  return encodeFrame({ key, total: x.length, downsampled: false, n: x.length }, x, y);
}

function encodeFrame(head: object, x: ArrayLike<number>, y: ArrayLike<number>): Uint8Array {
  const header = utf8.encode(JSON.stringify(head));
  const dataStart = align8(4 + header.length);
  const bytes = new Uint8Array(dataStart + 16 * x.length);
  new DataView(bytes.buffer).setUint32(0, header.length, true);
  bytes.set(header, 4);
  writeColumn(bytes, writeColumn(bytes, dataStart, x), y);
  return bytes;
}

/**
 * Decodes a whole binary series answer. The columns are views of `buffer` (on a little-endian machine). Throws a
 * `ValidationError` naming the byte offset when the bytes are not such an answer (cut short, bad header).
 */
export function decodeSeriesBinary(buffer: ArrayBuffer): SeriesColumnsRead[] {
  const bytes = new Uint8Array(buffer);
  const fail = (at: number, rule: string): never => {
    throw new ValidationError('body', `binary series answer at byte ${at}: ${rule}`);
  };
  if (bytes.length < 8 || fromUtf8.decode(bytes.subarray(0, 4)) !== MAGIC) fail(0, `must start with "${MAGIC}"`);
  const view = new DataView(buffer);
  const out: SeriesColumnsRead[] = [];
  let at = 8;
  while (at < bytes.length) {
    if (at + 4 > bytes.length) fail(at, 'cut short in a frame header');
    const h = view.getUint32(at, true);
    if (at + 4 + h > bytes.length) fail(at, 'cut short in a frame header');
    let head: { exec?: unknown; key?: unknown; total?: unknown; downsampled?: unknown; n?: unknown; times?: TimeMarks; smoothed?: SeriesColumnsRead['smoothed'] };
    try {
      head = JSON.parse(fromUtf8.decode(bytes.subarray(at + 4, at + 4 + h))) as typeof head;
    } catch {
      return fail(at, 'frame header is not UTF-8 JSON');
    }
    const { exec, key, total, downsampled, n } = head;
    if ((exec !== undefined && typeof exec !== 'string') || typeof key !== 'string' || typeof total !== 'number' || typeof downsampled !== 'boolean' || !Number.isInteger(n) || (n as number) < 0) {
      fail(at, 'frame header must be {key, total, downsampled, n}');
    }
    const count = n as number;
    const data = at + align8(4 + h);
    if (data + 16 * count > bytes.length) fail(at, `cut short: ${count} points announced`);
    out.push({
      ...(typeof exec === 'string' && { exec }),
      key: key as string, total: total as number, downsampled: downsampled as boolean, x: readColumn(bytes, data, count), y: readColumn(bytes, data + 8 * count, count),
      ...(head.times && { times: head.times }), ...(head.smoothed && { smoothed: head.smoothed }),
    });
    at = data + 16 * count;
  }
  return out;
}
