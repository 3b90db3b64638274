/** The runs table as CSV (issue #17): every matching execution, not a page; the table's columns; streamed from the store. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../src/server/index.js';
import { postJson } from './helpers/server.js';

let server: RunningServer;
const T0 = Date.now() - 3_600_000;
const N = 1203;

beforeAll(async () => {
  server = await startServer({ port: 0, db: ':memory:' });
  const executions = Array.from({ length: N }, (_, i) => ({
    id: `r${i}`,
    start: { name: i === 7 ? 'say "hi", twice' : `run ${i}`, labels: { model: i % 3 === 0 ? 'vit' : 'r50', ...(i % 2 === 0 && { lr: '0.1' }) }, startedAt: T0 + i * 1000 },
    summary: [{ key: 'acc', value: i / N, mode: 'replace' as const }, ...(i === 9 ? [{ key: 'timing.inference', value: 0.25, mode: 'replace' as const }] : [])],
    end: { status: 'succeeded' as const, endedAt: T0 + i * 1000 + 1500 },
  }));
  for (let i = 0; i < N; i += 400) expect((await postJson(`${server.url}/api/ingest`, { executions: executions.slice(i, i + 400) })).status).toBe(200);
});
afterAll(async () => {
  await server.close();
});

const csv = async (q: string) => {
  const res = await fetch(`${server.url}/api/executions.csv?${q}`);
  return { status: res.status, type: res.headers.get('content-type'), disposition: res.headers.get('content-disposition'), text: await res.text() };
};

describe('runs CSV', () => {
  it('has every matching run (past any page size) with the table\'s columns, in the list\'s sort', async () => {
    const r = await csv('label=model:vit&sort=-summary.acc&col=label:lr&col=summary:acc&col=summary:timing.inference');
    expect(r.status).toBe(200);
    expect(r.type).toMatch(/^text\/csv/);
    // Named after the filter (not the sort or the columns).
    expect(r.disposition).toBe('attachment; filename="runs-model_vit.csv"');
    const lines = r.text.trimEnd().split('\n');
    expect(lines[0]).toBe('id,name,status,labels,started,duration_s,metrics,label:lr,summary:acc,summary:timing.inference');
    const vit = Array.from({ length: N }, (_, i) => i).filter((i) => i % 3 === 0).reverse();
    expect(lines.length - 1).toBe(vit.length);
    // r1200: vit and even, so lr=0.1 too.
    expect(vit[0]).toBe(1200);
    expect(lines[1]).toBe(`r1200,run 1200,succeeded,model=vit;lr=0.1,${new Date(T0 + 1200 * 1000).toISOString()},1.5,0,0.1,${1200 / N},`);
    expect(lines.map((l) => l.split(',')[0]).slice(1)).toEqual(vit.map((i) => `r${i}`));
    // r9 (vit, odd: no lr) has the nested summary value; a comma or quote in a name is quoted.
    expect(lines.find((l) => l.startsWith('r9,'))).toMatch(/,0,,[\d.e-]+,0\.25$/);
  });

  it('quotes names with commas and quotes; without filters it has every run', async () => {
    const lines = (await csv('')).text.trimEnd().split('\n');
    expect(lines.length - 1).toBe(N);
    expect(lines.find((l) => l.startsWith('r7,'))).toContain('"say ""hi"", twice"');
    expect(lines.find((l) => l.startsWith('r8,'))).toContain(',model=r50;lr=0.1,');
  });

  it('refuses a bad column or filter by name before writing anything', async () => {
    for (const [q, path] of [['col=metric:x', 'col'], ['where=summary.acc~1', 'where'], ['status=done', 'status']] as const) {
      const r = await csv(q);
      expect(r.status).toBe(400);
      expect(JSON.parse(r.text)).toMatchObject({ path });
    }
  });
});
