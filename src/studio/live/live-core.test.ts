import { describe, expect, it } from 'vitest';
import type { Execution, ExecutionDetail, SeriesResponse, StreamEvent } from '../../protocol/index.js';
import type { ExecutionSeriesQuery, SeriesQuery } from '../api/client.js';
import type { Clock } from './clock.js';
import type { EventSourceLike } from './connection.js';
import { createLive, FIRST_READ_KEYS, keysInOrder, type LiveApi } from './live-core.js';

/** A stream the test writes into, as the server would. */
class FakeSource implements EventSourceLike {
  readyState = 0;
  onopen: ((ev: unknown) => void) | null = null;
  onmessage: ((msg: { data: string; lastEventId: string }) => void) | null = null;
  onerror: ((ev: unknown) => void) | null = null;
  closed = false;
  private seq = 0;
  constructor(readonly url: string) {}
  get follow(): string[] {
    return (new URL(this.url, 'http://x').searchParams.get('follow') ?? '').split(',').filter(Boolean);
  }
  get since(): string | null {
    return new URL(this.url, 'http://x').searchParams.get('since');
  }
  send(event: StreamEvent, id = true): void {
    this.onmessage?.({ data: JSON.stringify(event), lastEventId: id ? `e1:${++this.seq + 100 * Number(this.since?.split(':')[1] ?? 0)}` : '' });
  }
  hello(): void {
    this.readyState = 1;
    this.onopen?.({});
    this.send({ type: 'hello', epoch: 'e1', follow: this.follow }, this.since === null);
  }
  close(): void {
    this.closed = true;
    this.readyState = 2;
  }
}

interface Deferred<T> { promise: Promise<T>; resolve(v: T): void; reject(e: unknown): void }
function deferred<T>(): Deferred<T> {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => { resolve = res; reject = rej; });
  return { promise, resolve, reject };
}

/** REST reads that answer only when the test says so, like a slow server. */
class FakeApi implements LiveApi {
  details = new Map<string, Deferred<ExecutionDetail>>();
  reads: { id: string; query: SeriesQuery; answer: Deferred<SeriesResponse> }[] = [];
  getExecution(id: string): Promise<ExecutionDetail> {
    const d = deferred<ExecutionDetail>();
    this.details.set(id, d);
    return d.promise;
  }
  getSeries(id: string, query: SeriesQuery): Promise<SeriesResponse> {
    const answer = deferred<SeriesResponse>();
    this.reads.push({ id, query, answer });
    return answer.promise;
  }
  /** Answers the pending history read of `id` with these series (x → y = x * 10). */
  async answer(id: string, series: Record<string, number[]>): Promise<void> {
    const keys = Object.keys(series);
    this.details.get(id)!.resolve({
      execution: execution(id),
      definitions: keys.map((key) => ({ key, group: { name: 'training' } })),
      series: keys.map((key) => ({ key, count: series[key]!.length, minX: series[key]![0]!, maxX: series[key]!.at(-1)!, lastY: 0 })),
    });
    await flush();
    const read = this.reads.find((r) => r.id === id && r.query.from === undefined);
    this.reads = this.reads.filter((r) => r !== read);
    read!.answer.resolve({ series: keys.map((key) => ({ key, total: series[key]!.length, downsampled: false, x: series[key]!, y: series[key]!.map((x) => x * 10) })) });
    await flush();
  }
}

function execution(id: string, status: Execution['status'] = 'running'): Execution {
  return { id, name: `run-${id}`, labels: {}, status, startedAt: 1.7e12, endedAt: null, lastSeenAt: 1.7e12, error: null, metricCount: 1, summary: {} };
}

