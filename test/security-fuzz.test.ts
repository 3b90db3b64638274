import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeBinaryBatch } from '../src/protocol/index.js';
import { startServer, type RunningServer } from '../src/server/index.js';
import { mulberry32 } from './helpers/rng.js';

/**
 * Issue 19, tests: seeded fuzzers of every input format against the real server. Each runs at least 10,000 cases in bounded
 * time: no 5xx, no crash, and after every refused write the store is exactly as it was. Seeds are fixed, so a failure names
 * the case that reproduces it.
 */
const CASES = Number(process.env.PLOTLINE_FUZZ_CASES ?? 10_000);


type R = () => number;
const pick = <T>(r: R, items: readonly T[]): T => items[Math.floor(r() * items.length)]!;
/** encodeURIComponent, with a lone surrogate (which it refuses) written as the bytes of one. */
const encode = (s: string): string => encodeURIComponent(s.replace(/\p{Surrogate}/gu, '\u{fffd}')).replace(/%EF%BF%BD/g, '%ED%A0%80');

const ODD_STRINGS = ['', ' ', '__proto__', 'constructor', 'k\ud800', '\udc00x', '\ufeff', 'a'.repeat(300), '%', '%E0%A4%A', '../..', 'NaN',
  'Infinity', '-Infinity', '0x10', '1e5', ' 50', 'a.b.c.d.e', 'é', '😀', '\u0000', 'null', 'true', '@summary.x', 'x'.repeat(5000)];
const ODD_NUMBERS = [0, -0, 1, -1, 0.5, 1e308, -1e308, 5e-324, 2 ** 53, 2 ** 53 + 2, -(2 ** 53) - 2, 8640000000000001, 1.7e12, Date.now(), 1e18, 123456789.123];

function oddValue(r: R, depth = 0): unknown {
  switch (Math.floor(r() * 9)) {
    case 0: return pick(r, ODD_STRINGS);
    case 1: return pick(r, ODD_NUMBERS);
    case 2: return null;
    case 3: return r() < 0.5;
    case 4: return depth > 2 ? [] : Array.from({ length: Math.floor(r() * 4) }, () => oddValue(r, depth + 1));
    case 5: return depth > 2 ? {} : Object.fromEntries(Array.from({ length: Math.floor(r() * 3) }, () => [pick(r, ODD_STRINGS), oddValue(r, depth + 1)]));
    case 6: return Math.floor(r() * 2000) - 1000;
    case 7: return pick(r, ['NaN', 'Infinity', '-Infinity']);
    default: return undefined;
  }
}

/** Replaces, deletes or adds one random node of a JSON-like tree, in place. */
function mutateTree(r: R, root: unknown): unknown {
  if (r() < 0.05) return oddValue(r);
  let node = root;
  for (let depth = 0; depth < 8; depth++) {
    if (typeof node !== 'object' || node === null) break;
    const keys = Object.keys(node);
    if (keys.length === 0 || r() < 0.25) {
      (node as Record<string, unknown>)[Array.isArray(node) ? String(keys.length) : pick(r, [...ODD_STRINGS, 'extra', 'id', 'x', 'y'])] = oddValue(r);
      return root;
    }
    const key = pick(r, keys);
    const child = (node as Record<string, unknown>)[key];
    if (typeof child !== 'object' || child === null || r() < 0.3) {
      if (r() < 0.2) delete (node as Record<string, unknown>)[key];
      else (node as Record<string, unknown>)[key] = oddValue(r);
      return root;
    }
    node = child;
  }
  return root;
}

/** Text-level damage: cut, insert or replace bytes. */
function mutateText(r: R, text: string): string {
  const at = Math.floor(r() * (text.length + 1));
  switch (Math.floor(r() * 4)) {
    case 0: return text.slice(0, at);
    case 1: return text.slice(0, at) + pick(r, ['{', '}', '"', ',', '\\', '\ud800', '\u0000', ']', '1e999', 'null']) + text.slice(at);
    case 2: return text.slice(0, at) + text.slice(at + 1 + Math.floor(r() * 10));
    default: return `\ufeff${text}`;
  }
}

let xNext = 1_000;
function baseBatch(r: R): Record<string, unknown> {
  const id = pick(r, ['fz-a', 'fz-b', 'fz-c']);
  const n = 1 + Math.floor(r() * 5);
  const x = Array.from({ length: n }, () => xNext++);
  return {
    ...(r() < 0.5 && { batchId: `fz-${Math.floor(r() * 1e9)}` }),
    executions: [{
      id,
      ...(r() < 0.3 && { start: { name: id, labels: { model: 'm' } } }),
      definitions: [{ key: 'loss', group: { name: 'g', units: 'step' } }],
      points: [{ key: 'loss', x, y: x.map((v) => Math.sin(v)) }],
      summary: [{ key: 'acc', value: r(), mode: 'replace' }],
    }],
  };
}

