import { createStore, type StoreApi } from 'zustand/vanilla';
import type { Execution, ExecutionDetail, ServiceEntry, ServiceInterval, StreamEvent } from '../../protocol/index.js';
import type { ExecutionSeriesQuery, SeriesQuery, SeriesRead } from '../api/client.js';
import type { Clock } from './clock.js';
import { StreamConnection, type ConnectionState, type OpenEventSource } from './connection.js';
import { applyStreamEvent, emptyFollowed, eventExecutionId, mergeHistory, spliceRefinement, type FollowedExecution } from './followed.js';

export interface LiveState {
  connection: ConnectionState;
  /** Executions as last streamed (list upserts), by id. */
  executions: Readonly<Record<string, Execution>>;
  /** Executions deleted while this tab was open (from the stream), by id: pages drop them. */
  deleted: Readonly<Record<string, true>>;
  /** Bumped when an execution is created, changes or is deleted; the list merges `executions` into its pages. */
  listVersion: number;
  /** Every followed execution, by id. A new object whenever one is added, removed or replaced. */
  followed: Readonly<Record<string, FollowedExecution>>;
  /** Bumped at most once per frame when followed data changed: every chart redraws in that one frame. */
  version: number;
  /** Services as last streamed (`service` events: status, replicas, last seen), by name. */
  services: Readonly<Record<string, ServiceEntry>>;
}

/**
 * What a service follower hears: each live interval as streamed, or `reset` when intervals may have been missed (the
 * stream reconnected, or the server asked for a resync) and history must be read again.
 */
export type ServiceFeed = { type: 'interval'; interval: ServiceInterval } | { type: 'reset' };

/** Reads the live layer needs from the REST API (in the browser: `api/client.ts`). */
export interface LiveApi {
  getExecution(id: string): Promise<ExecutionDetail>;
  getSeries(id: string, query: SeriesQuery): Promise<SeriesRead>;
  /** Several executions' history in one read (`GET /api/series`); without it each execution is read on its own. */
  getSeriesOfExecutions?(reads: readonly ExecutionSeriesQuery[], opts: { snap?: boolean }): Promise<Map<string, SeriesRead>>;
}

export interface LiveDeps {
  openSource: OpenEventSource;
  api: LiveApi;
  clock: Clock;
  /** Points per series asked for when history is first read. */
  budget: () => number;
  /** An execution nobody watches any more is kept (and followed) this long, so going back to its page is instant. Default 30 s. */
  keepMs?: number;
  streamUrl?: string;
}

/** Points per series to read an execution's history at: a number, or one chosen once its definitions are known. */
export type HistoryBudget = number | ((detail: ExecutionDetail) => number);

export interface WatchOptions {
  /** Points per series to read history at (about 4 per pixel of the chart it is drawn in); default `deps.budget()`. */
  budget?: HistoryBudget;
  /**
   * The execution's series keys in the order the page shows them (its first screen first); keys it leaves out come after,
   * in the detail's order. History is read in that order, the first `FIRST_READ_KEYS` on their own (see `createLive`).
   */
  order?: (detail: ExecutionDetail) => readonly string[];
}

/**
 * An execution's history is read in two parts when it has more series than this: these first (the page's first screen,
 * in `WatchOptions.order`), shown as soon as they arrive, then the rest. 2,000 series of 1,000 points are a few seconds
 * of reading on a busy server; the first screen needs a few dozen of them.
 */
export const FIRST_READ_KEYS = 64;

/** `keys` with those of `first` that it holds put first, in `first`'s order. */
export function keysInOrder(keys: readonly string[], first: readonly string[]): string[] {
  const have = new Set(keys);
  const front = [...new Set(first)].filter((k) => have.has(k));
  const placed = new Set(front);
  return [...front, ...keys.filter((k) => !placed.has(k))];
}

