/**
 * The store contract's part about the executions list as a query (sort, label, where, paging) and about organising runs
 * (delete, labels and note). Registered by `describeStore` inside its suite, so every backend runs it.
 */
import { describe, expect, it } from 'vitest';
import { parseSort, type ExecutionUpdate } from '../../src/protocol/index.js';
import { DomainError } from '../../src/server/domain-error.js';
import type { ListQuery } from '../../src/server/list/list-query.js';
import type { Store } from '../../src/server/store/index.js';
import { apply, T0 } from './store-contract.js';

/**
 * Six runs: names that tie in any case, start times that tie, acc missing on one and a string on another. A function, not a
 * constant: this module and store-contract.ts import each other, so T0 is only there once both have loaded.
 */
const runs = (): ExecutionUpdate[] => [
  { id: 'r1', start: { name: 'Beta', labels: { model: 'r50', lr: '0.1' }, startedAt: T0 + 1000 }, summary: [{ key: 'acc', value: 0.7, mode: 'replace' }, { key: 'timing.inference', value: 2, mode: 'replace' }], end: { status: 'succeeded', endedAt: T0 + 61_000 } },
  { id: 'r2', start: { name: 'alpha', labels: { model: 'r50', lr: '0.01' }, startedAt: T0 + 1000 }, summary: [{ key: 'acc', value: 0.9, mode: 'replace' }], end: { status: 'failed', endedAt: T0 + 11_000, error: 'boom' } },
  { id: 'r3', start: { name: 'beta', labels: { model: 'vit' }, startedAt: T0 + 3000 }, summary: [{ key: 'acc', value: 0.7, mode: 'replace' }, { key: 'timing.inference', value: 1, mode: 'replace' }], end: { status: 'succeeded', endedAt: T0 + 33_000 } },
  { id: 'r4', start: { name: 'gamma', labels: {}, startedAt: T0 + 2000 }, end: { status: 'succeeded', endedAt: T0 + 2500 } },
  { id: 'r5', start: { name: 'Alpha', labels: { model: 'vit', lr: '0.1' }, startedAt: T0 + 4000 }, summary: [{ key: 'acc', value: 'n/a', mode: 'replace' }], end: { status: 'succeeded', endedAt: T0 + 5000 } },
  { id: 'r6', start: { name: 'delta', labels: { model: 'r50' }, startedAt: T0 + 2000 }, summary: [{ key: 'acc', value: 0.95, mode: 'replace' }], end: { status: 'cancelled', endedAt: T0 + 100_000 } },
];

