import type { IncomingMessage, ServerResponse } from 'node:http';
import { BINARY_BATCH_TYPE, decodeBinaryBatch, LIMITS, validateExecutionPatch, ValidationError } from '../protocol/index.js';
import { checkToken, listParam, numberParam, readBody, readJson, sendError, sendJson } from './http-util.js';
import { DomainError } from './domain-error.js';
import { parseListQuery } from './list/list-query.js';
import { postCogWebhook } from './cog-route.js';
import { getExport } from './export/export-route.js';
import { ingest } from './ingest.js';
import { getService, getServiceSeries, getServices, postOtlpMetrics, postStatsd } from './services/routes.js';
import type { ServicesRuntime } from './services/index.js';
import { serveStudio } from './static-files.js';
import type { Store } from './store/store.js';
import type { StreamHub } from './stream-hub.js';

export interface AppContext {
  store: Store;
  hub: StreamHub;
  studioRoot: string;
  /** When set, ingest requests must carry `Authorization: Bearer <token>`. */
  token: string | null;
  /** Service metrics (DogStatsD ingest, rollups, queries). */
  services?: ServicesRuntime;
}

/** Labels and a note: far below a batch. */
const PATCH_MAX_BYTES = 256 * 1024;

type Handler = (ctx: AppContext, req: IncomingMessage, res: ServerResponse, url: URL, params: string[]) => Promise<void> | void;

interface Route {
  method: string;
  pattern: RegExp;
  handler: Handler;
}

const routes: readonly Route[] = [
  { method: 'POST', pattern: /^\/api\/ingest$/, handler: postIngest },
  { method: 'POST', pattern: /^\/api\/ingest\/cog$/, handler: postCogWebhook },
  { method: 'GET', pattern: /^\/api\/executions$/, handler: listExecutions },
  { method: 'GET', pattern: /^\/api\/executions\/([^/]+)$/, handler: getExecution },
  { method: 'DELETE', pattern: /^\/api\/executions\/([^/]+)$/, handler: deleteExecution },
  { method: 'PATCH', pattern: /^\/api\/executions\/([^/]+)$/, handler: patchExecution },
  { method: 'GET', pattern: /^\/api\/execution-fields$/, handler: executionFields },
  { method: 'GET', pattern: /^\/api\/executions\/([^/]+)\/series$/, handler: getSeries },
  { method: 'GET', pattern: /^\/api\/executions\/([^/]+)\/export$/, handler: getExport },
  { method: 'GET', pattern: /^\/api\/stream$/, handler: stream },
  { method: 'POST', pattern: /^\/api\/ingest\/statsd$/, handler: postStatsd },
  { method: 'GET', pattern: /^\/api\/services$/, handler: getServices },
  { method: 'GET', pattern: /^\/api\/services\/([^/]+)$/, handler: getService },
  { method: 'GET', pattern: /^\/api\/services\/([^/]+)\/series$/, handler: getServiceSeries },
  { method: 'POST', pattern: /^\/v1\/metrics$/, handler: postOtlpMetrics },
  { method: 'GET', pattern: /^\/api\/health$/, handler: (_ctx, _req, res) => sendJson(res, 200, { ok: true }) },
];

export function createHandler(ctx: AppContext) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    try {
      let pathMatched = false;
      for (const route of routes) {
        const m = route.pattern.exec(url.pathname);
        if (!m) continue;
        pathMatched = true;
        if (route.method !== req.method) continue;
        await route.handler(ctx, req, res, url, m.slice(1).map(decodeURIComponent));
        return;
      }
      if (pathMatched) throw new ValidationError('method', `${req.method} is not allowed on ${url.pathname}`, 405);
      if (url.pathname.startsWith('/api/')) throw new ValidationError('path', `no API endpoint ${url.pathname}`, 404);
      if (req.method !== 'GET' && req.method !== 'HEAD') throw new ValidationError('method', `${req.method} is not allowed here`, 405);
      serveStudio(ctx.studioRoot, req, res, url.pathname);
    } catch (err) {
      sendError(res, err);
    }
  };
}

