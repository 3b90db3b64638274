import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compareWhere, parseLabelFilter, parseSort, parseWhere, type Execution } from '../src/protocol/index.js';
import { startServer, type RunningServer } from '../src/server/index.js';
import { getJson, postJson } from './helpers/server.js';

/**
 * The executions list as a server-side query: sort / label / where / q / status over 2,000 generated executions,
 * paged through and compared with the same query computed here from the executions as listed unfiltered.
 */

let server: RunningServer;
const N = 2000;
const NAMES = ['train-resnet50', 'train-vit', 'eval', 'Sweep-A', 'sweep-b', 'finetune', 'résumé-run'];
const MODELS = ['r18', 'r50', 'vit'];
const LRS = ['0.1', '0.01', '0.001'];
const T0 = Date.now() - 30 * 86_400_000;

/** A small deterministic generator: the same executions every run. */
function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function generated(i: number, r: () => number) {
  const labels: Record<string, string> = {};
  if (r() < 0.9) labels.model = MODELS[Math.floor(r() * 3)]!;
  if (r() < 0.7) labels.lr = LRS[Math.floor(r() * 3)]!;
  if (r() < 0.05) labels.note = '';
  const summary: { key: string; value: unknown; mode: 'replace' }[] = [];
  const acc = r();
  if (acc < 0.85) summary.push({ key: 'acc', value: Math.round(acc * 1000) / 10, mode: 'replace' });
  else if (acc < 0.9) summary.push({ key: 'acc', value: 'n/a', mode: 'replace' });
  if (r() < 0.6) summary.push({ key: 'timing.inference', value: Math.round(r() * 5000) / 1000, mode: 'replace' });
  // Coarse start times so that many executions tie on startedAt (and on acc): the id must break ties.
  const startedAt = T0 + Math.floor(r() * 400) * 60_000;
  const fate = r();
  const end = fate < 0.6 ? { status: 'succeeded', endedAt: startedAt + Math.floor(r() * 100) * 1000 }
    : fate < 0.8 ? { status: 'failed', endedAt: startedAt + Math.floor(r() * 100) * 1000, error: `boom ${i}` } : undefined;
  return {
    id: `gen-${String(i).padStart(4, '0')}-${Math.floor(r() * 1e6).toString(36)}`,
    start: { name: NAMES[Math.floor(r() * NAMES.length)]!, labels, startedAt },
    ...(summary.length > 0 && { summary }),
    ...(end && { end }),
  };
}

async function ingest(executions: unknown[]): Promise<void> {
  const res = await postJson(`${server.url}/api/ingest`, { executions });
  expect(res.status, JSON.stringify(res.json)).toBe(200);
}

async function list(params: string): Promise<{ status: number; json: any }> {
  return getJson(`${server.url}/api/executions?${params}`);
}

/** Every page of a query, concatenated. */
async function pageThrough(params: URLSearchParams, limit: number, between?: (page: number) => Promise<void>): Promise<Execution[]> {
  const out: Execution[] = [];
  let cursor: string | null = null;
  let page = 0;
  do {
    const p = new URLSearchParams(params);
    p.set('limit', String(limit));
    if (cursor) p.set('cursor', cursor);
    const res = await list(p.toString());
    expect(res.status, JSON.stringify(res.json)).toBe(200);
    out.push(...res.json.executions);
    cursor = res.json.nextCursor;
    await between?.(++page);
  } while (cursor);
  return out;
}

let all: Execution[] = [];

beforeAll(async () => {
  server = await startServer({ port: 0, db: ':memory:' });
  const r = rng(16);
  const gen = Array.from({ length: N }, (_, i) => generated(i, r));
  for (let i = 0; i < N; i += 500) await ingest(gen.slice(i, i + 500));
  all = await pageThrough(new URLSearchParams(), 1000);
  expect(all).toHaveLength(N);
}, 60_000);
afterAll(() => server.close());

// ---- The same query, computed here ---------------------------------------------------------------------------------

const byId = (a: Execution, b: Execution) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

function numberAt(e: Execution, path: string): number | undefined {
  let v: unknown = e.summary;
  for (const seg of path.split('.')) v = v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>)[seg] : undefined;
  return typeof v === 'number' ? v : undefined;
}

function reference(params: URLSearchParams): string[] {
  const status = params.get('status')?.split(',');
  const q = params.get('q')?.toLowerCase();
  const labels = params.getAll('label').map(parseLabelFilter);
  const where = params.getAll('where').map(parseWhere);
  const sort = parseSort(params.get('sort') ?? '-startedAt');
  const rows = all.filter((e) =>
    (!status || status.includes(e.status))
    && (!q || e.name.toLowerCase().includes(q))
    && labels.every((l) => e.labels[l.key] === l.value)
    && where.every((w) => {
      const v = numberAt(e, w.path);
      return v !== undefined && compareWhere(v, w.op, w.value);
    }));
  const dir = sort.desc ? -1 : 1;
  const newest = (a: Execution, b: Execution) => b.startedAt - a.startedAt || -byId(a, b);
  const key = (e: Execution): number | string | undefined => {
    switch (sort.field) {
      case 'name': return e.name.toLowerCase();
      case 'startedAt': return e.startedAt;
      case 'duration': return (e.endedAt ?? e.lastSeenAt) - e.startedAt;
      case 'summary': return numberAt(e, sort.path!);
      case 'label': return e.labels[sort.path!];
    }
  };
  return rows.sort((a, b) => {
    const ka = key(a);
    const kb = key(b);
    // Executions without a number at a summary path (without the label) come last, newest first, in both directions.
    if (ka === undefined || kb === undefined) return ka === kb ? newest(a, b) : ka === undefined ? 1 : -1;
    return dir * ((ka < kb ? -1 : ka > kb ? 1 : 0) || byId(a, b));
  }).map((e) => e.id);
}

