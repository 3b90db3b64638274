import { useEffect, useRef, useState } from 'react';
import { fromWireArray } from '../../protocol/index.js';
import { getSeries } from '../api/client.js';
import type { SeriesBuffer } from '../model/series-buffer.js';
import { seriesFrom } from '../model/series-buffer.js';
import type { SmoothingAlgorithm } from '../model/smoothing.js';
import type { FullResolutionRef } from './use-full-resolution.js';
import { browserClock, FollowingRead } from '../model/following-read.js';

/** A smoothed line as the server drew it, with the smoothing it has (`<algorithm>:<weight>`). */
export interface SmoothedLine extends SeriesBuffer {
  smoothing: string;
}

/** Points per smoothed line asked of the server (about 4 per pixel of a wide chart). */
const SMOOTHED_BUDGET = 4000;
/** Slider moves and live growth ask again at most this often. */
const REFETCH_MS = 250;

/**
 * Smoothed lines of the panel's series that the tab holds downsampled and cannot hold at full resolution (longer than
 * `FULL_RESOLUTION_SERIES_MAX`, see use-full-resolution.ts): those are smoothed on the server from every stored point
 * (`smooth=` on the series read), since smoothing the per-pixel view would bias the line. Pass only those lines, each as
 * its chart key and the stored series it draws (`refs`; a comparison's lines come from several executions: one read per
 * execution). Read again when the options, the zoom or the held data change (at most every `REFETCH_MS`; growth of the
 * held data waits for the read in flight, following-read.ts); the last answer stays drawn meanwhile. Answers are keyed by chart key.
 */
export function useServerSmoothing(
  refs: readonly FullResolutionRef[], series: ReadonlyMap<string, SeriesBuffer>, version: number,
  weight: number, algorithm: SmoothingAlgorithm, zoom: { from: number; to: number } | null,
): ReadonlyMap<string, SmoothedLine> {
  const [lines, setLines] = useState<ReadonlyMap<string, SmoothedLine>>(() => new Map());
  const coarse = weight > 0 ? refs.filter((r) => r.executionId !== undefined && series.get(r.key)?.downsampled) : [];
  // What the answer depends on (a change aborts the read in flight), and the held totals, which stand for live growth
  // (read again once the read in flight is done: aborting it on growth, it would never finish while points stream).
  const asked = JSON.stringify([coarse.map((r) => [r.key, r.executionId, r.seriesKey]), weight, algorithm, zoom?.from, zoom?.to]);
  const totals = coarse.map((r) => series.get(r.key)?.total).join(',');
  const last = useRef(-Infinity);
  const reader = useRef<FollowingRead | null>(null);
  useEffect(() => {
    if (coarse.length === 0) {
      setLines((l) => (l.size === 0 ? l : new Map()));
      return;
    }
    const byExecution = new Map<string, FullResolutionRef[]>();
    for (const r of coarse) byExecution.set(r.executionId!, [...(byExecution.get(r.executionId!) ?? []), r]);
    const smoothing = `${algorithm}:${weight}`;
    const read = new FollowingRead((signal) =>
      Promise.all([...byExecution].map(([executionId, rs]) =>
        getSeries(executionId, {
          keys: [...new Set(rs.map((r) => r.seriesKey))], budget: SMOOTHED_BUDGET, smooth: smoothing, ...(zoom && { from: zoom.from, to: zoom.to }),
        }, signal).then((r) => {
          const out: Array<[string, SmoothedLine]> = [];
          for (const s of r.series) {
            if (!s.smoothed) continue;
            const line = { ...seriesFrom(s.smoothed.x, fromWireArray(s.smoothed.y)), smoothing };
            for (const ref of rs) if (ref.seriesKey === s.key) out.push([ref.key, line]);
          }
          return out;
        }))).then((parts) => {
        if (!signal.aborted) setLines(new Map(parts.flat()));
      }), REFETCH_MS, browserClock, last.current);
    reader.current = read;
    read.want();
    return () => {
      last.current = read.lastStart;
      read.dispose();
      reader.current = null;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [asked]);
  useEffect(() => {
    reader.current?.want();
  }, [totals]);
  void version;
  return lines;
}
