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
  /** @internal The execution this metric last recorded to, and its series there: saves a lookup per record. */
  lastSeries: { execution: object; state: unknown } | null = null;

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

  /** Records a value; x is seconds since the execution started unless `at` is given. Throws outside an execution. */
  record(value: number, opts?: { at?: number }): void {
    const execution = currentExecution();
    const at = opts?.at;
    // One test on the hot path, so that it stays small enough to be inlined; the reasons are worked out when it fails.
    if (execution === undefined || typeof value !== 'number' || (at !== undefined && !Number.isFinite(at))) this.refuse(execution, value, at);
    execution.recordPoint(this, value, at);
  }

  private refuse(execution: unknown, value: unknown, at: unknown): never {
    if (!execution) {
      throw new Error(`Metric "${this.key}".record() was called outside an execution: run it inside client.withExecution(...) or execution.run(...)`);
    }
    if (typeof value !== 'number') throw new TypeError(`Metric "${this.key}".record(value): value must be a number (got ${typeof value})`);
    throw new TypeError(`Metric "${this.key}".record(value, { at }): at must be a finite number (got ${String(at)})`);
  }
}
