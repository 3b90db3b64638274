import { describe, expect, it } from 'vitest';
import type { Execution } from '../../protocol/index.js';
import { matchesFilter, mergeExecutions, refreshPage } from './list-merge.js';

const ex = (id: string, startedAt: number, over: Partial<Execution> = {}): Execution => ({
  id, name: `run ${id}`, labels: {}, status: 'running', startedAt, endedAt: null, lastSeenAt: startedAt, error: null, metricCount: 0, summary: {}, ...over,
});
const all = { q: '', status: [] };

describe('mergeExecutions', () => {
  it('prepends streamed new executions and sorts newest first', () => {
    const rows = mergeExecutions([ex('a', 10), ex('b', 5)], { c: ex('c', 20) }, all, false);
    expect(rows.map((e) => e.id)).toEqual(['c', 'a', 'b']);
  });

  it('replaces a fetched row with its newer streamed version (status change)', () => {
    const rows = mergeExecutions([ex('a', 10)], { a: ex('a', 10, { status: 'succeeded', lastSeenAt: 30 }) }, all, true);
    expect(rows[0]!.status).toBe('succeeded');
  });

  it('keeps a fetched row when the streamed copy is older (refetched after the event)', () => {
    const rows = mergeExecutions([ex('a', 10, { status: 'failed', lastSeenAt: 50 })], { a: ex('a', 10, { lastSeenAt: 40 }) }, all, true);
    expect(rows[0]!.status).toBe('failed');
  });

  it('leaves out streamed executions older than an incomplete page reaches', () => {
    expect(mergeExecutions([ex('a', 10)], { old: ex('old', 1) }, all, false).map((e) => e.id)).toEqual(['a']);
    expect(mergeExecutions([ex('a', 10)], { old: ex('old', 1) }, all, true).map((e) => e.id)).toEqual(['a', 'old']);
  });

  it('applies the filter to streamed executions, and drops rows whose new status no longer matches', () => {
    const f = { q: 'TRAIN', status: ['running' as const] };
    expect(matchesFilter(ex('x', 1, { name: 'my training' }), f)).toBe(true);
    expect(matchesFilter(ex('x', 1, { name: 'predict' }), f)).toBe(false);
    const rows = mergeExecutions([ex('a', 10, { name: 'train' })], { a: ex('a', 10, { name: 'train', status: 'succeeded', lastSeenAt: 11 }), n: ex('n', 20, { name: 'train 2' }) }, f, false);
    expect(rows.map((e) => e.id)).toEqual(['n']);
  });
});

describe('refreshPage', () => {
  it('keeps the server order, takes streamed versions, drops deleted and no-longer-matching rows, inserts nothing', () => {
    const page = [ex('a', 1, { summary: { acc: 0.9 } }), ex('b', 2, { summary: { acc: 0.8 } }), ex('c', 3, { summary: { acc: 0.7 } })];
    const streamed = { b: ex('b', 2, { summary: { acc: 0.1 }, lastSeenAt: 9 }), z: ex('z', 9, { summary: { acc: 0.99 } }) };
    const rows = refreshPage(page, streamed, { ...all, where: [{ path: 'acc', op: '>=', value: 0.5 }] }, { c: true });
    expect(rows.map((e) => e.id)).toEqual(['a']);
  });

  it('matches labels exactly and summary conditions only on numbers', () => {
    const e = ex('a', 1, { labels: { model: 'r50' }, summary: { acc: 0.9, name: 'x' } });
    expect(matchesFilter(e, { ...all, labels: [{ key: 'model', value: 'r50' }] })).toBe(true);
    expect(matchesFilter(e, { ...all, labels: [{ key: 'model', value: 'r5' }] })).toBe(false);
    expect(matchesFilter(e, { ...all, where: [{ path: 'acc', op: '=', value: 0.9 }] })).toBe(true);
    expect(matchesFilter(e, { ...all, where: [{ path: 'name', op: '>', value: 0 }] })).toBe(false);
  });
});
