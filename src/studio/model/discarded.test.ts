import { describe, expect, it } from 'vitest';
import { discardedLines } from './discarded.js';

describe('discardedLines', () => {
  it('says per metric what the SDK did not send, in words, sorted by key', () => {
    expect(discardedLines({
      step: { xNotIncreasing: 8, xInvalid: 1 },
      loss: { throttled: 19_997 },
      quiet: {},
    })).toEqual([
      { key: 'loss', text: '19,997 values discarded by the throttle (throttle: null keeps every value)' },
      { key: 'step', text: '8 points refused (x did not increase); 1 point refused (x not finite or beyond ±2^53)' },
    ]);
  });

  it('leaves out a progress bar\'s throttled counts (superseded by the last, which is always sent), not its refused points', () => {
    const definitions = [{ key: 'batches', scale: { progress: true } }, { key: 'loss' }];
    expect(discardedLines({ batches: { throttled: 14 }, loss: { throttled: 2 } }, definitions)).toEqual([
      { key: 'loss', text: '2 values discarded by the throttle (throttle: null keeps every value)' },
    ]);
    expect(discardedLines({ batches: { throttled: 14, xNotIncreasing: 1 } }, definitions)).toEqual([
      { key: 'batches', text: '1 point refused (x did not increase)' },
    ]);
  });

  it('is empty when nothing was discarded', () => {
    expect(discardedLines(undefined)).toEqual([]);
    expect(discardedLines({})).toEqual([]);
  });
});
