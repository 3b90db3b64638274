import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  BINARY_BATCH_TYPE, decodeBinaryBatch, decodeUtf8, encodeSeriesFrame, LIMITS, pickSummaryPaths, quote, SERIES_BINARY_TYPE, seriesBinaryPreamble, summaryPreview,
  refuseXRoundedToLimit, validateExecutionPatch, ValidationError, type SummaryObject,
} from '../protocol/index.js';
import { checkAccess, sameSecret, SESSION_PATH, sessionCookieName, sessionValue, type Access, type AccessPolicy } from './access.js';
import type { BodyGate } from './body-gate.js';
import type { BodyPool } from './body-pool.js';
import {
  booleanParam, integerParam, listParam, mediaType, numberParam, parseJsonBody, readBody, readJson, sendError, sendJson, writeAndYield, writeJsonInSlices,
} from './http-util.js';
import { DomainError } from './domain-error.js';
import { parseListQuery, parseListSummaryPaths } from './list/list-query.js';
import { postCogWebhook } from './cog-route.js';
import { getExport } from './export/export-route.js';
import { getCompareExport } from './export/compare-export-route.js';
import { ingest } from './ingest.js';
import { getService, getServiceReplicas, getServiceSeries, getServices, postOtlpMetrics, postStatsd } from './services/routes.js';
import type { ServicesRuntime } from './services/index.js';
import { serveStudio } from './static-files.js';
import { getRunsCsv } from './export/runs-csv.js';
import { checkSmoothable, smoothedRead, smoothParam } from './smoothed-read.js';
import type { Store } from './store/store.js';
import type { StreamHub } from './stream-hub.js';
import type { Turns } from './turns.js';
import { XBlocks } from './x-blocks.js';
import type { ReadActivity } from './read-activity.js';

export interface AppContext {
  store: Store;
  hub: StreamHub;
  studioRoot: string;
  /** Host, Origin and token rules (see access.ts). */
  policy: AccessPolicy;
  /** The port the server listens on (names the session cookie). */
  port: number;
  /** Caps the memory of ingest bodies being received at once. */
  bodies: BodyGate;
  /** An ingest body that sends nothing for this long is abandoned (408). */
  bodyIdleMs: number;
  /** Service metrics (DogStatsD ingest, rollups, queries). */
  services?: ServicesRuntime;
  /** Ingest batches are decoded and committed one per event-loop turn (see turns.ts). */
  turns: Turns;
  /** History reads in flight: background compaction waits for them (read-activity.ts). */
  reads?: ReadActivity;
  /** Reused memory for binary ingest bodies, which the stream hub tells when it lets go (body-pool.ts); none with a feed. */
  bodyPool?: BodyPool | null;
}

/** Labels and a note: far below a batch. */
const PATCH_MAX_BYTES = 256 * 1024;

type Handler = (ctx: AppContext, req: IncomingMessage, res: ServerResponse, url: URL, params: string[]) => Promise<void> | void;

interface Route {
  method: string;
  pattern: RegExp;
  access: Access;
  /** Media types the request body may have (state-changing routes): anything else is refused before the body is read. */
  bodyTypes?: readonly string[];
  handler: Handler;
}

const JSON_TYPE = 'application/json';

const routes: readonly Route[] = [
  { method: 'POST', pattern: /^\/api\/ingest$/, access: 'write', bodyTypes: [JSON_TYPE, BINARY_BATCH_TYPE], handler: postIngest },
  { method: 'POST', pattern: /^\/api\/ingest\/cog$/, access: 'write', bodyTypes: [JSON_TYPE], handler: (ctx, req, res, url) => postCogWebhook(ctx, req, res, url) },
  { method: 'POST', pattern: new RegExp(`^${SESSION_PATH}$`), access: 'session', handler: postSession },
  { method: 'GET', pattern: /^\/api\/executions$/, access: 'read', handler: listExecutions },
  { method: 'GET', pattern: /^\/api\/executions\.csv$/, access: 'read', handler: getRunsCsv },
  { method: 'GET', pattern: /^\/api\/executions\/([^/]+)$/, access: 'read', handler: getExecution },
  { method: 'DELETE', pattern: /^\/api\/executions\/([^/]+)$/, access: 'write', handler: deleteExecution },
  { method: 'PATCH', pattern: /^\/api\/executions\/([^/]+)$/, access: 'write', bodyTypes: [JSON_TYPE], handler: patchExecution },
  { method: 'GET', pattern: /^\/api\/execution-fields$/, access: 'read', handler: executionFields },
  { method: 'GET', pattern: /^\/api\/executions\/([^/]+)\/series$/, access: 'read', handler: getSeries },
  { method: 'GET', pattern: /^\/api\/series$/, access: 'read', handler: getSeriesOfExecutions },
  { method: 'GET', pattern: /^\/api\/executions\/([^/]+)\/export$/, access: 'read', handler: getExport },
  { method: 'GET', pattern: /^\/api\/compare\/export$/, access: 'read', handler: getCompareExport },
  { method: 'GET', pattern: /^\/api\/stream$/, access: 'read', handler: stream },
  { method: 'POST', pattern: /^\/api\/ingest\/statsd$/, access: 'write', handler: postStatsd },
  { method: 'GET', pattern: /^\/api\/services$/, access: 'read', handler: getServices },
  { method: 'GET', pattern: /^\/api\/services\/([^/]+)$/, access: 'read', handler: getService },
  { method: 'GET', pattern: /^\/api\/services\/([^/]+)\/series$/, access: 'read', handler: getServiceSeries },
  { method: 'GET', pattern: /^\/api\/services\/([^/]+)\/replicas$/, access: 'read', handler: getServiceReplicas },
  // OTLP answers refusals in its own encoding, so it checks the token itself (constant time, as here).
  { method: 'POST', pattern: /^\/v1\/metrics$/, access: 'public', handler: postOtlpMetrics },
  { method: 'GET', pattern: /^\/api\/health$/, access: 'read', handler: (_ctx, _req, res) => sendJson(res, 200, { ok: true }) },
];

