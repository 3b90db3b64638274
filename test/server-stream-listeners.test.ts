import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BINARY_BATCH_TYPE, encodeBinaryBatch } from '../src/protocol/index.js';
import { startServer, type RunningServer } from '../src/server/index.js';
import { postBody, postJson } from './helpers/server.js';

// Streamed answers (exports, runs CSV, series reads) wait for 'drain' thousands of times on a slow client. Each wait must
// leave nothing behind on the response or its socket: a listener per wait once made the server print
// MaxListenersExceededWarning during `npm run bench:peers`, and grows memory with the length of the answer.
const N = 200_000;
let server: RunningServer;
const warnings: string[] = [];
const onWarning = (w: Error) => warnings.push(`${w.name}: ${w.message}`);

/** Listener counts of the events a streamed write may wait on, on the response and on its socket. */
type Counts = Record<string, number>;
const EVENTS = ['close', 'drain', 'finish', 'error', 'end'] as const;
function counts(res: ServerResponse): Counts {
  const out: Counts = {};
  for (const e of EVENTS) {
    out[`res.${e}`] = res.listenerCount(e);
    if (res.socket) out[`socket.${e}`] = res.socket.listenerCount(e);
  }
  return out;
}

/** The listener counts of each response the server writes, taken when it starts and at its largest while it streams. */
const seen = new Map<string, { first: Counts; most: Counts }>();
function watchResponses(req: IncomingMessage, res: ServerResponse): void {
  const first = counts(res);
  const most = { ...first };
  seen.set(req.url!, { first, most });
  const origWrite = res.write.bind(res) as (...args: unknown[]) => boolean;
  (res as { write: unknown }).write = (...args: unknown[]) => {
    for (const [k, v] of Object.entries(counts(res))) most[k] = Math.max(most[k] ?? 0, v);
    return origWrite(...args);
  };
}

beforeAll(async () => {
  process.on('warning', onWarning);
  server = await startServer({ port: 0, db: ':memory:' });
  server.server.prependListener('request', watchResponses);
  const x = Float64Array.from({ length: N }, (_, i) => i * 0.5);
  const y = Float64Array.from({ length: N }, (_, i) => Math.sin(i / 100) * 1e-7 + i);
  const body = encodeBinaryBatch({
    batchId: 'listeners', executions: [{ id: 'long', start: { name: 'long' }, definitions: [{ key: 'loss', group: { name: 'g' } }], points: [{ key: 'loss', x, y }] }],
  });
  expect((await postBody(`${server.url}/api/ingest`, body, { 'content-type': BINARY_BATCH_TYPE })).status).toBe(200);
  for (let i = 0; i < 3000; i += 500) {
    const executions = Array.from({ length: 500 }, (_, j) => ({ id: `run-${i + j}`, start: { name: `run ${i + j} ${'x'.repeat(150)}` } }));
    expect((await postJson(`${server.url}/api/ingest`, { executions })).status).toBe(200);
  }
}, 60_000);
afterAll(async () => {
  process.off('warning', onWarning);
  await server.close();
});

/** GETs `path` on one keep-alive connection, reading the answer slowly (paused a moment after each chunk): many drains. */
function slowGet(agent: http.Agent, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    http.get(`${server.url}${path}`, { agent }, (res) => {
      let bytes = 0;
      res.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        res.pause();
        setTimeout(() => res.resume(), 1);
      });
      res.on('end', () => resolve(bytes));
      res.on('error', reject);
    }).on('error', reject);
  });
}

describe('streamed answers on a slow client', () => {
  it('leave no listener behind per write: counts stay flat through an answer and across answers on one socket', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const paths = [
      '/api/executions/long/export?key=loss&format=csv',
      '/api/executions/long/export?key=loss&format=json',
      '/api/executions/long/export?key=loss&format=csv&time=wall',
      '/api/executions.csv?limit=3000',
      '/api/executions/long/series?key=loss&budget=50000',
    ];
    // Twice over one socket: a listener left on the socket by one answer would show in the next one's first counts.
    for (const path of [...paths, ...paths]) expect(await slowGet(agent, path), path).toBeGreaterThan(100_000);
    agent.destroy();
    for (const path of paths) {
      const { first, most } = seen.get(path)!;
      for (const [k, v] of Object.entries(most)) expect(v, `${path}: ${k}`).toBeLessThanOrEqual((first[k] ?? 0) + 1);
    }
    expect(warnings.filter((w) => /MaxListeners/.test(w))).toEqual([]);
  }, 120_000);
});