/** A clock whose timers and frames run when the test says. */
class ManualClock implements Clock {
  t = 1.7e12;
  private timers: { at: number; fn: () => void; id: number }[] = [];
  private frames: (() => void)[] = [];
  private ids = 0;
  now = () => this.t;
  setTimeout = (fn: () => void, ms: number) => {
    const id = ++this.ids;
    this.timers.push({ at: this.t + ms, fn, id });
    return id;
  };
  clearTimeout = (id: unknown) => {
    this.timers = this.timers.filter((t) => t.id !== id);
  };
  nextFrame = (fn: () => void) => {
    this.frames.push(fn);
  };
  frame(): void {
    const due = this.frames;
    this.frames = [];
    for (const f of due) f();
  }
  advance(ms: number): void {
    this.t += ms;
    const due = this.timers.filter((t) => t.at <= this.t);
    this.timers = this.timers.filter((t) => t.at > this.t);
    for (const t of due) t.fn();
  }
}

const flush = () => new Promise<void>((r) => setTimeout(r, 0));

function setup(keepMs = 30_000) {
  const sources: FakeSource[] = [];
  const api = new FakeApi();
  const clock = new ManualClock();
  const live = createLive({ openSource: (url) => { const s = new FakeSource(url); sources.push(s); return s; }, api, clock, budget: () => 1000, keepMs });
  const held = (id: string, key: string) => {
    const s = live.store.getState().followed[id]?.series.get(key);
    return s ? Array.from(s.x.subarray(0, s.length)) : undefined;
  };
  const heldY = (id: string, key: string) => {
    const s = live.store.getState().followed[id]?.series.get(key);
    return s ? Array.from(s.y.subarray(0, s.length)) : undefined;
  };
  const source = () => sources.at(-1)!;
  /** Watches these executions, confirms the subscription and answers each history read. */
  const followLoaded = async (histories: Record<string, Record<string, number[]>>) => {
    const stop = live.watch(Object.keys(histories));
    await flush();
    source().hello();
    await flush();
    for (const [id, series] of Object.entries(histories)) await api.answer(id, series);
    return stop;
  };
  return { sources, api, clock, live, held, heldY, source, followLoaded };
}

/** The REST reads with a read of several executions: each `getSeriesOfExecutions` call waits for the test's answer. */
class BatchingApi extends FakeApi {
  batches: { reads: readonly ExecutionSeriesQuery[]; answer: Deferred<Map<string, SeriesResponse>> }[] = [];
  getSeriesOfExecutions(reads: readonly ExecutionSeriesQuery[]): Promise<Map<string, SeriesResponse>> {
    const answer = deferred<Map<string, SeriesResponse>>();
    this.batches.push({ reads, answer });
    return answer.promise;
  }
  detail(id: string, keys: string[]): void {
    this.details.get(id)!.resolve({
      execution: execution(id),
      definitions: keys.map((key) => ({ key, group: { name: 'training' } })),
      series: keys.map((key) => ({ key, count: 2, minX: 1, maxX: 2, lastY: 0 })),
    });
  }
}

