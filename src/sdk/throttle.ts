/**
 * Client-side throttle of one series (Coflux semantics): at most `rate` values per second, leading and trailing edge.
 * The first value of a window goes out at once; later ones in the window replace each other and the latest goes out when
 * the window ends (or on flush). Pure: time is passed in.
 */
export interface Pending {
  x: number;
  y: number;
}

export class Throttle {
  private readonly windowMs: number;
  private lastSentAt = -Infinity;
  pending: Pending | null = null;
  /** Values replaced by a later one of their window and never sent. */
  discarded = 0;

  constructor(rate: number | null) {
    this.windowMs = rate === null ? 0 : 1000 / rate;
  }

  /** No throttling (`null` rate): every value is sent, and the caller need not consult the clock. */
  get unlimited(): boolean {
    return this.windowMs === 0;
  }

  /** Returns the point to send now, or null when it was kept as the window's trailing value. */
  offer(x: number, y: number, now: number): Pending | null {
    if (this.pending) this.discarded++;
    if (this.windowMs === 0 || now - this.lastSentAt >= this.windowMs) {
      this.lastSentAt = now;
      this.pending = null;
      return { x, y };
    }
    this.pending = { x, y };
    return null;
  }

  /** When the trailing value is due (ms timestamp), or null when nothing waits. */
  dueAt(): number | null {
    return this.pending ? this.lastSentAt + this.windowMs : null;
  }

  /** Forgets a waiting trailing value at or beyond `x` (a rewind); it counts as discarded. */
  dropFrom(x: number): void {
    if (this.pending && this.pending.x >= x) {
      this.pending = null;
      this.discarded++;
    }
  }

  /** Takes the trailing value (on window end, flush or end). */
  takePending(now: number): Pending | null {
    const p = this.pending;
    if (p) {
      this.pending = null;
      this.lastSentAt = now;
    }
    return p;
  }
}