let server: RunningServer;
beforeAll(async () => {
  // The fuzzed executions never end: on a loaded machine a run outlasts the default 60 s, and the sweeper marking them
  // `lost` between two cases would read as a refused case that changed the store.
  server = await startServer({ port: 0, db: ':memory:', lostAfterMs: 24 * 3600_000 });
  for (const id of ['fz-a', 'fz-b', 'fz-c']) {
    await post('/api/ingest', 'application/json', JSON.stringify({ executions: [{ id, start: { name: id } }] }));
  }
});
afterAll(() => server.close());

async function post(path: string, type: string, body: string | Uint8Array<ArrayBuffer>): Promise<{ status: number; text: string }> {
  const res = await fetch(`${server.url}${path}`, { method: 'POST', headers: { 'content-type': type }, body });
  return { status: res.status, text: await res.text() };
}

/** Everything the store can tell about the fuzzed executions (read in-process: cheap enough to take after every case). */
async function fingerprint(): Promise<string> {
  const list = await server.store.listExecutions({ limit: 1000 } as Parameters<RunningServer['store']['listExecutions']>[0]);
  const details = await Promise.all(list.executions.map((e) => server.store.getExecution(e.id)));
  return JSON.stringify([list.executions, details]);
}

/** Runs `cases` writes; each must answer < 500, and a refused one must leave the store as it was. */
async function fuzzWrites(seed: number, send: (r: R) => Promise<{ status: number; text: string }>): Promise<{ accepted: number; refused: number }> {
  const r = mulberry32(seed);
  let before = await fingerprint();
  let accepted = 0;
  let refused = 0;
  for (let i = 0; i < CASES; i++) {
    const res = await send(r);
    if (res.status >= 500) throw new Error(`seed ${seed} case ${i}: HTTP ${res.status} ${res.text.slice(0, 300)}`);
    const after = await fingerprint();
    if (res.status >= 400) {
      refused++;
      if (after !== before) throw new Error(`seed ${seed} case ${i}: refused (${res.status} ${res.text.slice(0, 200)}) but the store changed`);
    } else {
      accepted++;
    }
    before = after;
  }
  expect((await fetch(`${server.url}/api/health`)).status).toBe(200);
  return { accepted, refused };
}

