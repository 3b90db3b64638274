import type { MetricsClient } from '../../sdk/index.js';
import { gaussian } from './scenarios.js';

export const DEMO_SERVICE = 'inference-api';
const REPLICAS = ['inference-api-0', 'inference-api-1', 'inference-api-2'];
const TICK_MS = 100;

/**
 * A simulated inference API of three replicas recording through `client.metrics` what a request middleware would:
 * each request's duration (a distribution, seconds) tagged with its status code and route, in-flight requests per
 * replica (a gauge), and Cortex-style custom metrics. Traffic follows a slow wave with an incident (slow requests and
 * 5XX) every few minutes. Returns a stop function.
 */
export function startDemoService(metrics: MetricsClient, random: () => number): () => void {
  let t = 0;
  const timer = setInterval(() => {
    t += TICK_MS / 1000;
    const load = 40 + 25 * Math.sin(t / 40); // requests/s over all replicas
    const incident = t % 300 > 200 && t % 300 < 230;
    REPLICAS.forEach((host, r) => {
      const expected = (load / REPLICAS.length) * (TICK_MS / 1000);
      const n = Math.floor(expected) + (random() < expected % 1 ? 1 : 0);
      for (let i = 0; i < n; i++) {
        const slow = incident && r === 1 ? 4 : 1;
        const seconds = 0.035 * slow * Math.exp(0.45 * gaussian(random)) * (random() < 0.01 ? 8 : 1);
        const u = random();
        const status = incident && r === 1 && u < 0.3 ? 503 : u < 0.02 ? 404 : u < 0.025 ? 429 : 200;
        const tags = { service: DEMO_SERVICE, host, 'http.route': '/predict', 'http.request.method': 'POST', 'http.response.status_code': status };
        metrics.distribution('http.server.request.duration', seconds, tags);
        if (status === 200) metrics.increment('tokens_generated', 20 + Math.floor(random() * 200), { service: DEMO_SERVICE, host, model: 'llama-3-8b' });
      }
      metrics.gauge('http.server.active_requests', Math.max(0, Math.round(n * (incident && r === 1 ? 6 : 1.5) + gaussian(random))), { service: DEMO_SERVICE, host });
      metrics.gauge('gpu_memory_gib', 14 + 2 * Math.sin(t / 60 + r) + 0.2 * gaussian(random), { service: DEMO_SERVICE, host });
    });
  }, TICK_MS);
  timer.unref();
  return () => clearInterval(timer);
}
