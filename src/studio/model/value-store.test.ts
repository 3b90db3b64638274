import { describe, expect, it } from 'vitest';
import { valueStore } from './value-store.js';

describe('valueStore', () => {
  it('tells its listeners of a change only, until they unsubscribe', () => {
    const s = valueStore<number | null>(null);
    const seen: (number | null)[] = [];
    const off = s.subscribe(() => seen.push(s.get()));
    s.set(3);
    s.set(3);
    s.set(null);
    off();
    s.set(4);
    expect(seen).toEqual([3, null]);
    expect(s.get()).toBe(4);
  });
});
