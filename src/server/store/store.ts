import type {
  Execution, ExecutionDetail, ExecutionFields, ExecutionList, ExecutionPatch, IngestBatch, SeriesColumns, SeriesData, SeriesPoints,
} from '../../protocol/index.js';
import type { HubEvent } from '../hub-event.js';
import type { ListQuery } from '../list/list-query.js';

export interface ApplyResult {
  /** The batch id was seen before: nothing was stored again, `events` is empty. */
  duplicate: boolean;
  /** Points stored by this batch. */
  points: number;
  /** What changed, in order, for the live stream: `execution` upserts, `definitions`, `points`, `summary`. */
  events: HubEvent[];
}

export type { ListQuery } from '../list/list-query.js';

export interface RangeQuery {
  from?: number;
  to?: number;
  /** Largest number of points wanted; above it each bucket contributes first/min/max/last. */
  budget?: number;
}

/**
 * The embedded store. Every method is synchronous (better-sqlite3); `applyBatch` commits the whole batch in one
 * transaction or throws a `ValidationError` (status 400/404/409/413) having stored nothing.
 */
export interface Store {
  /** Takes validated batches (`validateIngestBatch`); points may also be in wire form, which is converted. */
  applyBatch(batch: IngestBatch<SeriesColumns | SeriesPoints>, now: number): ApplyResult;
  /** One page of executions matching the query's filters, in its sort (keyset paging: stable under inserts). */
  listExecutions(query: ListQuery): ExecutionList;
  /** Label keys (with values) and numeric summary paths over all executions. */
  executionFields(): Promise<ExecutionFields>;
  /** Deletes an execution with its definitions, series and points; false when there was none. */
  deleteExecution(id: string): Promise<boolean>;
  /** Replaces labels and/or the note of an execution; null when there is none. */
  patchExecution(id: string, patch: ExecutionPatch, now: number): Promise<Execution | null>;
  getExecution(id: string): ExecutionDetail | null;
  readSeries(executionId: string, keys: string[], range: RangeQuery): SeriesData[];
  /** Marks `running` executions not heard from since `lastSeenBefore` as `lost`; returns them. */
  markLost(lastSeenBefore: number): Execution[];
  /** Merges small chunks now (also done in the background and on close). */
  compact?(): void;
  close(): void;
}
