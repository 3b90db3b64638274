/**
 * Request metrics of any `node:http` server (Express, Fastify and Koa run on one), under OpenTelemetry's HTTP semantic
 * conventions (DESIGN.md, "Service metrics"): `http.server.request.duration` (distribution, seconds; tags
 * `http.request.method`, `http.response.status_code`, `http.route`) and `http.server.active_requests` (gauge).
 *
 * Per request it only reads a clock and, when the response closes, appends the duration to an array kept per tag set;
 * once a second the arrays go out as packed DogStatsD lines and the in-flight count as a gauge (also when nothing
 * happened, so the dashboard's replicas and in-flight panels stay continuous). That keeps the request path far below
 * the cost of formatting and sending a line per request.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { MetricsClient } from './metrics-client.js';

export const REQUEST_DURATION = 'http.server.request.duration';
export const ACTIVE_REQUESTS = 'http.server.active_requests';

export interface InstrumentHttpOptions {
  /** Service name of the metrics (default: the `metrics` client's, else a new client's `PLOTLINE_SERVICE` or `default`). */
  service?: string;
  /** Where the metrics go; default a new UDP `MetricsClient({ service })` closed with the server. */
  metrics?: MetricsClient;
  /**
   * The route of a request (`/users/:id`); undefined: no `http.route` tag. Default: the framework's (Express `req.route`),
   * else the path with ids collapsed.
   */
  route?: (req: IncomingMessage) => string | undefined;
  /** How often buffered durations and the in-flight gauge are sent, ms (default 1000). */
  flushIntervalMs?: number;
}

/** Calling it stops recording, as `stop()` does (what is buffered is sent at once; its promise is `stop()`'s). */
export interface HttpInstrumentation {
  (): Promise<void>;
  /** Sends what is buffered now, and waits until the metrics client has sent it. */
  flush(): Promise<void>;
  /** Stops recording (the server keeps running), sends what is buffered; closes the metrics client if it made it. */
  stop(): Promise<void>;
}

const ID_SEGMENT = /^(?:\d+|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{12,}|(?=[A-Za-z_-]*\d)[A-Za-z0-9_-]{20,})$/i;

/**
 * A path without its query, each segment that looks like an id (digits, a UUID, 12+ hex digits, a 20+ character token
 * with a digit) replaced by `:id`, so one route is one tag value: `/users/42/orders/9f8e…` → `/users/:id/orders/:id`.
 */
export function collapsePath(url: string): string {
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  if (!/\d/.test(path)) return path || '/';
  return path.split('/').map((seg) => (ID_SEGMENT.test(seg) ? ':id' : seg)).join('/') || '/';
}

/** Express's matched route: `req.baseUrl` + `req.route.path` (a string path; a RegExp route falls back to the path). */
function frameworkRoute(req: IncomingMessage): string | undefined {
  const r = req as IncomingMessage & { route?: { path?: unknown }; baseUrl?: unknown };
  const path = r.route?.path;
  if (typeof path !== 'string') return undefined;
  return (typeof r.baseUrl === 'string' ? r.baseUrl : '') + path;
}

interface Pending {
  method: string;
  status: number;
  route: string | undefined;
  /** Durations in whole microseconds (sent as seconds with 6 decimals: integer formatting is far cheaper than float). */
  micros: number[];
}

const STARTED = Symbol('plotline.started');

/**
 * Records the standard request metrics of `server` until it closes (or `stop()`). Never throws into request handling:
 * a failure of the metrics client is counted in its `errors`.
 */
export function instrumentHttp(server: Server, opts: InstrumentHttpOptions = {}): HttpInstrumentation {
  const owned = opts.metrics === undefined;
  const metrics = opts.metrics ?? new MetricsClient({ service: opts.service ?? process.env.PLOTLINE_SERVICE });
  const serviceTag = opts.service !== undefined && opts.metrics !== undefined ? [`service:${opts.service}`] : [];
  const routeOf = opts.route;
  // Durations by method → status → route ('' for none): nested lookups of strings the parser, the path cache or the
  // framework already hold (their hashes are cached), where one joined key cost a string build and a hash per request.
  let pending = new Map<string, Map<number, Map<string, Pending>>>();
  let active = 0;
  let stopped = false;

  // Collapsed paths by raw URL, so a hot path is split once (bounded: past the bound, paths are collapsed each time).
  const paths = new Map<string, string>();
  const pathOf = (url: string) => {
    let p = paths.get(url);
    if (p === undefined) {
      p = collapsePath(url);
      if (paths.size < 2000) paths.set(url, p);
    }
    return p;
  };

  // One shared 'close' listener (no closure per request); the start time rides on the response.
  function onResponseClose(this: ServerResponse & { [STARTED]?: number }) {
    active--;
    const us = Math.round((performance.now() - this[STARTED]!) * 1000);
    const req = this.req;
    const method = req.method ?? 'GET';
    const status = this.statusCode;
    let route: string | undefined;
    if (routeOf) {
      try {
        route = routeOf(req);
      } catch { /* a failing route function: no route */ }
    } else route = frameworkRoute(req) ?? pathOf(req.url ?? '/');
    let byStatus = pending.get(method);
    if (byStatus === undefined) pending.set(method, (byStatus = new Map()));
    let byRoute = byStatus.get(status);
    if (byRoute === undefined) byStatus.set(status, (byRoute = new Map()));
    const p = byRoute.get(route ?? '');
    if (p !== undefined) p.micros.push(us);
    else byRoute.set(route ?? '', { method, status, route, micros: [us] });
  }

  const onRequest = (_req: IncomingMessage, res: ServerResponse & { [STARTED]?: number }) => {
    res[STARTED] = performance.now();
    active++;
    res.on('close', onResponseClose);
  };

  const send = () => {
    const batch = pending;
    pending = new Map();
    for (const byStatus of batch.values()) for (const byRoute of byStatus.values()) for (const p of byRoute.values()) {
      metrics.packedSeconds(REQUEST_DURATION, p.micros, [
        ...serviceTag, `http.request.method:${p.method}`, `http.response.status_code:${p.status}`, ...(p.route === undefined ? [] : [`http.route:${p.route}`]),
      ]);
    }
    metrics.gauge(ACTIVE_REQUESTS, active, serviceTag);
  };

  server.prependListener('request', onRequest);
  const timer = setInterval(send, opts.flushIntervalMs ?? 1000);
  timer.unref();

  const stop = async () => {
    if (stopped) return;
    stopped = true;
    clearInterval(timer);
    server.off('request', onRequest);
    server.off('close', onClose);
    send();
    await (owned ? metrics.close() : metrics.flush());
  };
  const onClose = () => void stop();
  server.once('close', onClose);

  const flush = async () => {
    if (!stopped) send();
    await metrics.flush();
  };
  return Object.assign(() => stop(), { flush, stop });
}
