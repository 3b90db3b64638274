import type { DiscardedCounts, MetricDef } from '../../protocol/index.js';

/** One metric's line in the "Not recorded" note of an execution page. */
export interface DiscardedLine {
  key: string;
  text: string;
}

const count = (n: number, one: string, many: string) => `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;

/**
 * What the producer's SDK reported as not sent, one line per metric key (sorted), in words a person reads: values the
 * throttle discarded (with the remedy), points refused because x did not increase, and points refused for an invalid x.
 * A progress bar's throttled counts are left out: each count supersedes the one before, the bar shows the last (always
 * sent), and `progress()` takes no throttle option, so the remedy could not be followed. Pure; empty when nothing was
 * discarded.
 */
export function discardedLines(discarded: Record<string, DiscardedCounts> | undefined, definitions: readonly MetricDef[] = []): DiscardedLine[] {
  if (!discarded) return [];
  const progressKeys = new Set(definitions.filter((d) => d.scale?.progress).map((d) => d.key));
  return Object.keys(discarded).sort().flatMap((key) => {
    const c = discarded[key]!;
    const parts = [
      c.throttled && !progressKeys.has(key) ? `${count(c.throttled, 'value', 'values')} discarded by the throttle (throttle: null keeps every value)` : null,
      c.xNotIncreasing ? `${count(c.xNotIncreasing, 'point', 'points')} refused (x did not increase)` : null,
      c.xInvalid ? `${count(c.xInvalid, 'point', 'points')} refused (x not finite or beyond ±2^53)` : null,
    ].filter((p): p is string => p !== null);
    return parts.length > 0 ? [{ key, text: parts.join('; ') }] : [];
  });
}
