export { connect, Client, type ConnectOptions } from './client.js';
export { ExecutionHandle as Execution } from './execution.js';
export { Metric, MetricGroup, MetricScale, type MetricOptions } from './metric.js';
export { progress, type ProgressOptions } from './progress.js';
export { recordMetric, currentScope, type Scope, type ScopeMetrics } from './summary.js';
export { SummaryError } from '../protocol/summary.js';
export type { EndStatus, Labels, SummaryMode, SummaryValue } from '../protocol/index.js';