async function postIngest(ctx: AppContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  checkToken(ctx.token, req);
  const binary = req.headers['content-type']?.split(';')[0]?.trim().toLowerCase() === BINARY_BATCH_TYPE;
  const body = binary ? decodeBinaryBatch(await readBody(req, LIMITS.maxBatchBytes)) : await readJson(req, LIMITS.maxBatchBytes);
  sendJson(res, 200, await ingest(ctx.store, ctx.hub, body));
}

async function listExecutions(ctx: AppContext, _req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  sendJson(res, 200, await ctx.store.listExecutions(parseListQuery(url.searchParams)));
}

async function executionFields(ctx: AppContext, _req: IncomingMessage, res: ServerResponse): Promise<void> {
  sendJson(res, 200, await ctx.store.executionFields());
}

/** Deletes an execution and everything recorded in it; every open page is told on the stream. */
async function deleteExecution(ctx: AppContext, req: IncomingMessage, res: ServerResponse, _url: URL, [id]: string[]): Promise<void> {
  checkToken(ctx.token, req);
  if (!(await ctx.store.deleteExecution(id!))) throw new DomainError('not_found', 'id', `no execution "${id}"`);
  // A store with a feed streams it to every replica itself.
  if (!ctx.store.feed) ctx.hub.publish({ type: 'deleted', id: id! });
  sendJson(res, 200, { ok: true, id });
}

/** Edits labels and the note of an execution (`{ labels?, note? }`); streams the execution as it is now. */
async function patchExecution(ctx: AppContext, req: IncomingMessage, res: ServerResponse, _url: URL, [id]: string[]): Promise<void> {
  checkToken(ctx.token, req);
  const patch = validateExecutionPatch(await readJson(req, PATCH_MAX_BYTES));
  const execution = await ctx.store.patchExecution(id!, patch);
  if (!execution) throw new DomainError('not_found', 'id', `no execution "${id}"`);
  if (!ctx.store.feed) ctx.hub.publish({ type: 'execution', execution });
  sendJson(res, 200, { execution });
}

async function getExecution(ctx: AppContext, _req: IncomingMessage, res: ServerResponse, _url: URL, [id]: string[]): Promise<void> {
  const detail = await ctx.store.getExecution(id!);
  if (!detail) throw new ValidationError('id', `no execution "${id}"`, 404);
  sendJson(res, 200, detail);
}

async function getSeries(ctx: AppContext, _req: IncomingMessage, res: ServerResponse, url: URL, [id]: string[]): Promise<void> {
  const keys = url.searchParams.getAll('key');
  if (keys.length === 0) throw new ValidationError('key', 'query parameter is required (repeat it for several series: ?key=a&key=b)');
  const from = numberParam(url.searchParams, 'from');
  const to = numberParam(url.searchParams, 'to');
  const budget = numberParam(url.searchParams, 'budget');
  if (budget !== undefined && (!Number.isInteger(budget) || budget < 4 || budget > LIMITS.maxBudget)) {
    throw new ValidationError('budget', `query parameter must be an integer from 4 to ${LIMITS.maxBudget}`);
  }
  if (from !== undefined && to !== undefined && from > to) throw new ValidationError('to', `query parameter must not be less than from (${from})`);
  sendJson(res, 200, {
    series: await ctx.store.readSeries(id!, keys, {
      ...(from !== undefined && { from }),
      ...(to !== undefined && { to }),
      ...(budget !== undefined && { budget }),
    }),
  });
}

function stream(ctx: AppContext, req: IncomingMessage, res: ServerResponse, url: URL): void {
  const follow = listParam(url.searchParams, 'follow');
  const header = req.headers['last-event-id'];
  const lastEventId = (Array.isArray(header) ? header[0] : header) ?? url.searchParams.get('since');
  ctx.hub.attach(res, follow, lastEventId ?? null, listParam(url.searchParams, 'services'));
}
