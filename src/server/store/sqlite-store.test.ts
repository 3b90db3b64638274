import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ValidationError, type ExecutionUpdate, type IngestBatch, type StreamEvent, type WireNumber } from '../../protocol/index.js';
import { M4, bucketsForBudget } from '../../protocol/downsample.js';
import { openStore, type Store } from './index.js';
import { toWireEvent } from '../hub-event.js';

const T0 = 1_700_000_000_000;

function expectRejected(store: Store, batch: IngestBatch, status: number, path: string, rule: RegExp): void {
  let error: unknown;
  try {
    store.applyBatch(batch, T0 + 50_000);
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(ValidationError);
  const v = error as ValidationError;
  expect({ status: v.status, path: v.path }).toEqual({ status, path });
  expect(v.rule).toMatch(rule);
}

/** Everything readable, to prove a rejected batch stored nothing. */
function snapshot(store: Store): unknown {
  return store.listExecutions({ limit: 1000 }).executions.map((e) => {
    const detail = store.getExecution(e.id)!;
    return { detail, data: store.readSeries(e.id, detail.series.map((s) => s.key), {}) };
  });
}

const start = (id: string, extra: Omit<ExecutionUpdate, 'id' | 'start'> = {}, name = 'train'): IngestBatch =>
  ({ executions: [{ id, start: { name }, ...extra }] });

for (const kind of ['memory', 'file'] as const) {
  describe(`store (${kind})`, () => {
    let dir: string;
    let store: Store;
    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), 'plotline-store-test-'));
      store = openStore(kind === 'memory' ? ':memory:' : join(dir, 'nested', 'dir', 'plotline.db'), { backgroundCompaction: false });
    });
    afterEach(() => {
      store.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it('starts an execution, stores points with NaN/±Infinity kept, and describes it', () => {
      const result = store.applyBatch({
        batchId: 'b1',
        executions: [{
          id: 'run-1', start: { name: 'Train', labels: { model: 'resnet' } },
          definitions: [{ key: 'loss', group: { name: 'training' } }],
          points: [{ key: 'loss', x: [1, 2, 3], y: [0.9, 'NaN', 'Infinity'] }, { key: 'lr', x: [1], y: ['-Infinity'] }],
        }],
      }, T0);
      expect(result).toMatchObject({ duplicate: false, points: 4 });
      const detail = store.getExecution('run-1')!;
      expect(detail.execution).toEqual({
        id: 'run-1', name: 'Train', labels: { model: 'resnet' }, status: 'running', startedAt: T0, endedAt: null, lastSeenAt: T0,
        error: null, metricCount: 2, summary: {},
      });
      expect(detail.definitions).toEqual([{ key: 'loss', group: { name: 'training' } }]);
      expect(detail.series).toEqual([
        { key: 'loss', count: 3, minX: 1, maxX: 3, lastY: 'Infinity' },
        { key: 'lr', count: 1, minX: 1, maxX: 1, lastY: '-Infinity' },
      ]);
      expect(store.readSeries('run-1', ['loss', 'lr', 'missing'], {})).toEqual([
        { key: 'loss', total: 3, downsampled: false, x: [1, 2, 3], y: [0.9, 'NaN', 'Infinity'] },
        { key: 'lr', total: 1, downsampled: false, x: [1], y: ['-Infinity'] },
        { key: 'missing', total: 0, downsampled: false, x: [], y: [] },
      ]);
      expect(store.getExecution('nope')).toBeNull();
    });

    it('emits execution, new definitions, points and summary events', () => {
      store.applyBatch(start('run-1', { definitions: [{ key: 'a' }] }), T0);
      const { events } = store.applyBatch({
        executions: [{
          id: 'run-1', definitions: [{ key: 'a' }, { key: 'b' }], points: [{ key: 'b', x: [1], y: [2] }],
          summary: [{ key: 'acc', value: 0.5, mode: 'replace', x: 3 }],
        }],
      }, T0 + 1000);
      expect(events.map((e) => e.type)).toEqual(['execution', 'definitions', 'points', 'summary']);
      const [execution, definitions, points, summary] = events.map(toWireEvent) as [
        Extract<StreamEvent, { type: 'execution' }>, Extract<StreamEvent, { type: 'definitions' }>,
        Extract<StreamEvent, { type: 'points' }>, Extract<StreamEvent, { type: 'summary' }>];
      expect(execution.execution).toMatchObject({ id: 'run-1', lastSeenAt: T0 + 1000, metricCount: 2, summary: { acc: 0.5 } });
      expect(definitions.definitions).toEqual([{ key: 'b' }]);
      expect(points.series).toEqual([{ key: 'b', x: [1], y: [2] }, { key: '@summary.acc', x: [3], y: [0.5] }]);
      expect(summary.summary).toEqual({ acc: 0.5 });
      // A heartbeat changes no summary: no summary event.
      expect(store.applyBatch({ executions: [{ id: 'run-1' }] }, T0 + 2000).events.map((e) => e.type)).toEqual(['execution']);
    });

    it('refuses data for an unknown execution with 404', () => {
      expectRejected(store, { executions: [{ id: 'ghost', points: [{ key: 'a', x: [1], y: [1] }] }] }, 404, 'executions[0].id', /unknown execution "ghost"/);
    });

    it('treats a re-start with the same name as a no-op and with another name as a 409', () => {
      store.applyBatch(start('run-1', { points: [{ key: 'a', x: [1], y: [1] }] }), T0);
      store.applyBatch(start('run-1', {}, 'train'), T0 + 5);
      expect(store.getExecution('run-1')!.execution).toMatchObject({ name: 'train', startedAt: T0, lastSeenAt: T0 + 5 });
      expectRejected(store, start('run-1', {}, 'other'), 409, 'executions[0].start.name', /started as "train".*"other"/);
    });

    it('accepts an identical redefinition and refuses a different one with 409', () => {
      store.applyBatch(start('run-1', { definitions: [{ key: 'loss', scale: { name: 'l', lower: 0 } }] }), T0);
      const same = store.applyBatch({ executions: [{ id: 'run-1', definitions: [{ scale: { lower: 0, name: 'l' }, key: 'loss' }] }] }, T0);
      expect(same.events.map((e) => e.type)).toEqual(['execution']);
      expectRejected(store, { executions: [{ id: 'run-1', definitions: [{ key: 'ok' }, { key: 'loss', group: { name: 'g' } }] }] },
        409, 'executions[0].definitions[1]', /"loss" is already defined differently/);
      expect(store.getExecution('run-1')!.definitions.map((d) => d.key)).toEqual(['loss']);
    });

    it('refuses x not above the last stored x, naming the point', () => {
      store.applyBatch(start('run-1', { points: [{ key: 'a', x: [1, 5], y: [1, 2] }] }), T0);
      expectRejected(store, { executions: [{ id: 'run-1', points: [{ key: 'b', x: [1], y: [1] }, { key: 'a', x: [3, 6], y: [1, 1] }] }] },
        400, 'executions[0].points[1].x[0]', /^x must increase: 3 is not greater than the last stored x 5$/);
      expectRejected(store, { executions: [{ id: 'run-1', points: [{ key: 'a', x: [5], y: [1] }] }] }, 400, 'executions[0].points[0].x[0]', /5 is not greater/);
      store.applyBatch({ executions: [{ id: 'run-1', points: [{ key: 'a', x: [5.5], y: [1] }] }] }, T0);
      expect(store.readSeries('run-1', ['a', 'b'], {}).map((s) => s.x)).toEqual([[1, 5, 5.5], []]);
    });

    it('rejects a batch whole: a valid neighbour, points and the batch id are not stored', () => {
      store.applyBatch(start('run-1', { points: [{ key: 'a', x: [1], y: [1] }] }), T0);
      const before = snapshot(store);
      const bad: IngestBatch = {
        batchId: 'bad-1',
        executions: [
          { id: 'new-one', start: { name: 'n' }, definitions: [{ key: 'z' }], points: [{ key: 'z', x: [1], y: [1] }] },
          { id: 'run-1', points: [{ key: 'a', x: [2], y: [2] }], summary: [{ key: 'n', value: 1, mode: 'replace' }, { key: 'n', value: 'text', mode: 'replace' }] },
        ],
      };
      expectRejected(store, bad, 400, 'executions[1].summary[1]', /summary key "n": type is int and cannot change to string/);
      expect(snapshot(store)).toEqual(before);
      // The id of a rejected batch is not remembered: the fixed retry is stored.
      bad.executions[1]!.summary!.pop();
      expect(store.applyBatch(bad, T0 + 1)).toMatchObject({ duplicate: false, points: 2 });
      expect(store.getExecution('new-one')).not.toBeNull();
      expect(store.getExecution('run-1')!.execution.summary).toEqual({ n: 1 });
    });

    it('stores a retried batch id once and acknowledges it as the first time', () => {
      store.applyBatch(start('run-1'), T0);
      const batch: IngestBatch = { batchId: 'retry', executions: [{ id: 'run-1', points: [{ key: 'a', x: [1, 2], y: [1, 2] }] }] };
      expect(store.applyBatch(batch, T0)).toMatchObject({ duplicate: false, points: 2 });
      expect(store.applyBatch(batch, T0 + 1)).toEqual({ duplicate: true, points: 2, events: [] });
      expect(store.readSeries('run-1', ['a'], {})[0]!.x).toEqual([1, 2]);
      expect(store.getExecution('run-1')!.execution.lastSeenAt).toBe(T0);
    });

    it('forgets batch ids after an hour (checked every 1000 batches)', () => {
      store.applyBatch({ batchId: 'old', ...start('run-1') }, T0);
      for (let i = 0; i < 999; i++) store.applyBatch({ executions: [{ id: 'run-1' }] }, T0 + 2 * 3600_000);
      expect(store.applyBatch({ batchId: 'old', executions: [{ id: 'run-1' }] }, T0 + 2 * 3600_000).duplicate).toBe(false);
    });

    it('ends an execution: defaults endedAt to now, adds predict_time over a user value, then refuses data with 409', () => {
      store.applyBatch(start('run-1', { summary: [{ key: 'predict_time', value: 99, mode: 'replace' }] }), T0);
      const { events } = store.applyBatch({ executions: [{ id: 'run-1', end: { status: 'failed', error: 'boom' } }] }, T0 + 1234);
      expect(store.getExecution('run-1')!.execution).toMatchObject({
        status: 'failed', endedAt: T0 + 1234, error: 'boom', summary: { predict_time: 1.234 },
      });
      expect(events.map((e) => e.type)).toEqual(['execution', 'summary']);
      for (const u of [
        { points: [{ key: 'a', x: [1], y: [1] }] }, { definitions: [{ key: 'a' }] }, { summary: [{ key: 'k', value: 1, mode: 'replace' as const }] },
      ]) {
        expectRejected(store, { executions: [{ id: 'run-1', ...u }] }, 409, 'executions[0]', /execution has ended \(failed\)/);
      }
      // Ending again the same way is a no-op; another way is a conflict.
      store.applyBatch({ executions: [{ id: 'run-1', end: { status: 'failed' } }] }, T0 + 5000);
      expect(store.getExecution('run-1')!.execution).toMatchObject({ endedAt: T0 + 1234, error: 'boom' });
      expectRejected(store, { executions: [{ id: 'run-1', end: { status: 'succeeded' } }] }, 409, 'executions[0].end.status', /ended as failed/);
    });

    it('uses start.startedAt and end.endedAt when given', () => {
      store.applyBatch({ executions: [{ id: 'r', start: { name: 'r', startedAt: T0 - 10_000 }, end: { status: 'succeeded', endedAt: T0 - 7_500 } }] }, T0);
      expect(store.getExecution('r')!.execution).toMatchObject({ startedAt: T0 - 10_000, endedAt: T0 - 7_500, summary: { predict_time: 2.5 } });
    });

    it('marks silent running executions lost, and brings them back to running when data arrives', () => {
      store.applyBatch(start('quiet'), T0);
      store.applyBatch(start('chatty'), T0 + 10_000);
      store.applyBatch({ executions: [{ id: 'done', start: { name: 'd' }, end: { status: 'succeeded' } }] }, T0);
      const lost = store.markLost(T0 + 5000);
      expect(lost.map((e) => [e.id, e.status])).toEqual([['quiet', 'lost']]);
      expect(store.markLost(T0 + 5000)).toEqual([]);
      expect(store.getExecution('quiet')!.execution.status).toBe('lost');
      const { events } = store.applyBatch({ executions: [{ id: 'quiet', points: [{ key: 'a', x: [1], y: [1] }] }] }, T0 + 20_000);
      expect(events[0]).toMatchObject({ type: 'execution', execution: { status: 'running', lastSeenAt: T0 + 20_000 } });
      store.markLost(T0 + 30_000);
      store.applyBatch({ executions: [{ id: 'quiet', end: { status: 'succeeded' } }] }, T0 + 40_000);
      expect(store.getExecution('quiet')!.execution.status).toBe('succeeded');
    });

    it('applies summary ops with Cog rules and draws numeric ones as @summary series', () => {
      store.applyBatch(start('run-1'), T0);
      store.applyBatch({
        executions: [{
          id: 'run-1', summary: [
            { key: 'count', value: 1, mode: 'incr' }, { key: 'count', value: 2, mode: 'incr' },
            { key: 'timing.inference', value: 0.25, mode: 'replace', x: 10 }, { key: 'tags', value: 'a', mode: 'append' },
          ],
        }],
      }, T0 + 4000);
      store.applyBatch({ executions: [{ id: 'run-1', summary: [{ key: 'timing.inference', value: 0.5, mode: 'replace', x: 2 }] }] }, T0 + 5000);
      const detail = store.getExecution('run-1')!;
      expect(detail.execution.summary).toEqual({ count: 3, timing: { inference: 0.5 }, tags: ['a'] });
      expect(detail.execution.metricCount).toBe(0);
      // Both incr ops land at x = 4 s; the second is nudged just above. x = 2 after 10 is nudged too.
      const [count, inference] = store.readSeries('run-1', ['@summary.count', '@summary.timing.inference'], {});
      expect(count).toMatchObject({ x: [4, 4 + 1e-6], y: [1, 3] });
      expect(inference).toMatchObject({ x: [10, 10 + 1e-6], y: [0.25, 0.5] });
      expect(detail.series.map((s) => s.key)).toEqual(['@summary.count', '@summary.timing.inference']);
      expectRejected(store, { executions: [{ id: 'run-1', summary: [{ key: 'tags', value: 1, mode: 'incr' }] }] }, 400, 'executions[0].summary[0]', /incr/);
    });

    it('counts defined metrics and undefined series with points', () => {
      store.applyBatch(start('run-1', { definitions: [{ key: 'a' }, { key: 'b' }], points: [{ key: 'b', x: [1], y: [1] }, { key: 'c', x: [1], y: [1] }] }), T0);
      expect(store.getExecution('run-1')!.execution.metricCount).toBe(3);
    });

    it('lists newest first, filters by status and name, and pages with a cursor', () => {
      const names = ['Alpha', 'beta', 'ALPHABET', 'gamma', 'alpha-2'];
      names.forEach((name, i) => store.applyBatch({ executions: [{ id: `e${i}`, start: { name, startedAt: T0 + (i % 3) * 1000 } }] }, T0));
      store.applyBatch({ executions: [{ id: 'e1', end: { status: 'succeeded' } }] }, T0);
      const ids = (q: Parameters<Store['listExecutions']>[0]) => store.listExecutions(q).executions.map((e) => e.id);
      // startedAt: e0 0, e1 1000, e2 2000, e3 0, e4 1000 → by startedAt desc, id desc.
      expect(ids({ limit: 10 })).toEqual(['e2', 'e4', 'e1', 'e3', 'e0']);
      expect(ids({ limit: 10, q: 'alpha' })).toEqual(['e2', 'e4', 'e0']);
      expect(ids({ limit: 10, status: ['succeeded'] })).toEqual(['e1']);
      expect(ids({ limit: 10, status: ['running', 'lost'], q: 'ALPHA' })).toEqual(['e2', 'e4', 'e0']);
      const pages: string[][] = [];
      let cursor: string | undefined;
      do {
        const page = store.listExecutions({ limit: 2, ...(cursor && { cursor }) });
        pages.push(page.executions.map((e) => e.id));
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      expect(pages).toEqual([['e2', 'e4'], ['e1', 'e3'], ['e0']]);
      expect(() => store.listExecutions({ limit: 2, cursor: 'garbage' })).toThrow(/cursor: must be the nextCursor/);
    });

    it('reads a range exactly when it fits the budget', () => {
      const x = Array.from({ length: 1000 }, (_, i) => i);
      store.applyBatch(start('run-1', { points: [{ key: 'a', x, y: x.map((v) => v * 2) }] }), T0);
      const [r] = store.readSeries('run-1', ['a'], { from: 100.5, to: 199, budget: 1000 });
      expect(r).toMatchObject({ total: 99, downsampled: false });
      expect(r!.x).toEqual(x.slice(101, 200));
      expect(r!.y).toEqual(x.slice(101, 200).map((v) => v * 2));
      expect(store.readSeries('run-1', ['a'], { from: 5000 })[0]).toMatchObject({ total: 0, x: [] });
      expect(store.readSeries('run-1', ['a'], { from: 10, to: 5 })[0]).toMatchObject({ total: 0, x: [] });
    });

    it('downsamples exactly as M4 over the raw points would, keeping a spike in 1,000,000 points and NaN', () => {
      const n = 1_000_000;
      const xs: number[] = [];
      const ys: number[] = [];
      for (let i = 0; i < n; i++) {
        xs.push(i * 0.001 + (i % 3) * 1e-5);
        ys.push(Math.sin(i / 5000) + (i % 17) * 1e-3);
      }
      ys[654_321] = 1000;
      ys[222_222] = NaN;
      const wire = (v: number): WireNumber => (Number.isNaN(v) ? 'NaN' : v);
      store.applyBatch(start('big'), T0);
      for (let from = 0; from < n; from += 50_000) {
        store.applyBatch({ executions: [{ id: 'big', points: [{ key: 'm', x: xs.slice(from, from + 50_000), y: ys.slice(from, from + 50_000).map(wire) }] }] }, T0);
      }
      const expected = (lo: number, hi: number, budget: number) => {
        const inRange = xs.map((x, i) => i).filter((i) => xs[i]! >= lo && xs[i]! <= hi);
        const m = new M4(xs[inRange[0]!]!, xs[inRange.at(-1)!]!, bucketsForBudget(budget));
        for (const i of inRange) m.add(xs[i]!, ys[i]!);
        const out = m.result();
        return { total: inRange.length, downsampled: true, x: out.x, y: out.y.map(wire) };
      };
      const whole = store.readSeries('big', ['m'], { budget: 1000 })[0]!;
      expect(whole).toEqual({ key: 'm', ...expected(-Infinity, Infinity, 1000) });
      expect(whole.y).toContain(1000);
      expect(whole.y).toContain('NaN');
      expect(whole.x.length).toBeLessThanOrEqual(1001);
      const zoom = store.readSeries('big', ['m'], { from: 222.1234, to: 654.5, budget: 2000 })[0]!;
      expect(zoom).toEqual({ key: 'm', ...expected(222.1234, 654.5, 2000) });
      expect(zoom.y).toContain(1000);
    });

    it('compacts small chunks without changing a point', () => {
      store.applyBatch(start('live'), T0);
      const expectedX: number[] = [];
      const expectedY: WireNumber[] = [];
      for (let b = 0; b < 300; b++) {
        const x = [b * 10 + 0.5, b * 10 + 1.25, b * 10 + 3];
        const y: WireNumber[] = [Math.random(), b % 50 === 0 ? 'NaN' : b, -b / 3];
        expectedX.push(...x);
        expectedY.push(...y);
        store.applyBatch({ executions: [{ id: 'live', points: [{ key: 'k', x, y }] }] }, T0);
      }
      const before = store.readSeries('live', ['k'], {});
      const downsampledBefore = store.readSeries('live', ['k'], { budget: 100 });
      store.compact!();
      expect(store.readSeries('live', ['k'], {})).toEqual(before);
      expect(before[0]).toMatchObject({ total: 900, x: expectedX, y: expectedY });
      expect(store.readSeries('live', ['k'], { budget: 100 })).toEqual(downsampledBefore);
      store.applyBatch({ executions: [{ id: 'live', points: [{ key: 'k', x: [5000], y: [1] }] }] }, T0);
      expect(store.getExecution('live')!.series[0]).toEqual({ key: 'k', count: 901, minX: 0.5, maxX: 5000, lastY: 1 });
    });
  });
}

