/**
 * Points of one series waiting to be sent: two growable Float64 columns (no per-point objects, little for the GC to do).
 * Taking points copies them out, so a buffer keeps its capacity and can be reused for the next batch.
 */
export class SeriesBuffer {
  x = new Float64Array(64);
  y = new Float64Array(64);
  length = 0;

  push(x: number, y: number): void {
    if (this.length === this.x.length) this.grow();
    this.x[this.length] = x;
    this.y[this.length++] = y;
  }

  /** Removes the oldest `n` points and returns a copy of them. */
  takeFront(n: number): { x: Float64Array; y: Float64Array } {
    const taken = { x: this.x.slice(0, n), y: this.y.slice(0, n) };
    this.dropFront(n);
    return taken;
  }

  dropFront(n: number): void {
    if (n < this.length) {
      this.x.copyWithin(0, n, this.length);
      this.y.copyWithin(0, n, this.length);
    }
    this.length = Math.max(0, this.length - n);
  }

  private grow(): void {
    const x = new Float64Array(this.x.length * 2);
    const y = new Float64Array(this.y.length * 2);
    x.set(this.x);
    y.set(this.y);
    this.x = x;
    this.y = y;
  }
}