describe('live layer: histories of several executions in one read', () => {
  const history = (keys: string[], x: number[]): SeriesResponse => ({ series: keys.map((key) => ({ key, total: x.length, downsampled: false, x, y: x.map((v) => v * 10) })) });

  it('reads every history in one call once the details are in, then merges each with what streamed meanwhile', async () => {
    const api = new BatchingApi();
    const sources: FakeSource[] = [];
    const live = createLive({ openSource: (url) => { const s = new FakeSource(url); sources.push(s); return s; }, api, clock: new ManualClock(), budget: () => 1000 });
    live.watch(['a', 'b', 'c'], { budget: 800 });
    await flush();
    sources[0]!.hello();
    await flush();
    api.detail('a', ['loss']);
    api.detail('b', ['loss', 'acc']);
    await flush();
    expect(api.batches).toHaveLength(0); // waits for c's detail
    api.detail('c', []);
    await flush();
    expect(api.batches).toHaveLength(1);
    expect(api.reads).toHaveLength(0);
    expect(api.batches[0]!.reads).toEqual([{ id: 'a', keys: ['loss'], budget: 800 }, { id: 'b', keys: ['loss', 'acc'], budget: 800 }, { id: 'c', keys: [], budget: 800 }]);
    sources[0]!.send(points('a', 'loss', [2, 3]));
    api.batches[0]!.answer.resolve(new Map([['a', history(['loss'], [1, 2])], ['b', history(['loss', 'acc'], [5])], ['c', { series: [] }]]));
    await flush();
    const followed = live.store.getState().followed;
    expect(['a', 'b', 'c'].map((id) => followed[id]!.loaded)).toEqual([true, true, true]);
    const x = (id: string, key: string) => Array.from(followed[id]!.series.get(key)!.x.subarray(0, followed[id]!.series.get(key)!.length));
    expect(x('a', 'loss')).toEqual([1, 2, 3]);
    expect(x('b', 'acc')).toEqual([5]);
  });

  it('reads each execution on its own when the shared read fails, and reports an execution whose detail failed', async () => {
    const api = new BatchingApi();
    const sources: FakeSource[] = [];
    const live = createLive({ openSource: (url) => { const s = new FakeSource(url); sources.push(s); return s; }, api, clock: new ManualClock(), budget: () => 1000 });
    live.watch(['a', 'b', 'gone']);
    await flush();
    sources[0]!.hello();
    await flush();
    api.detail('a', ['loss']);
    api.detail('b', ['loss']);
    api.details.get('gone')!.reject(Object.assign(new Error('id: no execution "gone"'), { status: 404 }));
    await flush();
    expect(live.store.getState().followed.gone).toMatchObject({ loaded: true, notFound: true });
    api.batches[0]!.answer.reject(new Error('503 Service Unavailable'));
    await flush();
    // Each is read again on its own.
    api.reads = [];
    await api.answer('a', { loss: [1] });
    await api.answer('b', { loss: [7, 8] });
    expect(live.store.getState().followed.b!.series.get('loss')!.length).toBe(2);
    expect(live.store.getState().followed.a!.loaded).toBe(true);
  });
});

describe('live layer: an ended execution opens without waiting for the stream', () => {
  const detailOf = (id: string, status: Execution['status'], keys: string[], labels: Record<string, string> = {}): ExecutionDetail => ({
    execution: { ...execution(id, status), labels },
    definitions: keys.map((key) => ({ key, group: { name: 'training' } })),
    series: keys.map((key) => ({ key, count: 2, minX: 1, maxX: 2, lastY: 20 })),
  });

  it('reads its history before the hello, and after the hello only its detail again (an edit in between is seen)', async () => {
    const { live, api, held, source } = setup();
    live.watch(['done']);
    await flush();
    api.details.get('done')!.resolve(detailOf('done', 'succeeded', ['loss']));
    await flush();
    expect(api.reads.map((r) => r.id)).toEqual(['done']);
    api.reads.shift()!.answer.resolve({ series: [{ key: 'loss', total: 2, downsampled: false, x: [1, 2], y: [10, 20] }] });
    await flush();
    expect(live.store.getState().followed.done!.loaded).toBe(true);
    expect(held('done', 'loss')).toEqual([1, 2]);
    api.details.delete('done');
    source().hello();
    await flush();
    expect(api.reads).toHaveLength(0);
    api.details.get('done')!.resolve(detailOf('done', 'succeeded', ['loss'], { note: 'relabelled' }));
    await flush();
    expect(live.store.getState().followed.done!.execution!.labels).toEqual({ note: 'relabelled' });
    expect(held('done', 'loss')).toEqual([1, 2]);
  });

  it('a running execution is read only after the hello, with its detail asked again then', async () => {
    const { live, api, held, source } = setup();
    live.watch(['run']);
    await flush();
    api.details.get('run')!.resolve(detailOf('run', 'running', ['loss']));
    await flush();
    expect(api.reads).toHaveLength(0);
    source().hello();
    await flush();
    await api.answer('run', { loss: [1, 2] });
    expect(held('run', 'loss')).toEqual([1, 2]);
  });

  it('several ended executions (a comparison) are read early in one shared read', async () => {
    const api = new BatchingApi();
    const sources: FakeSource[] = [];
    const live = createLive({ openSource: (url) => { const s = new FakeSource(url); sources.push(s); return s; }, api, clock: new ManualClock(), budget: () => 1000 });
    live.watch(['a', 'b'], { budget: 800 });
    await flush();
    api.details.get('a')!.resolve(detailOf('a', 'succeeded', ['loss']));
    api.details.get('b')!.resolve(detailOf('b', 'cancelled', ['loss']));
    await flush();
    expect(api.batches.map((b) => b.reads.map((r) => r.id))).toEqual([['a', 'b']]);
    expect(api.reads).toHaveLength(0);
    const one = { series: [{ key: 'loss', total: 1, downsampled: false, x: [7], y: [70] }] };
    api.batches[0]!.answer.resolve(new Map([['a', one], ['b', one]]));
    await flush();
    expect(live.store.getState().followed.a!.loaded && live.store.getState().followed.b!.loaded).toBe(true);
    sources[0]!.hello();
    await flush();
    expect(api.batches).toHaveLength(1);
  });

  it('a deleted ended execution read early is told once the hello\'s detail read answers 404', async () => {
    const { live, api, source } = setup();
    live.watch(['gone']);
    await flush();
    api.details.get('gone')!.resolve(detailOf('gone', 'failed', []));
    await flush();
    source().hello();
    await flush();
    api.details.get('gone')!.reject(Object.assign(new Error('id: no execution "gone"'), { status: 404 }));
    await flush();
    expect(live.store.getState().followed.gone).toMatchObject({ loaded: true, notFound: true });
  });
});

