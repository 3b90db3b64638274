import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LIMITS } from '../src/protocol/index.js';
import { startServer, type RunningServer } from '../src/server/index.js';
import { getJson, postJson } from './helpers/server.js';

// The compare export against the real server: runs with different x join on x, every value round-trips, across windows.
const N = 25_000; // more than two export windows (EXPORT_WINDOW_POINTS)
let server: RunningServer;
const trainX = Array.from({ length: N }, (_, i) => i * 0.3); // 0, 0.3, 0.6, … (not exact in binary)
const trainY = trainX.map((x, i) => (i % 997 === 5 ? NaN : Math.sin(x) / 3));
const evalX = Array.from({ length: N / 5 }, (_, i) => i * 1.5); // every fifth train x (as doubles: some differ)
const evalY = evalX.map((x) => 1 / (x + 7));
const wire = (y: number) => (Number.isNaN(y) ? 'NaN' : y);

beforeAll(async () => {
  server = await startServer({ port: 0, db: ':memory:' });
  const ack = await postJson(`${server.url}/api/ingest`, {
    executions: [
      { id: 'cmp-1', start: { name: 'train' }, points: [{ key: 'loss', x: trainX, y: trainY.map(wire) }, { key: 'acc', x: [0, 1], y: [0.5, 0.75] }] },
      { id: 'cmp-2', start: { name: 'eval' }, points: [{ key: 'loss', x: evalX, y: evalY }] },
      { id: 'cmp-3', start: { name: 'train' }, points: [{ key: 'loss', x: [0.25, 2], y: [4, -0.5] }] },
    ],
  });
  expect(ack.status).toBe(200);
}, 120_000);
afterAll(() => server.close());

const exportUrl = (query: string) => `${server.url}/api/compare/export?${query}`;

/** The CSV's cells: header, then rows of numbers (empty cell: undefined). */
async function csv(query: string): Promise<{ header: string[]; rows: Array<Array<number | undefined>>; disposition: string | null }> {
  const res = await fetch(exportUrl(query));
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
  const lines = (await res.text()).split('\n');
  expect(lines.at(-1)).toBe('');
  return {
    header: lines[0]!.split(','),
    rows: lines.slice(1, -1).map((l) => l.split(',').map((c) => (c === '' ? undefined : Number(c)))),
    disposition: res.headers.get('content-disposition'),
  };
}

