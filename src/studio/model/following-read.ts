/**
 * A read kept current with live data that grows faster than the read answers. Smoothing a long live series reads every
 * stored point of it (use-full-resolution.ts) or a smoothed line of it (use-server-smoothing.ts); such a read takes
 * longer than the gap between two live batches once the series is long. Aborting it whenever the series grew (what a
 * React effect keyed on the series' total does) meant it never finished while the run streamed: the line stayed
 * unsmoothed until the run ended. Here growth never aborts a read: at most one is in flight, and a read asked for
 * meanwhile starts when it ends (at most every `minIntervalMs`), reading what is current then. Only `dispose` (the
 * reader's subject changed, or it is gone) aborts.
 */

/** Timers and a monotonic clock, injected (tests run them by hand). */
export interface ReadClock {
  now(): number;
  setTimeout(f: () => void, ms: number): unknown;
  clearTimeout(t: unknown): void;
}

export const browserClock: ReadClock = {
  now: () => performance.now(),
  setTimeout: (f, ms) => setTimeout(f, ms),
  clearTimeout: (t) => clearTimeout(t as ReturnType<typeof setTimeout>),
};

export class FollowingRead {
  private readonly abort = new AbortController();
  private timer: unknown = null;
  private inFlight = false;
  private again = false;
  /** When the last read started (−Infinity: none yet). */
  private last: number;

  /**
   * `read`: one read of what is current when it is called; it resolves (or rejects: then a later `want` tries again)
   * when its answer is applied. `minIntervalMs`: reads start at least this far apart, and this far after `since` (the
   * clock's time a read this one replaces started: a slider dragged asks again at most every `minIntervalMs`).
   */
  constructor(
    private readonly read: (signal: AbortSignal) => Promise<void>,
    private readonly minIntervalMs: number,
    private readonly clock: ReadClock = browserClock,
    since = -Infinity,
  ) {
    this.last = since;
  }

  /** When the last read started (the clock's time; `since` before the first). */
  get lastStart(): number {
    return this.last;
  }

  /** Asks for a read of what is current: now (or once `minIntervalMs` after the last one started), or after the one in flight. */
  want(): void {
    if (this.abort.signal.aborted) return;
    if (this.inFlight) {
      this.again = true;
      return;
    }
    if (this.timer !== null) return;
    const wait = Math.max(0, this.last + this.minIntervalMs - this.clock.now());
    this.timer = this.clock.setTimeout(() => this.start(), wait);
  }

  /** Aborts the read in flight and drops any asked for. */
  dispose(): void {
    if (this.timer !== null) this.clock.clearTimeout(this.timer);
    this.timer = null;
    this.abort.abort();
  }

  private start(): void {
    this.timer = null;
    this.inFlight = true;
    this.again = false;
    this.last = this.clock.now();
    const done = () => {
      this.inFlight = false;
      if (this.again) this.want();
    };
    this.read(this.abort.signal).then(done, done);
  }
}
