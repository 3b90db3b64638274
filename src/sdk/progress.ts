import { currentExecution } from './context.js';
import { Metric, MetricGroup, MetricScale } from './metric.js';

export interface ProgressOptions {
  /** Metric key (default "progress"). */
  key?: string;
  group?: MetricGroup | string;
}

/** The number of items when the input says so (arrays, strings, Sets, Maps, anything with a numeric length or size). */
export function knownLength(items: unknown): number | undefined {
  if (Array.isArray(items) || typeof items === 'string') return items.length;
  if (items instanceof Set || items instanceof Map) return items.size;
  const o = items as { length?: unknown; size?: unknown };
  if (typeof o.length === 'number' && Number.isFinite(o.length)) return o.length;
  if (typeof o.size === 'number' && Number.isFinite(o.size)) return o.size;
  return undefined;
}

function progressMetric(items: unknown, opts: ProgressOptions): Metric {
  const length = knownLength(items);
  const scale = new MetricScale({ progress: true, ...(length !== undefined && length > 0 && { upper: length }) });
  return new Metric(opts.key ?? 'progress', { ...(opts.group !== undefined && { group: opts.group }), scale });
}

/** Counts handed-out items; records the count after each finished item and, once, the final count when iteration stops. */
class Counter {
  private handedOut = 0;
  private recorded = -1;
  constructor(private readonly metric: Metric) {}

  begin(): void {
    this.record(0);
  }

  /** The consumer asks for the next item: the previous one is finished. */
  next(): void {
    if (this.handedOut > this.recorded) this.record(this.handedOut);
  }

  handOut(): void {
    this.handedOut++;
  }

  /** break, return or throw: the items handed out so far is the final count (recorded without throwing outside a context). */
  finish(): void {
    if (this.handedOut > this.recorded && currentExecution()) this.record(this.handedOut);
  }

  private record(n: number): void {
    this.metric.record(n);
    this.recorded = n;
  }
}

function* syncProgress<T>(items: Iterable<T>, counter: Counter): Generator<T, void, undefined> {
  counter.begin();
  try {
    for (const item of items) {
      counter.handOut();
      yield item;
      counter.next();
    }
  } finally {
    counter.finish();
  }
}

async function* asyncProgress<T>(items: AsyncIterable<T>, counter: Counter): AsyncGenerator<T, void, undefined> {
  counter.begin();
  try {
    for await (const item of items) {
      counter.handOut();
      yield item;
      counter.next();
    }
  } finally {
    counter.finish();
  }
}

/**
 * Wraps an iterable and records how many items were consumed as a progress bar (scale `{ progress: true, upper: length }`
 * when the length is known): 0 before the first item, the count after each, and the final count when the loop ends, breaks
 * or throws. Throttling never loses the final value: the trailing value is delivered on its timer, flush and end.
 */
export function progress<T>(items: AsyncIterable<T>, opts?: ProgressOptions): AsyncIterable<T>;
export function progress<T>(items: Iterable<T>, opts?: ProgressOptions): Iterable<T>;
export function progress<T>(items: Iterable<T> | AsyncIterable<T>, opts: ProgressOptions = {}): Iterable<T> | AsyncIterable<T> {
  const isAsync = items != null && typeof (items as AsyncIterable<T>)[Symbol.asyncIterator] === 'function';
  const isSync = items != null && typeof (items as Iterable<T>)[Symbol.iterator] === 'function';
  if (!isAsync && !isSync) throw new TypeError('progress(items): items must be an array, an iterable or an async iterable');
  const counter = new Counter(progressMetric(items, opts));
  return isAsync ? asyncProgress(items as AsyncIterable<T>, counter) : syncProgress(items as Iterable<T>, counter);
}
