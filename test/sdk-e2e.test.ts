import { AsyncLocalStorage } from 'node:async_hooks';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { connect, currentScope, Metric, MetricGroup, MetricScale, progress, recordMetric, type Client } from '../src/sdk/index.js';
import { startServer, type RunningServer } from '../src/server/index.js';
import { getJson } from './helpers/server.js';
import { eventually } from './helpers/eventually.js';

let server: RunningServer;
let client: Client;
const warnings: string[] = [];
beforeAll(async () => {
  server = await startServer({ port: 0, db: ':memory:' });
  client = connect({ url: server.url, warn: (m) => warnings.push(m) });
});
afterAll(async () => {
  await client.close();
  await server.close();
});

async function detail(id: string) {
  return (await getJson(`${server.url}/api/executions/${id}`)).json;
}
async function series(id: string, key: string) {
  return (await getJson(`${server.url}/api/executions/${id}/series?key=${encodeURIComponent(key)}`)).json.series?.[0];
}

describe('SDK → server', () => {
  it('records with default x = seconds since start, and with at', async () => {
    const loss = new Metric('loss', { group: new MetricGroup('training', { units: 'epoch' }), scale: new MetricScale({ name: 'loss' }), throttle: null });
    const wall = new Metric('wall', { throttle: null });
    let id = '';
    await client.withExecution('xs', async (e) => {
      id = e.id;
      for (let epoch = 1; epoch <= 5; epoch++) loss.record(1 / epoch, { at: epoch });
      wall.record(1);
      await new Promise((r) => setTimeout(r, 120));
      wall.record(2);
    });
    const d = await detail(id);
    expect(d.execution.status).toBe('succeeded');
    expect(d.definitions).toEqual([{ key: 'loss', group: { name: 'training', units: 'epoch' }, scale: { name: 'loss' } }, { key: 'wall' }]);
    expect((await series(id, 'loss')).x).toEqual([1, 2, 3, 4, 5]);
    const w = await series(id, 'wall');
    expect(w.x[0]).toBeGreaterThanOrEqual(0);
    expect(w.x[1] - w.x[0]).toBeGreaterThan(0.1);
    expect(w.x[1]).toBeLessThan(5);
  });

  it('refuses a non-increasing or invalid x with one warning per metric and cause, never throwing, and counts it', async () => {
    const m = new Metric('steps', { throttle: null });
    warnings.length = 0;
    let id = '';
    const e = client.startExecution('non-increasing');
    id = e.id;
    e.run(() => {
      m.record(1, { at: 1 });
      m.record(2, { at: 1 });
      m.record(3, { at: 0 });
      m.record(4, { at: 2 });
      for (const at of [NaN, Infinity, -Infinity, 2 ** 53 + 2, -(2 ** 53) - 2]) m.record(5, { at });
      expect(() => m.record('5' as never)).toThrow(/value must be a number \(got string\)/);
      for (const at of ['7', null]) expect(() => m.record(5, { at: at as unknown as number })).toThrow(/at must be a number/);
    });
    expect(await e.end()).toEqual({ discarded: { steps: { xNotIncreasing: 2, xInvalid: 5 } } });
    expect((await series(id, 'steps')).x).toEqual([1, 2]);
    const told = warnings.filter((w) => w.includes('"steps"'));
    expect(told).toHaveLength(2);
    expect(told[0]).toMatch(/at=1 is not greater than the previous x \(1\).*refused and counted.*execution\.rewind/);
    expect(told[1]).toMatch(/at=NaN is not a finite number/);
  });

  it('throttles: leading value at once, latest of the window wins, trailing value always delivered', async () => {
    const m = new Metric('throttled', { throttle: 2 });
    let id = '';
    await client.withExecution('throttle', (e) => {
      id = e.id;
      for (let i = 0; i < 100; i++) m.record(i, { at: i });
    });
    const s = await series(id, 'throttled');
    expect(s.x).toEqual([0, 99]);
    expect(s.y).toEqual([0, 99]);
  });

  it('sends every value with throttle: null', async () => {
    const m = new Metric('every', { throttle: null });
    let id = '';
    await client.withExecution('no-throttle', (e) => {
      id = e.id;
      for (let i = 0; i < 1000; i++) m.record(i, { at: i });
    });
    expect((await series(id, 'every')).total).toBe(1000);
  });

  it('delivers the trailing value at the end of its window without flush, then starts a new window', async () => {
    const m = new Metric('live', { throttle: 5 });
    const e = client.startExecution('trailing-timer');
    e.run(() => [1, 2, 3].forEach((v) => m.record(v, { at: v })));
    const first = await eventually(() => series(e.id, 'live'), (s) => s?.y.length === 2);
    expect(first.y).toEqual([1, 3]);
    await new Promise((r) => setTimeout(r, 250));
    e.run(() => [4, 5, 6].forEach((v) => m.record(v, { at: v })));
    const second = await eventually(() => series(e.id, 'live'), (s) => s?.y.length === 4);
    expect(second.x).toEqual([1, 3, 4, 6]);
    await e.end();
  });

  it('throws on a conflicting redefinition (naming what differs), and outside an execution', async () => {
    const a = new Metric('dup', { group: 'one' });
    const b = new Metric('dup', { group: 'two' });
    const same = new Metric('dup', { group: 'one' });
    expect(() => a.record(1)).toThrow(/outside an execution/);
    let id = '';
    await expect(client.withExecution('conflict', (e) => {
      id = e.id;
      a.record(1);
      same.record(2);
      b.record(3);
    })).rejects.toThrow(/"dup" is already defined differently .*group\.name: "one" → "two"/);
    const d = await detail(id);
    expect(d.execution).toMatchObject({ status: 'failed' });
    expect(d.definitions).toEqual([{ key: 'dup', group: { name: 'one' } }]);
    // Another execution may define the key its own way.
    await client.withExecution('conflict-2', () => b.record(1));
  });

  it('returns the result of withExecution, keeps labels, and rejects bad labels naming the field', async () => {
    let id = '';
    const result = await client.withExecution('labelled', (e) => {
      id = e.id;
      return 42;
    }, { labels: { team: 'vision', run: '7' } });
    expect(result).toBe(42);
    expect((await detail(id)).execution).toMatchObject({ name: 'labelled', labels: { team: 'vision', run: '7' }, status: 'succeeded' });
    expect(() => client.startExecution('bad', { labels: { lr: 0.1 as unknown as string } })).toThrow(/startExecution\.labels\.lr: must be a string/);
    expect(() => client.startExecution('')).toThrow(/startExecution\.name: must not be empty/);
  });

  it('writes one Metric to the execution of each async context when two run at once', async () => {
    const m = new Metric('shared', { throttle: null });
    const ids: string[] = [];
    const run = (name: string, offset: number) => client.withExecution(name, async (e) => {
      ids.push(e.id);
      for (let i = 0; i < 50; i++) {
        m.record(offset + i, { at: i });
        m.record(offset + i + 0.5, { at: i + 0.5 });
        await new Promise((r) => setImmediate(r));
      }
    });
    await Promise.all([run('left', 1000), run('right', 2000)]);
    const expected = (offset: number) => Array.from({ length: 100 }, (_, k) => offset + k / 2);
    expect((await series(ids[0]!, 'shared')).y).toEqual(expected(1000));
    expect((await series(ids[1]!, 'shared')).y).toEqual(expected(2000));
  });

  it('writes to the execution of the context where it changes within one tick: nested runs, a snapshot, microtasks', async () => {
    // currentExecution() remembers its last lookup per async resource (context.ts): each of these changes the context
    // without a new macrotask, and some without a new async resource.
    const m = new Metric('where', { throttle: null });
    const a = client.startExecution('context-a');
    const b = client.startExecution('context-b');
    const inB = b.run(() => AsyncLocalStorage.snapshot());
    // In a continuation of its own: the test body may run where executionAsyncId() is 0, which is never remembered.
    await new Promise((r) => setImmediate(r));
    a.run(() => {
      m.record(1, { at: 1 });
      b.run(() => m.record(2, { at: 1 }));
      m.record(3, { at: 2 });
      inB(() => m.record(4, { at: 2 }));
      m.record(5, { at: 3 });
      new AsyncLocalStorage<number>().run(7, () => m.record(6, { at: 4 }));
    });
    const steps = (e: typeof a, base: number) => e.run(async () => {
      for (let i = 0; i < 5; i++) {
        m.record(base + i, { at: 10 + i });
        await null;
      }
    });
    await Promise.all([steps(a, 100), steps(b, 200)]);
    await Promise.all([a.end(), b.end()]);
    const ys = async (id: string) => (await series(id, 'where')).y;
    expect(await ys(a.id)).toEqual([1, 3, 5, 6, 100, 101, 102, 103, 104]);
    expect(await ys(b.id)).toEqual([2, 4, 200, 201, 202, 203, 204]);
  });

  it('drops values recorded after end with one warning, and end() twice is harmless', async () => {
    const m = new Metric('late', { throttle: null });
    const e = client.startExecution('late');
    e.run(() => m.record(1, { at: 1 }));
    await e.end('cancelled');
    warnings.length = 0;
    e.run(() => { m.record(2, { at: 2 }); m.record(3, { at: 3 }); });
    await e.end();
    expect(warnings.filter((w) => w.includes('after end()'))).toHaveLength(1);
    expect((await series(e.id, 'late')).y).toEqual([1]);
    expect((await detail(e.id)).execution.status).toBe('cancelled');
  });

  it('marks a throwing function failed with its message, and rethrows', async () => {
    let id = '';
    await expect(client.withExecution('boom', (e) => {
      id = e.id;
      throw new Error('kaput');
    })).rejects.toThrow('kaput');
    expect((await detail(id)).execution).toMatchObject({ status: 'failed', error: 'kaput' });
  });

  it('keeps NaN and ±Infinity', async () => {
    const m = new Metric('odd', { throttle: null });
    let id = '';
    await client.withExecution('odd', (e) => {
      id = e.id;
      [1, NaN, Infinity, -Infinity, 2].forEach((v, i) => m.record(v, { at: i }));
    });
    expect((await series(id, 'odd')).y).toEqual([1, 'NaN', 'Infinity', '-Infinity', 2]);
  });

  it('progress: 0 first, the count after each item, on arrays, iterables and async iterables, final count on break', async () => {
    let id = '';
    await client.withExecution('progress', async (e) => {
      id = e.id;
      for (const _ of progress([1, 2, 3], { key: 'array', group: 'p' })) { /* consume */ }
      function* gen() { yield 1; yield 2; }
      for (const _ of progress(gen(), { key: 'iter' })) { /* consume */ }
      async function* agen() { yield 1; yield 2; yield 3; yield 4; }
      for await (const item of progress(agen(), { key: 'async' })) if (item === 3) break;
      for (const item of progress(new Set(['a', 'b', 'c', 'd']), { key: 'set' })) if (item === 'b') break;
    });
    const d = await detail(id);
    const defs = Object.fromEntries(d.definitions.map((x: { key: string }) => [x.key, x]));
    expect(defs.array).toEqual({ key: 'array', group: { name: 'p' }, scale: { progress: true, upper: 3 } });
    expect(defs.iter).toEqual({ key: 'iter', scale: { progress: true } });
    const arr = await series(id, 'array');
    expect(arr.y[0]).toBe(0);
    expect(arr.y[arr.y.length - 1]).toBe(3);
    // Breaking while handling the 3rd item leaves 3 items consumed.
    const asyncSeries = await series(id, 'async');
    expect(asyncSeries.y[0]).toBe(0);
    expect(asyncSeries.y.at(-1)).toBe(3);
    expect(defs.set).toEqual({ key: 'set', scale: { progress: true, upper: 4 } });
    expect((await series(id, 'set')).y.at(-1)).toBe(2);
    expect((await series(id, 'iter')).y.at(-1)).toBe(2);
  });

  it('Cog summary metrics: modes, nesting, type safety, delete, no-op outside', async () => {
    expect(() => recordMetric('outside', 1)).not.toThrow();
    expect(currentScope().metrics.has('outside')).toBe(false);
    let id = '';
    await client.withExecution('summary', async (e) => {
      id = e.id;
      recordMetric('temperature', 0.7);
      recordMetric('token_count', 10, 'incr');
      recordMetric('token_count', 5, 'incr');
      recordMetric('steps', 'a', 'append');
      recordMetric('steps', 'b', 'append');
      recordMetric('timing.inference', 0.85);
      await Promise.resolve();
      const scope = currentScope();
      expect(() => recordMetric('token_count', 'oops')).toThrow(/token_count.*number.*string/);
      scope.metrics.delete('token_count');
      recordMetric('token_count', 'now a string');
      expect(scope.metrics.get('timing.inference')).toBe(0.85);
      expect(() => recordMetric('bad..key', 1)).toThrow(/empty segment/);
      recordMetric('predict_time', 99);
      scope.metrics.set('via.set', true);
      expect(scope.metrics.has('via.set')).toBe(true);
      scope.metrics.record('counter', 2, 'incr');
      scope.recordMetric('counter', 3, 'incr');
      expect(scope.metrics.get('counter')).toBe(5);
      expect(() => recordMetric('counter', 1, 'double' as never)).toThrow(/mode must be one of replace, incr, append/);
      const config = { lr: 1 };
      recordMetric('config', config);
      config.lr = 2;
    });
    const d = await detail(id);
    expect(d.execution.summary).toMatchObject({ temperature: 0.7, token_count: 'now a string', steps: ['a', 'b'], timing: { inference: 0.85 }, config: { lr: 1 }, via: { set: true }, counter: 5 });
    expect(d.execution.summary.predict_time).toBeLessThan(99);
  });
});
