import type { IncomingMessage, ServerResponse } from 'node:http';
import { gunzip } from 'node:zlib';
import { promisify } from 'node:util';
import { LIMITS, refuseDuplicateKeys, ValidationError } from '../../protocol/index.js';
import { checkToken, readBody } from '../http-util.js';
import type { ServicesEngine } from '../services/engine.js';
import { nanosText, type StreamStates } from './cumulative.js';
import { DEFAULT_OTLP_LIMITS, mapWithStates, OtlpShapeError, TagCache, type OtlpLimits } from './map.js';
import { otlpRoot } from './schema.js';

const gunzipAsync = promisify(gunzip);

export const PROTOBUF = 'application/x-protobuf';
export const JSON_TYPE = 'application/json';

/** gRPC status codes used in OTLP/HTTP error bodies (`google.rpc.Status.code`). */
const INVALID_ARGUMENT = 3;
const RESOURCE_EXHAUSTED = 8;
const UNAVAILABLE = 14;
const UNAUTHENTICATED = 16;

export interface OtlpReceiverOptions {
  /** Decompressed body cap in bytes (default the ingest batch cap, 32 MiB). */
  maxBodyBytes?: number;
  /** Export requests handled at once; more are answered 429 with Retry-After (default 8). */
  maxInFlight?: number;
  /** Closed intervals waiting for the store beyond which requests are answered 503 with Retry-After (default 200,000). */
  maxBacklog?: number;
  limits?: OtlpLimits;
  /** Cumulative streams' shared state (default the engine's rollup store). */
  states?: StreamStates;
}

/**
 * OTLP/HTTP metrics receiver (`POST /v1/metrics`, OTLP specification 1.x "OTLP/HTTP"): protobuf or JSON bodies, optionally
 * gzip; answers in the request's encoding — 200 with `partial_success` when some data points were rejected, 400 with a
 * `google.rpc.Status` for a body that cannot be decoded (not retryable), 413 past the decompressed body cap, 429/503 with
 * `Retry-After` when shedding load. Samples go into the services engine, the same path as DogStatsD.
 */
export class OtlpReceiver {
  /** This server's start (ns, `nanosText`): a cumulative stream first seen and started since counts in full. */
  private readonly since: string;
  /** Where cumulative streams keep their last point: the store, shared by every replica on it. */
  private readonly states: StreamStates;
  private readonly tags = new TagCache();
  private inFlight = 0;
  private readonly maxBodyBytes: number;
  private readonly maxInFlight: number;
  private readonly maxBacklog: number;
  private readonly limits: OtlpLimits;
  /** Data points taken and rejected since start (the services list shows them under `ingest`). */
  readonly counters = { otlpRequests: 0, otlpPoints: 0, otlpRejected: 0 };

  constructor(private readonly engine: ServicesEngine, opts: OtlpReceiverOptions = {}) {
    this.since = nanosText(BigInt(Math.floor(engine.clock())) * 1_000_000n);
    const states = opts.states ?? engine.store;
    // The store failing here changed nothing (one transaction): the exporter is told to retry (503), not to drop (500).
    this.states = {
      exchangeStreams: (entries, step) => states.exchangeStreams(entries, step).catch((err: unknown) => {
        throw new StoreUnavailable(err);
      }),
    };
    this.maxBodyBytes = opts.maxBodyBytes ?? LIMITS.maxBatchBytes;
    this.maxInFlight = opts.maxInFlight ?? 8;
    this.maxBacklog = opts.maxBacklog ?? 200_000;
    this.limits = opts.limits ?? DEFAULT_OTLP_LIMITS;
  }

