import { describe, expect, it } from 'vitest';
import { decodeBinaryBatch, encodeBinaryBatch, validateIngestBatch, type ExecutionUpdate, type SeriesColumns } from '../protocol/index.js';
import { DEFAULT_BATCH_LIMITS, PendingBatches, type BatchLimits } from './pending.js';

const limits = (overrides: Partial<BatchLimits>): BatchLimits => ({ ...DEFAULT_BATCH_LIMITS, ...overrides });

type PlainUpdate = ExecutionUpdate<{ key: string; x: number[]; y: number[] }>;

/** Takes batches until nothing waits; each must be a valid ingest batch. Columns come back as plain arrays, to compare. */
function drain(p: PendingBatches, l: BatchLimits = DEFAULT_BATCH_LIMITS): PlainUpdate[][] {
  const batches: PlainUpdate[][] = [];
  while (!p.empty) {
    const executions = p.take(l);
    validateIngestBatch(decodeBinaryBatch(encodeBinaryBatch({ batchId: `b${batches.length}`, executions })));
    batches.push(executions.map(plain));
    if (batches.length > 10_000) throw new Error('take() makes no progress');
  }
  return batches;
}

function plain(u: ExecutionUpdate<SeriesColumns>): PlainUpdate {
  const { points, ...rest } = u;
  return points ? { ...rest, points: points.map((s) => ({ key: s.key, x: Array.from(s.x), y: Array.from(s.y) })) } : rest;
}

function xsOf(batches: PlainUpdate[][], id: string, key: string): number[] {
  return batches.flat().filter((u) => u.id === id).flatMap((u) => u.points ?? []).filter((s) => s.key === key).flatMap((s) => s.x);
}

