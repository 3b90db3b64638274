import { jsonExact } from './numbers.js';
import type { SummaryObject, SummaryValue } from './types.js';

/**
 * What changed in an execution's summary, by top-level key: the stream sends this instead of the whole summary (which may
 * be up to 1 MiB), and a follower applies it to the summary it loaded.
 */
export interface SummaryChanges {
  /** Top-level keys added or changed, with their new values. */
  set: SummaryObject;
  /** Top-level keys removed. */
  deleted: string[];
}

/** The top-level differences from `before` to `after` (values compared as exact JSON: 0 → −0 is a change). */
export function summaryChanges(before: SummaryObject, after: SummaryObject): SummaryChanges {
  const set: SummaryObject = {};
  const deleted: string[] = [];
  for (const key of Object.keys(before)) if (!Object.hasOwn(after, key)) deleted.push(key);
  for (const [key, value] of Object.entries(after)) {
    if (!Object.hasOwn(before, key) || jsonExact(before[key]) !== jsonExact(value)) set[key] = value;
  }
  return { set, deleted };
}

/** `summary` with `changes` applied (a new object; `summary` is left as it was). */
export function applySummaryChanges(summary: SummaryObject, changes: SummaryChanges): SummaryObject {
  const out: SummaryObject = { ...summary };
  for (const key of changes.deleted) delete out[key];
  for (const [key, value] of Object.entries(changes.set)) out[key] = value;
  return out;
}

/** Bytes of summary an execution carries in list payloads and list updates on the stream (its page loads the whole one). */
export const SUMMARY_PREVIEW_BYTES = 4096;
const PREVIEW_STRING_CHARS = 200;

/**
 * The part of a summary that fits a table: its number, bool and short string leaves (nesting kept), in key order, until
 * about `maxBytes` of JSON. Arrays, long strings and whatever does not fit are left out; a list never carries whole
 * summaries (one may be 1 MiB).
 */
export function summaryPreview(summary: SummaryObject, maxBytes = SUMMARY_PREVIEW_BYTES): SummaryObject {
  let room = maxBytes;
  const walk = (node: SummaryObject): SummaryObject | null => {
    const out: SummaryObject = {};
    let any = false;
    for (const [key, value] of Object.entries(node)) {
      if (room <= 0) break;
      let kept: SummaryValue | null = null;
      if (typeof value === 'number' || typeof value === 'boolean') kept = value;
      else if (typeof value === 'string' && value.length <= PREVIEW_STRING_CHARS) kept = value;
      else if (value && typeof value === 'object' && !Array.isArray(value)) kept = walk(value);
      if (kept === null) continue;
      const cost = key.length + 4 + (typeof kept === 'object' ? 2 : JSON.stringify(kept).length);
      if (typeof kept !== 'object' && cost > room) continue;
      room -= typeof kept === 'object' ? key.length + 4 : cost;
      out[key] = kept;
      any = true;
    }
    return any ? out : null;
  };
  return walk(summary) ?? {};
}

/** Summary paths one list request may ask for (`GET /api/executions?summary=…`): more columns than a table shows. */
export const MAX_LIST_SUMMARY_PATHS = 100;

/**
 * Only the values at `paths` (dotted, as the runs table's columns name them), nested as in the summary, then cut to what a
 * table cell shows (`summaryPreview`: number, bool and short string leaves, ≤ `SUMMARY_PREVIEW_BYTES`). A path that names
 * nothing is left out; a path to an object brings its leaves.
 */
export function pickSummaryPaths(summary: SummaryObject, paths: readonly string[]): SummaryObject {
  const out: SummaryObject = {};
  for (const path of paths) {
    const segments = path.split('.');
    let from: SummaryValue | undefined = summary;
    for (const s of segments) from = from && typeof from === 'object' && !Array.isArray(from) && Object.hasOwn(from, s) ? from[s] : undefined;
    if (from === undefined) continue;
    let to = out;
    for (const s of segments.slice(0, -1)) {
      const next = to[s];
      // A copy: the summary itself is never written to.
      to = (to[s] = next && typeof next === 'object' && !Array.isArray(next) ? { ...next } : {}) as SummaryObject;
    }
    to[segments[segments.length - 1]!] = from;
  }
  return summaryPreview(out);
}
