import { ValidationError } from '../../protocol/index.js';

/** Position after the last execution of a page, in the listing order (startedAt desc, id desc). Opaque to clients. */
export interface ListPosition {
  startedAt: number;
  id: string;
}

export function encodeCursor(p: ListPosition): string {
  return Buffer.from(JSON.stringify([p.startedAt, p.id])).toString('base64url');
}

export function decodeCursor(cursor: string): ListPosition {
  let v: unknown;
  try {
    v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    v = null;
  }
  if (!Array.isArray(v) || v.length !== 2 || typeof v[0] !== 'number' || typeof v[1] !== 'string') {
    throw new ValidationError('cursor', 'must be the nextCursor of a previous page');
  }
  return { startedAt: v[0], id: v[1] };
}
