/**
 * The values both ingest benchmarks write, so the SDK run and the bare store write store the same points: a smooth trend
 * per x (computed once per x), shifted per series. Irregular doubles, so y is stored raw (8 bytes), as most metrics are.
 */
export function trendAt(x: number): number {
  return Math.sin(x / 100) + x * 1e-6;
}

export function seriesValue(trend: number, series: number): number {
  return trend + series * 1e-3;
}
