/** Points of one series waiting to be sent: two growable Float64 columns (no per-point objects, little for the GC to do). */
export class SeriesBuffer {
  x: Float64Array;
  y: Float64Array;
  length = 0;

  /** `capacity`: how many points are expected, e.g. as many as the last batch took, to skip growing step by step. */
  constructor(capacity = 64) {
    this.x = new Float64Array(capacity);
    this.y = new Float64Array(capacity);
  }

  push(x: number, y: number): void {
    if (this.length === this.x.length) this.grow();
    this.x[this.length] = x;
    this.y[this.length++] = y;
  }

  /** Removes the oldest `n` points and returns them (all of them without copying). */
  takeFront(n: number): { x: Float64Array; y: Float64Array } {
    if (n >= this.length) {
      const all = { x: this.x.subarray(0, this.length), y: this.y.subarray(0, this.length) };
      this.x = new Float64Array(64);
      this.y = new Float64Array(64);
      this.length = 0;
      return all;
    }
    const taken = { x: this.x.slice(0, n), y: this.y.slice(0, n) };
    this.dropFront(n);
    return taken;
  }

  dropFront(n: number): void {
    this.x.copyWithin(0, n, this.length);
    this.y.copyWithin(0, n, this.length);
    this.length = Math.max(0, this.length - n);
  }

  private grow(): void {
    const x = new Float64Array(Math.max(64, this.x.length * 2));
    const y = new Float64Array(Math.max(64, this.y.length * 2));
    x.set(this.x);
    y.set(this.y);
    this.x = x;
    this.y = y;
  }
}
