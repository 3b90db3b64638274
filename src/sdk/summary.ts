import { getSummaryValue, hasSummaryValue, jsonExact, SUMMARY_MODES, type SummaryMode, type SummaryValue } from '../protocol/index.js';
import { currentExecution } from './context.js';
import type { ExecutionHandle } from './execution.js';

/** Dict-style access to the current execution's summary metrics (Cog's `scope.metrics`). */
export interface ScopeMetrics {
  get(key: string): SummaryValue | undefined;
  set(key: string, value: SummaryValue | null): void;
  has(key: string): boolean;
  delete(key: string): void;
  record(key: string, value: SummaryValue | null, mode?: SummaryMode): void;
}

export interface Scope {
  readonly metrics: ScopeMetrics;
  recordMetric(key: string, value: SummaryValue | null, mode?: SummaryMode): void;
}

function copy(v: SummaryValue | undefined): SummaryValue | undefined {
  return v !== null && typeof v === 'object' ? (JSON.parse(jsonExact(v)) as SummaryValue) : v;
}

function checkMode(mode: unknown): SummaryMode {
  if (!SUMMARY_MODES.includes(mode as SummaryMode)) throw new TypeError(`recordMetric mode must be one of ${SUMMARY_MODES.join(', ')} (got ${String(mode)})`);
  return mode as SummaryMode;
}

function scopeOf(execution: ExecutionHandle): Scope {
  const record = (key: string, value: SummaryValue | null, mode: SummaryMode = 'replace') => execution.recordSummary(key, value, checkMode(mode));
  return {
    metrics: {
      // A copy: editing what get() returns must not change the summary behind the server's back.
      get: (key) => copy(getSummaryValue(execution.summary, key)),
      set: (key, value) => record(key, value, 'replace'),
      has: (key) => hasSummaryValue(execution.summary, key),
      delete: (key) => record(key, null, 'replace'),
      record,
    },
    recordMetric: record,
  };
}

/** Outside an execution every operation is silently ignored, as in Cog. */
const NOOP_SCOPE: Scope = Object.freeze({
  metrics: Object.freeze({ get: () => undefined, set: () => {}, has: () => false, delete: () => {}, record: () => {} }),
  recordMetric: () => {},
});

/** The scope of the current execution, or a no-op scope outside one (never null). */
export function currentScope(): Scope {
  const execution = currentExecution();
  return execution ? scopeOf(execution) : NOOP_SCOPE;
}

/** Cog's `record_metric`: replace (default), incr or append; dotted keys nest; `null` deletes. A no-op outside an execution. */
export function recordMetric(key: string, value: SummaryValue | null, mode: SummaryMode = 'replace'): void {
  currentScope().recordMetric(key, value, mode);
}
