import { summaryKeyProblem, summaryValueProblem } from './summary-keys.js';
import { SUMMARY_MODES, type SummaryObject, type SummaryOp, type SummaryValue } from './types.js';

/** A summary operation that breaks a Cog rule; the message names the key and the rule. */
export class SummaryError extends Error {
  constructor(readonly key: string, readonly rule: string) {
    super(`summary key "${key}": ${rule}`);
    this.name = 'SummaryError';
  }
}

export type SummaryType = 'bool' | 'number' | 'string' | 'array' | 'object';

/**
 * The type a summary key keeps until it is deleted. Integers and floats are one type, `number`: JSON (and JS) cannot tell
 * 1 from 1.0, so `0` then `0.2` must not be a type change (where Python's Cog would see int then float).
 */
export function summaryTypeOf(v: SummaryValue): SummaryType {
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number') return 'number';
  if (typeof v === 'string') return 'string';
  return Array.isArray(v) ? 'array' : 'object';
}

function isObject(v: SummaryValue | undefined): v is SummaryObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Own properties only: a key like "constructor" must not find Object.prototype's. */
function own(node: SummaryObject, segment: string): SummaryValue | undefined {
  return Object.hasOwn(node, segment) ? node[segment] : undefined;
}

export function getSummaryValue(summary: SummaryObject, key: string): SummaryValue | undefined {
  let node: SummaryValue | undefined = summary;
  for (const s of key.split('.')) {
    if (!isObject(node)) return undefined;
    node = own(node, s);
  }
  return node;
}

export function hasSummaryValue(summary: SummaryObject, key: string): boolean {
  return getSummaryValue(summary, key) !== undefined;
}

/**
 * Where a dotted key lives: the deepest existing object on its path, and the segments still missing below it
 * (`missing` is empty when the leaf's parent exists). `blocked` names an intermediate that holds a non-object.
 */
interface Location {
  node: SummaryObject;
  missing: string[];
  leaf: string;
  blocked?: { path: string; type: SummaryType };
}

function locate(summary: SummaryObject, key: string): Location {
  const segments = key.split('.');
  const leaf = segments.pop()!;
  let node = summary;
  for (const [i, s] of segments.entries()) {
    const next = own(node, s);
    if (next === undefined) return { node, missing: segments.slice(i), leaf };
    if (!isObject(next)) return { node, missing: [], leaf, blocked: { path: segments.slice(0, i + 1).join('.'), type: summaryTypeOf(next) } };
    node = next;
  }
  return { node, missing: [], leaf };
}

function clone<T extends SummaryValue>(v: T): T {
  return typeof v === 'object' ? structuredClone(v) : v;
}

/** The leaf's new value under `mode`, or a SummaryError naming the rule; it throws before changing anything. */
function nextValue(key: string, old: SummaryValue | undefined, value: SummaryValue, mode: SummaryOp['mode']): SummaryValue {
  switch (mode) {
    case 'replace':
      if (old !== undefined && summaryTypeOf(old) !== summaryTypeOf(value)) {
        throw new SummaryError(key, `type is ${summaryTypeOf(old)} and cannot change to ${summaryTypeOf(value)} until the key is deleted`);
      }
      return clone(value);
    case 'incr': {
      if (typeof value !== 'number') throw new SummaryError(key, `incr needs a number (got ${summaryTypeOf(value)})`);
      if (old === undefined) return value;
      if (typeof old !== 'number') throw new SummaryError(key, `incr needs a numeric value, but the key holds a ${summaryTypeOf(old)}`);
      const sum = old + value;
      if (!Number.isFinite(sum)) throw new SummaryError(key, `incr would overflow to ${sum}; values must stay finite`);
      return sum;
    }
    case 'append':
      if (old === undefined) return [clone(value)];
      if (!Array.isArray(old)) return [old, clone(value)];
      old.push(clone(value)); // in place keeps a long append loop linear; nothing can fail after this point
      return old;
  }
}

/**
 * Applies one `recordMetric(key, value, mode)` to a summary object, in place, with Cog's rules: dotted keys nest (missing
 * intermediate objects are created; a non-object in the way is an error, where Cog would silently overwrite it); `null` deletes
 * (a missing key, even behind a non-object, is nothing to delete; an emptied parent object stays, as in Cog); a key's type cannot
 * change until it is deleted; `incr` starts a missing key from 0 and refuses non-numbers; `append` creates an array, or wraps a
 * non-array value as [old, value].
 *
 * Numbers are one type (see `summaryTypeOf`): `replace` of 0 by 0.2 and `incr` of 2 by 0.5 are both fine.
 *
 * Atomic: when it throws, `summary` is unchanged.
 */
export function applySummaryOp(summary: SummaryObject, op: SummaryOp): void {
  const keyProblem = summaryKeyProblem(op.key);
  if (keyProblem) throw new SummaryError(op.key, keyProblem);
  if (!SUMMARY_MODES.includes(op.mode)) throw new SummaryError(op.key, `mode must be one of ${SUMMARY_MODES.join(', ')} (got ${String(op.mode)})`);
  const valueProblem = op.value === null ? null : summaryValueProblem(op.value);
  if (valueProblem) throw new SummaryError(op.key, valueProblem);

  const at = locate(summary, op.key);
  if (op.value === null) {
    if (!at.blocked && at.missing.length === 0) delete at.node[at.leaf];
    return;
  }
  if (at.blocked) {
    throw new SummaryError(op.key, `"${at.blocked.path}" is a ${at.blocked.type}, not an object, so it cannot hold nested keys (delete it first)`);
  }
  const old = at.missing.length === 0 ? own(at.node, at.leaf) : undefined;
  const value = nextValue(op.key, old, op.value, op.mode);
  let node = at.node;
  for (const s of at.missing) node = node[s] = {};
  node[at.leaf] = value;
}
