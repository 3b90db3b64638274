import { createHash } from 'node:crypto';
import type { AcceptedBatch } from '../../protocol/index.js';
import { wholeStepOf } from '../../protocol/regular.js';

/** FNV-1a over the 32-bit words of a column: every bit of every value counts, at a few ms per million points. */
function fnv(values: Float64Array): string {
  const words = new Uint32Array(values.buffer, values.byteOffset, values.length * 2);
  let h = 0x811c9dc5;
  for (let i = 0; i < words.length; i++) h = Math.imul(h ^ words[i]!, 16777619);
  return (h >>> 0).toString(16);
}

/** A finite number as text that tells −0 from 0 (String() and JSON do not). */
const exact = (v: number): string => (Object.is(v, -0) ? '-0' : String(v));

/**
 * What a column's fingerprint takes from it. A column of two or more values that is exactly `v[0] + (v[1] − v[0]) · i`
 * throughout (bit for bit; a NaN start never counts) is given by its start and step — its content, with nothing left
 * out — so that a regular x sent as `xStart`/`xStep` is not read point by point: a decoded whole-number one is known
 * to be (`markWholeStep`), any other column is checked, which stops at the first value that is not. The rest are hashed.
 */
function columnPrint(values: Float64Array): { n: number; start: string; step: string } | { n: number; h: string } {
  const n = values.length;
  if (n >= 2) {
    const start = values[0]!;
    const step = values[1]! - start;
    let regular = wholeStepOf(values) !== undefined;
    if (!regular && !Number.isNaN(start)) {
      let i = 2;
      while (i < n && Object.is(values[i], start + step * i)) i++;
      regular = i === n;
    }
    if (regular) return { n, start: exact(start), step: exact(step) };
  }
  return { n, h: fnv(values) };
}

/** SHA-256 of the batch's structure with each column replaced by what `column` takes from it, in `length` characters. */
function structureHash(batch: AcceptedBatch, column: (values: Float64Array) => unknown, length: number): string {
  const structure = JSON.stringify(batch, (_key, v: unknown) => (v instanceof Float64Array ? column(v) : v));
  return createHash('sha256').update(structure).digest('base64url').slice(0, length);
}

/**
 * A fingerprint of a batch's content, the same for its JSON and binary forms: a retry of a batch id must carry the same
 * content, and a different batch under a used id is refused (409) instead of being acknowledged and dropped. The structure
 * (ids, keys, starts, ends, definitions, summary ops) is hashed with SHA-256, each column as `columnPrint` gives it
 * (SHA-256 over every point would cost half as much as storing them). 24 characters: fingerprints stored before
 * regular columns were taken as start and step have 22 (see `sameBatchContent`).
 */
export function batchFingerprint(batch: AcceptedBatch): string {
  return structureHash(batch, columnPrint, 24);
}

/**
 * Whether `batch` (whose `batchFingerprint` is `hash`) has the content a batch id was stored with (`stored`). A
 * fingerprint stored by an earlier version (22 characters, every column hashed) is compared with that version's
 * fingerprint of `batch`, so a retry that spans an upgrade is still a duplicate, not a conflict.
 */
export function sameBatchContent(stored: string, batch: AcceptedBatch, hash: string): boolean {
  if (stored === hash) return true;
  return stored.length === 22 && stored === structureHash(batch, (v) => ({ n: v.length, h: fnv(v) }), 22);
}
