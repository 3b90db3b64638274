/** Wire and domain types shared by the server, the SDK and the studio. Times are milliseconds since the Unix epoch. */

export const EXECUTION_STATUSES = ['running', 'succeeded', 'failed', 'cancelled', 'lost'] as const;
export type ExecutionStatus = (typeof EXECUTION_STATUSES)[number];
/** Statuses an execution can be ended with by its producer. `lost` is only ever set by the server. */
export const END_STATUSES = ['succeeded', 'failed', 'cancelled'] as const;
export type EndStatus = (typeof END_STATUSES)[number];

export type Labels = Record<string, string>;

/** A number on the wire: JSON has no NaN/Infinity, so those travel as strings and are kept, never dropped. */
export type WireNumber = number | 'NaN' | 'Infinity' | '-Infinity';

/** One chart with one shared x-axis (Coflux `MetricGroup`). */
export interface GroupDef {
  name: string;
  units?: string;
  lower?: number;
  upper?: number;
}

/** A y-axis (Coflux `MetricScale`). Metrics of one group whose scales share a name share a y-axis. */
export interface ScaleDef {
  name?: string;
  units?: string;
  lower?: number;
  upper?: number;
  progress?: boolean;
}

/** How a metric is drawn; sent once per execution, at the metric's first record. */
export interface MetricDef {
  key: string;
  group?: GroupDef;
  scale?: ScaleDef;
}

/** Cog summary metrics: one JSON object per execution. */
export type SummaryValue = boolean | number | string | SummaryValue[] | { [key: string]: SummaryValue };
export type SummaryObject = { [key: string]: SummaryValue };
export const SUMMARY_MODES = ['replace', 'incr', 'append'] as const;
export type SummaryMode = (typeof SUMMARY_MODES)[number];

/** One `recordMetric` call. `value: null` deletes the key. `x` is seconds since the execution started, used to draw numeric values over time. */
export interface SummaryOp {
  key: string;
  value: SummaryValue | null;
  mode: SummaryMode;
  x?: number;
}

export interface Execution {
  id: string;
  name: string;
  labels: Labels;
  status: ExecutionStatus;
  startedAt: number;
  endedAt: number | null;
  /** Last time the server received anything for this execution. */
  lastSeenAt: number;
  error: string | null;
  metricCount: number;
  summary: SummaryObject;
  /** Free text a person wrote about the run (`PATCH /api/executions/:id`); absent when there is none. */
  note?: string;
  /** What the producer's SDK reported at the end as not sent, per metric key; absent when nothing. */
  discarded?: Record<string, DiscardedCounts>;
}

// ---- Ingest (POST /api/ingest) -------------------------------------------------------

/** Points of one series in one batch: columnar, x strictly increasing and above every x already stored. */
export interface SeriesPoints {
  key: string;
  x: number[];
  y: WireNumber[];
  /** Record times (see `RecordTimes`): when the item's first and last point were recorded. Optional. */
  t?: RecordTimes;
}

/**
 * When the points of one item were recorded, in ms since the Unix epoch: `[first, last]` — the wall-clock times of
 * recording the item's first and its last point — or `[t]` when all were recorded at one time. Sent by the SDKs for points
 * recorded with an explicit `at` (whose x is a step, not a time), so wall and relative time stay available for them. The
 * server keeps them as *time marks* (x → ms) per series and interpolates linearly in x between marks (see `TimeMarks`).
 */
export type RecordTimes = [number] | [number, number];

/**
 * Time marks of one series in a read: pairs (x, ms since the epoch) in increasing x, t non-decreasing — those in the read
 * range plus the nearest one on each side, thinned to the read's budget. The record time of any x between two marks is
 * their linear interpolation.
 */
export interface TimeMarks {
  x: number[];
  t: number[];
}

export interface ExecutionStart {
  name: string;
  labels?: Labels;
  startedAt?: number;
}

