import { Metric, MetricGroup, MetricScale } from './metric.js';

export interface ProgressOptions {
  key?: string;
  group?: MetricGroup | string;
}

function knownLength(items: unknown): number | undefined {
  if (Array.isArray(items) || typeof items === 'string') return items.length;
  if (items instanceof Set || items instanceof Map) return items.size;
  const o = items as { length?: unknown; size?: unknown };
  if (typeof o.length === 'number') return o.length;
  if (typeof o.size === 'number') return o.size;
  return undefined;
}

function progressMetric(items: unknown, opts: ProgressOptions): Metric {
  const length = knownLength(items);
  const scale = new MetricScale({ progress: true, ...(length !== undefined && length > 0 && { upper: length }) });
  return new Metric(opts.key ?? 'progress', { ...(opts.group !== undefined && { group: opts.group }), scale });
}

function* syncProgress<T>(items: Iterable<T>, metric: Metric): Generator<T, void, undefined> {
  let count = 0;
  metric.record(0);
  for (const item of items) {
    yield item;
    metric.record(++count);
  }
}

async function* asyncProgress<T>(items: AsyncIterable<T>, metric: Metric): AsyncGenerator<T, void, undefined> {
  let count = 0;
  metric.record(0);
  for await (const item of items) {
    yield item;
    metric.record(++count);
  }
}

/**
 * Wraps an iterable and records how many items were consumed as a progress bar: 0 before the first item, the count after
 * each. On `break` the last count stands; throttling keeps the final value (it is delivered on flush/end).
 */
export function progress<T>(items: AsyncIterable<T>, opts?: ProgressOptions): AsyncIterable<T>;
export function progress<T>(items: Iterable<T>, opts?: ProgressOptions): Iterable<T>;
export function progress<T>(items: Iterable<T> | AsyncIterable<T>, opts: ProgressOptions = {}): Iterable<T> | AsyncIterable<T> {
  const metric = progressMetric(items, opts);
  if (items && typeof (items as AsyncIterable<T>)[Symbol.asyncIterator] === 'function') return asyncProgress(items as AsyncIterable<T>, metric);
  if (items && typeof (items as Iterable<T>)[Symbol.iterator] === 'function') return syncProgress(items as Iterable<T>, metric);
  throw new TypeError('progress(items): items must be an array, an iterable or an async iterable');
}
