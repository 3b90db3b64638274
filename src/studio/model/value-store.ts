/**
 * One value that changes outside React and is read by a component through `useSyncExternalStore`: the cursor's x over a
 * chart, set from uPlot's cursor hook. A React state set there renders the whole panel a frame later (the legend at the
 * cursor lagged the tooltip by a frame while live); a store renders only its readers, synchronously.
 */
export interface ValueStore<T> {
  get(): T;
  /** Sets the value; listeners are told only when it changed (Object.is). */
  set(value: T): void;
  /** Adds a listener; returns its removal. */
  subscribe(listener: () => void): () => void;
}

export function valueStore<T>(initial: T): ValueStore<T> {
  let value = initial;
  const listeners = new Set<() => void>();
  return {
    get: () => value,
    set: (next) => {
      if (Object.is(next, value)) return;
      value = next;
      for (const l of [...listeners]) l();
    },
    subscribe: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
