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
