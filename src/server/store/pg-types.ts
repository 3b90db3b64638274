import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import copyStreams from 'pg-copy-streams';

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

/**
 * Reads values packed by SQL into one bytea (`int8send(id) || int4send(n) || float8send(x) || …`, all big-endian, as
 * PostgreSQL's send functions write them) so that thousands of chunks travel as one value instead of one row each.
 */
export class PackedReader {
  private at = 0;
  constructor(private readonly buf: Buffer) {}

  get done(): boolean {
    return this.at >= this.buf.length;
  }

  /** An int8 that is known to stay below 2^53 (ids, counts). */
  int8(): number {
    const v = this.buf.readUInt32BE(this.at) * 2 ** 32 + this.buf.readUInt32BE(this.at + 4);
    this.at += 8;
    return v;
  }

  int4(): number {
    const v = this.buf.readInt32BE(this.at);
    this.at += 4;
    return v;
  }

  float8(): number {
    const v = this.buf.readDoubleBE(this.at);
    this.at += 8;
    return v;
  }

  /** `n` bytes, as a view (no copy). */
  bytes(n: number): Buffer {
    const v = this.buf.subarray(this.at, this.at + n);
    this.at += n;
    return v;
  }

  /** Bytes written as `int4send(length(b)) || b`. */
  sized(): Buffer {
    return this.bytes(this.int4());
  }
}

/** SQL of a bytea packed for `PackedReader.sized`. */
export const sized = (column: string) => `int4send(length(${column})) || ${column}`;

/** One field of a row for `binaryCopy`: bytea as it is, or a number as the column's type. */
export type CopyField = Buffer | { int8: number } | { int4: number } | { int2: number } | { float8: number };

const COPY_SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');

/**
 * Rows in PostgreSQL's binary COPY format (signature, flags and extension length, then per row the field count and each
 * field's length and big-endian value, then -1): https://www.postgresql.org/docs/current/sql-copy.html#id-1.9.3.55.9.4
 */
export function binaryCopy(rows: CopyField[][]): Buffer {
  let size = COPY_SIGNATURE.length + 8 + 2;
  for (const row of rows) {
    size += 2;
    for (const f of row) size += 4 + (Buffer.isBuffer(f) ? f.length : 'int4' in f ? 4 : 'int2' in f ? 2 : 8);
  }
  const out = Buffer.allocUnsafe(size);
  let at = COPY_SIGNATURE.copy(out, 0);
  at = out.writeInt32BE(0, at);
  at = out.writeInt32BE(0, at);
  for (const row of rows) {
    at = out.writeInt16BE(row.length, at);
    for (const f of row) {
      if (Buffer.isBuffer(f)) {
        at = out.writeInt32BE(f.length, at);
        at += f.copy(out, at);
      } else if ('int4' in f) {
        at = out.writeInt32BE(f.int4, out.writeInt32BE(4, at));
      } else if ('int2' in f) {
        at = out.writeInt16BE(f.int2, out.writeInt32BE(2, at));
      } else if ('int8' in f) {
        at = out.writeBigInt64BE(BigInt(f.int8), out.writeInt32BE(8, at));
      } else {
        at = out.writeDoubleBE(f.float8, out.writeInt32BE(8, at));
      }
    }
  }
  out.writeInt16BE(-1, at);
  return out;
}

/** Runs `COPY … FROM STDIN` on `client` with `data` (pg-copy-streams), resolving when the server has taken it all. */
export async function copyIn(client: pg.ClientBase, sql: string, data: Buffer): Promise<void> {
  const stream = client.query(copyStreams.from(sql));
  await pipeline(Readable.from([data]), stream);
}
