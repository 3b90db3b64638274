import { useEffect } from 'react';
import { useStore } from 'zustand';
import { live } from './live.js';
import type { LiveState, WatchOptions } from './live-core.js';

/** React's view of the live state (the thin adapter over the framework-free core, as zustand's `react.ts` over `vanilla.ts`). */
export function useLive<T>(selector: (s: LiveState) => T): T {
  return useStore(live.store, selector);
}

/** Follows these executions while the component is mounted. `ids` is compared by content. */
export function useFollow(ids: readonly string[], opts: WatchOptions = {}): void {
  const signature = ids.join('\n');
  const { budget, order } = opts;
  useEffect(
    () => live.watch(signature === '' ? [] : signature.split('\n'), { ...(budget !== undefined && { budget }), ...(order !== undefined && { order }) }),
    [signature, budget, order],
  );
}
