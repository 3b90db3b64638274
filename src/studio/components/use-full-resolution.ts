import { useEffect, useRef, useState } from 'react';
import { getFullResolution } from '../api/client.js';
import { FollowingRead } from '../model/following-read.js';
import { FULL_RESOLUTION_HELD_MAX, FULL_RESOLUTION_SERIES_MAX, FullResolutionCache } from '../model/full-resolution.js';
import type { SeriesBuffer } from '../model/series-buffer.js';

/** One tab's full-resolution points, shared by its panels (and pages: going back to a page reads nothing again). */
const cache = new FullResolutionCache();
/** Growth of a live series is read again at most this often. */
const GROWTH_MS = 1000;

/**
 * Which of `keys` a panel smooths from full-resolution points held in the tab: those held downsampled with at most
 * `FULL_RESOLUTION_SERIES_MAX` stored points, while they fit `FULL_RESOLUTION_HELD_MAX` together (the others are smoothed
 * on the server: use-server-smoothing.ts).
 */
export function fullResolutionKeys(keys: readonly string[], series: ReadonlyMap<string, SeriesBuffer>): string[] {
  let sum = 0;
  return keys.filter((k) => {
    const s = series.get(k);
    if (!s?.downsampled || s.total > FULL_RESOLUTION_SERIES_MAX || sum + s.total > FULL_RESOLUTION_HELD_MAX) return false;
    sum += s.total;
    return true;
  });
}

/** A line of a chart (`key` in its series map) and the stored series it draws (`seriesKey` of execution `executionId`). */
export interface FullResolutionRef {
  key: string;
  executionId: string | undefined;
  seriesKey: string;
}

/**
 * Every stored point of the series `refs` name (see `fullResolutionKeys`), by chart key: read once through the binary export
 * while `active` (smoothing is on) and kept in the tab; a live series' growth is read from its last held x on, at most every
 * `GROWTH_MS`, and never aborts a read in flight (following-read.ts: it would never finish while points stream). The map changes identity when points arrive. Until a series is read it has no entry.
 */
export function useFullResolution(
  refs: readonly FullResolutionRef[], series: ReadonlyMap<string, SeriesBuffer>, active: boolean,
): ReadonlyMap<string, SeriesBuffer> {
  const [lines, setLines] = useState<ReadonlyMap<string, SeriesBuffer>>(() => new Map());
  const wanted = active ? refs.flatMap((r) => (r.executionId ? [{ ...r, executionId: r.executionId, total: series.get(r.key)?.total ?? 0 }] : [])) : [];
  // Which series are read (a change aborts the read in flight) and how far they reach (growth reads more, after it).
  const which = JSON.stringify(wanted.map((r) => [r.key, r.executionId, r.seriesKey]));
  const totals = wanted.map((r) => r.total).join(',');
  const latest = useRef(wanted);
  latest.current = wanted;
  const reader = useRef<FollowingRead | null>(null);
  useEffect(() => {
    if (latest.current.length === 0) {
      setLines((l) => (l.size === 0 ? l : new Map()));
      return;
    }
    const held = () => new Map(latest.current.flatMap((r) => {
      const s = cache.get(r.executionId, r.seriesKey);
      return s ? [[r.key, s] as const] : [];
    }));
    const show = () => setLines((l) => {
      const now = held();
      return now.size === l.size && [...now].every(([k, s]) => l.get(k) === s) ? l : now;
    });
    show();
    const read = new FollowingRead(async (signal) => {
      // What is wanted when the read starts: the totals the live data reached meanwhile.
      const needs = latest.current.map((r) => ({ ...r, need: cache.need(r.executionId, r.seriesKey, r.total) })).filter((n) => n.need !== null);
      await Promise.all(needs.map(async (n) => {
        const frames = await getFullResolution(n.executionId, [n.seriesKey], n.need!.from, signal);
        if (!signal.aborted) cache.add(n.executionId, n.seriesKey, frames, n.total);
      }));
      if (!signal.aborted) show();
    }, GROWTH_MS);
    reader.current = read;
    read.want();
    return () => {
      read.dispose();
      reader.current = null;
    };
  }, [which]);
  // Live growth: read the new points once the read in flight (if any) is done.
  useEffect(() => {
    if (latest.current.some((r) => cache.need(r.executionId, r.seriesKey, r.total) !== null)) reader.current?.want();
  }, [totals]);
  return lines;
}