describe('fuzzers (seeded, ≥ 10,000 cases per format)', () => {
  it('JSON batches', async () => {
    const { accepted, refused } = await fuzzWrites(19_001, async (r) => {
      const batch = r() < 0.15 ? baseBatch(r) : mutateTree(r, mutateTree(r, baseBatch(r)));
      let text = JSON.stringify(batch) ?? 'null';
      if (r() < 0.25) text = mutateText(r, text);
      return post('/api/ingest', 'application/json', text);
    });
    expect(accepted).toBeGreaterThan(CASES / 100);
    expect(refused).toBeGreaterThan(CASES / 10);
  }, 600_000);

  it('binary batches', async () => {
    const { accepted, refused } = await fuzzWrites(19_002, async (r) => {
      const base = baseBatch(r) as { executions: Array<{ points: Array<{ key: string; x: number[]; y: number[] }> }> };
      const shaped = r() < 0.3 ? mutateTree(r, base) : base;
      let bytes: Uint8Array<ArrayBuffer>;
      try {
        bytes = encodeBinaryBatch(shaped as unknown as Parameters<typeof encodeBinaryBatch>[0]);
      } catch {
        bytes = encodeBinaryBatch(baseBatch(r) as unknown as Parameters<typeof encodeBinaryBatch>[0]);
      }
      const damage = Math.floor(r() * 5);
      if (damage === 0) bytes = bytes.slice(0, Math.floor(r() * bytes.length));
      else if (damage === 1) for (let k = 0; k < 1 + r() * 4; k++) bytes[Math.floor(r() * bytes.length)] = Math.floor(r() * 256);
      else if (damage === 2) new DataView(bytes.buffer).setUint32(4, Math.floor(r() * 2 ** 32), true);
      else if (damage === 3 && bytes.length > 16) new DataView(bytes.buffer).setFloat64(bytes.length - 8, pick(r, [NaN, Infinity, -0, 1e308, 2 ** 60]), true);
      return post('/api/ingest', 'application/vnd.plotline.batch', bytes);
    });
    expect(accepted).toBeGreaterThan(CASES / 100);
    expect(refused).toBeGreaterThan(CASES / 10);
  }, 600_000);

  it('Cog webhooks', async () => {
    const statuses = ['starting', 'processing', 'succeeded', 'failed', 'canceled'];
    const { accepted, refused } = await fuzzWrites(19_003, async (r) => {
      const prediction: Record<string, unknown> = {
        id: `p${Math.floor(r() * 5)}`, status: pick(r, statuses), created_at: '2026-11-23T10:00:00Z', started_at: '2026-11-23T10:00:01Z',
        completed_at: '2026-11-23T10:00:03Z', input: { prompt: 'hi' }, output: 'x', logs: '', error: null,
        metrics: { token_count: Math.floor(r() * 100), timing: { inference: r() }, predict_time: r() * 3, 'tokens/sec': r() },
      };
      const mutated = r() < 0.15 ? prediction : mutateTree(r, mutateTree(r, prediction));
      let text = JSON.stringify(mutated) ?? 'null';
      if (r() < 0.2) text = mutateText(r, text);
      return post(`/api/ingest/cog?model=${pick(r, ['acme/m', 'x', '%', ''])}`, 'application/json', text);
    });
    expect(accepted).toBeGreaterThan(CASES / 100);
    expect(refused).toBeGreaterThan(CASES / 100);
  }, 600_000);

  it('DogStatsD lines over HTTP', async () => {
    const lines = ['req:1|c|#service:api', 'lat:12.5|ms|@0.5|#service:api,route:/x', 'g:3|g', 'h:1:2:3|h', 'u:abc|s', '_e{1,1}:a|b', '_sc|x|0'];
    const { accepted, refused } = await fuzzWrites(19_004, async (r) => {
      const body = Array.from({ length: 1 + Math.floor(r() * 4) }, () => {
        let line = pick(r, lines);
        if (r() < 0.6) line = mutateText(r, line);
        if (r() < 0.1) line = pick(r, ODD_STRINGS);
        return line;
      }).join(pick(r, ['\n', '\r\n', '\n\n']));
      return post(`/api/ingest/statsd?service=${pick(r, ['api', 'x', ''])}`, 'text/plain', body);
    });
    expect(accepted + refused).toBe(CASES);
  }, 600_000);

  it('URLs and query strings', async () => {
    const r = mulberry32(19_005);
    const paths = ['/api/executions', '/api/executions/fz-a', '/api/executions/fz-a/series', '/api/executions/fz-a/export', '/api/stream',
      '/api/health', '/api/services', '/api/services/api', '/api/execution-fields', '/', '/executions/fz-a', '/assets/x.js'];
    const params = ['key', 'budget', 'from', 'to', 'limit', 'cursor', 'status', 'q', 'sort', 'label', 'where', 'follow', 'since', 'window'];
    const values = [...ODD_STRINGS, 'loss', '10', '4', '-1', '0', '1e-9', '100000', '2.5', 'running', 'name', '-startedAt', 'summary.acc>0.5', 'model:m'];
    for (let i = 0; i < CASES; i++) {
      let path = pick(r, paths);
      if (r() < 0.4) path = mutateText(r, path).replace(/[?#]/g, '');
      if (r() < 0.2) path += `/${encode(pick(r, ODD_STRINGS)).slice(0, 200)}`;
      if (r() < 0.2) path = path.replace(/fz-a/, pick(r, ['%', '%ZZ', '%E0%A4%A', '%c0%ae', '%00', encode('😀')]));
      const query = Array.from({ length: Math.floor(r() * 5) }, () => `${pick(r, params)}=${r() < 0.5 ? encode(pick(r, values)) : pick(r, ['%', '%zz', '&', '=', '+', '%2B'])}`).join('&');
      const target = `${path.startsWith('/') ? path : `/${path}`}${query ? `?${query}` : ''}`;
      // The stream never ends by itself: it is only opened (status checked) and closed.
      const ac = new AbortController();
      const res = await fetch(`${server.url}${target}`, { signal: ac.signal }).catch((e: unknown) => {
        throw new Error(`case ${i} ${target}: ${(e as Error).message}`);
      });
      if (res.status >= 500) throw new Error(`seed 19005 case ${i}: GET ${target} answered ${res.status} ${(await res.text()).slice(0, 300)}`);
      if (res.headers.get('content-type')?.startsWith('text/event-stream')) ac.abort();
      else await res.arrayBuffer();
    }
    expect((await fetch(`${server.url}/api/health`)).status).toBe(200);
  }, 600_000);
});
