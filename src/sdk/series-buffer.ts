/**
 * Points of one series waiting to be sent: two growable Float64 columns (no per-point objects, little for the GC to do).
 * The waiting points are `[head, head + length)`; taking or dropping the oldest only moves `head`, and the space before it
 * is reclaimed when a push finds the columns full.
 */
export class SeriesBuffer {
  x = new Float64Array(64);
  y = new Float64Array(64);
  head = 0;
  length = 0;

  push(x: number, y: number): void {
    let end = this.head + this.length;
    if (end === this.x.length) end = this.makeRoom();
    this.x[end] = x;
    this.y[end] = y;
    this.length++;
  }

  /**
   * Removes the oldest `n` points and returns them as views of the columns, without copying: they stay valid only until
   * the next `push`, so encode them at once.
   */
  takeFront(n: number): { x: Float64Array; y: Float64Array } {
    const taken = { x: this.x.subarray(this.head, this.head + n), y: this.y.subarray(this.head, this.head + n) };
    this.dropFront(n);
    return taken;
  }

  dropFront(n: number): void {
    const dropped = Math.min(n, this.length);
    this.length -= dropped;
    this.head = this.length === 0 ? 0 : this.head + dropped;
  }

  /** Moves the waiting points to the front, into columns twice as large when they fill more than half; returns the new end. */
  private makeRoom(): number {
    const from = this.head;
    const to = this.head + this.length;
    if (this.length > this.x.length / 2) {
      const x = new Float64Array(this.x.length * 2);
      const y = new Float64Array(this.y.length * 2);
      x.set(this.x.subarray(from, to));
      y.set(this.y.subarray(from, to));
      this.x = x;
      this.y = y;
    } else {
      this.x.copyWithin(0, from, to);
      this.y.copyWithin(0, from, to);
    }
    this.head = 0;
    return this.length;
  }
}
