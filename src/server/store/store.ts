import type {
  Execution, ExecutionDetail, ExecutionList, ExecutionStatus, IngestBatch, SeriesColumns, SeriesData, SeriesPoints,
} from '../../protocol/index.js';
import type { HubEvent } from '../hub-event.js';

export interface ApplyResult {
  /** The batch id was seen before: nothing was stored again, `events` is empty. */
  duplicate: boolean;
  /** Points stored by this batch. */
  points: number;
  /** What changed, in order, for the live stream: `execution` upserts, `definitions`, `points`, `summary`. */
  events: HubEvent[];
}

export interface ListQuery {
  status?: ExecutionStatus[];
  /** Case-insensitive substring of the name. */
  q?: string;
  limit: number;
  /** `nextCursor` of the previous page. */
  cursor?: string;
}

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
  listExecutions(query: ListQuery): ExecutionList;
  getExecution(id: string): ExecutionDetail | null;
  readSeries(executionId: string, keys: string[], range: RangeQuery): SeriesData[];
  /** Marks `running` executions not heard from since `lastSeenBefore` as `lost`; returns them. */
  markLost(lastSeenBefore: number): Execution[];
  /** Merges small chunks now (also done in the background and on close). */
  compact?(): void;
  close(): void;
}
