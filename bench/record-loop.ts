import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type * as ThisSdk from '../src/sdk/index.js';
import { seriesValue, trendAt } from './points.js';

/** An SDK module: this build's, or another build's `dist/src/sdk/index.js` (a before/after comparison). */
export type Sdk = typeof ThisSdk;

/**
 * Records `series` × `pointsPerSeries` points (x = 0, 1, …; bench/points.ts) through `client` (made by `sdk`) in one
 * execution, then ends it. Import this module once per SDK compared (sdk-bench.ts), so each build's record() is inlined here.
 */
export async function recordExecution(sdk: Sdk, client: ThisSdk.Client, name: string, series: number, pointsPerSeries: number): Promise<void> {
  const metrics = Array.from({ length: series }, (_, i) => new sdk.Metric(`series_${i}`, { throttle: null }));
  const execution = client.startExecution(name);
  await execution.run(async () => {
    for (let x = 0; x < pointsPerSeries; x++) {
      const trend = trendAt(x);
      for (let s = 0; s < series; s++) metrics[s]!.record(seriesValue(trend, s), { at: x });
      if (x % 200 === 0) {
        await yieldToLoop();
        // Backpressure instead of overflowing the SDK's buffer: the figure is what is stored, not what is dropped.
        while (client.bufferedPoints > 900_000) await new Promise((r) => setTimeout(r, 1));
      }
    }
  });
  await execution.end();
}
