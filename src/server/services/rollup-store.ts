import type { MetricKind } from '../../protocol/index.js';
import type { StreamStates } from '../otlp/cumulative.js';

/** One series of a service: a metric name with one tag set (canonical: sorted `k:v` / bare `k` tags, `host:` included). */
export interface SeriesKey {
  service: string;
  name: string;
  kind: MetricKind;
  tags: string[];
}

export interface SeriesInfo extends SeriesKey {
  id: number;
}

/** One stored aggregate: a series over the interval of `tier` (ms wide) starting at `start` (ms since the epoch). */
export interface RollupRow {
  tier: number;
  seriesId: number;
  start: number;
  /** The aggregate's binary form (`encodeAggregate`); opaque to the store. */
  data: Uint8Array;
}

/** What a flush records of a service it heard from. */
export interface ServiceSeen {
  /** When it was last heard from, ms since the epoch. */
  lastSeen: number;
  /** Start (ms) of the first 10 s interval it has data in: the time rates over a window are taken from. */
  firstInterval: number;
}

export interface StoredService {
  name: string;
  lastSeen: number;
  /** Null for a service stored before first intervals were kept (its rates are taken over the whole window). */
  firstInterval: number | null;
}

/**
 * Storage of service-metric rollups. Backends (SQLite, PostgreSQL) only keep rows; what a row means and how two rows
 * merge is decided above them (`aggregate.ts`), so every backend merges exactly alike. All methods are asynchronous;
 * one contract test suite runs against every backend.
 */
export interface RollupStore extends StreamStates {
  /** Ids of these series, in order, creating the missing ones. A series keeps the kind it was created with. */
  ensureSeries(series: readonly SeriesKey[]): Promise<number[]>;
  /** Every series, oldest first; with `afterId`, only those with a greater id (series other server replicas added). */
  listSeries(afterId?: number): Promise<SeriesInfo[]>;
  /**
   * Merges each row into the stored row of the same (tier, series, start) with `combine(stored, incoming)`, or stores it
   * when there is none. One transaction: all rows or none; concurrent calls (other server replicas on one database)
   * never lose each other's contributions.
   */
  mergeRows(rows: readonly RollupRow[], combine: (stored: Uint8Array, incoming: Uint8Array) => Uint8Array): Promise<void>;
  /** Rows of `tier` for these series with `from <= start < to`, ordered by series then start. */
  readRows(tier: number, seriesIds: readonly number[], from: number, to: number): Promise<RollupRow[]>;
  /** Deletes rows of `tier` that start before `before`; returns how many. */
  prune(tier: number, before: number): Promise<number>;
  /**
   * Records that services were heard from: the stored last-seen time only moves forward, the first interval only back
   * (a service stored before first intervals were kept has none, and keeps none).
   */
  touchServices(seen: ReadonlyMap<string, ServiceSeen>): Promise<void>;
  /** Services, when each was last heard from and the start of its first interval (null: stored before it was kept). */
  listServices(): Promise<StoredService[]>;
  /**
   * Per-stream states (cumulative OTLP streams' last points, opaque text): for each entry, atomically — a compare-and-set
   * per key, concurrent callers on other replicas wait for each other — read the stored state (null when none), store
   * `step(stored, incoming)`, return what was read. One transaction for the whole call.
   */
  exchangeStreams(entries: readonly { key: string; state: string }[], step: (stored: string | null, incoming: string) => string): Promise<(string | null)[]>;
  /** Forgets stream states not written since `before` (ms); returns how many. */
  pruneStreams(before: number): Promise<number>;
  close(): Promise<void>;
}