  /** Handles one `POST /v1/metrics`; never throws. */
  async handle(req: IncomingMessage, res: ServerResponse, token: string | null): Promise<void> {
    const type = req.headers['content-type']?.split(';')[0]?.trim().toLowerCase() ?? '';
    const proto = type === PROTOBUF;
    try {
      checkToken(token, req);
    } catch (err) {
      return this.fail(res, proto, 401, UNAUTHENTICATED, (err as Error).message, req);
    }
    if (!proto && type !== JSON_TYPE) return this.fail(res, false, 415, INVALID_ARGUMENT, `Content-Type must be ${PROTOBUF} or ${JSON_TYPE} (got "${type}")`, req);
    if (this.inFlight >= this.maxInFlight) return this.fail(res, proto, 429, RESOURCE_EXHAUSTED, `more than ${this.maxInFlight} export requests at once; retry later`, req, 1);
    if (this.engine.backlog > this.maxBacklog) return this.fail(res, proto, 503, UNAVAILABLE, 'the store is behind (intervals waiting to be written); retry later', req, 5);
    this.inFlight++;
    try {
      const body = await this.body(req);
      const decoded = this.decode(body, proto);
      const mapped = await mapWithStates(decoded, this.states, this.since, this.limits, this.tags);
      const { refused } = this.engine.ingestSamples(mapped.samples);
      const reasons = mapped.rejected.map((r) => `${r.path}: ${r.rule}`);
      const refusedPoints = new Set<number>();
      for (const r of refused) {
        const point = mapped.pointOfSample[r.index]!;
        if (!refusedPoints.has(point) && reasons.length < 20) reasons.push(`${mapped.samples[r.index]!.name}: ${r.rule}`);
        refusedPoints.add(point);
      }
      const rejected = mapped.rejected.length + refusedPoints.size;
      this.counters.otlpRequests++;
      this.counters.otlpPoints += mapped.points - rejected;
      this.counters.otlpRejected += rejected;
      const message = rejected === 0 ? {} : {
        partialSuccess: { rejectedDataPoints: String(rejected), errorMessage: `${rejected} of ${mapped.points} data points rejected: ${reasons.slice(0, 20).join('; ')}${reasons.length > 20 ? '; …' : ''}` },
      };
      this.send(res, proto, 200, 'ExportMetricsServiceResponse', message);
    } catch (err) {
      if (err instanceof ValidationError) this.fail(res, proto, err.status, INVALID_ARGUMENT, err.message, req);
      else if (err instanceof StoreUnavailable) {
        console.error('plotline: OTLP cumulative state not reachable in the store', (err.cause as Error)?.message ?? err.cause);
        this.fail(res, proto, 503, UNAVAILABLE, 'the store cannot be reached; retry later', req, 5);
      } else if (err instanceof OtlpShapeError) this.fail(res, proto, 400, INVALID_ARGUMENT, `not an OTLP metrics export request: ${err.message}`, req);
      else if (req.destroyed || (err as { code?: string }).code === 'ECONNRESET') res.destroy(); // the client went away
      else {
        console.error('plotline: OTLP request failed', err);
        this.fail(res, proto, 500, UNAVAILABLE, 'internal server error', req);
      }
    } finally {
      this.inFlight--;
    }
  }

  /** The body, decompressed when gzip; the cap applies to what is decompressed (a gzip bomb stops at the cap). */
  private async body(req: IncomingMessage): Promise<Buffer> {
    const encoding = (req.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
    if (encoding !== 'gzip' && encoding !== 'identity') throw new ValidationError('Content-Encoding', `must be gzip or identity (got "${encoding}")`, 415);
    const raw = await readBody(req, this.maxBodyBytes);
    if (encoding === 'identity') return raw;
    try {
      return await gunzipAsync(raw, { maxOutputLength: this.maxBodyBytes });
    } catch (err) {
      if ((err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') throw new ValidationError('body', `must be at most ${this.maxBodyBytes} bytes once decompressed; send smaller batches`, 413);
      throw new ValidationError('body', `is not valid gzip (${(err as Error).message})`);
    }
  }

  private decode(body: Buffer, proto: boolean): unknown {
    if (proto) {
      try {
        return otlpRoot().lookupType('ExportMetricsServiceRequest').decode(body);
      } catch (err) {
        throw new ValidationError('body', `is not a protobuf ExportMetricsServiceRequest (${(err as Error).message})`);
      }
    }
    let doc: unknown;
    try {
      doc = JSON.parse(body.toString('utf8'));
    } catch (err) {
      throw new ValidationError('body', `is not valid JSON (${(err as Error).message})`);
    }
    refuseDuplicateKeys(body);
    return doc;
  }

  private fail(res: ServerResponse, proto: boolean, status: number, code: number, message: string, req: IncomingMessage, retryAfter?: number): void {
    // The body is not read: say so, so the client does not reuse a connection with unread bytes on it.
    if (!req.complete) res.setHeader('connection', 'close');
    if (retryAfter !== undefined) res.setHeader('retry-after', String(retryAfter));
    this.send(res, proto, status, 'Status', { code, message });
    if (!req.complete) req.resume();
  }

  private send(res: ServerResponse, proto: boolean, status: number, type: string, message: Record<string, unknown>): void {
    if (res.headersSent) return void res.destroy();
    const body = proto ? Buffer.from(otlpRoot().lookupType(type).encode(otlpRoot().lookupType(type).fromObject(message)).finish()) : Buffer.from(JSON.stringify(message));
    res.writeHead(status, { 'content-type': proto ? PROTOBUF : JSON_TYPE, 'content-length': body.length });
    res.end(body);
  }
}

/** The store failed while exchanging cumulative streams' states: retryable (503). */
class StoreUnavailable extends Error {
  constructor(cause: unknown) {
    super('the store cannot be reached', { cause });
  }
}

/** The handler of the OTLP-only port (`--otlp-port`): `POST /v1/metrics` as on the studio's port, nothing else. */
export function otlpOnlyHandler(receiver: OtlpReceiver, token: string | null): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (path === '/v1/metrics' && req.method === 'POST') return void receiver.handle(req, res, token);
    const body = JSON.stringify({ error: path === '/v1/metrics' ? `${req.method} is not allowed on /v1/metrics` : `this port takes only POST /v1/metrics (got ${path})` });
    res.writeHead(path === '/v1/metrics' ? 405 : 404, { 'content-type': JSON_TYPE, 'content-length': Buffer.byteLength(body) });
    res.end(body);
  };
}
