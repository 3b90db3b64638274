/**
 * The spool: encoded batches waiting on disk, so that nothing an SDK accepted is lost to a program that records faster
 * than it lets the sender run (a synchronous loop), to a long outage of the server, or to the process exiting first.
 * This comment is the one description of the format and its rules; the Python SDK follows the same ones, so either SDK
 * can deliver the other's spool.
 *
 * Where. `<base>/<client key>/`, with `<base>` = `connect({ spool: { dir } })`, else env `PLOTLINE_SPOOL_DIR`, else
 * `<OS temp dir>/plotline-spool`,
 * and `<client key>` = the first 16 hex digits of SHA-256(`<url>` + "\n" + `<token or empty>`), the url without a trailing
 * slash. One directory per client (server and token): what it holds may only be sent there. The token itself is never
 * written; the client directory is private to its user (mode 0700, files 0600): spooled metrics are the user's data.
 *
 * Files. Each client (one per `connect()`) writes its own file `<pid>-<start ms, base 36>-<8 random hex>.spool`, created at
 * its first spill. All integers little-endian:
 *
 *   header (16 bytes)  "PLS1" | u32 0 (reserved) | u64 acked: offset of the first record not yet acknowledged (16 if none)
 *   record             u32 body length L | u32 points in the batch | u32 CRC-32 (zlib) of the body | body (L bytes)
 *
 * A body is one complete binary ingest batch (`PLB1…`, see protocol/binary-batch.ts) with its `batchId`, so a record sent
 * twice is stored once (the server remembers batch ids for an hour). Records are in send order: a batch never depends on a
 * later one (an execution's start comes before its points, its end after them).
 *
 * Rules.
 * - Appended only by its owner, oldest first; read from `acked` on. A batch answered 2xx, or refused with a 4xx (counted
 *   as refused, never retried), is acknowledged: `acked` moves past its record (one 8-byte write, no fsync: the spool
 *   survives the process, not a power cut). When every record is acknowledged the owner truncates the file to its
 *   header, and deletes it when the client closes or the process exits with nothing waiting.
 * - A record whose length runs past the end of the file or whose CRC does not match is a torn write (the process was
 *   killed while appending): it and everything after it are ignored.
 * - Bounded: the unacknowledged bytes of one file stay under `maxBytes` (default 1 GiB); what does not fit waits in memory.
 * - Orphans: a file whose pid is not a running process (or is this process's pid but not one of its own files: a pid reused
 *   after a restart) belongs to a process that exited. `connect()` claims each orphan of its directory by renaming it to
 *   a name with its own pid (atomic: of several claimers one wins), and sends it, oldest file first, before its own data;
 *   once delivered, the file is deleted.
 */
