import type { IncomingMessage, ServerResponse } from 'node:http';
import { LIMITS, parseTag, ValidationError } from '../../protocol/index.js';
import type { AppContext } from '../app.js';
import { numberParam, readBody, sendJson } from '../http-util.js';
import type { ServicesRuntime } from './index.js';
import { parseDuration } from './tiers.js';
import { describeMetrics, listServices, metricWindowStats, queryReplicas, querySeries, replicasOf, requestSummary, serviceStatus } from './query.js';

/** `?window=` as `30s`, `15m`, `1h`, `7d` (default 1h), in ms. */
export function windowParam(params: URLSearchParams): number {
  const raw = params.get('window') ?? '1h';
  const ms = parseDuration(raw);
  if (!(ms >= 10_000 && ms <= 400 * 86_400_000)) throw new ValidationError('window', `query parameter must be a duration from 10s to 400d such as 15m, 1h or 7d (got "${raw}")`);
  return ms;
}

function services(ctx: AppContext): ServicesRuntime {
  if (!ctx.services) throw new ValidationError('path', 'service metrics are not enabled on this server', 404);
  return ctx.services;
}

/**
 * POST /api/ingest/statsd[?service=NAME][&batch=ID]: DogStatsD lines, committed whole or refused whole naming `lines[i]`.
 * A batch id already applied is acknowledged again (`duplicate: true`) and not applied twice.
 */
export async function postStatsd(ctx: AppContext, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  const { engine } = services(ctx);
  // Lines from other sites are stopped by the edge's Origin check; DogStatsD clients send various content types.
  const body = await ctx.bodies.with(req, () => readBody(req, { limit: LIMITS.maxBatchBytes, idleMs: ctx.bodyIdleMs }));
  await ctx.turns.next();
  const service = url.searchParams.get('service') ?? '';
  // eslint-disable-next-line no-control-regex
  if (/[,|\u0000-\u001f\u007f]/.test(service) || service.length > 200) throw new ValidationError('service', 'query parameter must be at most 200 characters without ",", "|" or control characters');
  const batch = url.searchParams.get('batch');
  if (batch !== null && (batch.length === 0 || batch.length > LIMITS.maxBatchIdLength)) throw new ValidationError('batch', `query parameter must be 1 to ${LIMITS.maxBatchIdLength} characters`);
  const result = engine.ingestHttp(body.toString('utf8'), service, batch);
  sendJson(res, 200, { ok: true, ...result });
}

/** POST /v1/metrics: OTLP/HTTP metrics (protobuf or JSON, gzip allowed), answered as the OTLP specification says. */
export async function postOtlpMetrics(ctx: AppContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  await services(ctx).otlp.handle(req, res, ctx.policy.token);
}

/** GET /api/services?window=1h */
export async function getServices(ctx: AppContext, _req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  const runtime = services(ctx);
  const windowMs = windowParam(url.searchParams);
  const { counters } = runtime.engine;
  sendJson(res, 200, {
    window: windowMs,
    services: await listServices(runtime.engine, windowMs),
    ingest: { ...counters, ...runtime.otlp.counters, statsdPort: runtime.udp?.port ?? null, receiveBufferBytes: runtime.udp?.receiveBufferBytes ?? null },
  });
}

/** GET /api/services/:name?window=1h */
export async function getService(ctx: AppContext, _req: IncomingMessage, res: ServerResponse, url: URL, [name]: string[]): Promise<void> {
  const { engine } = services(ctx);
  const svc = engine.index.services.get(name!);
  if (!svc) throw new ValidationError('name', `no service "${name}"`, 404);
  const now = engine.clock();
  const windowMs = windowParam(url.searchParams);
  const windowStats = await metricWindowStats(engine, svc, windowMs);
  sendJson(res, 200, {
    window: windowMs,
    service: {
      name: svc.name, status: serviceStatus(svc, now), replicas: replicasOf(svc, now), lastSeen: svc.lastSeen || null,
      malformedLines: svc.malformedLines, refusedTagSets: svc.refusedTagSets,
      summary: await requestSummary(engine, svc, windowMs),
    },
    metrics: describeMetrics(svc).map((m) => ({ ...m, window: windowStats[m.name] ?? null })),
  });
}

/** `from`, `to` (ms; default the hour before now) and `budget` (buckets; default 300) of a series read. */
function rangeParams(engine: { clock(): number }, p: URLSearchParams): { from: number; to: number; budget: number } {
  const to = numberParam(p, 'to') ?? engine.clock();
  const from = numberParam(p, 'from') ?? to - 3_600_000;
  if (!(from < to)) throw new ValidationError('to', `query parameter must be greater than from (${from})`);
  const budget = numberParam(p, 'budget') ?? 300;
  if (!Number.isInteger(budget) || budget < 1 || budget > LIMITS.maxBudget) throw new ValidationError('budget', `query parameter must be an integer from 1 to ${LIMITS.maxBudget}`);
  return { from, to, budget };
}

/** GET /api/services/:name/replicas?from=&to=&budget= — replicas heard from per bucket (the "Active replicas" panel). */
export async function getServiceReplicas(ctx: AppContext, _req: IncomingMessage, res: ServerResponse, url: URL, [name]: string[]): Promise<void> {
  const { engine } = services(ctx);
  sendJson(res, 200, await queryReplicas(engine, { service: name!, ...rangeParams(engine, url.searchParams) }));
}

/** GET /api/services/:name/series?metric=&stat=&from=&to=&budget=&tag=k:v&by=k */
export async function getServiceSeries(ctx: AppContext, _req: IncomingMessage, res: ServerResponse, url: URL, [name]: string[]): Promise<void> {
  const { engine } = services(ctx);
  const p = url.searchParams;
  const metric = p.get('metric');
  if (!metric) throw new ValidationError('metric', 'query parameter is required');
  const stat = p.get('stat') ?? 'avg';
  const { from, to, budget } = rangeParams(engine, p);
  const filters = new Map<string, Set<string>>();
  for (const tag of p.getAll('tag')) {
    if (tag === '') throw new ValidationError('tag', 'query parameter must be k:v or a bare tag k');
    // `k:` is the bare tag `k`, as ingest stores it (splitTags).
    const { key, value } = parseTag(tag);
    let set = filters.get(key);
    if (!set) filters.set(key, (set = new Set()));
    set.add(value);
  }
  const by = p.getAll('by').flatMap((b) => b.split(',')).filter((b) => b.length > 0);
  sendJson(res, 200, await querySeries(engine, { service: name!, metric, stat, from, to, budget, filters, by }));
}
