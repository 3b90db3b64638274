/**
 * How series are named where people read them. A numeric summary value (Cog's `record_metric`) is also stored over time
 * as a derived series keyed `@summary.<path>`; legends, tooltips and the files a legend is downloaded to name it by its
 * path alone.
 */

/** Key prefix of the series a summary value is drawn over time as. */
export const SUMMARY_SERIES_PREFIX = '@summary.';

/** What a legend calls the series `key`: a summary value's path (`acc` for `@summary.acc`), else the key itself. */
export function seriesLabel(key: string): string {
  return key.startsWith(SUMMARY_SERIES_PREFIX) ? key.slice(SUMMARY_SERIES_PREFIX.length) : key;
}
