/**
 * Lets CPU-heavy requests (decoding and committing an ingest batch) start one per turn of the event loop, in arrival
 * order. Node handles every request whose bytes arrived in one poll phase back to back: four writers' 20,000-point
 * batches landing together would run one after another while `/api/health` and everyone else waited for all of them.
 * Taking turns puts a poll phase (other requests, the stream) between any two of them; each waits at most for the
 * batches ahead of it. A turn ends at the task's first real wait (a PostgreSQL round trip), so backends that await
 * I/O still overlap their commits.
 */
export class Turns {
  private readonly waiting: Array<() => void> = [];
  private scheduled = false;

  /** Requests waiting for their turn (for tests and the benchmark). */
  get queued(): number {
    return this.waiting.length;
  }

  /** Resolves in a later turn of the event loop, at most one waiter per turn. */
  next(): Promise<void> {
    return new Promise((resolve) => {
      this.waiting.push(resolve);
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled || this.waiting.length === 0) return;
    this.scheduled = true;
    // An immediate queued from within an immediate runs in the next loop iteration, after that iteration's poll phase.
    setImmediate(() => {
      this.scheduled = false;
      this.waiting.shift()!();
      this.schedule();
    });
  }
}