describe('store on disk', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'plotline-store-disk-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const chunkRows = (path: string) => {
    const db = new Database(path, { readonly: true });
    try {
      return (db.prepare('SELECT COUNT(*) AS n FROM chunks').get() as { n: number }).n;
    } finally {
      db.close();
    }
  };

  it('creates its directory, uses WAL, and keeps everything across close and reopen', () => {
    const path = join(dir, 'a', 'b', 'plotline.db');
    const store = openStore(path, { backgroundCompaction: false });
    store.applyBatch({
      batchId: 'first',
      executions: [{ id: 'r', start: { name: 'r' }, definitions: [{ key: 'a' }], points: [{ key: 'a', x: [1, 2], y: [3, 'NaN'] }], summary: [{ key: 's', value: 'x', mode: 'replace' }] }],
    }, T0);
    store.close();
    const db = new Database(path, { readonly: true });
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    db.close();
    const reopened = openStore(path, { backgroundCompaction: false });
    try {
      expect(reopened.getExecution('r')).toMatchObject({ execution: { summary: { s: 'x' }, metricCount: 1 }, definitions: [{ key: 'a' }] });
      expect(reopened.readSeries('r', ['a'], {})[0]).toMatchObject({ x: [1, 2], y: [3, 'NaN'] });
      expect(reopened.applyBatch({ batchId: 'first', executions: [] }, T0).duplicate).toBe(true);
    } finally {
      reopened.close();
    }
  });

  it('merges small chunks on close, and picks up small chunks left by an earlier process', () => {
    const path = join(dir, 'p.db');
    const store = openStore(path, { backgroundCompaction: false });
    store.applyBatch({ executions: [{ id: 'r', start: { name: 'r' } }] }, T0);
    for (let i = 0; i < 100; i++) store.applyBatch({ executions: [{ id: 'r', points: [{ key: 'a', x: [i], y: [i] }] }] }, T0);
    expect(chunkRows(path)).toBe(100);
    store.close();
    expect(chunkRows(path)).toBe(1);

    const again = openStore(path, { backgroundCompaction: false });
    for (let i = 100; i < 150; i++) again.applyBatch({ executions: [{ id: 'r', points: [{ key: 'a', x: [i], y: [i] }] }] }, T0);
    // Simulates a killed process: the file is reopened without this store having compacted.
    const third = openStore(path, { backgroundCompaction: false });
    third.compact!();
    expect(chunkRows(path)).toBe(1);
    expect(third.readSeries('r', ['a'], {})[0]!.x).toEqual(Array.from({ length: 150 }, (_, i) => i));
    third.close();
    again.close();
  });
});
