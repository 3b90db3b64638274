/**
 * Chart redraws spread over animation frames: each frame runs queued redraws, oldest first, until `budgetMs` is spent
 * (always at least one), and leaves the rest to the next frame. Ten panels that all received data then draw over two or
 * three frames instead of one long task, and a panel queued again before it drew is drawn once, with its latest data.
 * Free of the DOM: the frame source and the clock are injected (the studio uses requestAnimationFrame and
 * performance.now).
 */
export interface DrawQueue {
  /** Queues `draw` for `owner` (a chart), replacing what it had queued; it keeps its place in line. */
  queue(owner: object, draw: () => void): void;
  /** Forgets what `owner` had queued (a chart drawn at once, or destroyed). */
  cancel(owner: object): void;
  /** Redraws waiting for a frame. */
  readonly size: number;
}

/**
 * `maxPerFrame` (default: no limit) also caps the redraws of one frame: each redrawn canvas is handed to the compositor
 * in that frame's commit, which costs the main thread per canvas however quickly it was drawn.
 */
export function createDrawQueue(deps: { nextFrame: (fn: () => void) => void; now: () => number; budgetMs: number; maxPerFrame?: number }): DrawQueue {
  const waiting = new Map<object, () => void>();
  let scheduled = false;
  const run = () => {
    scheduled = false;
    const until = deps.now() + deps.budgetMs;
    let drawn = 0;
    for (const [owner, draw] of waiting) {
      waiting.delete(owner);
      draw();
      if (deps.now() >= until || ++drawn >= (deps.maxPerFrame ?? Infinity)) break;
    }
    schedule();
  };
  const schedule = () => {
    if (scheduled || waiting.size === 0) return;
    scheduled = true;
    deps.nextFrame(run);
  };
  return {
    queue(owner, draw) {
      waiting.set(owner, draw);
      schedule();
    },
    cancel(owner) {
      waiting.delete(owner);
    },
    get size() {
      return waiting.size;
    },
  };
}

/** Half a 60 Hz frame for chart redraws: the rest is the browser's (style, layout, paint) and the legends'. */
export const DRAW_BUDGET_MS = 8;

/** The studio's one queue (every chart of the tab shares the frame). */
export const drawQueue: DrawQueue = createDrawQueue({
  nextFrame: (fn) => requestAnimationFrame(() => fn()),
  now: () => performance.now(),
  budgetMs: DRAW_BUDGET_MS,
});