/** The request target as a URL; only origin-form targets (`/path?query`) are served. */
function requestUrl(raw: string): URL {
  if (!raw.startsWith('/')) throw new ValidationError('path', `request target ${quote(raw)} must start with "/"`);
  // Prefixing keeps "//x" a path (new URL("//x", base) would read it as a host).
  return new URL(`http://plotline${raw}`);
}

/** Percent-decodes a path segment, refusing (400, naming the path) escapes that are not UTF-8. */
export function decodePathSegment(segment: string, pathname: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new ValidationError('path', `${quote(pathname)} is not a valid percent-encoded path (each "%" must start an escape of UTF-8 bytes)`);
  }
}

function checkBodyType(req: IncomingMessage, types: readonly string[]): void {
  const type = mediaType(req);
  const ok = types.some((t) => t === type || (t === JSON_TYPE && type.startsWith('application/') && type.endsWith('+json')));
  if (!ok) {
    throw new ValidationError('content-type', `header must be ${types.map((t) => `"${t}"`).join(' or ')} (got ${type ? quote(type) : 'none'})`, 415);
  }
}

export function createHandler(ctx: AppContext) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    try {
      const url = requestUrl(req.url ?? '/');
      const method = req.method ?? 'GET';
      let route: Route | undefined;
      let match: RegExpExecArray | null = null;
      let pathMatched = false;
      for (const r of routes) {
        const m = r.pattern.exec(url.pathname);
        if (!m) continue;
        pathMatched = true;
        if (r.method !== method) continue;
        route = r;
        match = m;
        break;
      }
      const isApi = url.pathname.startsWith('/api/');
      checkAccess(ctx.policy, { method, headers: req.headers, port: ctx.port }, route?.access ?? (isApi ? 'read' : 'public'));
      if (route && match) {
        if (route.bodyTypes) checkBodyType(req, route.bodyTypes);
        await route.handler(ctx, req, res, url, match.slice(1).map((s) => decodePathSegment(s, url.pathname)));
        return;
      }
      if (pathMatched) throw new ValidationError('method', `${method} is not allowed on ${url.pathname}`, 405);
      if (isApi) throw new ValidationError('path', `no API endpoint ${quote(url.pathname)}`, 404);
      if (method !== 'GET' && method !== 'HEAD') throw new ValidationError('method', `${method} is not allowed here`, 405);
      // Checked here (a 400 naming the path); the studio's file lookup decodes it itself.
      decodePathSegment(url.pathname, url.pathname);
      serveStudio(ctx.studioRoot, req, res, url.pathname);
    } catch (err) {
      sendError(res, err);
    }
  };
}

/** Reused memory for decoded regular x (see x-blocks.ts), shared by every server in this process. */
const xBlocks = new XBlocks();

async function postIngest(ctx: AppContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const opts = { limit: LIMITS.maxBatchBytes, idleMs: ctx.bodyIdleMs };
  await ctx.bodies.with(req, async () => {
    if (mediaType(req) !== BINARY_BATCH_TYPE) {
      const bytes = await readBody(req, opts);
      await ctx.turns.next();
      const doc = parseJsonBody(bytes);
      refuseXRoundedToLimit(doc, () => decodeUtf8(bytes, 'body'));
      sendJson(res, 200, await ingest(ctx.store, ctx.hub, doc));
      return;
    }
    // A store with a feed keeps the batch's events (views of its columns) for the feed: no reused memory there.
    if (!ctx.bodyPool) {
      const bytes = await readBody(req, opts);
      await ctx.turns.next();
      sendJson(res, 200, await ingest(ctx.store, ctx.hub, decodeBinaryBatch(bytes)));
      return;
    }
    await ctx.bodyPool.with((body) => xBlocks.with(async (allocate) => {
      const bytes = await readBody(req, { ...opts, allocate: body });
      await ctx.turns.next();
      sendJson(res, 200, await ingest(ctx.store, ctx.hub, decodeBinaryBatch(bytes, allocate)));
    }));
  });
}