/** The live layer of a tab, free of React: one stream, a set of followed executions, and the state the pages read. */
export interface Live {
  readonly store: StoreApi<LiveState>;
  /**
   * Follows these executions for as long as the returned function is not called (several watchers may share ids, as
   * TanStack Query's observers share a query). The stream follows the union of all watched ids.
   */
  watch(ids: readonly string[], opts?: WatchOptions): () => void;
  /** Zoomed into [from, to] of one execution: reads those still-downsampled series again at `budget` points and splices them in. */
  refine(id: string, keys: readonly string[], from: number, to: number, budget: number): Promise<void>;
  /**
   * Follows these services' live intervals (`serviceInterval` events) for as long as the returned function is not
   * called; `listener` hears them and resets. Several followers may share names.
   */
  followServices(names: readonly string[], listener: (feed: ServiceFeed) => void): () => void;
  /** Called after the server said the stream could not be resumed: REST views refetch. */
  onResync(listener: () => void): () => void;
  close(): void;
}

/**
 * Creates the live layer. For each followed execution: subscribe first (the stream follows it), buffer its stream events
 * while its history loads, merge the history, then apply the buffered events — the series buffers drop any x at or below
 * what is held, so there is no gap and no duplicate. Executions already held when the follow set changes are not read
 * again: the stream resumes from the last event seen. A `resync` (server restart, client too far behind) reads every
 * followed execution's history again and merges it with what is held.
 */