export interface ExecutionEnd {
  status: EndStatus;
  endedAt?: number;
  error?: string;
  /** What the producer's SDK did not send, per metric key (see `DiscardedCounts`); shown on the execution page. */
  discarded?: Record<string, DiscardedCounts>;
}

/**
 * Values of one metric an SDK recorded but did not send: `throttled` (replaced by a later value of the same throttle
 * window), `xNotIncreasing` (x not greater than the series' previous x), `xInvalid` (x not finite, or beyond ±2^53).
 */
export interface DiscardedCounts {
  throttled?: number;
  xNotIncreasing?: number;
  xInvalid?: number;
}

/** Removes every point with x ≥ `x` from all series of the execution (a run resumed from a checkpoint), before the update's points. */
export interface Rewind {
  x: number;
}

/**
 * Points of one series once accepted: plain doubles, NaN and ±Infinity included. Binary batches decode straight into
 * these (views on the request body), JSON batches are converted after validation.
 */
export interface SeriesColumns {
  key: string;
  x: Float64Array;
  y: Float64Array;
  t?: RecordTimes;
}

/**
 * Everything a batch says about one execution. Applied in this order: start, definitions, rewind, points, summary, end.
 * `P` is how points are held: wire JSON (`SeriesPoints`) or accepted columns (`SeriesColumns`).
 */
export interface ExecutionUpdate<P = SeriesPoints> {
  id: string;
  start?: ExecutionStart;
  definitions?: MetricDef[];
  rewind?: Rewind;
  points?: P[];
  summary?: SummaryOp[];
  end?: ExecutionEnd;
}

export interface IngestBatch<P = SeriesPoints> {
  /** Chosen by the client; a retried batch with the same id is acknowledged again but stored once. */
  batchId?: string;
  executions: ExecutionUpdate<P>[];
}

/** A batch as the store takes it: validated, points in columns. */
export type AcceptedBatch = IngestBatch<SeriesColumns>;

export interface IngestAck {
  ok: true;
  batchId: string | null;
  duplicate: boolean;
  points: number;
}

/** The body of every 4xx/5xx answer. `path` points at the offending item, e.g. `executions[0].points[2].x[5]`. */
export interface ApiError {
  error: string;
  path?: string;
  rule?: string;
}

// ---- Query API -------------------------------------------------------------------------

export interface ExecutionList {
  executions: Execution[];
  nextCursor: string | null;
}

export interface SeriesInfo {
  key: string;
  count: number;
  minX: number | null;
  maxX: number | null;
  lastY: WireNumber | null;
}

export interface ExecutionDetail {
  execution: Execution;
  definitions: MetricDef[];
  series: SeriesInfo[];
}

/** History of one series. When `downsampled`, each bucket contributed its first, min, max and last point (in x order). */
export interface SeriesData {
  key: string;
  total: number;
  downsampled: boolean;
  x: number[];
  y: WireNumber[];
  /** Record-time marks of the range, when the series has any (points recorded with `at` by an SDK that sends `t`). */
  times?: TimeMarks;
  /**
   * With `smooth=<algorithm>:<weight>`: the smoothed line over the range, smoothed from every stored point of the series
   * (protocol/smoothing.ts) and then reduced like the points (M4, at most the budget).
   */
  smoothed?: { x: number[]; y: WireNumber[] };
}

export interface SeriesResponse {
  series: SeriesData[];
}

/** `GET /api/execution-fields`: what the runs table can show as columns and filter by, over all executions. */
export interface ExecutionFields {
  /** Label keys, each with its distinct values (most common first, at most 50). */
  labels: { key: string; values: string[] }[];
  /** Dotted paths of summary values that are numbers in some execution. */
  summary: string[];
}

/** `PATCH /api/executions/:id`: labels replace the execution's labels; a note of null or "" removes it. */
export interface ExecutionPatch {
  labels?: Labels;
  note?: string | null;
}
