/**
 * Told when something starts and stops keeping views of a memory block past its request: the stream ring keeps the y
 * columns of a binary batch as views of the request body (for replay) until it trims the event or has encoded all of it.
 */
export interface BlockHolder {
  retain(block: ArrayBufferLike): void;
  release(block: ArrayBufferLike): void;
}

/** Pooled blocks are whole multiples of this: an SDK's batches of one size differ by a few KB. */
const BLOCK_GRAIN = 64 * 1024;

/** A holder that keeps no account (a hub whose blocks nobody reuses). */
export const NO_BLOCK_HOLDER: BlockHolder = { retain: () => {}, release: () => {} };

/**
 * Reused memory for large ingest bodies whose Content-Length is known: a 250,000-point binary batch is a 2 MB body, and
 * new memory for each costs ~500 page faults and their zeroing (0.6–1.0 ms a batch against 0.17 ms reused, measured with
 * 32 bodies kept alive, as the stream ring keeps them) and the garbage collector's work on external memory. A block goes
 * back to the pool only when its request is done and no holder (`retain`/`release`, the stream ring) keeps a view of it:
 * the store copies what it writes, and the ring tells when it lets go. A store with a feed keeps the batch's events for
 * the feed, so the server uses no pool there.
 */
export class BodyPool implements BlockHolder {
  private readonly free: ArrayBuffer[] = [];
  /** Blocks handed out: whether their request still runs, and how many holders keep views of them. */
  private readonly out = new Map<ArrayBufferLike, { request: boolean; holders: number }>();

  /** `max` free blocks are kept; bodies under `minBytes` get memory of their own (cheap at that size). */
  constructor(private readonly max = 4, private readonly minBytes = 256 * 1024) {}

  /** Runs `use` with an allocator of pooled bodies (null: allocate it yourself); the request's part ends when `use` settles. */
  async with<T>(use: (allocate: (bytes: number) => Buffer | null) => Promise<T>): Promise<T> {
    const taken: ArrayBuffer[] = [];
    try {
      return await use((bytes) => {
        const body = this.take(bytes);
        if (body) taken.push(body.buffer as ArrayBuffer);
        return body;
      });
    } finally {
      for (const block of taken) this.done(block);
    }
  }

  /** Blocks on their way or held (for tests). */
  get outstanding(): number {
    return this.out.size;
  }

  retain(block: ArrayBufferLike): void {
    const state = this.out.get(block);
    if (state) state.holders++;
  }

  release(block: ArrayBufferLike): void {
    const state = this.out.get(block);
    if (!state) return;
    state.holders--;
    this.settle(block, state);
  }

  private take(bytes: number): Buffer | null {
    if (bytes < this.minBytes) return null;
    // Not much larger than the body: the ring keeps views only of a block the columns fill mostly (else it copies them,
    // see `retainable` in stream-hub.ts), and a large block kept for a small body would be idle memory.
    const i = this.free.findIndex((b) => b.byteLength >= bytes && b.byteLength <= bytes * 1.2);
    const block = i >= 0 ? this.free.splice(i, 1)[0]! : new ArrayBuffer(Math.ceil(bytes / BLOCK_GRAIN) * BLOCK_GRAIN);
    this.out.set(block, { request: true, holders: 0 });
    return Buffer.from(block, 0, bytes);
  }

  private done(block: ArrayBufferLike): void {
    const state = this.out.get(block);
    if (!state) return;
    state.request = false;
    this.settle(block, state);
  }

  private settle(block: ArrayBufferLike, state: { request: boolean; holders: number }): void {
    if (state.request || state.holders > 0) return;
    this.out.delete(block);
    if (this.free.length < this.max) this.free.push(block as ArrayBuffer);
  }
}
