import type { Response } from '@playwright/test';
import { decodeSeriesBinary, fromWireArray, SERIES_BINARY_TYPE, type SeriesResponse, type WireNumber } from '../src/protocol/index.js';

/** One series of a read as a test looks at it: x and y as numbers, whichever form the studio asked for. */
export interface SeriesSeen {
  key: string;
  total: number;
  downsampled: boolean;
  x: number[];
  y: number[];
  smoothed?: { x: number[]; y: WireNumber[] };
}

/** The series of a `/series` response the studio got: the binary answer (what it asks for) or JSON. */
export async function seriesOf(r: Response): Promise<SeriesSeen[]> {
  if ((await r.headerValue('content-type'))?.startsWith(SERIES_BINARY_TYPE)) {
    const b = await r.body();
    return decodeSeriesBinary(b.buffer.slice(b.byteOffset, b.byteOffset + b.length) as ArrayBuffer)
      .map((s) => ({ ...s, x: Array.from(s.x), y: Array.from(s.y) }));
  }
  return ((await r.json()) as SeriesResponse).series.map((s) => ({ ...s, x: Array.from(s.x), y: Array.from(fromWireArray(s.y)) }));
}