/**
 * `POST /api/session` with `Authorization: Bearer <token or read token>` sets an HttpOnly, SameSite=Strict cookie that opens
 * reads and the stream: the studio's EventSource cannot send an Authorization header. Writes always need the header.
 */
function postSession(ctx: AppContext, req: IncomingMessage, res: ServerResponse): void {
  const { token, readToken } = ctx.policy;
  const auth = req.headers.authorization;
  if (token === null || !auth?.startsWith('Bearer ')) {
    sendJson(res, 200, { ok: true, session: false });
    return;
  }
  // checkAccess let this request through, so the bearer is the token or the read token; the cookie opens reads either way.
  const bearer = auth.slice('Bearer '.length).trim();
  const value = sessionValue(readToken !== null && !sameSecret(bearer, token) ? readToken : token);
  res.setHeader('set-cookie', `${sessionCookieName(ctx.port)}=${value}; Path=/api; HttpOnly; SameSite=Strict; Max-Age=2592000`);
  sendJson(res, 200, { ok: true, session: true });
}

async function listExecutions(ctx: AppContext, _req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  const paths = parseListSummaryPaths(url.searchParams);
  const list = await ctx.store.listExecutions(parseListQuery(url.searchParams));
  // A list never carries whole summaries (one may be 1 MiB): only the paths asked for (the table's columns), or without
  // `summary=` each one's preview.
  const summaryOf = paths === null ? summaryPreview : (s: SummaryObject) => pickSummaryPaths(s, paths);
  sendJson(res, 200, { ...list, executions: list.executions.map((e) => ({ ...e, summary: summaryOf(e.summary) })) });
}

async function executionFields(ctx: AppContext, _req: IncomingMessage, res: ServerResponse): Promise<void> {
  sendJson(res, 200, await ctx.store.executionFields());
}

/** Deletes an execution and everything recorded in it; every open page is told on the stream. */
async function deleteExecution(ctx: AppContext, _req: IncomingMessage, res: ServerResponse, _url: URL, [id]: string[]): Promise<void> {
  if (!(await ctx.store.deleteExecution(id!))) throw new DomainError('not_found', 'id', `no execution ${quote(id!)}`);
  // A store with a feed streams it to every replica itself.
  if (!ctx.store.feed) ctx.hub.publish({ type: 'deleted', id: id! });
  sendJson(res, 200, { ok: true, id });
}

/** Edits labels and the note of an execution (`{ labels?, note? }`); streams the execution as it is now. */
async function patchExecution(ctx: AppContext, req: IncomingMessage, res: ServerResponse, _url: URL, [id]: string[]): Promise<void> {
  const patch = validateExecutionPatch(await readJson(req, { limit: PATCH_MAX_BYTES, idleMs: ctx.bodyIdleMs }));
  const execution = await ctx.store.patchExecution(id!, patch);
  if (!execution) throw new DomainError('not_found', 'id', `no execution ${quote(id!)}`);
  if (!ctx.store.feed) ctx.hub.publish({ type: 'execution', execution });
  sendJson(res, 200, { execution });
}

async function getExecution(ctx: AppContext, _req: IncomingMessage, res: ServerResponse, _url: URL, [id]: string[]): Promise<void> {
  const detail = await ctx.store.getExecution(id!);
  if (!detail) throw new ValidationError('id', `no execution ${quote(id!)}`, 404);
  sendJson(res, 200, detail);
}

/**
 * History of several series. Bounded: at most `maxKeysPerRead` distinct keys, a budget always applies (when none is given,
 * `maxPointsPerRead` shared by the keys, at most `maxBudget` each), keys × budget ≤ `maxPointsPerRead`. The answer is streamed one series at a time, yielding to other requests
 * between series and waiting for a slow reader, so no read holds the event loop or builds the whole answer in memory.
 * Each series is read on its own (they may differ by what was committed between them; every one is consistent).
 * Answered as JSON, or as float64 columns (`binary-series.ts`) when the request accepts `SERIES_BINARY_TYPE`.
 * `snap=true` lets a downsampled read move bucket edges to stored block boundaries (`RangeQuery.snap`): answered from
 * block summaries without decoding points, which is what the studio asks when it opens a page.
 * `smooth=<algorithm>:<weight>` adds each series' `smoothed` line, smoothed from all its stored points (smoothed-read.ts).
 */
