/**
 * The two workloads the compression targets and the peer benchmark are measured on (issue #20), deterministic (seeded),
 * generated one series at a time:
 * - W1 "training run": 20 series × 500,000 points, x = step, y = 2·exp(−step/1e5) + 0.05·gaussian, full float64.
 * - W2 "service gauges": 50 series × 200,000 points at 1 s spacing (x = Unix seconds), five kinds of ten series each:
 *   request counters (Poisson increments, mean 0.2–200 a second), error counters (+1 with probability 0.1–1%),
 *   2-decimal percentages that hold (70% of seconds) or step by a gaussian 0.5 points, 2-decimal memory figures that
 *   change every 30–120 s, and integer queue depths that move ±1 in 30% of seconds.
 * Defined once and not tuned to any store: the point is comparing systems on the same data.
 */

import { mulberry32 as rng } from '../test/helpers/rng.js';

export interface Workload {
  name: string;
  label: string;
  series: number;
  perSeries: number;
  /** Target bytes per point on disk (issue #20). */
  targetBytesPerPoint: number;
  /** Series `s`'s points (x and y), its name and whether its values are integers. */
  generate(s: number, perSeries?: number): { key: string; x: Float64Array; y: Float64Array };
}

/** Standard normal deviates (Box–Muller) from a uniform source. */
function gaussian(u: () => number): () => number {
  return () => Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u());
}

/** A Poisson deviate: Knuth's product method for small means, the rounded normal approximation above 30. */
function poisson(u: () => number, g: () => number, mean: number): number {
  if (mean > 30) return Math.max(0, Math.round(mean + Math.sqrt(mean) * g()));
  const limit = Math.exp(-mean);
  let k = 0;
  for (let p = u(); p > limit; p *= u()) k++;
  return k;
}

export const W1: Workload = {
  name: 'W1',
  label: 'training run: 20 series × 500,000 points, noisy float64',
  series: 20,
  perSeries: 500_000,
  targetBytesPerPoint: 8,
  generate(s, n = 500_000) {
    const g = gaussian(rng(1000 + s));
    const x = new Float64Array(n);
    const y = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      x[i] = i;
      y[i] = 2 * Math.exp(-i / 1e5) + 0.05 * g();
    }
    return { key: `train/loss_${s}`, x, y };
  },
};

const W2_START = 1_700_000_000;
const RATES = [0.2, 0.5, 1, 2, 5, 10, 20, 50, 100, 200];
const KINDS = ['requests_total', 'errors_total', 'cpu_percent', 'memory_gb', 'queue_depth'] as const;

export const W2: Workload = {
  name: 'W2',
  label: 'service gauges: 50 series × 200,000 points at 1 s, counters and 2-decimal gauges',
  series: 50,
  perSeries: 200_000,
  targetBytesPerPoint: 0.5,
  generate(s, n = 200_000) {
    const u = rng(2000 + s);
    const g = gaussian(u);
    const kind = KINDS[s % 5]!;
    const k = Math.floor(s / 5);
    const x = new Float64Array(n);
    const y = new Float64Array(n);
    // Integer state; 2-decimal gauges keep hundredths and divide on output, as a parsed "12.34" would be.
    let v = kind === 'cpu_percent' ? 2000 + k * 500 : kind === 'memory_gb' ? 100 * (2 + k) : 0;
    let nextChange = 0;
    for (let i = 0; i < n; i++) {
      x[i] = W2_START + i;
      switch (kind) {
        case 'requests_total':
          v += poisson(u, g, RATES[k]!);
          break;
        case 'errors_total':
          if (u() < 0.001 * (k + 1)) v++;
          break;
        case 'cpu_percent':
          if (u() < 0.3) v = Math.min(10_000, Math.max(0, v + Math.round(50 * g())));
          break;
        case 'memory_gb':
          if (i >= nextChange) {
            v = Math.max(10, v + Math.round(5 * g()));
            nextChange = i + 30 + Math.floor(u() * 91);
          }
          break;
        case 'queue_depth':
          if (u() < 0.3) v = Math.max(0, v + (u() < 0.5 ? -1 : 1));
          break;
      }
      y[i] = kind === 'cpu_percent' || kind === 'memory_gb' ? v / 100 : v;
    }
    return { key: `svc/${kind}_${k}`, x, y };
  },
};

export const WORKLOADS = [W1, W2];
