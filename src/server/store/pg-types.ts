import pg from 'pg';

/**
 * Result parsers of the store's connections: int8 as a JS number (ids, counts and sequence numbers stay far below 2^53),
 * the rest as pg parses it (bytea from hex text; pg 8 decodes binary-format results as UTF-8 text, so they are not used).
 */
export const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === 20 ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};

/**
 * SQL for a bytea column sent as base64 text (`fromBase64` on this side): a third fewer bytes to send and parse than
 * bytea's hex text output, which is what reads of many chunks spend their time on.
 */
export const base64 = (column: string) => `encode(${column}, 'base64')`;

/** The bytes of a `base64(…)` column (PostgreSQL breaks its base64 into lines; Node's decoder skips the line breaks). */
export function fromBase64(text: string): Buffer;
export function fromBase64(text: string | null): Buffer | null;
export function fromBase64(text: string | null): Buffer | null {
  return text === null ? null : Buffer.from(text, 'base64');
}
