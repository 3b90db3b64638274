import { timeAtX, type ExecutionDetail, type TimeMarks } from '../../protocol/index.js';

/**
 * When the point at x of an exported series was recorded (ms since the epoch; NaN when unknown): from the series'
 * record-time marks when it has them (points recorded with `at`, protocol/time-marks.ts), else — for a metric whose group
 * has no units, so x is seconds since the start — `startedAt + 1000·x`. Older data recorded with `at` has neither: NaN.
 */
export function wallTimeOf(detail: ExecutionDetail, key: string, times: TimeMarks | undefined): (x: number) => number {
  if (times) return (x) => timeAtX(times, x);
  const def = detail.definitions.find((d) => d.key === key);
  if (def?.group?.units !== undefined) return () => NaN;
  const start = detail.execution.startedAt;
  return (x) => start + 1000 * x;
}

/** The time of a joined row's x: from the first series (in column order) that can tell; NaN when none can. */
export function rowWallTime(detail: ExecutionDetail, series: ReadonlyArray<{ key: string; times?: TimeMarks }>): (x: number) => number {
  const each = series.map((s) => wallTimeOf(detail, s.key, s.times));
  return (x) => {
    for (const f of each) {
      const t = f(x);
      if (!Number.isNaN(t)) return t;
    }
    return NaN;
  };
}
