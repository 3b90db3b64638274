/**
 * The store contract: every backend must pass this suite (Prometheus tsdb/chunkenc-style contract tests). Batches go
 * through the backend-neutral rules (server/ingest/apply.ts), as every ingest adapter's do, so the suite checks the rules
 * and the storage together. `describeStore(name, open)` registers it; `open` returns a fresh, empty store.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  toColumns, type AcceptedBatch, type ExecutionUpdate, type IngestBatch, type SeriesColumns, type SeriesPoints, type StreamEvent, type WireNumber,
} from '../../src/protocol/index.js';
import { M4, bucketsForBudget } from '../../src/protocol/downsample.js';
import { DomainError, type DomainErrorKind } from '../../src/server/domain-error.js';
import { toWireEvent } from '../../src/server/hub-event.js';
import { applyBatch, type ApplyResult } from '../../src/server/ingest/apply.js';
import type { Store } from '../../src/server/store/index.js';
import { UNPACKED_SEALED } from '../../src/server/store/common.js';
import { describeListContract } from './store-contract-list.js';
import { describeTimeMarksContract } from './store-contract-times.js';

export const T0 = 1_700_000_000_000;

/** The batch with its points in columns, as validation hands it on. */
export function accepted(batch: IngestBatch<SeriesPoints | SeriesColumns>): AcceptedBatch {
  const executions = batch.executions.map((u) => (u.points ? { ...u, points: u.points.map(toColumns) } : u));
  return { ...batch, executions: executions as ExecutionUpdate<SeriesColumns>[] };
}

/** Applies a batch the way the ingest path does. */
export function apply(store: Store, batch: IngestBatch<SeriesPoints | SeriesColumns>, now: number): Promise<ApplyResult> {
  return applyBatch(store, accepted(batch), now);
}

const KIND: Record<number, DomainErrorKind> = { 400: 'invalid', 404: 'not_found', 409: 'conflict' };

