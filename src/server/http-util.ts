import type { IncomingMessage, ServerResponse } from 'node:http';
import { decodeUtf8, jsonExact, refuseDuplicateKeys, ValidationError, type ApiError } from '../protocol/index.js';
import { sameSecret } from './access.js';
import { diskFullMessage, isDiskFull } from './disk-full.js';
import { DomainError, type DomainErrorKind } from './domain-error.js';

/** The HTTP status of each kind of refusal the store and the ingest rules raise. */
export const STATUS_OF: Record<DomainErrorKind, number> = { invalid: 400, not_found: 404, conflict: 409 };

/** Answers `body` as JSON, −0 written `-0` (`jsonExact`): a stored value (a summary number) reads back as it was stored. */
export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = jsonExact(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8', 'content-length': String(Buffer.byteLength(text)), 'cache-control': 'no-store', ...headers,
  });
  res.end(text);
}

/**
 * Statuses after which the rest of the request body is not read: the connection is closed instead, so a refused sender
 * cannot keep the server busy receiving what it will throw away.
 */
const CLOSE_AFTER = new Set([408, 413, 503, 507]);

/** Seconds a client is asked to wait before retrying a 503 (busy) or 507 (disk full). */
const RETRY_AFTER: Record<number, string> = { 503: '1', 507: '10' };

/** How long a connection refused mid-body is still read (and the bytes thrown away) after the answer, so that the client gets it. */
export const LINGER_MS = 2_000;

/**
 * Closing a socket whose peer is still sending makes the kernel answer with a reset, and the client's kernel then throws
 * away the answer it had not read yet: a sender refused with 413 mid-body saw only "connection reset". So when the body
 * was not read to its end, the connection is closed the lingering way (as Apache and nginx do): the answer and a FIN go
 * out, incoming bytes are read and dropped (never buffered) until the client closes or `LINGER_MS` passes.
 */
function lingerBeforeClose(res: ServerResponse): void {
  const req = res.req;
  const socket = res.socket;
  if (!req || !socket || req.complete) return;
  // Node closes a `Connection: close` response's socket with destroySoon() once the answer is written: replace that
  // for this socket only.
  socket.destroySoon = function lingeringDestroySoon(this: typeof socket) {
    this.end();
    const timer = setTimeout(() => this.destroy(), LINGER_MS);
    timer.unref();
    this.once('close', () => clearTimeout(timer));
    req.removeAllListeners('data');
    req.resume();
    this.resume();
  };
}

export function sendError(res: ServerResponse, err: unknown): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  if (err instanceof ValidationError) {
    const body: ApiError = { error: err.message, ...(err.path && { path: err.path }), rule: err.rule };
    const headers: Record<string, string> = {};
    if (CLOSE_AFTER.has(err.status)) {
      headers.connection = 'close';
      lingerBeforeClose(res);
    }
    if (RETRY_AFTER[err.status]) headers['retry-after'] = RETRY_AFTER[err.status]!;
    sendJson(res, err.status, body, headers);
    return;
  }
  if (err instanceof DomainError) {
    const body: ApiError = { error: err.message, ...(err.path && { path: err.path }), rule: err.rule };
    sendJson(res, STATUS_OF[err.kind], body);
    return;
  }
  if (isDiskFull(err)) {
    // Said once per request, without a stack: the cause is known and the server stays up.
    console.error(`plotline: ${diskFullMessage(err)}`);
    sendJson(res, 507, { error: diskFullMessage(err), path: 'store', rule: 'disk full' } satisfies ApiError, { connection: 'close', 'retry-after': RETRY_AFTER[507]! });
    return;
  }
  console.error('plotline: internal error', err);
  sendJson(res, 500, { error: 'internal server error' } satisfies ApiError);
}

export interface BodyOptions {
  /** Largest body accepted (413 above it, without reading it). */
  limit: number;
  /** A body that sends nothing for this long is abandoned (408). */
  idleMs: number;
  /** Memory for a body of known length (e.g. reused, body-pool.ts), or null for new memory. */
  allocate?: (bytes: number) => Buffer | null;
}