async function getSeries(ctx: AppContext, req: IncomingMessage, res: ServerResponse, url: URL, [id]: string[]): Promise<void> {
  await counted(ctx, () => answerSeries(ctx, req, res, url, [id!], false));
}

const counted = (ctx: AppContext, read: () => Promise<void>) => (ctx.reads ? ctx.reads.during(read) : read());

/**
 * `GET /api/series?exec=a&exec=b&key=loss&key=acc`: the same read as `getSeries` for several executions in one request
 * (a comparison of 10 runs opens with one request instead of 10: the browser holds 6 connections per host, one of them
 * the stream). Every key is read in every execution (a key an execution lacks reads as empty); the caps count
 * executions × keys as the keys of one read. Each series of the answer names its execution (`exec`).
 */
async function getSeriesOfExecutions(ctx: AppContext, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  const ids = [...new Set(url.searchParams.getAll('exec'))];
  if (ids.length === 0) throw new ValidationError('exec', 'query parameter is required (repeat it for several executions: ?exec=a&exec=b)');
  await counted(ctx, () => answerSeries(ctx, req, res, url, ids, true));
}

/** Validates a series read of `ids` × the `key` parameters and streams it; `named`: each series carries its `exec`. */
async function answerSeries(ctx: AppContext, req: IncomingMessage, res: ServerResponse, url: URL, ids: string[], named: boolean): Promise<void> {
  const keys = [...new Set(url.searchParams.getAll('key'))];
  if (keys.length === 0) throw new ValidationError('key', 'query parameter is required (repeat it for several series: ?key=a&key=b)');
  const reads = ids.length * keys.length;
  const what = named ? `executions × keys (${ids.length} × ${keys.length})` : 'keys';
  if (reads > LIMITS.maxKeysPerRead) {
    throw new ValidationError('key', `query parameter may name at most ${LIMITS.maxKeysPerRead} series per request (got ${named ? what + ' = ' : ''}${reads}); split the read`);
  }
  const from = numberParam(url.searchParams, 'from');
  const to = numberParam(url.searchParams, 'to');
  // Without a budget: as much as the request may hold, up to the largest budget (full resolution only through the export).
  const budget = integerParam(url.searchParams, 'budget', 4, LIMITS.maxBudget)
    ?? Math.max(4, Math.min(LIMITS.maxBudget, Math.floor(LIMITS.maxPointsPerRead / reads)));
  if (reads * budget > LIMITS.maxPointsPerRead) {
    throw new ValidationError('budget', `${reads} ${named ? what : 'keys'} × budget ${budget} exceeds ${LIMITS.maxPointsPerRead} points per request; ask for fewer keys or a smaller budget`);
  }
  if (from !== undefined && to !== undefined && from > to) throw new ValidationError('to', `query parameter must not be less than from (${from})`);
  const details = new Map<string, NonNullable<Awaited<ReturnType<AppContext['store']['getExecution']>>>>();
  for (const id of ids) {
    const detail = await ctx.store.getExecution(id);
    if (!detail) throw new ValidationError(named ? 'exec' : 'id', `no execution ${quote(id)}`, 404);
    details.set(id, detail);
  }
  const snap = booleanParam(url.searchParams, 'snap') ?? false;
  const range = { ...(from !== undefined && { from }), ...(to !== undefined && { to }), budget, snap };
  const smooth = smoothParam(url.searchParams);
  if (smooth) for (const detail of details.values()) checkSmoothable(detail, keys);
  const binary = (req.headers.accept ?? '').includes(SERIES_BINARY_TYPE);
  res.writeHead(200, { 'content-type': binary ? SERIES_BINARY_TYPE : 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.write(binary ? seriesBinaryPreamble() : '{"series":[');
  let first = true;
  for (const id of ids) {
    for (const key of keys) {
      if (res.destroyed) return;
      const [read] = await ctx.store.readSeries(id, [key], range);
      const smoothed = smooth && read!.total > 0 ? await smoothedRead(ctx.store, id, key, smooth, range) : null;
      const series = { ...(named && { exec: id }), ...read!, ...(smoothed && { smoothed }) };
      if (binary) await writeAndYield(res, encodeSeriesFrame(series));
      else await writeJsonInSlices(res, { ...series }, first ? '' : ',');
      first = false;
    }
  }
  res.end(binary ? undefined : ']}');
}

function stream(ctx: AppContext, req: IncomingMessage, res: ServerResponse, url: URL): void {
  const follow = listParam(url.searchParams, 'follow');
  const header = req.headers['last-event-id'];
  const lastEventId = (Array.isArray(header) ? header[0] : header) ?? url.searchParams.get('since');
  ctx.hub.attach(res, follow, lastEventId ?? null, listParam(url.searchParams, 'services'));
}
