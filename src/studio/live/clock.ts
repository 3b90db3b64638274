/** Time as the live layer sees it: injected so tests drive timers and frames without a browser or real waiting. */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  /** Runs `fn` before the next paint (requestAnimationFrame in a visible tab; a timer otherwise). */
  nextFrame(fn: () => void): void;
}

/** The browser's clock: frames are animation frames while the tab is visible, 100 ms timers while it is hidden. */
export const browserClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
  clearTimeout: (handle) => globalThis.clearTimeout(handle as ReturnType<typeof setTimeout>),
  nextFrame: (fn) => {
    if (typeof requestAnimationFrame === 'function' && typeof document !== 'undefined' && document.visibilityState === 'visible') requestAnimationFrame(fn);
    else globalThis.setTimeout(fn, 100);
  },
};
