import type { MetricsClient } from '../../sdk/index.js';
import { gaussian } from './scenarios.js';

export const DEMO_SERVICE = 'inference-api';
const REPLICAS = ['inference-api-0', 'inference-api-1', 'inference-api-2'];
const TICK_MS = 100;
/** A deployment starts in the last minute of every this many seconds. */
const DEPLOY_EVERY_S = 360;

/**
 * A simulated inference API of three replicas recording through `client.metrics` what a request middleware would:
 * each request's duration (a distribution, seconds) tagged with its status code and route, in-flight requests per
 * replica (a gauge), and Cortex-style custom metrics with tags (`tokens_generated` by `model` and `version`,
 * `gpu_memory_gib` per replica). Traffic follows a slow wave; every 6 minutes a deployment rolls a new `version` over
 * the replicas for a minute, during which the new version answers about a quarter of its requests with 5XX and slower.
 * Returns a stop function.
 */
export function startDemoService(metrics: MetricsClient, random: () => number): () => void {
  let t = 180; // the first deployment two minutes after start
  const timer = setInterval(() => {
    t += TICK_MS / 1000;
    const load = 40 + 25 * Math.sin(t / 40); // requests/s over all replicas
    const cycle = t % DEPLOY_EVERY_S;
    const deploying = cycle >= DEPLOY_EVERY_S - 60;
    const release = Math.floor(t / DEPLOY_EVERY_S) + 1;
    REPLICAS.forEach((host, r) => {
      // Replica r takes the new version 20 s after the one before it; the faulty minute ends with the rollout fixed.
      const onNew = deploying && cycle >= DEPLOY_EVERY_S - 60 + 20 * r;
      const version = `v1.${onNew ? release : release - 1}`;
      const expected = (load / REPLICAS.length) * (TICK_MS / 1000);
      const n = Math.floor(expected) + (random() < expected % 1 ? 1 : 0);
      for (let i = 0; i < n; i++) {
        const slow = onNew ? 3 : 1;
        const seconds = 0.035 * slow * Math.exp(0.45 * gaussian(random)) * (random() < 0.01 ? 8 : 1);
        const u = random();
        const status = onNew && u < 0.25 ? 503 : u < 0.02 ? 404 : u < 0.025 ? 429 : 200;
        const tags = { service: DEMO_SERVICE, host, 'http.route': '/predict', 'http.request.method': 'POST', 'http.response.status_code': status };
        metrics.distribution('http.server.request.duration', seconds, tags);
        const model = random() < 0.7 ? 'llama-3-8b' : 'mistral-7b';
        if (status === 200) metrics.increment('tokens_generated', 20 + Math.floor(random() * 200), { service: DEMO_SERVICE, host, model, version });
      }
      metrics.gauge('http.server.active_requests', Math.max(0, Math.round(n * (onNew ? 4 : 1.5) + gaussian(random))), { service: DEMO_SERVICE, host });
      metrics.gauge('gpu_memory_gib', 14 + 2 * Math.sin(t / 60 + r) + 0.2 * gaussian(random), { service: DEMO_SERVICE, host });
    });
  }, TICK_MS);
  timer.unref();
  return () => clearInterval(timer);
}