/**
 * Reads a request body, refusing (413) bodies over `limit` bytes without buffering them, and abandoning (408) one that
 * stalls. With a Content-Length, chunks are copied into one buffer as they arrive (while the sender is still writing)
 * instead of being joined at the end.
 */
export function readBody(req: IncomingMessage, options: BodyOptions | number): Promise<Buffer> {
  const opts = typeof options === 'number' ? { limit: options, idleMs: 15_000 } : options;
  const { limit } = opts;
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > limit) {
      reject(new ValidationError('body', `must be at most ${limit} bytes (got ${declared}); send smaller batches`, 413));
      return;
    }
    const whole = Number.isSafeInteger(declared) && declared >= 0 ? opts.allocate?.(declared) ?? Buffer.allocUnsafe(declared) : null;
    const chunks: Buffer[] = [];
    let size = 0;
    let idle: NodeJS.Timeout | null = null;
    const stop = (err: ValidationError | null) => {
      if (idle) clearTimeout(idle);
      idle = null;
      req.removeListener('data', onData);
      if (err) {
        // Stop reading: the error answer closes the connection, so the rest is never received.
        req.pause();
        reject(err);
      }
    };
    // One timer for the whole body, not one per chunk (a 4 MB body arrives in ~60): when it fires it looks at when data
    // last came, and waits out the rest of the idle time from there.
    let lastData = Date.now();
    const arm = (ms: number) => {
      idle = setTimeout(() => {
        const quiet = Date.now() - lastData;
        if (quiet < opts.idleMs) arm(opts.idleMs - quiet);
        else stop(new ValidationError('body', `no data arrived for ${opts.idleMs / 1000} s (${size} bytes received); the request was abandoned`, 408));
      }, ms);
    };
    const onData = (chunk: Buffer) => {
      // Node's HTTP parser never delivers more than Content-Length, so `whole` cannot overflow.
      if (whole) chunk.copy(whole, size);
      else chunks.push(chunk);
      size += chunk.length;
      lastData = Date.now();
      if (size > limit) stop(new ValidationError('body', `must be at most ${limit} bytes; send smaller batches`, 413));
    };
    arm(opts.idleMs);
    req.on('data', onData);
    req.on('end', () => {
      stop(null);
      resolve(whole ? whole.subarray(0, size) : Buffer.concat(chunks, size));
    });
    req.on('error', () => {
      stop(null);
      // The client went away mid-body (aborted, reset): nothing to log, nobody to answer.
      reject(new ValidationError('body', `the connection closed before the body was complete (${size} bytes received)`));
    });
  });
}

/**
 * Parses a JSON body: UTF-8 (a leading byte-order mark is skipped, as in a binary batch's header), one document, no key
 * twice in one object (400 naming its path: JSON.parse would keep the last silently).
 */
export function parseJsonBody(body: Uint8Array): unknown {
  if (body.length === 0) throw new ValidationError('body', 'must be a JSON document (got an empty body)');
  const text = decodeUtf8(body, 'body');
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new ValidationError('body', `must be valid JSON (${(e as Error).message})`);
  }
  refuseDuplicateKeys(body);
  return doc;
}

export async function readJson(req: IncomingMessage, opts: BodyOptions): Promise<unknown> {
  return parseJsonBody(await readBody(req, opts));
}

/** The single value of a query parameter; a repeated one is refused rather than silently taking the first. */
function single(params: URLSearchParams, name: string): string | undefined {
  const all = params.getAll(name);
  if (all.length > 1) throw new ValidationError(name, 'query parameter must be given once');
  return all[0];
}

const DECIMAL_INTEGER = /^-?(0|[1-9][0-9]*)$/;
const DECIMAL_NUMBER = /^-?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][-+]?[0-9]+)?$/;

/** An optional decimal number query parameter (`-1.5`, `2e-9`; no hex, no spaces, not empty), naming it when it is not one. */
export function numberParam(params: URLSearchParams, name: string): number | undefined {
  const raw = single(params, name);
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!DECIMAL_NUMBER.test(raw) || !Number.isFinite(n)) throw new ValidationError(name, `query parameter must be a finite decimal number (got ${quote(raw)})`);
  return n;
}

