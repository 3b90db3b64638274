/**
 * The recording program of the "synchronous loop" benchmark, run in its own process so that its peak RSS is its own:
 * `node dist/bench/sync-loop-child.js <server url> <points>`. Records `loss.record(1 / s, { at: s })` for s = 1…points in
 * one loop that never yields, then awaits `end()`; prints one JSON line of figures.
 */
import { connect, Metric } from '../src/sdk/index.js';

const [url, pointsArg] = process.argv.slice(2);
const points = Number(pointsArg);
const client = connect({ url: url!, warn: (m) => console.error(m) });
const loss = new Metric('loss', { throttle: null });
const execution = client.startExecution('bench-sync-loop');
const t0 = performance.now();
execution.run(() => {
  for (let s = 1; s <= points; s++) loss.record(1 / s, { at: s });
});
const loopMs = performance.now() - t0;
const spooled = client.spooledPoints;
await execution.end();
const endMs = performance.now() - t0 - loopMs;
console.log(JSON.stringify({
  id: execution.id, loopMs, endMs, spooled, dropped: client.droppedPoints, maxRssBytes: process.resourceUsage().maxRSS * 1024,
}));
await client.close();
