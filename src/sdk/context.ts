import { AsyncLocalStorage } from 'node:async_hooks';
import type { ExecutionHandle } from './execution.js';

/** The execution of the current async context: what `Metric.record()` and `recordMetric()` write to. */
export const executionContext = new AsyncLocalStorage<ExecutionHandle>();

export function currentExecution(): ExecutionHandle | undefined {
  return executionContext.getStore();
}
