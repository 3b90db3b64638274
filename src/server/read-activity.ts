/**
 * History reads in flight, so that background work (compaction packing sealed chunks in 50 ms passes) stands aside
 * while someone waits for a chart: a page opening a big execution right after it finished would otherwise share the
 * event loop with packing its 20 M points. Background work is only deferred, never skipped: `busy` turns false again
 * `quietMs` after the last read ended, and a caller caps how long it defers in a row.
 */
export class ReadActivity {
  private active = 0;
  private lastEnd = -Infinity;

  constructor(private readonly now: () => number = () => performance.now()) {}

  /** Runs one read, counted as in flight until it settles. */
  async during<T>(read: () => Promise<T>): Promise<T> {
    this.active++;
    try {
      return await read();
    } finally {
      this.active--;
      this.lastEnd = this.now();
    }
  }

  /** A read is in flight or ended less than `quietMs` ago (a page asks its reads one after another). */
  busy(quietMs = 250): boolean {
    return this.active > 0 || this.now() - this.lastEnd < quietMs;
  }
}
