import { expect } from 'vitest';

/** Runs `fn`, expecting it to throw an instance of `type`, and returns the error for checks of its fields. */
export function thrownBy<E extends Error>(fn: () => unknown, type: abstract new (...args: never[]) => E): E {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(type);
    return e as E;
  }
  throw new Error(`expected a ${type.name}`);
}