import { createHash, randomBytes } from 'node:crypto';
import {
  closeSync, ftruncateSync, fstatSync, mkdirSync, openSync, readdirSync, readSync, renameSync, unlinkSync, writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as zlib from 'node:zlib';

export interface SpoolOptions {
  /** Base directory; default env `PLOTLINE_SPOOL_DIR`, else `<OS temp dir>/plotline-spool`. */
  dir?: string;
  /** Unacknowledged bytes one client may keep on disk (default 1 GiB). */
  maxBytes?: number;
}

export const DEFAULT_SPOOL_MAX_BYTES = 2 ** 30;
const MAGIC = 'PLS1';
const HEADER = 16;
const RECORD_HEADER = 12;
const ACKED_AT = 8;
const FILE = /^(\d+)-([0-9a-z]+)-([0-9a-f]+)\.spool$/;

/** zlib's CRC-32 (Node ≥ 20.15); 0 ("not checked") on older runtimes. */
const crc32: (data: Uint8Array) => number = (zlib as { crc32?: (d: Uint8Array) => number }).crc32 ?? (() => 0);

/** The directory of one client's spool files. */
export function spoolDirectory(base: string | undefined, url: string, token: string | null): string {
  const key = createHash('sha256').update(`${url.replace(/\/+$/, '')}\n${token ?? ''}`).digest('hex').slice(0, 16);
  return join(base ?? (process.env.PLOTLINE_SPOOL_DIR || join(tmpdir(), 'plotline-spool')), key);
}

/** Spool files written by this process (a file with our pid that is not among them was left by an earlier process). */
const ownFiles = new Set<string>();

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function newName(): string {
  return `${process.pid}-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}.spool`;
}

/** One spool file, open for appending (its owner) and reading from its first unacknowledged record. */
export class Spool {
  /** Offset of the first unacknowledged record. */
  private acked = HEADER;
  /** End of the valid records. */
  private end = HEADER;
  /** End of the record last read by `readHead` (what `ackHead` acknowledges), or null. */
  private headEnd: number | null = null;
  private headPoints = 0;
  /** Points in the unacknowledged records. */
  points = 0;
  private readonly word = Buffer.alloc(RECORD_HEADER);

  private constructor(readonly path: string, private readonly fd: number, private readonly recovered: boolean) {}

  /** A new, empty spool file of this process in `dir`. Throws the fs error when it cannot be created. */
  static create(dir: string): Spool {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const path = join(dir, newName());
    const fd = openSync(path, 'wx+', 0o600);
    const spool = new Spool(path, fd, false);
    const header = Buffer.alloc(HEADER);
    header.write(MAGIC, 0, 'latin1');
    header.writeBigUInt64LE(BigInt(HEADER), ACKED_AT);
    writeSync(fd, header, 0, HEADER, 0);
    ownFiles.add(path);
    return spool;
  }

  /**
   * Claims the orphaned spool files of `dir` (see the rules above), oldest first, each with something to send. Files it
   * cannot read are left where they are.
   */
  static claimOrphans(dir: string): Spool[] {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      return [];
    }
    const orphans = names
      .map((name) => ({ name, m: FILE.exec(name) }))
      .filter(({ name, m }) => m !== null && !ownFiles.has(join(dir, name))
        && (Number(m[1]) === process.pid || !processAlive(Number(m[1]))))
      .sort((a, b) => parseInt(a.m![2]!, 36) - parseInt(b.m![2]!, 36) || a.name.localeCompare(b.name));
    const claimed: Spool[] = [];
    for (const { name, m } of orphans) {
      const path = join(dir, `${process.pid}-${m![2]}-${randomBytes(4).toString('hex')}.spool`);
      try {
        renameSync(join(dir, name), path);
      } catch {
        continue; // another process claimed it first
      }
      ownFiles.add(path);
      try {
        const spool = Spool.open(path);
        if (spool.empty) spool.close(true);
        else claimed.push(spool);
      } catch {
        ownFiles.delete(path);
      }
    }
    return claimed;
  }

  /** Opens a claimed file: reads `acked`, then walks the record headers to find the valid end and count the points. */
  private static open(path: string): Spool {
    const fd = openSync(path, 'r+');
    const spool = new Spool(path, fd, true);
    const size = fstatSync(fd).size;
    const header = Buffer.alloc(HEADER);
    if (size < HEADER || readSync(fd, header, 0, HEADER, 0) < HEADER || header.toString('latin1', 0, 4) !== MAGIC) {
      closeSync(fd);
      throw new Error(`${path} is not a spool file`);
    }
    spool.acked = Math.max(HEADER, Number(header.readBigUInt64LE(ACKED_AT)));
    let at = spool.acked;
    while (at + RECORD_HEADER <= size) {
      readSync(fd, spool.word, 0, RECORD_HEADER, at);
      const length = spool.word.readUInt32LE(0);
      if (at + RECORD_HEADER + length > size) break; // torn: the writer was killed while appending
      spool.points += spool.word.readUInt32LE(4);
      at += RECORD_HEADER + length;
    }
    spool.end = at;
    return spool;
  }

  get empty(): boolean {
    return this.acked >= this.end;
  }

  /** Bytes of the records not yet acknowledged. */
  get unackedBytes(): number {
    return this.end - this.acked;
  }

  /** Appends one encoded batch (synchronously: the caller may be a loop that never yields). */
  append(body: Uint8Array, points: number): void {
    this.word.writeUInt32LE(body.byteLength, 0);
    this.word.writeUInt32LE(points, 4);
    this.word.writeUInt32LE(crc32(body), 8);
    writeSync(this.fd, this.word, 0, RECORD_HEADER, this.end);
    writeSync(this.fd, body, 0, body.byteLength, this.end + RECORD_HEADER);
    this.end += RECORD_HEADER + body.byteLength;
    this.points += points;
  }

  /**
   * The first unacknowledged record, read into memory from `allocate`, or null when there is none. A torn or damaged record
   * ends the spool: it and what follows are given up (returned as `lostPoints`, when its header could be read).
   */
  readHead(allocate: (bytes: number) => Uint8Array<ArrayBuffer>): { body: Uint8Array<ArrayBuffer>; points: number } | { lostPoints: number } | null {
    if (this.empty) return null;
    readSync(this.fd, this.word, 0, RECORD_HEADER, this.acked);
    const length = this.word.readUInt32LE(0);
    const points = this.word.readUInt32LE(4);
    const crc = this.word.readUInt32LE(8);
    const body = allocate(length);
    const read = this.acked + RECORD_HEADER + length <= this.end ? readSync(this.fd, body, 0, length, this.acked + RECORD_HEADER) : -1;
    if (read !== length || (crc !== 0 && crc32(body) !== crc)) {
      const lostPoints = this.points;
      this.end = this.acked;
      this.points = 0;
      this.reset();
      return { lostPoints };
    }
    this.headEnd = this.acked + RECORD_HEADER + length;
    this.headPoints = points;
    return { body, points };
  }

  /** The record last read by `readHead` (or, for the owner, the first one not acknowledged) is delivered or refused. */
  ackHead(): void {
    if (this.headEnd === null) {
      readSync(this.fd, this.word, 0, RECORD_HEADER, this.acked);
      this.headEnd = this.acked + RECORD_HEADER + this.word.readUInt32LE(0);
      this.headPoints = this.word.readUInt32LE(4);
    }
    this.acked = this.headEnd;
    this.points -= this.headPoints;
    this.headEnd = null;
    if (this.empty) this.reset();
    else this.writeAcked();
  }

  /** Forgets a record read by `readHead` that was not sent (it stays first). */
  unread(): void {
    this.headEnd = null;
  }

  /** Everything acknowledged: back to an empty file, so it does not grow across outages. */
  private reset(): void {
    this.acked = this.end = HEADER;
    this.writeAcked();
    if (!this.recovered) ftruncateSync(this.fd, HEADER);
  }

  private writeAcked(): void {
    this.word.writeBigUInt64LE(BigInt(this.acked), 0);
    writeSync(this.fd, this.word, 0, 8, ACKED_AT);
  }

  /** Closes the file; deletes it when nothing in it waits (or when `remove`). */
  close(remove = this.empty): void {
    try {
      closeSync(this.fd);
    } catch {
      // already closed
    }
    if (remove) {
      try {
        unlinkSync(this.path);
      } catch {
        // already gone
      }
    }
    ownFiles.delete(this.path);
  }
}