const points = (executionId: string, key: string, x: number[]): StreamEvent => ({ type: 'points', executionId, series: [{ key, x, y: x.map((v) => v * 10) }] });

describe('live layer: several executions at once', () => {
  it('subscribes to all of them on one stream, buffers while each history loads, merges without gap or duplicate', async () => {
    const { live, api, held, heldY, source, sources } = setup();
    live.watch(['a', 'b', 'c']);
    await flush();
    expect(sources).toHaveLength(1);
    expect(source().follow).toEqual(['a', 'b', 'c']);
    // Series are read only once the stream confirmed the subscription (details are asked at once: an ended execution's
    // history may be read early, see below).
    expect(api.reads).toHaveLength(0);
    api.details.clear();
    source().hello();
    await flush();
    expect([...api.details.keys()].sort()).toEqual(['a', 'b', 'c']);

    // While the histories load, points stream for all three; some overlap what the history will hold.
    source().send(points('a', 'loss', [3, 4]));
    source().send(points('b', 'loss', [1, 2]));
    source().send(points('c', 'loss', [10]));
    expect(live.store.getState().followed.a!.loaded).toBe(false);
    expect(held('a', 'loss')).toBeUndefined();

    await api.answer('a', { loss: [1, 2, 3] });
    await api.answer('b', { loss: [1, 2, 3, 4, 5] });
    await api.answer('c', { loss: [] });
    expect(held('a', 'loss')).toEqual([1, 2, 3, 4]);
    expect(heldY('a', 'loss')).toEqual([10, 20, 30, 40]);
    expect(held('b', 'loss')).toEqual([1, 2, 3, 4, 5]);
    expect(held('c', 'loss')).toEqual([10]);

    // After the load, points go straight into the buffers of their own execution only.
    source().send(points('b', 'loss', [6]));
    source().send(points('c', 'acc', [11]));
    expect(held('a', 'loss')).toEqual([1, 2, 3, 4]);
    expect(held('b', 'loss')).toEqual([1, 2, 3, 4, 5, 6]);
    expect(held('c', 'acc')).toEqual([11]);
    expect(live.store.getState().followed.c!.keys).toEqual(['loss', 'acc']);
  });

  it('reads history snapped, at the budget each watcher asked: a number, or one chosen from the definitions', async () => {
    const { live, api, source } = setup();
    live.watch(['a']);
    live.watch(['b'], { budget: 2000 });
    live.watch(['c'], { budget: (detail) => 100 * detail.definitions.length });
    await flush();
    source().hello();
    await flush();
    api.details.get('a')!.resolve({ execution: execution('a'), definitions: [], series: [{ key: 'loss', count: 2, minX: 1, maxX: 2, lastY: 0 }] });
    api.details.get('b')!.resolve({ execution: execution('b'), definitions: [], series: [{ key: 'loss', count: 2, minX: 1, maxX: 2, lastY: 0 }] });
    api.details.get('c')!.resolve({
      execution: execution('c'), definitions: [{ key: 'loss', group: { name: 'g' } }, { key: 'acc', group: { name: 'g' } }, { key: 'lr' }],
      series: [{ key: 'loss', count: 2, minX: 1, maxX: 2, lastY: 0 }],
    });
    await flush();
    expect(Object.fromEntries(api.reads.map((r) => [r.id, r.query]))).toEqual({
      a: { keys: ['loss'], budget: 1000, snap: true },
      b: { keys: ['loss'], budget: 2000, snap: true },
      c: { keys: ['loss'], budget: 300, snap: true },
    });
  });

  it('adding an execution resumes the stream and reads only the new one; the others keep their data', async () => {
    const { live, api, held, source, sources, followLoaded } = setup();
    await followLoaded({ a: { loss: [1, 2] }, b: { loss: [1] } });
    source().send(points('a', 'loss', [3]));
    const first = source();

    const stop = live.watch(['b', 'c']);
    await flush();
    expect(sources).toHaveLength(2);
    expect(first.closed).toBe(true);
    expect(source().follow).toEqual(['a', 'b', 'c']);
    expect(source().since).not.toBeNull();
    api.details.clear();
    source().hello();
    await flush();
    expect([...api.details.keys()]).toEqual(['c']);
    // The server replays what c did since the last event id, before its history arrives.
    source().send(points('c', 'loss', [5, 6]));
    await api.answer('c', { loss: [4, 5] });
    expect(held('c', 'loss')).toEqual([4, 5, 6]);
    expect(held('a', 'loss')).toEqual([1, 2, 3]);
    stop();
  });

  it('a resync reads every history again and keeps the points that streamed beyond it', async () => {
    const { live, api, held, source, followLoaded } = setup();
    let resyncs = 0;
    live.onResync(() => resyncs++);
    await followLoaded({ a: { loss: [1, 2] }, b: { loss: [1] } });
    source().send(points('a', 'loss', [3, 4]));

    source().send({ type: 'resync', reason: 'the server restarted' });
    expect(resyncs).toBe(1);
    source().send(points('b', 'loss', [7]));
    await api.answer('a', { loss: [1, 2, 3] }); // the server had 3 when read; 4 was only streamed
    await api.answer('b', { loss: [1, 5, 6] });
    expect(held('a', 'loss')).toEqual([1, 2, 3, 4]);
    expect(held('b', 'loss')).toEqual([1, 5, 6, 7]);
  });

  it('changes within one frame become one version bump', async () => {
    const { live, api, clock, source, followLoaded } = setup();
    await followLoaded({ a: { loss: [1] }, b: { loss: [1] } });
    clock.frame();
    const before = live.store.getState().version;
    for (let x = 2; x < 50; x++) {
      source().send(points('a', 'loss', [x]));
      source().send(points('b', 'loss', [x]));
    }
    expect(live.store.getState().version).toBe(before);
    clock.frame();
    expect(live.store.getState().version).toBe(before + 1);
  });

  it('execution upserts reach the list and the followed execution; other executions only the list', async () => {
    const { live, api, source, followLoaded } = setup();
    await followLoaded({ a: { loss: [1] } });
    source().send({ type: 'execution', execution: execution('a', 'succeeded') });
    source().send({ type: 'execution', execution: execution('z') });
    const s = live.store.getState();
    expect(s.followed.a!.execution!.status).toBe('succeeded');
    expect(s.followed.z).toBeUndefined();
    expect(Object.keys(s.executions).sort()).toEqual(['a', 'z']);
  });

  it('a deleted execution leaves the list and its followed page is told', async () => {
    const { live, api, source, followLoaded } = setup();
    await followLoaded({ a: { loss: [1] } });
    source().send({ type: 'execution', execution: execution('b') });
    const before = live.store.getState().listVersion;
    source().send({ type: 'deleted', id: 'a' });
    source().send({ type: 'deleted', id: 'b' });
    const s = live.store.getState();
    expect(s.executions.b).toBeUndefined();
    expect(s.deleted).toEqual({ a: true, b: true });
    expect(s.listVersion).toBe(before + 2);
    expect(s.followed.a!.error).toBe('This execution was deleted.');
  });

  it('an execution nobody watches is dropped after keepMs and the stream stops following it', async () => {
    const { live, api, clock, source } = setup(1000);
    const stopA = live.watch(['a']);
    live.watch(['b']);
    await flush();
    source().hello();
    await flush();
    await api.answer('a', { loss: [1] });
    await api.answer('b', { loss: [1] });
    stopA();
    clock.advance(500);
    await flush();
    expect(live.store.getState().followed.a).toBeDefined();
    const again = live.watch(['a']); // back within keepMs: nothing is read again
    clock.advance(1000);
    expect(live.store.getState().followed.a!.loaded).toBe(true);
    again();
    clock.advance(1000);
    await flush();
    expect(live.store.getState().followed.a).toBeUndefined();
    expect(source().follow).toEqual(['b']);
  });

  it('a failed history read shows its error and stops buffering', async () => {
    const { live, api, source } = setup();
    live.watch(['gone']);
    await flush();
    source().hello();
    await flush();
    api.details.get('gone')!.reject(new Error('no execution "gone"'));
    await flush();
    const f = live.store.getState().followed.gone!;
    expect(f.loaded).toBe(true);
    expect(f.error).toBe('no execution "gone"');
  });

  it('refine reads only still-downsampled series of that execution and splices the finer points in', async () => {
    const { live, api, held, source } = setup();
    live.watch(['a']);
    await flush();
    source().hello();
    await flush();
    api.details.get('a')!.resolve({ execution: execution('a'), definitions: [], series: [{ key: 'loss', count: 100, minX: 0, maxX: 99, lastY: 0 }, { key: 'acc', count: 2, minX: 0, maxX: 1, lastY: 0 }] });
    await flush();
    api.reads.shift()!.answer.resolve({ series: [
      { key: 'loss', total: 100, downsampled: true, x: [0, 40, 60, 99], y: [0, 1, 2, 3] },
      { key: 'acc', total: 2, downsampled: false, x: [0, 1], y: [0, 1] },
    ] });
    await flush();
    const done = live.refine('a', ['loss', 'acc'], 30, 50, 400);
    expect(api.reads).toHaveLength(1);
    expect(api.reads[0]!.query).toEqual({ keys: ['loss'], from: 30, to: 50, budget: 400, snap: true });
    api.reads[0]!.answer.resolve({ series: [{ key: 'loss', total: 21, downsampled: false, x: [30, 35, 40, 45, 50], y: [5, 5, 5, 5, 5] }] });
    await done;
    expect(held('a', 'loss')).toEqual([0, 30, 35, 40, 45, 50, 60, 99]);
  });
});