describe('PendingBatches', () => {
  it('sends start, definitions, points (columnar, NaN kept as a number), summary and end of an execution in one update', () => {
    const p = new PendingBatches(1000);
    p.start('e1', { name: 'run' });
    p.define('e1', { key: 'loss' });
    p.point('e1', 'loss', 1, 0.5);
    p.point('e1', 'loss', 2, NaN);
    p.summary('e1', { key: 'a', value: 1, mode: 'replace', x: 0.1 });
    p.end('e1', { status: 'succeeded' });
    expect(p.points).toBe(2);
    expect(drain(p)).toEqual([[{
      id: 'e1', start: { name: 'run' }, definitions: [{ key: 'loss' }],
      points: [{ key: 'loss', x: [1, 2], y: [0.5, NaN] }],
      summary: [{ key: 'a', value: 1, mode: 'replace', x: 0.1 }], end: { status: 'succeeded' },
    }]]);
    expect(p.points).toBe(0);
  });

  it('splits a big series over batches: start first, end last, every point once and in order', () => {
    const p = new PendingBatches(1_000_000);
    p.start('e1', { name: 'big' });
    p.define('e1', { key: 'k' });
    for (let i = 0; i < 120_000; i++) p.point('e1', 'k', i, i);
    p.end('e1', { status: 'succeeded' });
    const batches = drain(p, limits({ points: 50_000 }));
    expect(batches).toHaveLength(3);
    expect(batches[0]![0]!.start).toEqual({ name: 'big' });
    expect(batches.slice(1).every((b) => !b[0]!.start)).toBe(true);
    expect(batches.map((b) => b[0]!.end)).toEqual([undefined, undefined, { status: 'succeeded' }]);
    expect(xsOf(batches, 'e1', 'k')).toEqual(Array.from({ length: 120_000 }, (_, i) => i));
  });

  it('never sends points of a key before its definition, nor the end before the summary', () => {
    const p = new PendingBatches(1000);
    p.start('e1', { name: 'defs' });
    for (const key of ['a', 'b', 'c']) {
      p.define('e1', { key });
      p.point('e1', key, 1, 1);
    }
    for (let i = 0; i < 5; i++) p.summary('e1', { key: 'n', value: i, mode: 'replace' });
    p.end('e1', { status: 'failed', error: 'x' });
    const batches = drain(p, limits({ definitions: 2, summaryOps: 2 }));
    expect(batches.map((b) => b[0])).toEqual([
      { id: 'e1', start: { name: 'defs' }, definitions: [{ key: 'a' }, { key: 'b' }] },
      { id: 'e1', definitions: [{ key: 'c' }], points: [{ key: 'a', x: [1], y: [1] }, { key: 'b', x: [1], y: [1] }, { key: 'c', x: [1], y: [1] }],
        summary: [{ key: 'n', value: 0, mode: 'replace' }, { key: 'n', value: 1, mode: 'replace' }] },
      { id: 'e1', summary: [{ key: 'n', value: 2, mode: 'replace' }, { key: 'n', value: 3, mode: 'replace' }] },
      { id: 'e1', summary: [{ key: 'n', value: 4, mode: 'replace' }], end: { status: 'failed', error: 'x' } },
    ]);
  });

  it('caps executions and series per batch', () => {
    const p = new PendingBatches(100_000);
    for (let e = 0; e < 25; e++) {
      p.start(`e${e}`, { name: 'many' });
      for (let k = 0; k < 4; k++) p.point(`e${e}`, `k${k}`, 1, e);
    }
    const batches = drain(p, limits({ executions: 10, series: 30 }));
    for (const b of batches) {
      expect(b.length).toBeLessThanOrEqual(10);
      expect(b.flatMap((u) => u.points ?? []).length).toBeLessThanOrEqual(30);
    }
    for (let e = 0; e < 25; e++) for (let k = 0; k < 4; k++) expect(xsOf(batches, `e${e}`, `k${k}`)).toEqual([1]);
    expect(batches.flat().filter((u) => u.start).length).toBe(25);
  });

  it('splits by estimated size, and a single item larger than the budget still goes (alone)', () => {
    const p = new PendingBatches(1000);
    p.start('e1', { name: 'sized' });
    const big = 'x'.repeat(5000);
    for (let i = 0; i < 4; i++) p.summary('e1', { key: 'text', value: big, mode: 'replace' });
    const batches = drain(p, limits({ bytes: 6000 }));
    expect(batches.flat().flatMap((u) => u.summary ?? [])).toHaveLength(4);
    expect(batches.length).toBeGreaterThanOrEqual(4);
    for (const b of batches) expect(JSON.stringify(b).length).toBeLessThan(6000 + 5100);
  });

  it('keeps memory bounded by dropping the oldest points, never starts, definitions, summary or ends', () => {
    const p = new PendingBatches(100);
    p.start('e1', { name: 'bounded' });
    p.define('e1', { key: 'k' });
    for (let i = 0; i < 1000; i++) p.point('e1', 'k', i, i);
    p.summary('e1', { key: 's', value: 1, mode: 'incr' });
    p.end('e1', { status: 'succeeded' });
    expect(p.points).toBeLessThanOrEqual(100);
    expect(p.dropped + p.points).toBe(1000);
    const [batch] = drain(p);
    const xs = xsOf([batch!], 'e1', 'k');
    expect(xs.at(-1)).toBe(999);
    expect(xs[0]).toBe(1000 - xs.length);
    expect(batch![0]).toMatchObject({ start: { name: 'bounded' }, definitions: [{ key: 'k' }], summary: [{ key: 's' }], end: { status: 'succeeded' } });
  });

  it('drops in one pass per tenth of capacity however many series wait, each series keeping its newest points', () => {
    const p = new PendingBatches(20_000);
    const t0 = performance.now();
    for (let i = 0; i < 20; i++) for (let k = 0; k < 10_000; k++) p.point('e1', `k${k}`, i, i);
    expect(performance.now() - t0).toBeLessThan(2000);
    expect(p.points).toBeLessThanOrEqual(20_000);
    expect(p.dropped + p.points).toBe(200_000);
    const batches = drain(p, limits({ series: 20_000 }));
    for (const k of [0, 4321, 9999]) {
      const xs = xsOf(batches, 'e1', `k${k}`);
      expect(xs.at(-1)).toBe(19);
      expect(xs).toEqual(Array.from({ length: xs.length }, (_, i) => 20 - xs.length + i));
    }
  });

  it('forgets series that dropping emptied', () => {
    const p = new PendingBatches(10);
    p.start('e1', { name: 'emptied' });
    p.point('e1', 'old', 1, 1);
    for (let i = 0; i < 30; i++) p.point('e1', 'new', i, i);
    const batches = drain(p);
    expect(batches).toHaveLength(1);
    expect(batches[0]![0]!.points!.map((s) => s.key)).toEqual(['new']);
    expect(p.points).toBe(0);
  });

  it('a rewind drops the waiting points at or beyond x and travels before the points that wait and follow', () => {
    const p = new PendingBatches(1000);
    p.start('e1', { name: 'resumed' });
    for (let i = 1; i <= 10; i++) {
      p.point('e1', 'a', i, i);
      p.point('e1', 'b', i, -i);
    }
    p.rewind('e1', 7);
    p.rewind('e1', 8); // a later, higher rewind keeps the lower one
    p.point('e1', 'a', 7, 70);
    expect(p.points).toBe(13);
    const [batch] = drain(p);
    expect(batch![0]!.rewind).toEqual({ x: 7 });
    expect(xsOf([batch!], 'e1', 'a')).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(xsOf([batch!], 'e1', 'b')).toEqual([1, 2, 3, 4, 5, 6]);
  });
});