export function createLive(deps: LiveDeps): Live {
  const store = createStore<LiveState>(() => ({
    connection: 'connecting', executions: {}, deleted: {}, listVersion: 0, followed: {}, version: 0, services: {},
  }));
  /** Service followers: name → listeners. */
  const serviceFollowers = new Map<string, Set<(feed: ServiceFeed) => void>>();
  /** The stream was down since the last hello: service intervals were missed (they are never replayed). */
  let missed = false;
  const resetServices = () => {
    for (const set of serviceFollowers.values()) for (const l of set) l({ type: 'reset' });
  };
  const keepMs = deps.keepMs ?? 30_000;
  const watchers = new Map<string, number>();
  const dropTimers = new Map<string, unknown>();
  /** Stream events of executions whose history is being read (or waits for the subscription), in arrival order. */
  const pending = new Map<string, StreamEvent[]>();
  const loadTokens = new Map<string, number>();
  /** History budget asked by the latest watcher of an id. */
  const budgets = new Map<string, HistoryBudget>();
  /** Key order asked by the latest watcher of an id. */
  const orders = new Map<string, NonNullable<WatchOptions['order']>>();
  const resyncListeners = new Set<() => void>();
  /**
   * Executions read before the stream said hello (see `readEarly`): 'pending' until the detail answers; 'settled' once it
   * said the execution has ended (its history is read at once, not after the hello).
   */
  const early = new Map<string, 'pending' | 'settled'>();
  let followScheduled = false;
  let framePending = false;
  let closed = false;

  const connection = new StreamConnection(
    {
      onState: (state) => {
        if (state === 'reconnecting' || state === 'offline') missed = true;
        store.setState({ connection: state });
      },
      onEvent: (event, fresh) => onEvent(event, fresh),
    },
    deps.openSource,
    deps.clock,
    deps.streamUrl,
  );

  const touch = () => {
    if (framePending) return;
    framePending = true;
    deps.clock.nextFrame(() => {
      framePending = false;
      store.setState((s) => ({ version: s.version + 1 }));
    });
  };

  /** Replaces a followed execution; `data`: its series changed too (one state change, so pages render once). */
  const replace = (f: FollowedExecution, data = false) => {
    const { followed, version } = store.getState();
    if (followed[f.id] === undefined) return;
    store.setState({ followed: { ...followed, [f.id]: f }, ...(data && { version: version + 1 }) });
  };

  const syncFollow = () => {
    if (followScheduled) return;
    followScheduled = true;
    queueMicrotask(() => {
      followScheduled = false;
      if (!closed) connection.follow(Object.keys(store.getState().followed), [...serviceFollowers.keys()]);
    });
  };

  /** Follows `id`; true when it was not followed yet. */
  const add = (id: string): boolean => {
    const timer = dropTimers.get(id);
    if (timer !== undefined) {
      deps.clock.clearTimeout(timer);
      dropTimers.delete(id);
    }
    if (store.getState().followed[id]) return false;
    pending.set(id, []);
    store.setState((s) => ({ followed: { ...s.followed, [id]: emptyFollowed(id) } }));
    syncFollow();
    return true;
  };

  /**
   * Opening a page waits for the stream's hello before reading history, so that nothing recorded in between is missed.
   * An execution that has ended takes no more points (only label and note edits, or a delete), so its history can be read
   * while the stream connects: the details of the executions a page starts to watch are asked at once, and the series of
   * those that have ended are read right away (several in one shared read, as after a hello). Once the hello comes, such
   * an execution only has its detail read again (an edit or a delete in between); a running one (or one whose detail had
   * not answered yet) is read as always.
   */
  const readEarly = async (ids: readonly string[]): Promise<void> => {
    for (const id of ids) early.set(id, 'pending');
    const details = await Promise.all(ids.map((id) => deps.api.getExecution(id).catch(() => null)));
    const settled: Array<{ id: string; detail: ExecutionDetail }> = [];
    ids.forEach((id, i) => {
      const detail = details[i];
      if (early.get(id) !== 'pending') return;
      const ended = detail && detail.execution.status !== 'running' && detail.execution.status !== 'lost';
      if (!detail || !ended || !store.getState().followed[id]) {
        early.delete(id);
        return;
      }
      early.set(id, 'settled');
      settled.push({ id, detail });
    });
    if (settled.length === 0) return;
    const wanted = new Map(settled.map(({ id }) => [id, begin(id)]));
    const reads = settled.map(({ id, detail }) => ({ id, keys: detail.series.map((s) => s.key), budget: budgetOf(id, detail) }));
    const readMany = deps.api.getSeriesOfExecutions;
    try {
      if (readMany && reads.length > 1) {
        // Several (a comparison): one shared read, as after a hello.
        const histories = await readMany.call(deps.api, reads, { snap: true });
        for (const { id, detail } of settled) if (wanted.get(id)!()) finish(id, detail, histories.get(id) ?? { series: [] });
      } else await readHistory(settled[0]!.id, settled[0]!.detail, wanted.get(settled[0]!.id)!);
    } catch {
      // Read again as always.
      for (const { id } of settled) if (wanted.get(id)!()) void load(id);
    }
  };

  /** The detail of an execution read early, read again after the hello: edits (or a delete) that came in between. */
  const refreshDetail = async (id: string): Promise<void> => {
    try {
      const detail = await deps.api.getExecution(id);
      const f = store.getState().followed[id];
      if (f) replace({ ...f, execution: detail.execution, summary: detail.execution.summary });
    } catch (err) {
      if (store.getState().followed[id]) fail(id, err);
    }
  };

  const drop = (id: string) => {
    dropTimers.delete(id);
    if ((watchers.get(id) ?? 0) > 0) return;
    pending.delete(id);
    loadTokens.delete(id);
    budgets.delete(id);
    orders.delete(id);
    early.delete(id);
    store.setState((s) => {
      const { [id]: _gone, ...followed } = s.followed;
      return { followed };
    });
    syncFollow();
  };

  /** Starts a history read of `id`: its token, and whether the read is still the one wanted. */
  const begin = (id: string) => {
    const token = (loadTokens.get(id) ?? 0) + 1;
    loadTokens.set(id, token);
    if (!pending.has(id)) pending.set(id, []);
    return () => loadTokens.get(id) === token && store.getState().followed[id] !== undefined;
  };

  /** Points per series to read `id`'s history at, once its detail is known. */
  const budgetOf = (id: string, detail: ExecutionDetail) => {
    const asked = budgets.get(id) ?? deps.budget();
    return Math.max(4, Math.round(typeof asked === 'function' ? asked(detail) : asked));
  };

  /** Merges a read history, then the stream events buffered meanwhile. */
  const finish = (id: string, detail: ExecutionDetail, history: SeriesRead) => {
    let f = mergeHistory(store.getState().followed[id]!, detail, history);
    const buffered = pending.get(id) ?? [];
    pending.delete(id);
    for (const e of buffered) f = applyStreamEvent(f, e).replaced ?? f;
    replace(f, true);
  };

  const fail = (id: string, err: unknown) => {
    pending.delete(id);
    // An API error carries the HTTP status: 404 means no execution has this id (the page says "Not found").
    const notFound = (err as { status?: unknown } | null)?.status === 404;
    replace({ ...store.getState().followed[id]!, error: err instanceof Error ? err.message : String(err), loaded: true, notFound });
  };

  /**
   * Reads one execution's history and merges it: in one read, or (more than `FIRST_READ_KEYS` series) the keys the page
   * shows first, merged and shown at once, then the rest. Stream events stay buffered until the last part is merged.
   * Snapped: answered from the store's block summaries (no point decoded); zooming in refines it.
   */
  const readHistory = async (id: string, detail: ExecutionDetail, stillWanted: () => boolean): Promise<void> => {
    const order = orders.get(id);
    const all = detail.series.map((s) => s.key);
    const keys = order ? keysInOrder(all, order(detail)) : all;
    const read = (part: readonly string[]) => deps.api.getSeries(id, { keys: part, budget: budgetOf(id, detail), snap: true });
    let rest = keys;
    if (keys.length > FIRST_READ_KEYS) {
      const first = await read(keys.slice(0, FIRST_READ_KEYS));
      if (!stillWanted()) return;
      replace(mergeHistory(store.getState().followed[id]!, detail, first), true);
      rest = keys.slice(FIRST_READ_KEYS);
    }
    const history = rest.length > 0 ? await read(rest) : { series: [] };
    if (stillWanted()) finish(id, detail, history);
  };

  const load = async (id: string): Promise<void> => {
    const stillWanted = begin(id);
    try {
      const detail = await deps.api.getExecution(id);
      await readHistory(id, detail, stillWanted);
    } catch (err) {
      if (stillWanted()) fail(id, err);
    }
  };

  /**
   * Loads several executions: their details, then every history in one read of several executions (a comparison opens
   * with one series request, not one per run). A failed shared read falls back to reading each execution on its own.
   */
  const loadMany = async (ids: readonly string[], readMany: NonNullable<LiveApi['getSeriesOfExecutions']>): Promise<void> => {
    const wanted = new Map(ids.map((id) => [id, begin(id)]));
    const details = new Map<string, ExecutionDetail>();
    await Promise.all(ids.map(async (id) => {
      try {
        details.set(id, await deps.api.getExecution(id));
      } catch (err) {
        if (wanted.get(id)!()) fail(id, err);
      }
    }));
    const reads = [...details].filter(([id]) => wanted.get(id)!()).map(([id, d]) => ({ id, keys: d.series.map((s) => s.key), budget: budgetOf(id, d) }));
    let histories: Map<string, SeriesRead>;
    try {
      histories = await readMany(reads, { snap: true });
    } catch {
      for (const r of reads) if (wanted.get(r.id)!()) void load(r.id);
      return;
    }
    for (const r of reads) if (wanted.get(r.id)!()) finish(r.id, details.get(r.id)!, histories.get(r.id) ?? { series: [] });
  };

  const loadAll = (onlyWaiting: boolean) => {
    const ids: string[] = [];
    for (const id of Object.keys(store.getState().followed)) {
      const f = store.getState().followed[id]!;
      const read = early.get(id);
      early.delete(id);
      if (read === 'settled') {
        void refreshDetail(id);
        continue;
      }
      const inFlight = pending.has(id) && loadTokens.has(id);
      if (onlyWaiting && (f.loaded || inFlight)) continue;
      ids.push(id);
    }
    const readMany = deps.api.getSeriesOfExecutions;
    if (readMany && ids.length > 1) void loadMany(ids, readMany.bind(deps.api));
    else for (const id of ids) void load(id);
  };

  const applyToFollowed = (id: string, event: StreamEvent) => {
    const f = store.getState().followed[id];
    if (!f) return;
    const buffer = pending.get(id);
    if (buffer) {
      buffer.push(event);
      return;
    }
    const { replaced, data, reread } = applyStreamEvent(f, event);
    if (replaced) replace(replaced);
    if (data) touch();
    if (reread) void load(id);
  };

  const onEvent = (event: StreamEvent, fresh: boolean) => {
    switch (event.type) {
      case 'hello':
        store.setState({ connection: 'live' });
        // A fresh subscription reads every followed execution; a resumed one only those not read yet.
        loadAll(!fresh);
        if (missed) resetServices();
        missed = false;
        return;
      case 'resync':
        loadAll(false);
        resetServices();
        for (const l of resyncListeners) l();
        return;
      case 'service':
        store.setState((s) => ({ services: { ...s.services, [event.service.name]: event.service } }));
        return;
      case 'serviceInterval': {
        const listeners = serviceFollowers.get(event.interval.service);
        if (listeners) for (const l of listeners) l({ type: 'interval', interval: event.interval });
        return;
      }
      case 'execution':
        store.setState((s) => ({ executions: { ...s.executions, [event.execution.id]: event.execution }, listVersion: s.listVersion + 1 }));
        applyToFollowed(event.execution.id, event);
        return;
      case 'deleted': {
        pending.delete(event.id);
        store.setState((s) => {
          const { [event.id]: _gone, ...executions } = s.executions;
          const f = s.followed[event.id];
          return {
            executions,
            deleted: { ...s.deleted, [event.id]: true },
            listVersion: s.listVersion + 1,
            ...(f && { followed: { ...s.followed, [event.id]: { ...f, loaded: true, error: 'This execution was deleted.' } } }),
          };
        });
        return;
      }
      default: {
        const id = eventExecutionId(event);
        if (id !== null) applyToFollowed(id, event);
      }
    }
  };

  return {
    store,
    watch(ids, opts = {}) {
      const unique = [...new Set(ids)];
      const added: string[] = [];
      for (const id of unique) {
        watchers.set(id, (watchers.get(id) ?? 0) + 1);
        if (opts.budget !== undefined) budgets.set(id, opts.budget);
        if (opts.order !== undefined) orders.set(id, opts.order);
        if (add(id)) added.push(id);
      }
      if (added.length > 0) void readEarly(added);
      // The list page watches nothing but still wants list updates: the stream opens either way.
      syncFollow();
      let active = true;
      return () => {
        if (!active) return;
        active = false;
        for (const id of unique) {
          const n = (watchers.get(id) ?? 1) - 1;
          if (n > 0) {
            watchers.set(id, n);
            continue;
          }
          watchers.delete(id);
          if (keepMs <= 0) drop(id);
          else dropTimers.set(id, deps.clock.setTimeout(() => drop(id), keepMs));
        }
      };
    },
    async refine(id, keys, from, to, budget) {
      const f = store.getState().followed[id];
      if (!f || !f.loaded) return;
      const coarse = keys.filter((k) => f.series.get(k)?.downsampled);
      if (coarse.length === 0) return;
      const read = await deps.api.getSeries(id, { keys: coarse, from, to, budget, snap: true });
      const target = store.getState().followed[id];
      if (!target) return;
      spliceRefinement(target, from, to, read);
      touch();
    },
    followServices(names, listener) {
      const unique = [...new Set(names)];
      let changed = false;
      for (const name of unique) {
        let set = serviceFollowers.get(name);
        if (!set) {
          serviceFollowers.set(name, (set = new Set()));
          changed = true;
        }
        set.add(listener);
      }
      if (changed) syncFollow();
      let active = true;
      return () => {
        if (!active) return;
        active = false;
        let dropped = false;
        for (const name of unique) {
          const set = serviceFollowers.get(name);
          set?.delete(listener);
          if (set && set.size === 0) {
            serviceFollowers.delete(name);
            dropped = true;
          }
        }
        if (dropped) syncFollow();
      };
    },
    onResync(listener) {
      resyncListeners.add(listener);
      return () => resyncListeners.delete(listener);
    },
    close() {
      closed = true;
      connection.close();
      for (const t of dropTimers.values()) deps.clock.clearTimeout(t);
      dropTimers.clear();
    },
  };
}
