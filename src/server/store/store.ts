import type Database from 'better-sqlite3';
import type pg from 'pg';
import type {
  Execution, ExecutionDetail, ExecutionFields, ExecutionList, ExecutionPatch, MetricDef, RecordTimes, SeriesData,
} from '../../protocol/index.js';
import type { ListQuery } from '../list/list-query.js';
import type { HubEvent } from '../hub-event.js';

/** An execution as the rules see it: everything but `metricCount`, which the store derives from definitions and series. */
export type ExecutionRecord = Omit<Execution, 'metricCount'>;

/**
 * What the rules need to know before deciding a batch: per execution id, the definition and series keys it touches, and
 * the x it rewinds to (if it does).
 */
export interface BatchRequest {
  batchId?: string;
  executions: Map<string, { definitionKeys: Set<string>; seriesKeys: Set<string>; rewindX?: number }>;
}

/** The state of one execution, as far as a batch touches it (only the requested keys are filled in). */
export interface ExecutionState {
  record: ExecutionRecord | null;
  /** Requested definition keys that are defined, with their definitions. */
  definitions: Map<string, MetricDef>;
  /** Requested series keys that have points, with the last stored x. */
  lastX: Map<string, number>;
  /**
   * With a requested rewind to X: every series of the execution with points at or beyond X, with the largest x it keeps
   * below X (null: it keeps none).
   */
  rewound?: Map<string, number | null>;
}

/** Read inside the batch's transaction. */
export interface BatchState {
  /** The batch id was committed before (with this many points). */
  seen: { points: number; hash: string | null } | null;
  executions: Map<string, ExecutionState>;
}

/** Points appended to one series; each part is cut into chunks on its own (as it arrived). x increases across all parts. */
export interface SeriesAppend {
  key: string;
  /** The series has no stored points yet. */
  isNew: boolean;
  /** `t`: when the part's first and last point were recorded (kept as time marks, protocol/time-marks.ts). */
  parts: Array<{ x: Float64Array; y: Float64Array; t?: RecordTimes }>;
}

/** Everything a batch changes in one execution. */
export interface ExecutionWrite {
  /** The execution as it is after the batch. */
  record: ExecutionRecord;
  isNew: boolean;
  /** The summary differs from the stored one (for an existing execution). */
  summaryChanged: boolean;
  /** Definitions added by this batch. */
  definitions: MetricDef[];
  /** Before the appends: remove every point with x ≥ this from all series of the execution (a series left empty goes). */
  rewindX?: number;
  appends: SeriesAppend[];
}

/** What to write, decided by the rules (server/ingest/apply.ts). */
export interface BatchWrite {
  executions: ExecutionWrite[];
  /** Remember the batch id, so that a retry is acknowledged without being stored again. */
  remember: { batchId: string; at: number; points: number; hash: string } | null;
  /**
   * The batch's stream events, in order. The store sets `metricCount` of its `execution` events as committed and, when it
   * has a feed, records them in it in the same transaction.
   */
  events: HubEvent[];
}

export interface CommitResult {
  /** `metricCount` of every written execution, after the commit. */
  metricCounts: Map<string, number>;
}

export type { ListQuery } from '../list/list-query.js';

export interface RangeQuery {
  from?: number;
  to?: number;
  /** Largest number of points wanted; above it each bucket contributes first/min/max/last. */
  budget?: number;
  /**
   * A downsampled read may move a bucket edge to the boundary of a stored block of points (by at most a quarter of a
   * bucket, see `M4.snapBucket`), so that it is answered from the blocks' summaries without decoding points. Default
   * false: exactly M4 over the raw points.
   */
  snap?: boolean;
}

export interface CompactOptions {
  /** Only series with at least this many small chunks (default 2: every series that has something to merge). */
  minSmallChunks?: number;
  /** Stop starting new series after this many ms (default: no limit). */
  budgetMs?: number;
  /** Stop packing this many ms after the pass started (default: `budgetMs`). */
  packBudgetMs?: number;
}

