/**
 * Plotline's Node SDK: `connect()` a client, start executions, record Coflux-style time series (`Metric`, `progress`) and
 * Cog-style summary metrics (`recordMetric`, `currentScope`) inside them.
 *
 * Delivery: `record()` never blocks; batches travel in the background, in order, retried with the same batch id (stored
 * once) while the server is unreachable. Beyond the memory bound (a loop that never yields, an outage) they wait in a spool
 * file (spool.ts), which also keeps what is unacknowledged when the process exits, for the next `connect()` to the same
 * server to send. `await execution.end()` / `flush()` is the guaranteed path.
 */
export { connect, Client, type ConnectOptions } from './client.js';
export type { DroppedPoints } from './sender.js';
export type { SpoolOptions } from './spool.js';
export { ExecutionHandle as Execution, type EndReport } from './execution.js';
export { Metric, MetricGroup, MetricScale, type MetricOptions } from './metric.js';
export { progress, type ProgressOptions } from './progress.js';
export { MetricsClient, type MetricsClientOptions, type MetricTags } from './metrics-client.js';
export { instrumentHttp, collapsePath, type InstrumentHttpOptions, type HttpInstrumentation } from './instrument-http.js';
export { recordMetric, currentScope, type Scope, type ScopeMetrics } from './summary.js';
export { SummaryError } from '../protocol/summary.js';
export type { DiscardedCounts, EndStatus, Labels, SummaryMode, SummaryValue } from '../protocol/index.js';
