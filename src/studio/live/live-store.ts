import { createStore, useStore } from 'zustand';
import type { Execution, MetricDef, SummaryObject } from '../../protocol/index.js';
import type { SeriesBuffer } from '../model/series-buffer.js';
import type { ConnectionState } from './connection.js';

/** The execution the page follows. Its series buffers are mutated in place; `version` tells React something changed. */
export interface FollowedExecution {
  id: string;
  execution: Execution | null;
  definitions: MetricDef[];
  series: Map<string, SeriesBuffer>;
  /** Series keys in the order they first appeared (history first, then live). */
  keys: string[];
  summary: SummaryObject;
  loaded: boolean;
  error: string | null;
  /** The server answered that no execution has this id. */
  notFound?: boolean;
}

export interface LiveState {
  connection: ConnectionState;
  /** Executions as last streamed (list upserts), by id. */
  executions: Record<string, Execution>;
  /** Bumped when an execution is created or changes; the list merges `executions` into its pages. */
  listVersion: number;
  followed: FollowedExecution | null;
  /** Bumped at most once per animation frame when followed data changed: every chart redraws in that one frame. */
  version: number;
}

export const liveStore = createStore<LiveState>(() => ({
  connection: 'connecting',
  executions: {},
  listVersion: 0,
  followed: null,
  version: 0,
}));

export function useLive<T>(selector: (s: LiveState) => T): T {
  return useStore(liveStore, selector);
}

let framePending = false;

/** Marks followed data as changed; all changes within one frame become one `version` bump (one redraw per chart). */
export function touchFollowed(): void {
  if (framePending) return;
  framePending = true;
  const flush = () => {
    framePending = false;
    liveStore.setState((s) => ({ version: s.version + 1 }));
  };
  if (typeof requestAnimationFrame === 'function' && document.visibilityState === 'visible') requestAnimationFrame(flush);
  else setTimeout(flush, 100);
}
