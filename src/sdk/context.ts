import { AsyncLocalStorage, executionAsyncId } from 'node:async_hooks';
import type { ExecutionHandle } from './execution.js';

/** The execution of the current async context: what `Metric.record()` and `recordMetric()` write to. */
const executionContext = new AsyncLocalStorage<ExecutionHandle>();

/**
 * Whether a lookup may be remembered for the async id it was made in. Node's AsyncLocalStorage built on async_hooks (Node
 * 20 and 22) keeps the store on the current async resource, found by a lookup that costs ~30 ns (keyed loads on many
 * resource shapes) — a third of a `record()` at millions of records a second — while the resource's async id is one read
 * of a typed array. Each resource has its own id (ids are never reused; promise continuations get theirs while a storage
 * is enabled), and the store of a resource changes only in `run()` of this storage, which `runInExecution` brackets. The
 * AsyncContextFrame implementation (Node 24's default) restores contexts without a new async id
 * (`AsyncLocalStorage.snapshot()`, promise continuations), so nothing is remembered there; its lookup is cheap anyway. It
 * is told apart by the field the async_hooks implementation keeps its resource key in.
 */
const REMEMBER = 'kResourceStore' in executionContext;

/** No async id is ever -1; 0 ("no resource", e.g. some native callbacks) is never remembered either. */
const NONE = -1;
let rememberedId = NONE;
let remembered: ExecutionHandle | undefined;

/**
 * The execution of the current async context, or undefined outside one. Called per record: the common case (the same
 * async resource as the call before) is one comparison; see `REMEMBER`.
 */
export function currentExecution(): ExecutionHandle | undefined {
  if (REMEMBER && executionAsyncId() === rememberedId) return remembered;
  return lookUp();
}

function lookUp(): ExecutionHandle | undefined {
  const found = executionContext.getStore();
  if (REMEMBER) {
    const id = executionAsyncId();
    rememberedId = id === 0 ? NONE : id;
    remembered = found;
  }
  return found;
}

/** Runs `fn` with `execution` as the current context; the only way in (it keeps `currentExecution`'s memory right). */
export function runInExecution<T>(execution: ExecutionHandle, fn: () => T): T {
  // run() sets the store of the current resource (same async id) for fn's synchronous part and puts it back after.
  rememberedId = NONE;
  try {
    return executionContext.run(execution, fn);
  } finally {
    rememberedId = NONE;
    remembered = undefined;
  }
}
