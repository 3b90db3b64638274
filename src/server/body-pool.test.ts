import { describe, expect, it } from 'vitest';
import { BodyPool } from './body-pool.js';

/** Takes a body of `bytes` in a request of its own; `during` runs while the request lasts. */
async function request(pool: BodyPool, bytes: number, during: (body: Buffer | null) => void = () => {}): Promise<Buffer | null> {
  let taken: Buffer | null = null;
  await pool.with(async (allocate) => {
    taken = allocate(bytes);
    during(taken);
  });
  return taken;
}

describe('BodyPool', () => {
  const MB = 1 << 20;

  it('hands the memory of an answered request to the next one', async () => {
    const pool = new BodyPool();
    const first = await request(pool, 2 * MB - 100);
    expect(first!.length).toBe(2 * MB - 100);
    const second = await request(pool, 2 * MB - 5);
    expect(second!.buffer).toBe(first!.buffer);
    expect(pool.outstanding).toBe(0);
  });

  it('keeps a block out while a holder keeps views of it, and reuses it once the last holder lets go', async () => {
    const pool = new BodyPool();
    // Two ring entries keep views of the first body (a batch of two executions: two points events).
    const first = (await request(pool, MB, (body) => {
      pool.retain(body!.buffer);
      pool.retain(body!.buffer);
    }))!;
    const second = (await request(pool, MB))!;
    expect(second.buffer).not.toBe(first.buffer);
    pool.release(first.buffer);
    const third = (await request(pool, MB))!;
    // The second body went back when its request ended; the first is still held once.
    expect(third.buffer).toBe(second.buffer);
    pool.release(first.buffer);
    expect(pool.outstanding).toBe(0);
    const fourth = (await request(pool, MB))!;
    expect([second.buffer, first.buffer]).toContain(fourth.buffer);
  });

  it('a holder that lets go before the request ends does not free the block early', async () => {
    const pool = new BodyPool();
    let during: Buffer | null = null;
    await pool.with(async (allocate) => {
      const body = allocate(MB)!;
      pool.retain(body.buffer);
      pool.release(body.buffer);
      // Still this request's: another request now gets new memory.
      during = await request(pool, MB);
      expect(during!.buffer).not.toBe(body.buffer);
    });
    expect(pool.outstanding).toBe(0);
  });

  it('gives small bodies no pooled memory, and no large block to a much smaller body', async () => {
    const pool = new BodyPool();
    expect(await request(pool, 1000)).toBeNull();
    const large = (await request(pool, 4 * MB))!;
    const small = (await request(pool, 3 * MB))!;
    expect(small.buffer).not.toBe(large.buffer);
    // A body a little smaller (an SDK's batches differ by a few KB) takes it.
    expect((await request(pool, 4 * MB - 50_000))!.buffer).toBe(large.buffer);
  });

  it('ignores blocks it did not hand out', () => {
    const pool = new BodyPool();
    const other = new ArrayBuffer(8);
    pool.retain(other);
    pool.release(other);
    expect(pool.outstanding).toBe(0);
  });
});
