import { canonicalJson, metricKeyProblem, validateGroup, validateScale, type GroupDef, type MetricDef, type ScaleDef } from '../protocol/index.js';
import { currentExecution } from './context.js';

/** One chart with a shared x-axis (Coflux `MetricGroup`). */
export class MetricGroup {
  readonly definition: GroupDef;
  constructor(readonly name: string, opts: { units?: string; lower?: number; upper?: number } = {}) {
    this.definition = validateGroup({ name, ...opts }, 'MetricGroup');
  }
}

/** A y-axis (Coflux `MetricScale`); metrics of one group whose scales share a name share the axis. */
export class MetricScale {
  readonly definition: ScaleDef;
  constructor(opts: { name?: string; units?: string; lower?: number; upper?: number; progress?: boolean } = {}) {
    this.definition = validateScale(opts, 'MetricScale');
  }
}

export interface MetricOptions {
  group?: MetricGroup | string;
  scale?: MetricScale;
  /** Values per second sent to the server (default 10); `null` sends every value. */
  throttle?: number | null;
}

export const DEFAULT_THROTTLE = 10;

/** A time series. Create it anywhere; `record()` writes to the execution of the current context. */
export class Metric {
  readonly definition: MetricDef;
  readonly throttle: number | null;
  /** Canonical form of the definition, to compare redefinitions cheaply. */
  readonly signature: string;
  /** @internal The series this metric last recorded to (it knows its execution): saves a lookup per record. */
  lastSeries: { readonly execution: object } | null = null;

  constructor(readonly key: string, opts: MetricOptions = {}) {
    const problem = typeof key === 'string' ? metricKeyProblem(key) : 'must be a string';
    if (problem) throw new TypeError(`Metric key ${JSON.stringify(key)}: ${problem}`);
    const throttle = opts.throttle === undefined ? DEFAULT_THROTTLE : opts.throttle;
    if (throttle !== null && !(typeof throttle === 'number' && throttle > 0 && Number.isFinite(throttle))) {
      throw new TypeError(`Metric "${key}": throttle must be a positive number of values per second, or null for no throttling`);
    }
    this.throttle = throttle;
    if (opts.group !== undefined && typeof opts.group !== 'string' && !(opts.group instanceof MetricGroup)) {
      throw new TypeError(`Metric "${key}": group must be a MetricGroup or a group name`);
    }
    if (opts.scale !== undefined && !(opts.scale instanceof MetricScale)) throw new TypeError(`Metric "${key}": scale must be a MetricScale`);
    const group = typeof opts.group === 'string' ? new MetricGroup(opts.group) : opts.group;
    this.definition = { key, ...(group && { group: group.definition }), ...(opts.scale && { scale: opts.scale.definition }) };
    this.signature = canonicalJson(this.definition);
  }

  /**
   * Records a value; x is seconds since the execution started unless `at` is given. Throws outside an execution.
   *
   * This and what it calls on the common path are kept small on purpose: V8 inlines `record()` into the caller's loop
   * only while the whole path fits its inlining budget, and only then is the `{ at }` object never allocated (at tens of
   * millions of records a second, that garbage costs more than the recording). Rare cases are handled in cold methods.
   */
  record(value: number, opts?: { at?: number }): void {
    const execution = currentExecution();
    if (execution === undefined || typeof value !== 'number') this.refuse(execution, value);
    execution.recordPoint(this, value, opts?.at);
  }

  private refuse(execution: unknown, value: unknown): never {
    if (!execution) {
      throw new Error(`Metric "${this.key}".record() was called outside an execution: run it inside client.withExecution(...) or execution.run(...)`);
    }
    throw new TypeError(`Metric "${this.key}".record(value): value must be a number (got ${typeof value})`);
  }
}
