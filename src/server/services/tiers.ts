/** Rollup tiers of service metrics: interval widths, how long each is kept, and which one answers a query. */

export interface Tier {
  /** Interval width, ms. */
  size: number;
  /** Rows whose interval starts more than this long before now are deleted, ms. */
  retention: number;
}

const SECOND = 1000, MINUTE = 60 * SECOND, HOUR = 60 * MINUTE, DAY = 24 * HOUR;

/** The finest interval: every line is aggregated per 10 s. */
export const INTERVAL_MS = 10 * SECOND;

/** Defaults: 10 s × 2 days, 1 min × 30 days, 1 h × 400 days. */
export const DEFAULT_TIERS: readonly Tier[] = [
  { size: INTERVAL_MS, retention: 2 * DAY },
  { size: MINUTE, retention: 30 * DAY },
  { size: HOUR, retention: 400 * DAY },
];

const DURATION_UNITS: Readonly<Record<string, number>> = { s: SECOND, m: MINUTE, h: HOUR, d: DAY };

/** A duration written `30s`, `15m`, `1h` or `2d`, in ms; NaN when it is not one. */
export function parseDuration(v: string): number {
  const m = /^(\d+(?:\.\d+)?)([smhd])$/.exec(v);
  return m ? Number(m[1]) * DURATION_UNITS[m[2]!]! : NaN;
}

/** Names of the default tiers, in order (`--retention 10s=2d,1m=30d,1h=400d`). */
export const TIER_NAMES = ['10s', '1m', '1h'] as const;
export type TierName = (typeof TIER_NAMES)[number];

/** The default tiers with the retention of each named one replaced. */
export function tiersWithRetention(retention: Partial<Record<TierName, number>>): Tier[] {
  return DEFAULT_TIERS.map((t, i) => ({ size: t.size, retention: retention[TIER_NAMES[i]!] ?? t.retention }));
}

/** Steps a series query may use: each a multiple of the 10 s interval, and each coarser tier divides the ones above it. */
const STEPS = [10, 20, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400, 172800, 604800].map((s) => s * SECOND);

/** Checks tiers: increasing sizes, each a multiple of the one before (so merges are exact), positive retentions. */
export function checkTiers(tiers: readonly Tier[]): void {
  if (tiers.length === 0 || tiers[0]!.size !== INTERVAL_MS) throw new Error(`the first tier must be ${INTERVAL_MS} ms wide`);
  for (let i = 0; i < tiers.length; i++) {
    const t = tiers[i]!;
    if (!(t.retention > 0)) throw new Error(`tier ${t.size} ms: retention must be positive`);
    if (i > 0 && (t.size <= tiers[i - 1]!.size || t.size % tiers[i - 1]!.size !== 0)) {
      throw new Error(`tier ${t.size} ms must be a multiple of the finer tier ${tiers[i - 1]!.size} ms`);
    }
  }
}

export interface QueryPlan {
  /** Bucket width of the answer, ms (a multiple of the tier's size). */
  step: number;
  /** The tier read from the store. */
  tier: Tier;
}

/**
 * Chooses the step for `[from, to)` and a point budget: the smallest allowed step giving at most `budget` buckets (never
 * finer than the 10 s interval), read from the coarsest tier whose size divides the step. When that tier no longer keeps
 * `from` (older than its retention), a coarser tier that still does is used and the step grows to its size.
 */
export function planQuery(tiers: readonly Tier[], from: number, to: number, budget: number, now: number): QueryPlan {
  const want = Math.max(INTERVAL_MS, (to - from) / budget);
  let step = STEPS.find((s) => s >= want) ?? Math.ceil(want / DAY) * DAY;
  let tier = tiers[0]!;
  for (const t of tiers) if (step % t.size === 0) tier = t;
  for (const t of tiers) {
    if (t.size < tier.size) continue;
    tier = t;
    if (from >= now - t.retention) break;
  }
  if (step % tier.size !== 0) step = Math.ceil(step / tier.size) * tier.size;
  return { step, tier };
}