export function describeListContract(store: () => Store): void {
  const seed = () => apply(store(), { executions: runs() }, T0 + 200_000);
  const ids = async (q: Omit<ListQuery, 'limit'> & { limit?: number }) => (await store().listExecutions({ limit: 100, ...q })).executions.map((e) => e.id);
  /** Every page of a query at `limit` rows, concatenated. */
  const paged = async (q: Omit<ListQuery, 'limit' | 'cursor'>, limit: number) => {
    const out: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await store().listExecutions({ ...q, limit, ...(cursor && { cursor }) });
      out.push(...page.executions.map((e) => e.id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    return out;
  };

  describe('list as a query', () => {
    it('sorts by name (any case), start, duration and a summary path, ties broken by id; pages give the same order', async () => {
      await seed();
      const cases: [string, string[]][] = [
        ['name', ['r2', 'r5', 'r1', 'r3', 'r6', 'r4']],
        ['-name', ['r4', 'r6', 'r3', 'r1', 'r5', 'r2']],
        ['startedAt', ['r1', 'r2', 'r4', 'r6', 'r3', 'r5']],
        ['-startedAt', ['r5', 'r3', 'r6', 'r4', 'r2', 'r1']],
        ['duration', ['r4', 'r5', 'r2', 'r3', 'r1', 'r6']],
        ['-duration', ['r6', 'r1', 'r3', 'r2', 'r5', 'r4']],
        // Without a number at the path (r4 has none, r5 a string): last, newest first, in both directions.
        ['-summary.acc', ['r6', 'r2', 'r3', 'r1', 'r5', 'r4']],
        ['summary.acc', ['r1', 'r3', 'r2', 'r6', 'r5', 'r4']],
        ['summary.timing.inference', ['r3', 'r1', 'r5', 'r6', 'r4', 'r2']],
        // Labels compare as text, byte-wise; executions without the label last, newest first.
        ['label.lr', ['r2', 'r1', 'r5', 'r3', 'r6', 'r4']],
        ['-label.model', ['r5', 'r3', 'r6', 'r2', 'r1', 'r4']],
      ];
      for (const [sort, expected] of cases) {
        expect(await ids({ sort: parseSort(sort) }), sort).toEqual(expected);
        for (const limit of [1, 2, 4]) expect(await paged({ sort: parseSort(sort) }, limit), `${sort} by ${limit}`).toEqual(expected);
      }
    });

    it('filters by labels exactly and by summary conditions on numbers, with q and status', async () => {
      await seed();
      expect(await ids({ labels: [{ key: 'model', value: 'r50' }] })).toEqual(['r6', 'r2', 'r1']);
      expect(await ids({ labels: [{ key: 'model', value: 'r50' }, { key: 'lr', value: '0.1' }] })).toEqual(['r1']);
      expect(await ids({ labels: [{ key: 'model', value: 'R50' }] })).toEqual([]);
      expect(await ids({ where: [{ path: 'acc', op: '>=', value: 0.9 }] })).toEqual(['r6', 'r2']);
      expect(await ids({ where: [{ path: 'acc', op: '=', value: 0.7 }] })).toEqual(['r3', 'r1']);
      expect(await ids({ where: [{ path: 'acc', op: '<', value: 0.8 }, { path: 'timing.inference', op: '>', value: 1 }] })).toEqual(['r1']);
      expect(await ids({ where: [{ path: 'acc', op: '<=', value: 100 }] })).not.toContain('r5');
      expect(await ids({ q: 'ALPHA', status: ['failed'], labels: [{ key: 'model', value: 'r50' }], where: [{ path: 'acc', op: '>', value: 0.5 }], sort: parseSort('-summary.acc') }))
        .toEqual(['r2']);
    });

    it('keeps pages stable while executions are inserted: no duplicate, no skipped row', async () => {
      await seed();
      const sort = parseSort('-summary.acc');
      const seen: string[] = [];
      let cursor: string | undefined;
      let n = 0;
      do {
        const page = await store().listExecutions({ sort, limit: 2, ...(cursor && { cursor }) });
        seen.push(...page.executions.map((e) => e.id));
        cursor = page.nextCursor ?? undefined;
        await apply(store(), { executions: [0.1, 0.8, 0.99].map((acc) => ({ id: `new-${n++}`, start: { name: 'new', startedAt: T0 + 2500 }, summary: [{ key: 'acc', value: acc, mode: 'replace' as const }] })) }, T0 + 300_000);
      } while (cursor);
      expect(new Set(seen).size).toBe(seen.length);
      expect(seen.filter((id) => !id.startsWith('new-'))).toEqual(['r6', 'r2', 'r3', 'r1', 'r5', 'r4']);
    });

    it('refuses a cursor of another sort, naming the cursor', async () => {
      await seed();
      const page = await store().listExecutions({ limit: 2, sort: parseSort('name') });
      const error = await store().listExecutions({ limit: 2, sort: parseSort('-name'), cursor: page.nextCursor! }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DomainError);
      expect(error).toMatchObject({ kind: 'invalid', path: 'cursor' });
    });

    it('lists label keys with their values and numeric summary paths', async () => {
      await seed();
      const fields = await store().executionFields();
      expect(fields.labels).toEqual([{ key: 'lr', values: ['0.1', '0.01'] }, { key: 'model', values: ['r50', 'vit'] }]);
      expect(fields.summary).toEqual(['acc', 'predict_time', 'timing.inference']);
    });
  });

  describe('organising runs', () => {
    it('deletes an execution with its definitions, series and index entries', async () => {
      await seed();
      await apply(store(), { executions: [{ id: 'pts', start: { name: 'pts', labels: { model: 'r50' } }, definitions: [{ key: 'loss' }], points: [{ key: 'loss', x: [1, 2], y: [1, 2] }], summary: [{ key: 'acc', value: 2, mode: 'replace' }] }] }, T0 + 300_000);
      expect(await store().deleteExecution('pts')).toBe(true);
      expect(await store().deleteExecution('pts')).toBe(false);
      expect(await store().getExecution('pts')).toBeNull();
      await expect(store().readSeries('pts', ['loss'], {})).rejects.toMatchObject({ kind: 'not_found' });
      expect(await ids({ labels: [{ key: 'model', value: 'r50' }] })).toEqual(['r6', 'r2', 'r1']);
      expect(await ids({ sort: parseSort('-summary.acc'), limit: 1 })).toEqual(['r6']);
      // The id may start over, with nothing of before.
      await apply(store(), { executions: [{ id: 'pts', start: { name: 'again' }, points: [{ key: 'loss', x: [5], y: [5] }] }] }, T0 + 400_000);
      expect((await store().readSeries('pts', ['loss'], {}))[0]).toMatchObject({ total: 1, x: [5] });
    });

    it('replaces labels and sets or removes a note; the note survives later batches', async () => {
      await apply(store(), { executions: [{ id: 'run', start: { name: 'run', labels: { model: 'r50' } } }] }, T0);
      const patched = await store().patchExecution('run', { labels: { model: 'vit', team: 'a' }, note: 'looks good' });
      expect(patched).toMatchObject({ id: 'run', labels: { model: 'vit', team: 'a' }, note: 'looks good' });
      expect(await ids({ labels: [{ key: 'model', value: 'r50' }] })).toEqual([]);
      expect(await ids({ labels: [{ key: 'team', value: 'a' }] })).toEqual(['run']);
      await apply(store(), { executions: [{ id: 'run', points: [{ key: 'x', x: [1], y: [1] }], end: { status: 'succeeded' } }] }, T0 + 1000);
      expect((await store().getExecution('run'))!.execution).toMatchObject({ status: 'succeeded', labels: { model: 'vit', team: 'a' }, note: 'looks good' });
      await store().patchExecution('run', { note: null });
      expect((await store().getExecution('run'))!.execution.note).toBeUndefined();
      expect(await store().patchExecution('missing', { note: 'x' })).toBeNull();
    });
  });
}
