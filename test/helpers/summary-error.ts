import { expect } from 'vitest';
import { SummaryError } from '../../src/protocol/summary.js';

/** Runs `fn`, expecting it to throw a SummaryError, and returns it for checks of its key and rule. */
export function summaryErrorOf(fn: () => void): SummaryError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(SummaryError);
    return e as SummaryError;
  }
  throw new Error('expected a SummaryError');
}
