import { useEffect, useRef, useState } from 'react';
import { fromWireArray } from '../../protocol/index.js';
import { getSeries } from '../api/client.js';
import type { SeriesBuffer } from '../model/series-buffer.js';
import { seriesFrom } from '../model/series-buffer.js';
import type { SmoothingAlgorithm } from '../model/smoothing.js';

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
 * (`smooth=` on the series read), since smoothing the per-pixel view would bias the line. Pass only those keys. Read again when the options, the zoom
 * or the held data change (at most every `REFETCH_MS`); the last answer stays drawn meanwhile.
 */
export function useServerSmoothing(
  executionId: string | undefined, keys: readonly string[], series: ReadonlyMap<string, SeriesBuffer>, version: number,
  weight: number, algorithm: SmoothingAlgorithm, zoom: { from: number; to: number } | null,
): ReadonlyMap<string, SmoothedLine> {
  const [lines, setLines] = useState<ReadonlyMap<string, SmoothedLine>>(() => new Map());
  const coarse = weight > 0 && executionId ? keys.filter((k) => series.get(k)?.downsampled) : [];
  // What the answer depends on: held totals stand for live growth.
  const signature = JSON.stringify([executionId, coarse, weight, algorithm, zoom?.from, zoom?.to, coarse.map((k) => series.get(k)?.total)]);
  const last = useRef(0);
  useEffect(() => {
    if (coarse.length === 0 || !executionId) {
      setLines((l) => (l.size === 0 ? l : new Map()));
      return;
    }
    const abort = new AbortController();
    const wait = Math.max(0, last.current + REFETCH_MS - performance.now());
    const timer = setTimeout(() => {
      last.current = performance.now();
      getSeries(executionId, {
        keys: coarse, budget: SMOOTHED_BUDGET, smooth: `${algorithm}:${weight}`, ...(zoom && { from: zoom.from, to: zoom.to }),
      }, abort.signal).then((r) => {
        const out = new Map<string, SmoothedLine>();
        const smoothing = `${algorithm}:${weight}`;
        for (const s of r.series) if (s.smoothed) out.set(s.key, { ...seriesFrom(s.smoothed.x, fromWireArray(s.smoothed.y)), smoothing });
        setLines(out);
      }).catch(() => undefined);
    }, wait);
    return () => {
      clearTimeout(timer);
      abort.abort();
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [signature]);
  void version;
  return lines;
}
