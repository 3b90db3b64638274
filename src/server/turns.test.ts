import { describe, expect, it } from 'vitest';
import { Turns } from './turns.js';

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('Turns', () => {
  it('releases waiters in arrival order, one per turn of the event loop', async () => {
    const turns = new Turns();
    const log: string[] = [];
    void turns.next().then(() => log.push('a'));
    void turns.next().then(() => log.push('b'));
    void turns.next().then(() => log.push('c'));
    expect(turns.queued).toBe(3);
    expect(log).toEqual([]);
    await turn();
    expect(log).toEqual(['a']);
    await turn();
    expect(log).toEqual(['a', 'b']);
    await turn();
    expect(log).toEqual(['a', 'b', 'c']);
    expect(turns.queued).toBe(0);
  });
});
