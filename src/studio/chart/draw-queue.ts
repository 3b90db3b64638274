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
 *
 * `duty` (0–1, default 1: no limit) caps the share of the main thread's time the queue takes: after a frame's draws took
 * `d` ms, the next frame's draws wait `d · (1/duty − 1)` ms (through `wait`, a timer), and the data that arrives meanwhile
 * is drawn in one redraw. The wait is measured on the wall clock, so on a busy machine (the draw preempted) charts are
 * redrawn less often and the page stays responsive; on an idle one a 5 ms redraw at duty ⅓ still allows 100 a second.
 */
export function createDrawQueue(deps: {
  nextFrame: (fn: () => void) => void;
  now: () => number;
  budgetMs: number;
  maxPerFrame?: number;
  duty?: number;
  wait?: (fn: () => void, ms: number) => void;
}): DrawQueue {
  const waiting = new Map<object, () => void>();
  let scheduled = false;
  /** No draws before this time (the clock's ms). */
  let restUntil = -Infinity;
  const duty = deps.duty ?? 1;
  const run = () => {
    scheduled = false;
    const start = deps.now();
    const until = start + deps.budgetMs;
    let drawn = 0;
    for (const [owner, draw] of waiting) {
      waiting.delete(owner);
      draw();
      drawn++;
      if (deps.now() >= until || drawn >= (deps.maxPerFrame ?? Infinity)) break;
    }
    const end = deps.now();
    if (duty < 1 && drawn > 0) restUntil = end + (end - start) * (1 / duty - 1);
    schedule();
  };
  const schedule = () => {
    if (scheduled || waiting.size === 0) return;
    scheduled = true;
    const rest = restUntil - deps.now();
    if (rest > 0 && deps.wait) deps.wait(() => deps.nextFrame(run), rest);
    else deps.nextFrame(run);
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

/**
 * A third of a 60 Hz frame for chart redraws' JavaScript. The queue measures a redraw whole (uPlot commits inside it), but
 * the canvas it drew (axes, grid, dots; the lines are rastered by the line worker, chart/line-layer.ts) is rastered in
 * the frame's commit, after the queue's clock, and the rest is the browser's (style, layout, paint) and the legends'.
 */
export const DRAW_BUDGET_MS = 5;

/**
 * At most this share of the main thread goes to live chart redraws' JavaScript (the raster of the chart's own canvas in
 * the frame's commit is not measured here, hence a quarter): 50 series at 20 points/s each then cost a bounded amount of
 * CPU however slow a redraw is (no GPU, a busy machine); every point is drawn, a few frames later at most.
 */
export const LIVE_DRAW_DUTY = 1 / 4;

/** The studio's one queue (every chart of the tab shares the frame). */
export const drawQueue: DrawQueue = createDrawQueue({
  nextFrame: (fn) => requestAnimationFrame(() => fn()),
  now: () => performance.now(),
  budgetMs: DRAW_BUDGET_MS,
  duty: LIVE_DRAW_DUTY,
  wait: (fn, ms) => window.setTimeout(fn, ms),
});
