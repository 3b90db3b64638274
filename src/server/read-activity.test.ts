import { describe, expect, it } from 'vitest';
import { ReadActivity } from './read-activity.js';

describe('read activity (background compaction stands aside while reads are answered)', () => {
  it('is busy while a read is in flight and for quietMs after the last one ended, also when it failed', async () => {
    let now = 1000;
    const reads = new ReadActivity(() => now);
    expect(reads.busy(250)).toBe(false);
    let finish!: () => void;
    const read = reads.during(() => new Promise<void>((r) => { finish = r; }));
    now += 10_000;
    expect(reads.busy(250)).toBe(true);
    finish();
    await read;
    now += 249;
    expect(reads.busy(250)).toBe(true);
    now += 2;
    expect(reads.busy(250)).toBe(false);
    await expect(reads.during(() => Promise.reject(new Error('404')))).rejects.toThrow('404');
    expect(reads.busy(250)).toBe(true);
    now += 251;
    expect(reads.busy(250)).toBe(false);
  });
});
