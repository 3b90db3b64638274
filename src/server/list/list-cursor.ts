import { DomainError } from '../domain-error.js';

/**
 * Where a page of the list ended, in its order: the sort value of the last row (a number or a name), its id, and
 * whether the list had already passed on to rows with no value to sort by (those come last, newest first, and the
 * position is then their start time). Opaque to clients: base64url of a JSON array.
 */
export interface ListPosition {
  /** `v`: among rows with a sort value; `m`: among rows missing it (summary sorts only). */
  phase: 'v' | 'm';
  value: number | string;
  id: string;
  /** The sort the cursor was made for (`-summary.acc`): a cursor of another sort is refused rather than misread. */
  sort: string;
}

export function encodeListCursor(p: ListPosition): string {
  return Buffer.from(JSON.stringify([p.phase, p.value, p.id, p.sort])).toString('base64url');
}

export function decodeListCursor(cursor: string, sort: string): ListPosition {
  let v: unknown;
  try {
    v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    v = null;
  }
  if (
    !Array.isArray(v) || v.length !== 4 || (v[0] !== 'v' && v[0] !== 'm') || (typeof v[1] !== 'number' && typeof v[1] !== 'string')
    || typeof v[2] !== 'string' || typeof v[3] !== 'string'
  ) {
    throw new DomainError('invalid', 'cursor', 'must be the nextCursor of a previous page');
  }
  if (v[3] !== sort) throw new DomainError('invalid', 'cursor', `was made for sort "${v[3]}", not "${sort}": start again without a cursor`);
  return { phase: v[0], value: v[1], id: v[2], sort: v[3] };
}
