/**
 * Reused memory for the regular x columns a binary ingest batch is decoded with (`decodeBinaryBatch`'s `allocate`): a
 * 250,000-point batch needs 2 MB of x, and a new block each time costs the page faults, the zeroing and the garbage
 * collector's external-memory work of 2 MB per batch. A block goes back once its request is answered, which is safe
 * only where nothing keeps a view of it past the request: the store copies what it writes, and the stream hub keeps
 * whole-number regular x (the only x these blocks hold, see `markWholeStep`) as start and step (`retainable`). A store
 * with a feed keeps the batch's events for the feed, so the server uses no pool there.
 */
export class XBlocks {
  private readonly free: Float64Array[] = [];

  /** `max` blocks are kept, each at most `maxPoints` long (larger batches get a block of their own). */
  constructor(private readonly max = 2, private readonly maxPoints = 1 << 19) {}

  /** Runs `use` with an allocator handing out views of pooled blocks; the blocks go back when `use` settles. */
  async with<T>(use: (allocate: (points: number) => Float64Array) => Promise<T>): Promise<T> {
    const taken: Float64Array[] = [];
    const allocate = (points: number): Float64Array => {
      if (points > this.maxPoints) return new Float64Array(points);
      const i = this.free.findIndex((b) => b.length >= points);
      const block = i >= 0 ? this.free.splice(i, 1)[0]! : new Float64Array(Math.max(1 << 15, 2 ** Math.ceil(Math.log2(points))));
      taken.push(block);
      return block.subarray(0, points);
    };
    try {
      return await use(allocate);
    } finally {
      for (const b of taken) if (this.free.length < this.max) this.free.push(b);
    }
  }
}