/** An optional decimal integer query parameter within [min, max]. */
export function integerParam(params: URLSearchParams, name: string, min: number, max: number): number | undefined {
  const raw = single(params, name);
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!DECIMAL_INTEGER.test(raw) || n < min || n > max) {
    throw new ValidationError(name, `query parameter must be a decimal integer from ${min} to ${max} (got ${quote(raw)})`);
  }
  return n;
}

/** An optional boolean query parameter: `true`/`1` or `false`/`0`. */
export function booleanParam(params: URLSearchParams, name: string): boolean | undefined {
  const raw = single(params, name);
  if (raw === undefined) return undefined;
  if (raw === 'true' || raw === '1') return true;
  if (raw === 'false' || raw === '0') return false;
  throw new ValidationError(name, `query parameter must be true or false (got ${quote(raw)})`);
}

export function listParam(params: URLSearchParams, name: string): string[] {
  return params.getAll(name).flatMap((v) => v.split(',')).map((v) => v.trim()).filter((v) => v.length > 0);
}

/** A value quoted in an error message, cut to about 100 characters (a 1 MB key must not come back as a 2 MB error). */
export function quote(v: string): string {
  return JSON.stringify(v.length > 100 ? `${v.slice(0, 100)}…` : v);
}

/** The media type of a request (`application/json; charset=utf-8` → `application/json`). */
export function mediaType(req: IncomingMessage): string {
  return (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
}

/** When the server has a token, the request must carry `Authorization: Bearer <token>` (compared in constant time). */
export function checkToken(token: string | null, req: IncomingMessage): void {
  if (token === null) return;
  const auth = req.headers.authorization;
  if (!auth?.startsWith('Bearer ') || !sameSecret(auth.slice('Bearer '.length).trim(), token)) {
    throw new ValidationError('authorization', 'header must be "Bearer <token>" with the server\'s token', 401);
  }
}

/**
 * Writes a chunk of a streamed answer and waits until the client may take more: for `drain` (or the connection's end)
 * when its socket is full, then always for a turn of the event loop, so other requests run between chunks. (`drain` may
 * come synchronously from the socket's write in a `nextTick` when the client reads fast: resuming right then would chain
 * a whole export through the microtask queue without ever letting the event loop in.) Listeners are removed afterwards (a
 * long stream calls this thousands of times).
 */
export function writeAndYield(res: ServerResponse, chunk: string | Uint8Array): Promise<void> {
  if (chunk.length === 0 || res.write(chunk)) return new Promise((resolve) => setImmediate(resolve));
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      setImmediate(resolve);
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

/** Values of an array a streamed JSON answer encodes in one piece: a few milliseconds of work. */
export const JSON_SLICE_VALUES = 8192;

/**
 * Writes `jsonExact(value)` of a plain object (JSON.stringify's text, −0 as `-0`) through `writeAndYield`, its long
 * array properties in slices of `JSON_SLICE_VALUES` values, so that encoding a large answer (50,000-point series) never
 * holds the event loop for long.
 */
export async function writeJsonInSlices(res: ServerResponse, value: Record<string, unknown>, prefix = ''): Promise<void> {
  let out = `${prefix}{`;
  let first = true;
  for (const [name, v] of Object.entries(value)) {
    if (v === undefined || typeof v === 'function') continue;
    out += `${first ? '' : ','}${JSON.stringify(name)}:`;
    first = false;
    if (!Array.isArray(v) || v.length <= JSON_SLICE_VALUES) {
      out += jsonExact(v);
      continue;
    }
    out += '[';
    for (let at = 0; at < v.length; at += JSON_SLICE_VALUES) {
      out += `${at > 0 ? ',' : ''}${jsonExact(v.slice(at, at + JSON_SLICE_VALUES)).slice(1, -1)}`;
      await writeAndYield(res, out);
      out = '';
    }
    out += ']';
  }
  await writeAndYield(res, `${out}}`);
}
