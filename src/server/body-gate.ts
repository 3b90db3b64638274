import type { IncomingMessage } from 'node:http';
import { ValidationError } from '../protocol/index.js';

/**
 * Caps the memory of request bodies being received at once. Each ingest request reserves its declared length (or the
 * largest body allowed, when chunked) until its handler is done; a request that would go over the cap is answered 503 with
 * `Retry-After` at once, before its body is read, so slow or stalled senders cannot pin memory without bound (the SDK
 * retries a 503 and keeps its points).
 */
export class BodyGate {
  private reserved = 0;

  constructor(private readonly maxBytes: number, private readonly maxBodyBytes: number) {}

  /** Bytes reserved by bodies now being received or handled. */
  get inFlightBytes(): number {
    return this.reserved;
  }

  /** Runs `fn` with the request's body reserved; throws a 503 ValidationError when the server is full. */
  async with<T>(req: IncomingMessage, fn: () => Promise<T>): Promise<T> {
    const declared = Number(req.headers['content-length']);
    const bytes = Number.isSafeInteger(declared) && declared >= 0 ? Math.min(declared, this.maxBodyBytes) : this.maxBodyBytes;
    // One request alone is always let through, however large (within the body limit).
    if (this.reserved > 0 && this.reserved + bytes > this.maxBytes) {
      throw new ValidationError('body', `the server is receiving ${Math.round(this.reserved / 1048576)} MiB of other batches; retry shortly`, 503);
    }
    this.reserved += bytes;
    try {
      return await fn();
    } finally {
      this.reserved -= bytes;
    }
  }
}
