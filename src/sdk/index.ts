/**
 * Plotline's Node SDK: `connect()` a client, start executions, record Coflux-style time series (`Metric`, `progress`) and
 * Cog-style summary metrics (`recordMetric`, `currentScope`) inside them.
 *
 * Delivery: `record()` never blocks; batches travel in the background, in order, retried with the same batch id (stored
 * once) while the server is unreachable. `await execution.end()` / `flush()` is the guaranteed path. When the program
 * simply runs out of work (`beforeExit`) the client sends what is left, waiting at most 5 s; `process.exit()` and signals
 * cannot wait for a network request, so what is unacknowledged then is lost.
 */
export { connect, Client, type ConnectOptions } from './client.js';
export { ExecutionHandle as Execution } from './execution.js';
export { Metric, MetricGroup, MetricScale, type MetricOptions } from './metric.js';
export { progress, type ProgressOptions } from './progress.js';
export { MetricsClient, type MetricsClientOptions, type MetricTags } from './metrics-client.js';
export { recordMetric, currentScope, type Scope, type ScopeMetrics } from './summary.js';
export { SummaryError } from '../protocol/summary.js';
export type { EndStatus, Labels, SummaryMode, SummaryValue } from '../protocol/index.js';
