/**
 * What reading a JSON ingest body costs per MB, with and without the duplicate-key check (`json-duplicate-keys.ts`):
 * `node dist/bench/json-parse.js`. Three bodies: points (numbers), many small point items, summary ops (keys and
 * strings). Prints the median of 15 runs of each, in ms per MB of body.
 */
import { performance } from 'node:perf_hooks';
import { parseJsonBody } from '../src/server/http-util.js';
import { decodeUtf8, duplicateKeyOffset, refuseXRoundedToLimit } from '../src/protocol/index.js';
import { seriesValue, trendAt } from './points.js';

const utf8 = new TextEncoder();

function body(executions: unknown[]): Uint8Array {
  return Buffer.from(utf8.encode(JSON.stringify({ batchId: 'bench-1', executions }))); // a Buffer, as readBody gives
}

const numbers = body([{
  id: 'run-1',
  points: Array.from({ length: 10 }, (_, s) => {
    const x = Array.from({ length: 20_000 }, (_, i) => i + 1);
    return { key: `series_${s}`, x, y: x.map((v) => seriesValue(trendAt(v), s)) };
  }),
}]);
const smallItems = body(Array.from({ length: 200 }, (_, e) => ({
  id: `run-${e}`,
  points: Array.from({ length: 20 }, (_, s) => ({ key: `m_${s}`, x: [1, 2, 3], y: [0.5, 0.25, 0.125] })),
})));
const summaries = body(Array.from({ length: 10 }, (_, e) => ({
  id: `run-${e}`,
  summary: Array.from({ length: 1_000 }, (_, k) => ({ key: `eval.metric_${k}`, value: k * 1.5, mode: 'replace' })),
})));

function median(run: () => void, bytes: number): number {
  const times: number[] = [];
  for (let r = 0; r < 15; r++) {
    const t0 = performance.now();
    run();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return times[7]! / (bytes / 1e6);
}

for (const [name, bytes] of [['numbers', numbers], ['small items', smallItems], ['summary ops', summaries]] as const) {
  const parse = () => {
    const doc = parseJsonBody(bytes);
    refuseXRoundedToLimit(doc, () => '');
  };
  const before = median(() => {
    const doc = JSON.parse(decodeUtf8(bytes, 'body')) as unknown; // parseJsonBody before the check
    refuseXRoundedToLimit(doc, () => '');
  }, bytes.length);
  const after = median(parse, bytes.length);
  const scan = median(() => duplicateKeyOffset(bytes), bytes.length);
  console.log(`${name.padEnd(12)} ${(bytes.length / 1e6).toFixed(2)} MB: JSON.parse ${before.toFixed(2)} ms/MB, with the duplicate-key check ${after.toFixed(2)} ms/MB (the check alone ${scan.toFixed(2)} ms/MB)`);
}
