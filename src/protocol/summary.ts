import { summaryKeyProblem, summaryValueProblem } from './summary-keys.js';
import type { SummaryObject, SummaryOp, SummaryValue } from './types.js';

/** A summary operation that breaks a Cog rule; the message names the key and the rule. */
export class SummaryError extends Error {
  constructor(readonly key: string, readonly rule: string) {
    super(`summary key "${key}": ${rule}`);
    this.name = 'SummaryError';
  }
}

export type SummaryType = 'bool' | 'int' | 'float' | 'string' | 'array' | 'object';

export function summaryTypeOf(v: SummaryValue): SummaryType {
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'float';
  if (typeof v === 'string') return 'string';
  return Array.isArray(v) ? 'array' : 'object';
}

function isObject(v: SummaryValue | undefined): v is SummaryObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The object holding the last segment of `key`, creating intermediate objects when `create`. */
function parentOf(summary: SummaryObject, key: string, create: boolean): { parent: SummaryObject; leaf: string } | null {
  const segments = key.split('.');
  const leaf = segments.pop()!;
  let node = summary;
  for (const [i, s] of segments.entries()) {
    const next = node[s];
    if (next === undefined) {
      if (!create) return null;
      node[s] = {};
    } else if (!isObject(next)) {
      throw new SummaryError(key, `"${segments.slice(0, i + 1).join('.')}" is a ${summaryTypeOf(next)}, not an object, so it cannot hold nested keys`);
    }
    node = node[s] as SummaryObject;
  }
  return { parent: node, leaf };
}

export function getSummaryValue(summary: SummaryObject, key: string): SummaryValue | undefined {
  let node: SummaryValue | undefined = summary;
  for (const s of key.split('.')) {
    if (!isObject(node)) return undefined;
    node = node[s];
  }
  return node;
}

export function hasSummaryValue(summary: SummaryObject, key: string): boolean {
  return getSummaryValue(summary, key) !== undefined;
}

function clone<T extends SummaryValue>(v: T): T {
  return typeof v === 'object' ? (JSON.parse(JSON.stringify(v)) as T) : v;
}

/**
 * Applies one `recordMetric(key, value, mode)` to a summary object, in place, with Cog's rules: dotted keys nest; `null` deletes;
 * a key's type cannot change until it is deleted; `incr` starts a missing key from 0 and refuses non-numbers; `append` creates
 * an array, or wraps a non-array value as [old, value]. int and float count as one numeric type for `incr` (2 + 0.5 is a float),
 * as Python's `+=` does; `replace` between int and float is a type change, as in Cog.
 */
export function applySummaryOp(summary: SummaryObject, op: SummaryOp): void {
  const keyProblem = summaryKeyProblem(op.key);
  if (keyProblem) throw new SummaryError(op.key, keyProblem);
  if (op.value !== null) {
    const valueProblem = summaryValueProblem(op.value);
    if (valueProblem) throw new SummaryError(op.key, valueProblem);
  }
  if (op.value === null) {
    const found = parentOf(summary, op.key, false);
    if (found) delete found.parent[found.leaf];
    return;
  }
  const { parent, leaf } = parentOf(summary, op.key, true)!;
  const old = parent[leaf];
  const value = clone(op.value);
  switch (op.mode) {
    case 'replace':
      if (old !== undefined && summaryTypeOf(old) !== summaryTypeOf(value)) {
        throw new SummaryError(op.key, `type is ${summaryTypeOf(old)} and cannot change to ${summaryTypeOf(value)} until the key is deleted`);
      }
      parent[leaf] = value;
      return;
    case 'incr':
      if (typeof value !== 'number') throw new SummaryError(op.key, `incr needs a number (got ${summaryTypeOf(value)})`);
      if (old === undefined) parent[leaf] = value;
      else if (typeof old !== 'number') throw new SummaryError(op.key, `incr needs a numeric value, but the key holds a ${summaryTypeOf(old)}`);
      else parent[leaf] = old + value;
      return;
    case 'append':
      if (old === undefined) parent[leaf] = [value];
      else if (Array.isArray(old)) old.push(value);
      else parent[leaf] = [old, value];
      return;
  }
}
