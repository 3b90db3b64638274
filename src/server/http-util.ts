import type { IncomingMessage, ServerResponse } from 'node:http';
import { ValidationError, type ApiError } from '../protocol/index.js';
import { DomainError, type DomainErrorKind } from './domain-error.js';

/** The HTTP status of each kind of refusal the store and the ingest rules raise. */
export const STATUS_OF: Record<DomainErrorKind, number> = { invalid: 400, not_found: 404, conflict: 409 };

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' });
  res.end(text);
}

export function sendError(res: ServerResponse, err: unknown): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  if (err instanceof ValidationError) {
    const body: ApiError = { error: err.message, ...(err.path && { path: err.path }), rule: err.rule };
    sendJson(res, err.status, body);
    return;
  }
  if (err instanceof DomainError) {
    const body: ApiError = { error: err.message, ...(err.path && { path: err.path }), rule: err.rule };
    sendJson(res, STATUS_OF[err.kind], body);
    return;
  }
  console.error('plotline: internal error', err);
  sendJson(res, 500, { error: 'internal server error' } satisfies ApiError);
}

/**
 * Reads a request body, refusing (413) bodies over `limit` bytes without buffering them. With a Content-Length, chunks are
 * copied into one buffer as they arrive (while the sender is still writing) instead of being joined at the end.
 */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > limit) {
      reject(new ValidationError('body', `must be at most ${limit} bytes (got ${declared}); send smaller batches`, 413));
      return;
    }
    const whole = Number.isSafeInteger(declared) && declared >= 0 ? Buffer.allocUnsafe(declared) : null;
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      // Node's HTTP parser never delivers more than Content-Length, so `whole` cannot overflow.
      if (whole) chunk.copy(whole, size);
      else chunks.push(chunk);
      size += chunk.length;
      if (size > limit) {
        reject(new ValidationError('body', `must be at most ${limit} bytes; send smaller batches`, 413));
        req.removeAllListeners('data');
        req.resume();
      }
    });
    req.on('end', () => resolve(whole ? whole.subarray(0, size) : Buffer.concat(chunks, size)));
    req.on('error', reject);
  });
}

export async function readJson(req: IncomingMessage, limit: number): Promise<unknown> {
  const body = await readBody(req, limit);
  if (body.length === 0) throw new ValidationError('body', 'must be a JSON document (got an empty body)');
  try {
    return JSON.parse(body.toString('utf8'));
  } catch (e) {
    throw new ValidationError('body', `must be valid JSON (${(e as Error).message})`);
  }
}

/** Parses an optional finite-number query parameter, naming it when it is not one. */
export function numberParam(params: URLSearchParams, name: string): number | undefined {
  const raw = params.get(name);
  if (raw === null || raw === '') return undefined;
  const n = Number(raw);
  if (!Number.isFinite(n)) throw new ValidationError(name, `query parameter must be a finite number (got "${raw}")`);
  return n;
}

export function listParam(params: URLSearchParams, name: string): string[] {
  return params.getAll(name).flatMap((v) => v.split(',')).map((v) => v.trim()).filter((v) => v.length > 0);
}

/** When the server has a token, writes must carry `Authorization: Bearer <token>`. */
export function checkToken(token: string | null, req: IncomingMessage): void {
  if (token === null) return;
  if (req.headers.authorization !== `Bearer ${token}`) {
    throw new ValidationError('authorization', 'header must be "Bearer <token>" with the server\'s token', 401);
  }
}