async function expectRejected(store: Store, batch: IngestBatch, status: 400 | 404 | 409, path: string, rule: RegExp): Promise<void> {
  let error: unknown;
  try {
    await apply(store, batch, T0 + 50_000);
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(DomainError);
  const v = error as DomainError;
  expect({ kind: v.kind, path: v.path }).toEqual({ kind: KIND[status], path });
  expect(v.rule).toMatch(rule);
}

/** Everything readable, to prove a rejected batch stored nothing. */
async function snapshot(store: Store): Promise<unknown> {
  const out = [];
  for (const e of (await store.listExecutions({ limit: 1000 })).executions) {
    const detail = (await store.getExecution(e.id))!;
    out.push({ detail, data: await store.readSeries(e.id, detail.series.map((s) => s.key), {}) });
  }
  return out;
}

/** Sealed chunks still as ingest wrote them (not yet packed by compaction), read from the store's own database. */
async function unpackedChunks(store: Store): Promise<number> {
  const sql = `SELECT count(*) AS n FROM chunks WHERE ${UNPACKED_SEALED}`;
  const h = store.handle;
  if (h.kind === 'sqlite') return h.db.prepare<[], { n: number }>(sql).get()!.n;
  return Number((await h.pool.query<{ n: string }>(sql)).rows[0]!.n);
}

const start = (id: string, extra: Omit<ExecutionUpdate, 'id' | 'start'> = {}, name = 'train'): IngestBatch =>
  ({ executions: [{ id, start: { name }, ...extra }] });

/** Registers the contract suite for one backend. `open` gives a fresh, empty store; `close` is called after each test. */
export function describeStore(name: string, open: () => Promise<Store>): void {
  describe(`store contract (${name})`, () => {
    let store: Store;
    beforeEach(async () => {
      store = await open();
    });
    afterEach(async () => {
      await store.close();
    });

    describeListContract(() => store);
    describeTimeMarksContract(() => store);

    it('starts an execution, stores points with NaN/±Infinity kept, and describes it', async () => {
      const result = (await apply(store, {
        batchId: 'b1',
        executions: [{
          id: 'run-1', start: { name: 'Train', labels: { model: 'resnet' } },
          definitions: [{ key: 'loss', group: { name: 'training' } }],
          points: [{ key: 'loss', x: [1, 2, 3], y: [0.9, 'NaN', 'Infinity'] }, { key: 'lr', x: [1], y: ['-Infinity'] }],
        }],
      }, T0));
      expect(result).toMatchObject({ duplicate: false, points: 4 });
      const detail = (await store.getExecution('run-1'))!;
      expect(detail.execution).toEqual({
        id: 'run-1', name: 'Train', labels: { model: 'resnet' }, status: 'running', startedAt: T0, endedAt: null, lastSeenAt: T0,
        error: null, metricCount: 2, summary: {},
      });
      expect(detail.definitions).toEqual([{ key: 'loss', group: { name: 'training' } }]);
      expect(detail.series).toEqual([
        { key: 'loss', count: 3, minX: 1, maxX: 3, lastY: 'Infinity' },
        { key: 'lr', count: 1, minX: 1, maxX: 1, lastY: '-Infinity' },
      ]);
      expect((await store.readSeries('run-1', ['loss', 'lr', 'missing'], {}))).toEqual([
        { key: 'loss', total: 3, downsampled: false, x: [1, 2, 3], y: [0.9, 'NaN', 'Infinity'] },
        { key: 'lr', total: 1, downsampled: false, x: [1], y: ['-Infinity'] },
        { key: 'missing', total: 0, downsampled: false, x: [], y: [] },
      ]);
      expect(await store.getExecution('nope')).toBeNull();
      await expect(store.readSeries('nope', ['loss'], {})).rejects.toMatchObject({ kind: 'not_found', path: 'id' });
    });

    it('emits execution, new definitions, points and summary events', async () => {
      await apply(store, start('run-1', { definitions: [{ key: 'a' }] }), T0);
      const { events } = (await apply(store, {
        executions: [{
          id: 'run-1', definitions: [{ key: 'a' }, { key: 'b' }], points: [{ key: 'b', x: [1], y: [2] }],
          summary: [{ key: 'acc', value: 0.5, mode: 'replace', x: 3 }],
        }],
      }, T0 + 1000));
      expect(events.map((e) => e.type)).toEqual(['execution', 'definitions', 'points', 'summary']);
      const [execution, definitions, points, summary] = events.map(toWireEvent) as [
        Extract<StreamEvent, { type: 'execution' }>, Extract<StreamEvent, { type: 'definitions' }>,
        Extract<StreamEvent, { type: 'points' }>, Extract<StreamEvent, { type: 'summary' }>];
      expect(execution.execution).toMatchObject({ id: 'run-1', lastSeenAt: T0 + 1000, metricCount: 2, summary: { acc: 0.5 } });
      expect(definitions.definitions).toEqual([{ key: 'b' }]);
      expect(points.series).toEqual([{ key: 'b', x: [1], y: [2] }, { key: '@summary.acc', x: [3], y: [0.5] }]);
      expect(summary).toMatchObject({ set: { acc: 0.5 }, deleted: [] });
      // A heartbeat changes no summary: no summary event.
      expect((await apply(store, { executions: [{ id: 'run-1' }] }, T0 + 2000)).events.map((e) => e.type)).toEqual(['execution']);
    });

    it('refuses data for an unknown execution with 404', async () => {
      await expectRejected(store, { executions: [{ id: 'ghost', points: [{ key: 'a', x: [1], y: [1] }] }] }, 404, 'executions[0].id', /unknown execution "ghost"/);
    });

    it('treats a re-start with the same name as a no-op and with another name as a 409', async () => {
      await apply(store, start('run-1', { points: [{ key: 'a', x: [1], y: [1] }] }), T0);
      await apply(store, start('run-1', {}, 'train'), T0 + 5);
      expect((await store.getExecution('run-1'))!.execution).toMatchObject({ name: 'train', startedAt: T0, lastSeenAt: T0 + 5 });
      await expectRejected(store, start('run-1', {}, 'other'), 409, 'executions[0].start.name', /started as "train".*"other"/);
    });

    it('accepts an identical redefinition and refuses a different one with 409', async () => {
      await apply(store, start('run-1', { definitions: [{ key: 'loss', scale: { name: 'l', lower: 0 } }] }), T0);
      const same = (await apply(store, { executions: [{ id: 'run-1', definitions: [{ scale: { lower: 0, name: 'l' }, key: 'loss' }] }] }, T0));
      expect(same.events.map((e) => e.type)).toEqual(['execution']);
      await expectRejected(store, { executions: [{ id: 'run-1', definitions: [{ key: 'ok' }, { key: 'loss', group: { name: 'g' } }] }] },
        409, 'executions[0].definitions[1]', /"loss" is already defined differently/);
      expect((await store.getExecution('run-1'))!.definitions.map((d) => d.key)).toEqual(['loss']);
    });

    it('refuses x not above the last stored x, naming the point', async () => {
      await apply(store, start('run-1', { points: [{ key: 'a', x: [1, 5], y: [1, 2] }] }), T0);
      await expectRejected(store, { executions: [{ id: 'run-1', points: [{ key: 'b', x: [1], y: [1] }, { key: 'a', x: [3, 6], y: [1, 1] }] }] },
        400, 'executions[0].points[1].x[0]', /^x must increase: 3 is not greater than the last stored x 5$/);
      await expectRejected(store, { executions: [{ id: 'run-1', points: [{ key: 'a', x: [5], y: [1] }] }] }, 400, 'executions[0].points[0].x[0]', /5 is not greater/);
      await apply(store, { executions: [{ id: 'run-1', points: [{ key: 'a', x: [5.5], y: [1] }] }] }, T0);
      expect((await store.readSeries('run-1', ['a', 'b'], {})).map((s) => s.x)).toEqual([[1, 5, 5.5], []]);
    });

    it('rejects a batch whole: a valid neighbour, points and the batch id are not stored', async () => {
      await apply(store, start('run-1', { points: [{ key: 'a', x: [1], y: [1] }] }), T0);
      const before = (await snapshot(store));
      const bad: IngestBatch = {
        batchId: 'bad-1',
        executions: [
          { id: 'new-one', start: { name: 'n' }, definitions: [{ key: 'z' }], points: [{ key: 'z', x: [1], y: [1] }] },
          { id: 'run-1', points: [{ key: 'a', x: [2], y: [2] }], summary: [{ key: 'n', value: 1, mode: 'replace' }, { key: 'n', value: 'text', mode: 'replace' }] },
        ],
      };
      await expectRejected(store, bad, 400, 'executions[1].summary[1]', /summary key "n": type is number and cannot change to string/);
      expect((await snapshot(store))).toEqual(before);
      // The id of a rejected batch is not remembered: the fixed retry is stored.
      bad.executions[1]!.summary!.pop();
      expect((await apply(store, bad, T0 + 1))).toMatchObject({ duplicate: false, points: 2 });
      expect((await store.getExecution('new-one'))).not.toBeNull();
      expect((await store.getExecution('run-1'))!.execution.summary).toEqual({ n: 1 });
    });

    it('stores a retried batch id once and acknowledges it as the first time', async () => {
      await apply(store, start('run-1'), T0);
      const batch: IngestBatch = { batchId: 'retry', executions: [{ id: 'run-1', points: [{ key: 'a', x: [1, 2], y: [1, 2] }] }] };
      expect((await apply(store, batch, T0))).toMatchObject({ duplicate: false, points: 2 });
      expect((await apply(store, batch, T0 + 1))).toEqual({ duplicate: true, points: 2, events: [] });
      expect((await store.readSeries('run-1', ['a'], {}))[0]!.x).toEqual([1, 2]);
      expect((await store.getExecution('run-1'))!.execution.lastSeenAt).toBe(T0);
    });

    it('forgets batch ids committed before a given time, and only those', async () => {
      await apply(store, { batchId: 'old', ...start('run-1') }, T0);
      await apply(store, { batchId: 'new', executions: [{ id: 'run-1' }] }, T0 + 2 * 3600_000);
      expect(await store.forgetBatchIds(T0 + 3600_000)).toBe(1);
      expect((await apply(store, { batchId: 'old', executions: [{ id: 'run-1' }] }, T0 + 2 * 3600_000)).duplicate).toBe(false);
      expect((await apply(store, { batchId: 'new', executions: [{ id: 'run-1' }] }, T0 + 2 * 3600_000)).duplicate).toBe(true);
    });

    it('ends an execution: defaults endedAt to now, adds predict_time over a user value, then refuses data with 409', async () => {
      await apply(store, start('run-1', { summary: [{ key: 'predict_time', value: 99, mode: 'replace' }] }), T0);
      const { events } = (await apply(store, { executions: [{ id: 'run-1', end: { status: 'failed', error: 'boom' } }] }, T0 + 1234));
      expect((await store.getExecution('run-1'))!.execution).toMatchObject({
        status: 'failed', endedAt: T0 + 1234, error: 'boom', summary: { predict_time: 1.234 },
      });
      expect(events.map((e) => e.type)).toEqual(['execution', 'summary']);
      for (const u of [
        { points: [{ key: 'a', x: [1], y: [1] }] }, { definitions: [{ key: 'a' }] }, { summary: [{ key: 'k', value: 1, mode: 'replace' as const }] },
      ]) {
        await expectRejected(store, { executions: [{ id: 'run-1', ...u }] }, 409, 'executions[0]', /execution has ended \(failed\)/);
      }
      // Ending again the same way is a no-op; another way is a conflict.
      await apply(store, { executions: [{ id: 'run-1', end: { status: 'failed' } }] }, T0 + 5000);
      expect((await store.getExecution('run-1'))!.execution).toMatchObject({ endedAt: T0 + 1234, error: 'boom' });
      await expectRejected(store, { executions: [{ id: 'run-1', end: { status: 'succeeded' } }] }, 409, 'executions[0].end.status', /ended as failed/);
    });

    it('uses start.startedAt and end.endedAt when given; predict_time only with summary metrics', async () => {
      await apply(store, { executions: [{ id: 'r', start: { name: 'r', startedAt: T0 - 10_000 }, end: { status: 'succeeded', endedAt: T0 - 7_500 } }] }, T0);
      expect((await store.getExecution('r'))!.execution).toMatchObject({ startedAt: T0 - 10_000, endedAt: T0 - 7_500, summary: {} });
      const withSummary = { id: 's', start: { name: 's', startedAt: T0 - 10_000 }, summary: [{ key: 'n', value: 1, mode: 'replace' as const }] };
      await apply(store, { executions: [{ ...withSummary, end: { status: 'succeeded', endedAt: T0 - 7_500 } }] }, T0);
      expect((await store.getExecution('s'))!.execution.summary).toEqual({ n: 1, predict_time: 2.5 });
    });

    it('keeps what the SDK reported as not sent (per metric) with the end', async () => {
      const discarded = { loss: { throttled: 19_997 }, step: { xNotIncreasing: 4, xInvalid: 1 } };
      await apply(store, { executions: [{ id: 'd', start: { name: 'd' }, end: { status: 'succeeded', discarded } }] }, T0);
      expect((await store.getExecution('d'))!.execution.discarded).toEqual(discarded);
      expect((await store.listExecutions({ limit: 10 })).executions[0]!.discarded).toEqual(discarded);
    });

    it('a rewind removes every point at or beyond x from all series of the execution, before the update\'s points', async () => {
      const pts = (key: string, from: number, to: number) => ({ key, x: Array.from({ length: to - from + 1 }, (_, i) => from + i), y: Array.from({ length: to - from + 1 }, (_, i) => from + i) });
      // 5,000 points: the rewind cuts through a chunk and drops whole ones.
      await apply(store, { executions: [{ id: 'w', start: { name: 'w' }, points: [pts('a', 1, 5000), pts('b', 1, 3), pts('c', 4000, 4001)] }] }, T0);
      const result = await apply(store, { executions: [{ id: 'w', rewind: { x: 3000 }, points: [pts('a', 3000, 3005), pts('c', 3000, 3000)] }] }, T0 + 1);
      expect(result.events.map((e) => e.type)).toEqual(['execution', 'rewind', 'points']);
      const [a, b, c] = await store.readSeries('w', ['a', 'b', 'c'], {});
      expect(a!.total).toBe(3005);
      expect(a!.x.slice(2995)).toEqual([2996, 2997, 2998, 2999, 3000, 3001, 3002, 3003, 3004, 3005]);
      expect(b!.x).toEqual([1, 2, 3]);
      expect(c!.x).toEqual([3000]);
      const detail = (await store.getExecution('w'))!;
      expect(detail.series).toEqual([
        { key: 'a', count: 3005, minX: 1, maxX: 3005, lastY: 3005 },
        { key: 'b', count: 3, minX: 1, maxX: 3, lastY: 3 },
        { key: 'c', count: 1, minX: 3000, maxX: 3000, lastY: 3000 },
      ]);
      await expectRejected(store, { executions: [{ id: 'w', rewind: { x: 2000 }, points: [pts('a', 1999, 1999)] }] }, 400, 'executions[0].points[0].x[0]', /1999 is not greater than the last stored x 1999/);
      await store.compact();
      expect((await store.readSeries('w', ['a'], {}))[0]!.total).toBe(3005);
    });

    it('marks silent running executions lost, and brings them back to running when data arrives', async () => {
      await apply(store, start('quiet'), T0);
      await apply(store, start('chatty'), T0 + 10_000);
      await apply(store, { executions: [{ id: 'done', start: { name: 'd' }, end: { status: 'succeeded' } }] }, T0);
      const lost = (await store.markLost(T0 + 5000));
      expect(lost.map((e) => [e.id, e.status])).toEqual([['quiet', 'lost']]);
      expect((await store.markLost(T0 + 5000))).toEqual([]);
      expect((await store.getExecution('quiet'))!.execution.status).toBe('lost');
      const { events } = (await apply(store, { executions: [{ id: 'quiet', points: [{ key: 'a', x: [1], y: [1] }] }] }, T0 + 20_000));
      expect(events[0]).toMatchObject({ type: 'execution', execution: { status: 'running', lastSeenAt: T0 + 20_000 } });
      (await store.markLost(T0 + 30_000));
      await apply(store, { executions: [{ id: 'quiet', end: { status: 'succeeded' } }] }, T0 + 40_000);
      expect((await store.getExecution('quiet'))!.execution.status).toBe('succeeded');
    });

    it('applies summary ops with Cog rules and draws numeric ones as @summary series', async () => {
      await apply(store, start('run-1'), T0);
      (await apply(store, {
        executions: [{
          id: 'run-1', summary: [
            { key: 'count', value: 1, mode: 'incr' }, { key: 'count', value: 2, mode: 'incr' },
            { key: 'timing.inference', value: 0.25, mode: 'replace', x: 10 }, { key: 'tags', value: 'a', mode: 'append' },
          ],
        }],
      }, T0 + 4000));
      await apply(store, { executions: [{ id: 'run-1', summary: [{ key: 'timing.inference', value: 0.5, mode: 'replace', x: 2 }] }] }, T0 + 5000);
      const detail = (await store.getExecution('run-1'))!;
      expect(detail.execution.summary).toEqual({ count: 3, timing: { inference: 0.5 }, tags: ['a'] });
      expect(detail.execution.metricCount).toBe(0);
      // Both incr ops land at x = 4 s; the second is nudged just above. x = 2 after 10 is nudged too.
      const [count, inference] = (await store.readSeries('run-1', ['@summary.count', '@summary.timing.inference'], {}));
      expect(count).toMatchObject({ x: [4, 4 + 1e-6], y: [1, 3] });
      expect(inference).toMatchObject({ x: [10, 10 + 1e-6], y: [0.25, 0.5] });
      expect(detail.series.map((s) => s.key)).toEqual(['@summary.count', '@summary.timing.inference']);
      await expectRejected(store, { executions: [{ id: 'run-1', summary: [{ key: 'tags', value: 1, mode: 'incr' }] }] }, 400, 'executions[0].summary[0]', /incr/);
    });

    it('counts defined metrics and undefined series with points', async () => {
      await apply(store, start('run-1', { definitions: [{ key: 'a' }, { key: 'b' }], points: [{ key: 'b', x: [1], y: [1] }, { key: 'c', x: [1], y: [1] }] }), T0);
      expect((await store.getExecution('run-1'))!.execution.metricCount).toBe(3);
    });

    it('lists newest first, filters by status and name, and pages with a cursor', async () => {
      const names = ['Alpha', 'beta', 'ALPHABET', 'gamma', 'alpha-2'];
      for (const [i, name] of names.entries()) await apply(store, { executions: [{ id: `e${i}`, start: { name, startedAt: T0 + (i % 3) * 1000 } }] }, T0);
      await apply(store, { executions: [{ id: 'e1', end: { status: 'succeeded' } }] }, T0);
      const ids = async (q: Parameters<Store['listExecutions']>[0]) => (await store.listExecutions(q)).executions.map((e) => e.id);
      // startedAt: e0 0, e1 1000, e2 2000, e3 0, e4 1000 → by startedAt desc, id desc.
      expect(await ids({ limit: 10 })).toEqual(['e2', 'e4', 'e1', 'e3', 'e0']);
      expect(await ids({ limit: 10, q: 'alpha' })).toEqual(['e2', 'e4', 'e0']);
      expect(await ids({ limit: 10, status: ['succeeded'] })).toEqual(['e1']);
      expect(await ids({ limit: 10, status: ['running', 'lost'], q: 'ALPHA' })).toEqual(['e2', 'e4', 'e0']);
      const pages: string[][] = [];
      let cursor: string | undefined;
      do {
        const page = (await store.listExecutions({ limit: 2, ...(cursor && { cursor }) }));
        pages.push(page.executions.map((e) => e.id));
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      expect(pages).toEqual([['e2', 'e4'], ['e1', 'e3'], ['e0']]);
      await expect(store.listExecutions({ limit: 2, cursor: 'garbage' })).rejects.toThrow(/cursor: must be the nextCursor/);
    });

    it('reads a range exactly when it fits the budget', async () => {
      const x = Array.from({ length: 1000 }, (_, i) => i);
      await apply(store, start('run-1', { points: [{ key: 'a', x, y: x.map((v) => v * 2) }] }), T0);
      const [r] = (await store.readSeries('run-1', ['a'], { from: 100.5, to: 199, budget: 1000 }));
      expect(r).toMatchObject({ total: 99, downsampled: false });
      expect(r!.x).toEqual(x.slice(101, 200));
      expect(r!.y).toEqual(x.slice(101, 200).map((v) => v * 2));
      expect((await store.readSeries('run-1', ['a'], { from: 5000 }))[0]).toMatchObject({ total: 0, x: [] });
      expect((await store.readSeries('run-1', ['a'], { from: 10, to: 5 }))[0]).toMatchObject({ total: 0, x: [] });
    });

    it('downsamples exactly as M4 over the raw points would, keeping a spike in 1,000,000 points and NaN', async () => {
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
      await apply(store, start('big'), T0);
      for (let from = 0; from < n; from += 50_000) {
        await apply(store, { executions: [{ id: 'big', points: [{ key: 'm', x: xs.slice(from, from + 50_000), y: ys.slice(from, from + 50_000).map(wire) }] }] }, T0);
      }
      const expected = (lo: number, hi: number, budget: number) => {
        const inRange = xs.map((x, i) => i).filter((i) => xs[i]! >= lo && xs[i]! <= hi);
        const m = new M4(xs[inRange[0]!]!, xs[inRange.at(-1)!]!, bucketsForBudget(budget));
        for (const i of inRange) m.add(xs[i]!, ys[i]!);
        const out = m.result();
        return { total: inRange.length, downsampled: true, x: out.x, y: out.y.map(wire) };
      };
      const whole = (await store.readSeries('big', ['m'], { budget: 1000 }))[0]!;
      expect(whole).toEqual({ key: 'm', ...expected(-Infinity, Infinity, 1000) });
      expect(whole.y).toContain(1000);
      expect(whole.y).toContain('NaN');
      expect(whole.x.length).toBeLessThanOrEqual(1001);
      const zoom = (await store.readSeries('big', ['m'], { from: 222.1234, to: 654.5, budget: 2000 }))[0]!;
      expect(zoom).toEqual({ key: 'm', ...expected(222.1234, 654.5, 2000) });
      expect(zoom.y).toContain(1000);

      // Snapped (what the studio asks when a page opens): bucket edges move to block boundaries, never a point lost.
      const byX = new Map(xs.map((x, i) => [x, wire(ys[i]!)]));
      for (const [lo, hi, budget] of [[-Infinity, Infinity, 1000], [222.1234, 654.5, 2000]] as const) {
        const exact = expected(lo, hi, budget);
        const snapped = (await store.readSeries('big', ['m'], { from: lo, to: hi, budget, snap: true }))[0]!;
        expect(snapped).toMatchObject({ key: 'm', total: exact.total, downsampled: true });
        expect(snapped.x.length).toBeLessThanOrEqual(budget + 1);
        expect(snapped.x.every((x, i) => i === 0 || x > snapped.x[i - 1]!)).toBe(true);
        // Every kept point is a stored point, the ends of the range are kept, and so are the spike, the NaN and the extremes.
        expect(snapped.x.every((x, i) => byX.get(x) === snapped.y[i])).toBe(true);
        expect([snapped.x[0], snapped.x.at(-1)]).toEqual([exact.x[0], exact.x.at(-1)]);
        expect(snapped.y).toContain(1000);
        if (lo < 0) expect(snapped.y).toContain('NaN');
        // Edges did move (this read is not the exact one under another name).
        expect(snapped.x).not.toEqual(exact.x);
        const nums = snapped.y.filter((v): v is number => typeof v === 'number');
        expect(Math.min(...nums)).toBe(Math.min(...exact.y.filter((v): v is number => typeof v === 'number')));
        // Every point the exact read keeps lies between the lowest and highest snapped points around it (a snapped bucket
        // spans at most 1.5 buckets).
        const width = (exact.x.at(-1)! - exact.x[0]!) / bucketsForBudget(budget);
        for (let k = 0; k < exact.x.length; k++) {
          const v = exact.y[k]!;
          if (typeof v !== 'number') continue;
          const near = snapped.y.filter((w, j) => typeof w === 'number' && Math.abs(snapped.x[j]! - exact.x[k]!) <= 1.5 * width) as number[];
          expect(Math.min(...near)).toBeLessThanOrEqual(v);
          expect(Math.max(...near)).toBeGreaterThanOrEqual(v);
        }
      }
      // Blocks wider than half a bucket are decoded as without snapping: a narrow zoom is exact.
      expect((await store.readSeries('big', ['m'], { from: 300, to: 300.5, budget: 100, snap: true }))[0]).toEqual({ key: 'm', ...expected(300, 300.5, 100) });
    });

    it('packs sealed chunks in compaction without changing a bit: exact, downsampled and zoomed reads answer the same', async () => {
      const n = 6000;
      const specials = [-0, 5e-324, -5e-324, 2 ** 53, Infinity, -Infinity, NaN, 0.1, -(2 ** 53), 2.2250738585072014e-308];
      const columns = (from: number, to: number): SeriesColumns[] => {
        const gen = (f: (i: number) => number) => Float64Array.from({ length: to - from }, (_, k) => f(from + k));
        return [
          { key: 'noisy', x: gen((i) => i), y: gen((i) => 2 * Math.exp(-i / 1e4) + 0.05 * Math.sin(i * 12.9898) * Math.cos(i * 78.233)) },
          { key: 'gauge', x: gen((i) => 1_700_000_000 + i), y: gen((i) => Math.round(5000 + 300 * Math.sin(Math.floor(i / 45))) / 100) },
          { key: 'counter', x: gen((i) => i * 0.25), y: gen((i) => i * 7 + Math.floor(i / 13)) },
          { key: 'odd', x: gen((i) => i * 0.5 + (i % 3) * 1e-3), y: gen((i) => (i % 50 < 10 ? specials[i % 10]! : i % 7)) },
        ];
      };
      const keys = ['noisy', 'gauge', 'counter', 'odd'];
      await applyBatch(store, { executions: [{ id: 'p', start: { name: 'p' } }] }, T0);
      // Batches of 2,000 points a series: sealed chunks (compaction never merges them), as ingest wrote them.
      for (let from = 0; from < n; from += 2000) await applyBatch(store, { executions: [{ id: 'p', points: columns(from, from + 2000) }] }, T0);
      const reads = () => Promise.all([
        store.readSeries('p', keys, {}), store.readSeries('p', keys, { budget: 200 }), store.readSeries('p', keys, { from: 1234.5, to: 2500, budget: 100 }),
      ]);
      const before = await reads();
      expect(await unpackedChunks(store)).toBe(12);
      await store.compact();
      expect(await unpackedChunks(store)).toBe(0);
      expect(await reads()).toEqual(before);
      const odd = before[0]![3]!;
      expect(odd.y.slice(0, 10)).toEqual([-0, 5e-324, -5e-324, 2 ** 53, 'Infinity', '-Infinity', 'NaN', 0.1, -(2 ** 53), 2.2250738585072014e-308]);
      expect(before[0]![0]!.y).toEqual(Array.from(columns(0, n)[0]!.y));

      // A rewind cuts through a packed chunk; the kept part and new points read as written.
      await apply(store, { executions: [{ id: 'p', rewind: { x: 2500.5 }, points: [{ key: 'noisy', x: [2600], y: [1] }] }] }, T0);
      const [noisy] = await store.readSeries('p', ['noisy'], {});
      expect(noisy!.x).toEqual([...Array.from({ length: 2501 }, (_, i) => i), 2600]);
      expect(noisy!.y.slice(0, 2501)).toEqual(before[0]![0]!.y.slice(0, 2501));
      await store.compact();
      expect(await unpackedChunks(store)).toBe(0);
      expect((await store.readSeries('p', ['noisy'], {}))[0]!.y).toEqual(noisy!.y);
    });

    it('compacts small chunks without changing a point', async () => {
      await apply(store, start('live'), T0);
      const expectedX: number[] = [];
      const expectedY: WireNumber[] = [];
      for (let b = 0; b < 300; b++) {
        const x = [b * 10 + 0.5, b * 10 + 1.25, b * 10 + 3];
        const y: WireNumber[] = [Math.random(), b % 50 === 0 ? 'NaN' : b, -b / 3];
        expectedX.push(...x);
        expectedY.push(...y);
        await apply(store, { executions: [{ id: 'live', points: [{ key: 'k', x, y }] }] }, T0);
      }
      const before = (await store.readSeries('live', ['k'], {}));
      const downsampledBefore = (await store.readSeries('live', ['k'], { budget: 100 }));
      await store.compact();
      expect((await store.readSeries('live', ['k'], {}))).toEqual(before);
      expect(before[0]).toMatchObject({ total: 900, x: expectedX, y: expectedY });
      expect((await store.readSeries('live', ['k'], { budget: 100 }))).toEqual(downsampledBefore);
      await apply(store, { executions: [{ id: 'live', points: [{ key: 'k', x: [5000], y: [1] }] }] }, T0);
      expect((await store.getExecution('live'))!.series[0]).toEqual({ key: 'k', count: 901, minX: 0.5, maxX: 5000, lastY: 1 });
    });
  });
}
