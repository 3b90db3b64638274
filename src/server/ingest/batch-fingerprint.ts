import { createHash } from 'node:crypto';
import type { AcceptedBatch } from '../../protocol/index.js';

/** FNV-1a over the 32-bit words of a column: every bit of every value counts, at a few ms per million points. */
function columnHash(values: Float64Array): string {
  const words = new Uint32Array(values.buffer, values.byteOffset, values.length * 2);
  let h = 0x811c9dc5;
  for (let i = 0; i < words.length; i++) h = Math.imul(h ^ words[i]!, 16777619);
  return (h >>> 0).toString(16);
}

/**
 * A fingerprint of a batch's content, the same for its JSON and binary forms: a retry of a batch id must carry the same
 * content, and a different batch under a used id is refused (409) instead of being acknowledged and dropped. The structure
 * (ids, keys, starts, ends, definitions, summary ops) is hashed with SHA-256, each column by `columnHash` (SHA-256 over
 * every point would cost half as much as storing them).
 */
export function batchFingerprint(batch: AcceptedBatch): string {
  const structure = JSON.stringify(batch, (_key, v: unknown) => (v instanceof Float64Array ? { n: v.length, h: columnHash(v) } : v));
  return createHash('sha256').update(structure).digest('base64url').slice(0, 22);
}
