import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { MetricsClient, type MetricTags } from './metrics-client.js';

export interface InstrumentHttpOptions {
  /** Service of the metrics (the `service` tag). */
  service?: string;
  /** Client to record through (default: a UDP `MetricsClient` for `service`). */
  metrics?: MetricsClient;
  /** The route of a request, for `http.route` (default: none; the path would give one series per URL). */
  route?: (req: IncomingMessage) => string | undefined;
}

/**
 * Records the standard request metrics of a `node:http` server (so of Express, Fastify and Koa, which run on one), with
 * OpenTelemetry's HTTP names: `http.server.request.duration` (a distribution, seconds; tags `http.request.method`,
 * `http.response.status_code`, `http.route` when `route` gives one) when each response finishes or the connection
 * closes, and `http.server.active_requests` (a gauge) as requests start and end. Returns a function that stops
 * recording. Never throws into the server's request handling.
 */
export function instrumentHttp(server: Server, opts: InstrumentHttpOptions = {}): () => void {
  const metrics = opts.metrics ?? new MetricsClient({ ...(opts.service !== undefined && { service: opts.service }) });
  const base: Record<string, string> = opts.service !== undefined ? { service: opts.service } : {};
  let active = 0;
  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    const started = performance.now();
    active++;
    metrics.gauge('http.server.active_requests', active, base);
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      active--;
      let route: string | undefined;
      try {
        route = opts.route?.(req);
      } catch {
        route = undefined;
      }
      const tags: MetricTags = {
        ...base,
        'http.request.method': req.method ?? 'GET',
        'http.response.status_code': res.statusCode,
        ...(route !== undefined && { 'http.route': route }),
      };
      metrics.distribution('http.server.request.duration', (performance.now() - started) / 1000, tags);
      metrics.gauge('http.server.active_requests', active, base);
    };
    res.once('finish', finish);
    res.once('close', finish);
  };
  server.prependListener('request', onRequest);
  return () => server.off('request', onRequest);
}