describe('live layer: an execution of many series', () => {
  const many = Array.from({ length: FIRST_READ_KEYS + 36 }, (_, i) => `s${String(i).padStart(3, '0')}`);
  const detail = (id: string): ExecutionDetail => ({
    execution: execution(id), definitions: many.map((key) => ({ key })),
    series: many.map((key) => ({ key, count: 3, minX: 1, maxX: 3, lastY: 30 })),
  });
  const answer = (keys: readonly string[]): SeriesResponse => ({ series: keys.map((key) => ({ key, total: 3, downsampled: false, x: [1, 2, 3], y: [10, 20, 30] })) });

  it('reads the keys the page shows first on their own and shows them, then the rest; points streamed meanwhile join without gap or duplicate', async () => {
    const { live, api, held, source } = setup();
    // The page shows the last keys first (say, their panels come first).
    live.watch(['run'], { order: (d) => d.series.map((s) => s.key).reverse() });
    await flush();
    source().hello();
    await flush();
    api.details.get('run')!.resolve(detail('run'));
    await flush();
    expect(api.reads).toHaveLength(1);
    const first = api.reads.shift()!;
    expect(first.query.keys).toEqual([...many].reverse().slice(0, FIRST_READ_KEYS));
    source().send(points('run', many.at(-1)!, [3, 4]));
    source().send(points('run', many[0]!, [2, 3, 4]));
    first.answer.resolve(answer(first.query.keys));
    await flush();
    // Shown at once: loaded, every key known, the first part held; the rest is being read.
    const f = live.store.getState().followed.run!;
    expect(f.loaded).toBe(true);
    expect(f.keys).toHaveLength(many.length);
    expect(held('run', many.at(-1)!)).toEqual([1, 2, 3]);
    expect(held('run', many[0]!)).toBeUndefined();
    expect(api.reads).toHaveLength(1);
    const rest = api.reads.shift()!;
    expect(rest.query.keys).toEqual([...many].reverse().slice(FIRST_READ_KEYS));
    source().send(points('run', many[0]!, [5]));
    rest.answer.resolve(answer(rest.query.keys));
    await flush();
    expect(held('run', many.at(-1)!)).toEqual([1, 2, 3, 4]);
    expect(held('run', many[0]!)).toEqual([1, 2, 3, 4, 5]);
    // Then points go straight in.
    source().send(points('run', many[0]!, [6]));
    expect(held('run', many[0]!)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('an ended execution read before the hello is read in the same two parts', async () => {
    const { live, api } = setup();
    live.watch(['done']);
    await flush();
    api.details.get('done')!.resolve({ ...detail('done'), execution: execution('done', 'succeeded') });
    await flush();
    expect(api.reads.map((r) => r.query.keys.length)).toEqual([FIRST_READ_KEYS]);
    api.reads[0]!.answer.resolve(answer(api.reads[0]!.query.keys));
    await flush();
    expect(api.reads.map((r) => r.query.keys.length)).toEqual([FIRST_READ_KEYS, 36]);
  });

  it('keysInOrder puts the keys a page names first, once each, and keeps the others in order', () => {
    expect(keysInOrder(['a', 'b', 'c', 'd'], ['c', 'x', 'a', 'c'])).toEqual(['c', 'a', 'b', 'd']);
  });
});

describe('live layer: services', () => {
  const interval = (service: string, start: number, closed = false): StreamEvent => ({
    type: 'serviceInterval',
    interval: { service, start, closed, replicas: 1, seconds: 10, requests: { requests: 1, requestsPerSecond: 0.1, avgRequestMs: 5, p99Ms: 5, '2XX': 1, '4XX': 0, '5XX': 0 }, metrics: [] },
  });

  it('follows services on the stream (?services=), hands their intervals to followers only, and keeps service entries', async () => {
    const { live, source } = setup();
    const a: string[] = [], b: string[] = [];
    const stopA = live.followServices(['api'], (f) => a.push(f.type === 'interval' ? `${f.interval.service}@${f.interval.start}` : f.type));
    live.followServices(['jobs'], (f) => b.push(f.type === 'interval' ? `${f.interval.service}@${f.interval.start}` : f.type));
    await flush();
    expect(new URL(source().url, 'http://x').searchParams.get('services')).toBe('api,jobs');
    source().hello();
    source().send(interval('api', 10_000), false);
    source().send(interval('jobs', 10_000), false);
    source().send({ type: 'service', service: { name: 'api', status: 'live', replicas: 2, lastSeen: 5 } }, false);
    expect(a).toEqual(['api@10000']);
    expect(b).toEqual(['jobs@10000']);
    expect(live.store.getState().services.api).toMatchObject({ status: 'live', replicas: 2 });
    stopA();
    await flush();
    expect(new URL(source().url, 'http://x').searchParams.get('services')).toBe('jobs');
  });

  it('tells service followers to read history again after the stream was down (intervals are never replayed)', async () => {
    const { live, source } = setup();
    const heard: string[] = [];
    live.followServices(['api'], (f) => heard.push(f.type));
    await flush();
    source().hello();
    expect(heard).toEqual([]); // the first hello: the page reads its history anyway
    source().readyState = 0;
    source().onerror?.({});
    source().hello();
    expect(heard).toEqual(['reset']);
    source().send({ type: 'resync', reason: 'the server restarted' });
    expect(heard).toEqual(['reset', 'reset']);
  });
});
