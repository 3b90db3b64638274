/**
 * Points of one series waiting to be sent: two growable Float64 columns used as rings (no per-point objects, little for
 * the GC to do, and taking or dropping the oldest points moves `head` instead of copying what waits behind them).
 * The waiting points are `length` slots from `head`, wrapping at the end of the columns; the capacity is a power of two.
 */
export class SeriesBuffer {
  x = new Float64Array(64);
  y = new Float64Array(64);
  head = 0;
  length = 0;
  private mask = 63;
  /**
   * Record times of points recorded with `at` (sent as the item's `t`): when the first waiting point was recorded (ms since
   * the epoch; NaN: not timed). Taken once per batch, not per point: the last point's time is the time of the take.
   */
  firstAt = NaN;

  /** The series records with `at`: a time is kept from the first point that waits from now on. */
  startTiming(now: number): void {
    if (this.length === 0 || Number.isNaN(this.firstAt)) this.firstAt = now;
  }

  /** `[first, last]` record times of the `n` oldest points taken at `now`, or null when the series is not timed. */
  takeTimes(n: number, now: number): [number, number] | null {
    if (Number.isNaN(this.firstAt)) return null;
    const t: [number, number] = [Math.min(this.firstAt, now), now];
    // Points left behind were recorded before now: that is the best bound for the first of them.
    this.firstAt = n >= this.length ? NaN : now;
    return t;
  }

  push(x: number, y: number): void {
    if (this.length === this.x.length) this.grow();
    const i = (this.head + this.length) & this.mask;
    this.x[i] = x;
    this.y[i] = y;
    this.length++;
  }

  /**
   * Removes the oldest `n` points and returns them. Usually views of the columns, valid only until the next `push` (so
   * encode them at once); a copy when they wrap around the end of the ring.
   */
  takeFront(n: number): { x: Float64Array; y: Float64Array } {
    const end = this.head + n;
    const taken = end <= this.x.length
      ? { x: this.x.subarray(this.head, end), y: this.y.subarray(this.head, end) }
      : { x: this.copyFront(this.x, n, new Float64Array(n)), y: this.copyFront(this.y, n, new Float64Array(n)) };
    this.dropFront(n);
    return taken;
  }

  dropFront(n: number): void {
    const dropped = Math.min(n, this.length);
    this.length -= dropped;
    this.head = this.length === 0 ? 0 : (this.head + dropped) & this.mask;
  }

  /** Removes the newest points whose x is at or beyond `x` (x increases along the buffer); returns how many. */
  dropFrom(x: number): number {
    let n = 0;
    while (this.length > 0 && this.x[(this.head + this.length - 1) & this.mask]! >= x) {
      this.length--;
      n++;
    }
    if (this.length === 0) this.head = 0;
    return n;
  }

  /** Copies the first `n` waiting values of `column`, in order, to the start of `into`. */
  private copyFront<T extends Float64Array>(column: Float64Array, n: number, into: T): T {
    const beforeEnd = Math.min(n, column.length - this.head);
    into.set(column.subarray(this.head, this.head + beforeEnd));
    into.set(column.subarray(0, n - beforeEnd), beforeEnd);
    return into;
  }

  private grow(): void {
    const capacity = this.x.length * 2;
    this.x = this.copyFront(this.x, this.length, new Float64Array(capacity));
    this.y = this.copyFront(this.y, this.length, new Float64Array(capacity));
    this.head = 0;
    this.mask = capacity - 1;
  }
}