describe('GET /api/compare/export', () => {
  it('joins two runs with different x on x: header names run · key, every row and value round-trips', async () => {
    const { header, rows, disposition } = await csv('ids=cmp-1,cmp-2&key=loss&name=Training');
    expect(header).toEqual(['x', 'train · loss', 'eval · loss']);
    expect(disposition).toBe('attachment; filename="compare-Training.csv"');
    const want = new Map<number, [number | undefined, number | undefined]>();
    trainX.forEach((x, i) => want.set(x, [trainY[i], undefined]));
    evalX.forEach((x, i) => want.set(x, [want.get(x)?.[0], evalY[i]]));
    const xs = [...want.keys()].sort((a, b) => a - b);
    expect(rows.map((r) => r[0])).toEqual(xs);
    let mismatches = 0;
    for (let r = 0; r < rows.length; r++) {
      const [a, b] = want.get(xs[r]!)!;
      if (!Object.is(rows[r]![1], a) || !Object.is(rows[r]![2], b)) mismatches++;
    }
    expect(mismatches).toBe(0);
  }, 60_000);

  it('keeps only x in [from, to] and several keys per run (a missing series is an empty column)', async () => {
    const { header, rows } = await csv('ids=cmp-2,cmp-1&key=acc&key=loss&from=0&to=1.5');
    expect(header).toEqual(['x', 'eval · acc', 'eval · loss', 'train · acc', 'train · loss']);
    const inRange = [...new Set([...trainX, ...evalX, 0, 1].filter((x) => x >= 0 && x <= 1.5))].sort((a, b) => a - b);
    expect(rows.map((r) => r[0])).toEqual(inRange);
    expect(rows[0]).toEqual([0, undefined, evalY[0], 0.5, trainY[0]]);
    expect(rows.find((r) => r[0] === 1)).toEqual([1, undefined, undefined, 0.75, undefined]);
    expect(rows.every((r) => r[1] === undefined)).toBe(true);
  });

  it('names runs that share a name by their id too', async () => {
    const { header, rows } = await csv('ids=cmp-1,cmp-3&key=loss&from=0&to=0.3');
    expect(header).toEqual(['x', 'train (cmp-1) · loss', 'train (cmp-3) · loss']);
    expect(rows).toEqual([[0, trainY[0], undefined], [0.25, undefined, 4], [trainX[1], trainY[1], undefined]]);
  });

  it('names runs by the labels the studio shows and leaves out hidden run × key series (CSV and JSON alike)', async () => {
    const q = 'ids=cmp-1,cmp-3&key=loss&key=acc&from=0&to=1&label=cmp-1:train (lr=0.1)&label=cmp-3:train · b&hide=cmp-3:acc';
    const { header, rows } = await csv(q.replace(/ /g, '%20'));
    expect(header).toEqual(['x', 'train (lr=0.1) · loss', 'train (lr=0.1) · acc', 'train · b · loss']);
    expect(rows[0]).toEqual([0, trainY[0], 0.5, undefined]);
    expect(rows.find((r) => r[0] === 0.25)).toEqual([0.25, undefined, undefined, 4]);
    const res = await fetch(exportUrl(`${q}&format=json&hide=cmp-1:loss`));
    expect(res.status).toBe(200);
    const body = (await res.json()) as { series: Array<{ key: string; points: Array<[number, number]> }> };
    expect(body.series).toEqual([{ key: 'train (lr=0.1) · acc', points: [[0, 0.5], [1, 0.75]] }, { key: 'train · b · loss', points: [[0.25, 4]] }]);
  });

  it('names a summary value drawn over time by its path, as the legend does (acc, not @summary.acc); JSON alike', async () => {
    const ack = await postJson(`${server.url}/api/ingest`, {
      executions: ['sum-1', 'sum-2'].map((id, i) => ({
        id, start: { name: `summary ${id}` },
        summary: [{ key: 'acc', value: 0.5 + i / 10, mode: 'replace' }, { key: 'timing.inference', value: 2, mode: 'replace' }],
      })),
    });
    expect(ack.status).toBe(200);
    await postJson(`${server.url}/api/ingest`, { executions: [{ id: 'sum-1', summary: [{ key: 'acc', value: 0.9, mode: 'replace' }] }] });
    const { header, rows } = await csv('ids=sum-1,sum-2&key=@summary.acc&key=@summary.timing.inference');
    expect(header).toEqual(['x', 'summary sum-1 · acc', 'summary sum-1 · timing.inference', 'summary sum-2 · acc', 'summary sum-2 · timing.inference']);
    expect(rows.length).toBeGreaterThan(0);
    const res = await fetch(exportUrl('ids=sum-1&key=@summary.acc&format=json'));
    expect(((await res.json()) as { series: Array<{ key: string }> }).series.map((s) => s.key)).toEqual(['summary sum-1 · acc']);
    // Asked beside a metric of the same name, the summary value keeps its full key: no two columns read alike.
    const both = await csv('ids=sum-1&key=acc&key=@summary.acc');
    expect(both.header).toEqual(['x', 'summary sum-1 · acc', 'summary sum-1 · @summary.acc']);
  });

  it('gives JSON series named like the CSV columns, every point with non-finite values as wire strings', async () => {
    const res = await fetch(exportUrl('ids=cmp-1,cmp-2&key=loss&format=json&name=Training'));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="compare-Training.json"');
    const body = (await res.json()) as { series: Array<{ key: string; points: Array<[number, number | string]> }> };
    expect(body.series.map((s) => s.key)).toEqual(['train · loss', 'eval · loss']);
    expect(body.series[0]!.points.map((p) => p[0])).toEqual(trainX);
    expect(body.series[0]!.points.map((p) => (p[1] === 'NaN' ? NaN : p[1]))).toEqual(trainY);
    expect(body.series[1]!.points).toEqual(evalX.map((x, i) => [x, evalY[i]]));
  }, 60_000);

  it('names the parameter at fault', async () => {
    const cases: Array<[string, number, string]> = [
      ['key=loss', 400, 'ids'],
      ['ids=cmp-1', 400, 'key'],
      ['ids=cmp-1&key=loss&format=xml', 400, 'format'],
      ['ids=cmp-1&key=loss&from=2&to=1', 400, 'to'],
      ['ids=cmp-1&key=loss&from=abc', 400, 'from'],
      ['ids=cmp-1,nope&key=loss', 404, 'ids'],
      ['ids=cmp-1&key=loss&label=cmp-2:x', 400, 'label'],
      ['ids=cmp-1&key=loss&label=cmp-1:', 400, 'label'],
      ['ids=cmp-1&key=loss&label=cmp-1:a&label=cmp-1:b', 400, 'label'],
      [`ids=cmp-1&key=loss&label=cmp-1:${'x'.repeat(LIMITS.maxNameLength + 1)}`, 400, 'label'],
      ['ids=cmp-1&key=loss&label=cmp-1:a%0Ab', 400, 'label'],
      ['ids=cmp-1&key=loss&hide=cmp-1:loss', 400, 'hide'],
      ['ids=cmp-1&key=loss&hide=nope:loss', 400, 'hide'],
      [`ids=cmp-1,cmp-2&${Array.from({ length: LIMITS.maxKeysPerRead / 2 + 1 }, (_, i) => `key=k${i}`).join('&')}`, 400, 'key'],
    ];
    for (const [query, status, field] of cases) {
      const res = await getJson(exportUrl(query));
      expect({ query, status: res.status }).toEqual({ query, status });
      expect(JSON.stringify(res.json)).toContain(field);
    }
    const res = await getJson(exportUrl('ids=cmp-1,nope&key=loss'));
    expect(JSON.stringify(res.json)).toContain('nope');
  });
});