/**
 * The database under a store, for modules that keep their own tables in it (service metrics): the SQLite connection, or
 * the PostgreSQL pool with the schema the store's tables are in (every pooled connection has it as its search_path).
 */
export type StoreHandle = { kind: 'sqlite'; db: Database.Database } | { kind: 'postgres'; pool: pg.Pool; schema: string };

/**
 * The committed stream events of every replica on one database, in commit order, each with a sequence number that means
 * the same on every replica (so a stream resumes on any replica). A backend shared by replicas has one; then the server
 * publishes what the feed delivers instead of what it commits itself.
 */
export interface StoreFeed {
  /** Names the feed's sequence (an SSE event id is `<epoch>:<seq>`); the same on every replica of the database. */
  readonly epoch: string;
  /** The sequence number of the last event committed when the store opened (delivery starts after it). */
  readonly startSeq: number;
  /** Calls `deliver` for every event committed from then on, in order, seq by seq without gaps. One follower per store. */
  follow(deliver: (seq: number, event: HubEvent) => void): void;
}

/**
 * Storage of executions, definitions, series points (chunks) and batch ids. It keeps no rules of its own: the rules
 * (lifecycle, summary ops, definition conflicts, x order, batch-id dedup) are in server/ingest/apply.ts, which decides each
 * batch from the state the store loads for it. Failures are `DomainError`s (not found, conflict) or plain errors (I/O).
 * Background work (compaction, lost sweeping, forgetting old batch ids) is scheduled by the server (server/background.ts).
 */
export interface Store {
  readonly handle: StoreHandle;
  /** Null for a store only this process writes (SQLite): the server then publishes what it commits. */
  readonly feed: StoreFeed | null;
  /**
   * In one transaction: loads the state `request` names, calls `decide` with it (synchronously), writes what it returns and
   * commits. `decide` returning null (a duplicate batch) writes nothing; `decide` throwing rolls everything back and the error
   * is rethrown. Resolves after the commit, with null when nothing was written.
   */
  commitBatch(request: BatchRequest, decide: (state: BatchState) => BatchWrite | null): Promise<CommitResult | null>;
  /** One page of executions matching the query's filters, in its sort (keyset paging: stable under inserts). */
  listExecutions(query: ListQuery): Promise<ExecutionList>;
  /** Label keys (with values) and numeric summary paths over all executions. */
  executionFields(): Promise<ExecutionFields>;
  /** Deletes an execution with its definitions, series and points; false when there was none. */
  deleteExecution(id: string): Promise<boolean>;
  /** Replaces labels and/or the note of an execution; null when there is none. */
  patchExecution(id: string, patch: ExecutionPatch): Promise<Execution | null>;
  getExecution(id: string): Promise<ExecutionDetail | null>;
  /**
   * Every key gets an answer (a missing series reads as empty); a missing execution is a `not_found` DomainError on `id`.
   * A series with time marks answers them in `times` (those in range and the nearest on each side, at most `budget`).
   */
  readSeries(executionId: string, keys: string[], range: RangeQuery): Promise<SeriesData[]>;
  /**
   * Marks `running` executions not heard from since `lastSeenBefore` as `lost`; returns them as they are now. On a shared
   * database only one replica sweeps at a time (the others get []), and the changes go into the feed.
   */
  markLost(lastSeenBefore: number): Promise<Execution[]>;
  /** Forgets batch ids committed before `before` (ms); returns how many. */
  forgetBatchIds(before: number): Promise<number>;
  /**
   * Merges small chunks of live series into bigger ones and re-encodes sealed chunks ingest wrote in the compact block
   * encodings (packing), without changing a point. Resolves true when the budget ran out with work left.
   */
  compact(opts?: CompactOptions): Promise<boolean>;
  /** Merges every small chunk, packs what it can in CLOSE_PACK_BUDGET_MS (the rest is packed after the next start), and closes. */
  close(): Promise<void>;
}
