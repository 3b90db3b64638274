import { useEffect, useState } from 'react';
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

/**
 * The live store's version, updated at most once per `ms` (the newest version always arrives, at most `ms` late): for
 * text that follows live data — values changing 20 times a second cannot be read, and each change costs the page a
 * render, a style recalculation and a paint.
 */
export function useLiveVersionAtMost(ms: number): number {
  const [version, setVersion] = useState(() => live.store.getState().version);
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | null = null;
    let last = -Infinity;
    const catchUp = () => {
      timer = null;
      last = performance.now();
      setVersion(live.store.getState().version);
    };
    const unsubscribe = live.store.subscribe((s, before) => {
      if (s.version === before.version || timer !== null) return;
      timer = setTimeout(catchUp, Math.max(0, last + ms - performance.now()));
    });
    // A version that changed between the first render and this subscription.
    setVersion(live.store.getState().version);
    return () => {
      unsubscribe();
      if (timer !== null) clearTimeout(timer);
    };
  }, [ms]);
  return version;
}