// ---- Tests -----------------------------------------------------------------------------------------------------------

const SORTS = [null, '-startedAt', 'startedAt', 'name', '-name', 'duration', '-duration', 'summary.acc', '-summary.acc', '-summary.timing.inference', 'label.lr', '-label.model'];
const FILTERS = [
  '',
  'status=failed',
  'q=TRAIN',
  'label=model:r50',
  'label=model:r50&label=lr:0.01',
  'label=note:',
  'where=summary.acc>=50',
  'where=summary.acc<30&where=summary.timing.inference>1',
  // `=` on a value some execution has (several do: acc has one decimal).
  'where=summary.acc=EXISTING',
  'status=succeeded,failed&q=sweep&label=model:vit&where=summary.acc>10',
];

describe('GET /api/executions as a query over 2,000 executions', () => {
  it('the generated data has ties, missing values and non-numbers to get right', () => {
    expect(new Set(all.map((e) => e.startedAt)).size).toBeLessThan(N / 3);
    expect(all.filter((e) => typeof e.summary.acc === 'string').length).toBeGreaterThan(20);
    expect(all.filter((e) => e.summary.acc === undefined).length).toBeGreaterThan(100);
    expect(all.filter((e) => e.status === 'running').length).toBeGreaterThan(100);
  });

  for (let filter of FILTERS) {
    it(`filter "${filter || 'none'}": every sort, paged, equals the query computed in the test`, async () => {
      const existing = all.map((e) => e.summary.acc).find((v) => typeof v === 'number' && all.filter((o) => o.summary.acc === v).length > 1);
      filter = filter.replace('EXISTING', String(existing));
      for (const sort of SORTS) {
        const params = new URLSearchParams(filter);
        if (sort) params.set('sort', sort);
        const expected = reference(params);
        const got = (await pageThrough(params, 97)).map((e) => e.id);
        expect(got, `${params}`).toEqual(expected);
      }
      const params = new URLSearchParams(filter);
      expect(reference(params).length, 'each filter matches something').toBeGreaterThan(0);
    }, 60_000);
  }

  it('paging is stable while executions are inserted between pages: no duplicate, no skipped row', async () => {
    const params = new URLSearchParams('sort=-summary.acc');
    const expected = reference(params);
    let n = 0;
    const got = await pageThrough(params, 50, async () => {
      // New runs land everywhere in the order: above, inside and below the page just read.
      await ingest([0, 25, 50, 99].map((acc) => ({
        id: `late-${n++}`, start: { name: 'late', startedAt: T0 + 100 * 60_000 }, summary: [{ key: 'acc', value: acc, mode: 'replace' }],
      })));
    });
    const ids = got.map((e) => e.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.filter((id) => !id.startsWith('late-'))).toEqual(expected);
  }, 60_000);

  it('refuses bad parameters naming the parameter and the rule', async () => {
    const cases: [string, string, RegExp][] = [
      ['sort=bogus', 'sort', /must be one of name, startedAt, duration, summary.<path> or label.<key>/],
      ['sort=label.', 'sort', /label.<key> needs a key/],
      ['sort=summary.', 'sort', /summary path/],
      ['where=summary.acc~3', 'where', /summary.<path><op><number>/],
      ['where=summary.acc>abc', 'where', /finite number/],
      ['where=acc>3', 'where', /summary.<path><op><number>/],
      ['label=model', 'label', /key:value/],
      ['limit=0', 'limit', /from 1 to 1000/],
      ['status=done', 'status', /one of running/],
    ];
    for (const [q, path, rule] of cases) {
      const res = await list(q);
      expect(res.status, q).toBe(400);
      expect(res.json.path, q).toBe(path);
      expect(res.json.error, q).toMatch(rule);
    }
    const first = await list('sort=name&limit=5');
    const other = await list(`sort=-name&limit=5&cursor=${first.json.nextCursor}`);
    expect(other.status).toBe(400);
    expect(other.json.error).toMatch(/cursor: was made for sort "name"/);
  });

  it('lists label keys with values and numeric summary paths for the column menu', async () => {
    const { json } = await getJson(`${server.url}/api/execution-fields`);
    expect(json.labels.map((l: { key: string }) => l.key)).toEqual(['lr', 'model', 'note']);
    expect(json.labels.find((l: { key: string }) => l.key === 'model').values.sort()).toEqual(MODELS);
    expect(json.summary).toEqual(expect.arrayContaining(['acc', 'predict_time', 'timing.inference']));
  });
});
