/**
 * The `/api/health` prober of the responsiveness benchmark, run in a worker thread so that the load the benchmark itself
 * generates (reading answers, holding sockets) never delays the probe's own clock. workerData: `{ url, intervalMs }`.
 * Sends one GET at a time on a new connection (what a well-behaved client does), sleeps `intervalMs`, repeats until
 * told `'stop'`; then posts `{ ms: number[], failed: number }` (wall ms from request to the end of the answer).
 */
import { request } from 'node:http';
import { parentPort, workerData } from 'node:worker_threads';

const { url, intervalMs } = workerData as { url: string; intervalMs: number };
const target = new URL('/api/health', url);
let stopping = false;
parentPort!.on('message', (m) => { if (m === 'stop') stopping = true; });

function probe(): Promise<number | null> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const req = request(target, { agent: false, timeout: 30_000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode === 200 ? performance.now() - t0 : null));
      res.on('error', () => resolve(null));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(null));
    req.end();
  });
}

const ms: number[] = [];
let failed = 0;
while (!stopping) {
  const t = await probe();
  if (t === null) failed++;
  else ms.push(t);
  await new Promise((r) => setTimeout(r, intervalMs));
}
parentPort!.postMessage({ ms, failed });
