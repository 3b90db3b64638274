/**
 * A live chart's one frame buffer: the Float64Array its line frames are packed into (`plotLineFrame`), transferred to the
 * line worker with each frame and handed back once drawn. Allocated whole at the chart's first live frame, at what a
 * frame of that chart needs once its live windows are full (`bound`), so that neither a redraw (20 a second) nor the
 * windows filling up over the first minutes allocates frame memory; allocated anew only when a frame needs more than
 * that (the chart grew wider, a line's buffers grew). While the buffer is with the worker the chart posts no frame: it
 * waits for the buffer (`waiting`) and posts its newest frame then — the worker would draw only the newest anyway.
 */
export class FrameSlot {
  /** The buffer, while it is in the page. */
  private held: ArrayBuffer | null = null;
  /** Buffers transferred to the worker and not handed back yet. */
  private out = 0;

  /** `bound()`: values (doubles) a frame of this chart needs at most once its live windows are full. */
  constructor(private readonly bound: () => number) {}

  /** The buffer is with the worker: a frame must wait for it rather than allocate another. */
  get waiting(): boolean {
    return this.held === null && this.out > 0;
  }

  /** A Float64Array of at least `n` values: the buffer, or a new one of `max(n, bound())` values (then kept instead). */
  take(n: number): Float64Array {
    const b = this.held;
    this.held = null;
    if (b && b.byteLength >= n * 8) return new Float64Array(b);
    return new Float64Array(Math.max(n, this.bound()));
  }

  /** The buffer taken went to the worker (not when the frame had no line: then it is given back with `give`). */
  sent(): void {
    this.out++;
  }

  /** A buffer back in the page: from the worker (`fromWorker`), or taken and not sent. The larger one is kept. */
  give(b: ArrayBuffer, fromWorker: boolean): void {
    if (fromWorker) this.out = Math.max(0, this.out - 1);
    if (!this.held || b.byteLength > this.held.byteLength) this.held = b;
  }

  /** Bytes of the buffer held in the page (0 while it is with the worker). */
  get bytes(): number {
    return this.held?.byteLength ?? 0;
  }
}
