import { forEachLine, parseStatsdLine, shownLine, StatsdLine } from '../../protocol/index.js';
import { DomainError } from '../domain-error.js';
import {
  addBucketed, addCount, addGauge, addMember, addValue, cloneAggregate, type BucketedValues, combineEncoded, encodeAggregate, mergeInto, newAggregate, type Aggregate,
} from './aggregate.js';
import type { RollupRow, RollupStore } from './rollup-store.js';
import { SeriesIndex, serviceOfRawLine, type SeriesState } from './series-index.js';
import { checkTiers, DEFAULT_TIERS, INTERVAL_MS, type Tier } from './tiers.js';

export interface EngineOptions {
  store: RollupStore;
  /** Milliseconds since the epoch; injected so tests move time instead of waiting. */
  clock?: () => number;
  tiers?: readonly Tier[];
  /** Tag sets one metric of one service may have; lines beyond are refused and counted (default 10,000). */
  maxTagSets?: number;
  /** How far ahead of the clock a `|T` timestamp may be (default 10 minutes). */
  maxFutureMs?: number;
}

/** Counts of the ingest paths, server-wide. */
export interface IngestCounters {
  udpDatagrams: number;
  udpLines: number;
  httpLines: number;
  events: number;
  serviceChecks: number;
  /** Refused UDP lines that name no service (per-service counts are on each service). */
  malformedUnattributed: number;
  /** Datagrams the kernel dropped because the receive buffer was full (its counter for the socket, where readable). */
  udpDropped: number;
}

/** What a flush wrote: per series, the aggregate added to each closed interval (for the live stream). */
export interface Flushed {
  start: number;
  series: SeriesState;
  agg: Aggregate;
}

/**
 * One value from an adapter other than DogStatsD (OTLP), already mapped onto service metrics: `tags` is the raw
 * comma-separated `k:v` list a DogStatsD line would carry, `at` the time in ms. A counter's `value` is the increment, a
 * gauge's the sample; a distribution carries bucketed values.
 */
export type Sample =
  | { service: string; name: string; kind: 'counter' | 'gauge'; tags: string; at: number; value: number; scale?: number }
  | { service: string; name: string; kind: 'distribution'; tags: string; at: number; buckets: BucketedValues; scale?: number };

export interface IngestResult {
  lines: number;
  metrics: number;
}

/** A bucket handed to the store but not yet committed: still visible to queries. */
interface Pending extends Flushed {}

const TEN_MINUTES = 600_000;

/**
 * Service metrics: takes DogStatsD lines (one parse-and-aggregate path for UDP and HTTP), keeps each series' open 10 s
 * intervals in memory, and on `flush(now)` merges every closed interval exactly into each tier of the rollup store
 * (10 s, 1 min, 1 h by default). Queries see the store plus what is still in memory.
 */
export class ServicesEngine {
  readonly store: RollupStore;
  readonly index: SeriesIndex;
  readonly tiers: readonly Tier[];
  readonly clock: () => number;
  readonly counters: IngestCounters = {
    udpDatagrams: 0, udpLines: 0, httpLines: 0, events: 0, serviceChecks: 0, malformedUnattributed: 0, udpDropped: 0,
  };
  /** Series with open intervals. */
  private readonly dirty = new Set<SeriesState>();
  private pending: Pending[] = [];
  private flushing: Promise<Flushed[]> | null = null;
  /** Bumped after each committed flush, so a query can tell that memory and store moved under it. */
  generation = 0;
  private readonly maxFutureMs: number;
  private readonly line = new StatsdLine();
  /** Services heard from since the last flush (written to the store with it). */
  private readonly seen = new Map<string, number>();
  /** HTTP batch ids already applied (a retried request is applied once). */
  private readonly batches = new Map<string, { at: number; result: IngestResult }>();

  constructor(opts: EngineOptions) {
    this.store = opts.store;
    this.clock = opts.clock ?? Date.now;
    this.tiers = opts.tiers ?? DEFAULT_TIERS;
    checkTiers(this.tiers);
    this.index = new SeriesIndex(opts.maxTagSets ?? 10_000);
    this.maxFutureMs = opts.maxFutureMs ?? TEN_MINUTES;
  }

  /**
   * Reads back the series and services the store knows beyond this engine's: all of them before the first ingest, then
   * (called again) what other server replicas sharing the database added since, and their services' last-seen times.
   */
  async load(): Promise<void> {
    for (const s of await this.store.listSeries(this.index.maxId)) this.index.load(s);
    for (const s of await this.store.listServices()) {
      const svc = this.index.service(s.name);
      if (s.lastSeen > svc.lastSeen) svc.lastSeen = s.lastSeen;
      svc.firstInterval = Math.min(svc.firstInterval, s.firstInterval ?? -Infinity);
    }
  }

  /**
   * HTTP ingest: the whole body or nothing. A refused body throws a `ValidationError` naming `lines[i]` (counting
   * non-empty lines from 0), the field and the rule; nothing of it is aggregated.
   */
  ingestHttp(text: string, defaultService = '', batchId: string | null = null): IngestResult & { duplicate: boolean } {
    const now = this.clock();
    const seenBatch = batchId === null ? undefined : this.batches.get(batchId);
    if (seenBatch) return { ...seenBatch.result, duplicate: true };
    const created: SeriesState[] = [];
    // What pass 1 accepted, in flat arrays (no object per line): applied in pass 2 once the whole body is known good.
    const series: SeriesState[] = [], rates: number[] = [], ats: number[] = [], ends: number[] = [], values: number[] = [];
    const members: string[] = [];
    let lines = 0, events = 0, checks = 0;
    const line = this.line;
    try {
      lines = forEachLine(text, (start, end, i) => {
        const refusal = parseStatsdLine(text, start, end, line) ?? this.timeProblem(line.timestamp, now);
        if (refusal) this.refuseLine(i, text, start, end, refusal);
        if (line.what === 'event') { events++; return; }
        if (line.what === 'service_check') { checks++; return; }
        const resolved = this.index.resolve(defaultService, line.name, line.kind, line.tags, created);
        if ('field' in resolved) return this.refuseLine(i, text, start, end, resolved);
        series.push(resolved);
        rates.push(line.rate);
        ats.push(atOf(line.timestamp, now));
        for (const v of line.values) values.push(v);
        ends.push(values.length);
        if (resolved.kind === 'set') members.push(line.member);
      });
    } catch (err) {
      this.index.undo(created);
      throw err;
    }
    let m = 0;
    for (let k = 0; k < series.length; k++) {
      const s = series[k]!;
      this.apply(s, values, k === 0 ? 0 : ends[k - 1]!, ends[k]!, s.kind === 'set' ? members[m++]! : '', rates[k]!, ats[k]!, now);
    }
    this.counters.httpLines += lines;
    this.counters.events += events;
    this.counters.serviceChecks += checks;
    const result = { lines, metrics: series.length };
    if (batchId !== null) this.rememberBatch(batchId, result, now);
    return { ...result, duplicate: false };
  }

  /**
   * Ingest of mapped samples (the OTLP adapter): each stands alone, through the same series index and interval aggregates
   * as DogStatsD lines. Returns how many were applied and, for each refused one, its index and the rule (a name already
   * used by another kind, the tag-set cap, a time outside what is kept).
   */
  ingestSamples(samples: readonly Sample[]): { applied: number; refused: { index: number; rule: string }[] } {
    const now = this.clock();
    const refused: { index: number; rule: string }[] = [];
    const one = [0];
    samples.forEach((p, index) => {
      const late = this.timeRule(p.at, now);
      if (late) return refused.push({ index, rule: `time ${late}` });
      const s = this.index.resolve(p.service, p.name, p.kind, p.tags, null);
      if ('field' in s) return refused.push({ index, rule: s.rule });
      if (p.kind === 'distribution') {
        const scale = p.scale ?? 1;
        const h = p.buckets;
        const scaled = scale === 1 ? h : {
          count: h.count, sum: h.sum * scale, min: h.min * scale, max: h.max * scale, centers: h.centers.map((c) => c * scale), weights: h.weights,
        };
        addBucketed(this.open(s, p.at), scaled);
        this.heard(s, now);
      } else {
        one[0] = p.value * (p.scale ?? 1);
        this.apply(s, one, 0, 1, '', 1, p.at, now);
      }
      return undefined;
    });
    return { applied: samples.length - refused.length, refused };
  }

  /** Closed intervals handed to the store and not yet committed (grows while the store is failing or slow). */
  get backlog(): number {
    return this.pending.length;
  }

  /** Why a time (ms) cannot be taken: older than the 10 s tier keeps, or too far ahead of the clock; null when it can. */
  timeRule(at: number, now = this.clock()): string | null {
    if (at < now - this.tiers[0]!.retention) return `must be within the ${this.tiers[0]!.retention / 3_600_000} h kept at 10 s resolution`;
    if (at > now + this.maxFutureMs) return `must be at most ${this.maxFutureMs / 60_000} minutes ahead of the server's clock`;
    return null;
  }

  /** Batch ids are remembered for an hour (a client retries for seconds), at most 100,000 of them, in this process. */
  private rememberBatch(id: string, result: IngestResult, now: number): void {
    this.batches.set(id, { at: now, result });
    if (this.batches.size <= 100_000) return;
    for (const [k, v] of this.batches) {
      if (this.batches.size > 90_000 || v.at < now - 3_600_000) this.batches.delete(k);
      else break;
    }
  }

  /** UDP ingest: one datagram; each line stands alone, refused lines are counted (per service where the line names one). */
  ingestDatagram(text: string, defaultService = ''): void {
    const now = this.clock();
    this.counters.udpDatagrams++;
    const line = this.line;
    this.counters.udpLines += forEachLine(text, (start, end) => {
      let refusal = parseStatsdLine(text, start, end, line) ?? this.timeProblem(line.timestamp, now);
      if (!refusal) {
        if (line.what === 'event') { this.counters.events++; return; }
        if (line.what === 'service_check') { this.counters.serviceChecks++; return; }
        const series = this.index.resolve(defaultService, line.name, line.kind, line.tags, null);
        if (!('field' in series)) {
          this.apply(series, line.values, 0, line.values.length, line.member, line.rate, atOf(line.timestamp, now), now);
          return;
        }
        // Tag-set refusals are counted as such by the index.
        if (series.field === 'tags') return;
        refusal = series;
      }
      const service = serviceOfRawLine(text.slice(start, end)) || defaultService;
      if (service) this.index.service(service).malformedLines++;
      else this.counters.malformedUnattributed++;
    });
  }

  private refuseLine(i: number, text: string, start: number, end: number, r: { field: string; rule: string }): never {
    throw new DomainError('invalid', `lines[${i}].${r.field}`, `${r.rule} (line: ${JSON.stringify(shownLine(text, start, end))})`);
  }

  private timeProblem(t: number, now: number): { field: string; rule: string } | null {
    if (Number.isNaN(t)) return null;
    const oldest = now - this.tiers[0]!.retention;
    if (t * 1000 < oldest) return { field: 'timestamp', rule: `must be within the ${this.tiers[0]!.retention / 3_600_000} h kept at 10 s resolution (T${t} is older)` };
    if (t * 1000 > now + this.maxFutureMs) return { field: 'timestamp', rule: `must be at most ${this.maxFutureMs / 60_000} minutes ahead of the server's clock (T${t} is later; Unix seconds expected)` };
    return null;
  }

  /** Adds `values[from..to)` (or the set `member`) to the interval of `at`. */
  private apply(s: SeriesState, values: number[], from: number, to: number, member: string, rate: number, at: number, now: number): void {
    const agg = this.open(s, at);
    switch (s.kind) {
      case 'counter':
        for (let i = from; i < to; i++) addCount(agg, values[i]! * s.scale, rate);
        break;
      case 'gauge':
        for (let i = from; i < to; i++) addGauge(agg, values[i]! * s.scale, at);
        break;
      case 'distribution':
        for (let i = from; i < to; i++) addValue(agg, values[i]! * s.scale, rate);
        break;
      case 'set':
        addMember(agg, member);
        break;
    }
    this.heard(s, now);
  }

  /** The open aggregate of the interval holding `at` (ms), made when missing. */
  private open(s: SeriesState, at: number): Aggregate {
    const start = at - (at % INTERVAL_MS);
    let agg = s.open.get(start);
    if (!agg) {
      agg = newAggregate(s.kind);
      s.open.set(start, agg);
      this.dirty.add(s);
      const svc = this.index.services.get(s.service)!;
      if (start < svc.firstInterval) svc.firstInterval = start;
    }
    return agg;
  }

  /** Marks the series' service and replica as heard from. */
  private heard(s: SeriesState, now: number): void {
    const svc = this.index.services.get(s.service)!;
    if (now > svc.lastSeen) svc.lastSeen = now;
    svc.updates++;
    svc.hosts.set(s.host, now);
    this.seen.set(s.service, now);
  }

  /** Open and pending intervals of these series, for queries (the caller must not keep them). */
  *memory(series: Iterable<SeriesState>): Generator<{ series: SeriesState; start: number; agg: Aggregate }> {
    const wanted = new Set(series);
    for (const p of this.pending) if (wanted.has(p.series)) yield p;
    for (const s of wanted) for (const [start, agg] of s.open) yield { series: s, start, agg };
  }

  /**
   * Writes every interval that ended by `now` into each tier (an exact merge with what is stored), then forgets it.
   * Flushes run one at a time; a failed write is kept and retried by the next flush. Resolves to what was written.
   */
  flush(now = this.clock()): Promise<Flushed[]> {
    const previous = this.flushing ?? Promise.resolve([]);
    const run = previous.then(() => this.flushNow(now), () => this.flushNow(now));
    this.flushing = run;
    return run;
  }

  private async flushNow(now: number): Promise<Flushed[]> {
    for (const s of this.dirty) {
      for (const [start, agg] of s.open) {
        if (start + INTERVAL_MS > now) continue;
        this.pending.push({ series: s, start, agg });
        s.open.delete(start);
      }
      if (s.open.size === 0) this.dirty.delete(s);
    }
    const batch = this.pending;
    if (batch.length === 0 && this.seen.size === 0) return [];
    const unsaved = [...new Set(batch.flatMap((p) => [p.series, p.series.metric.total ?? p.series]).filter((s) => s.id === null))];
    if (unsaved.length > 0) {
      const ids = await this.store.ensureSeries(unsaved);
      unsaved.forEach((s, i) => (s.id = ids[i]!));
    }
    // One row per (tier, series, tier interval): intervals of one flush that share a coarser interval are merged first.
    // A row holds the interval's own aggregate until a second one joins it (copied then): most rows have one.
    const rows = new Map<string, { tier: number; seriesId: number; start: number; agg: Aggregate; owned: boolean }>();
    for (const p of batch) {
      for (const target of [p.series, p.series.metric.total]) {
        if (!target) continue;
        for (const t of this.tiers) {
          const start = p.start - (p.start % t.size);
          const key = `${t.size}:${target.id}:${start}`;
          const row = rows.get(key);
          if (!row) rows.set(key, { tier: t.size, seriesId: target.id!, start, agg: p.agg, owned: false });
          else {
            if (!row.owned) {
              row.agg = cloneAggregate(row.agg);
              row.owned = true;
            }
            mergeInto(row.agg, p.agg);
          }
        }
      }
    }
    const encoded: RollupRow[] = [...rows.values()].map((r) => ({ tier: r.tier, seriesId: r.seriesId, start: r.start, data: encodeAggregate(r.agg) }));
    // Services first: if the merge then fails, the retry only moves their last-seen times again.
    await this.store.touchServices(new Map([...this.seen].map(([name, lastSeen]) => [name, { lastSeen, firstInterval: this.index.services.get(name)?.firstInterval ?? lastSeen }])));
    this.seen.clear();
    await this.store.mergeRows(encoded, combineEncoded);
    this.pending = this.pending.slice(batch.length);
    this.generation++;
    return batch;
  }

  /** Deletes rows older than each tier's retention. */
  async prune(now = this.clock()): Promise<number> {
    let n = 0;
    for (const t of this.tiers) n += await this.store.prune(t.size, now - t.retention);
    // A cumulative stream silent for as long as the finest tier is kept starts again from a baseline.
    await this.store.pruneStreams(now - this.tiers[0]!.retention);
    return n;
  }

  /** Flushes everything, open intervals included (at shutdown). */
  async close(): Promise<void> {
    await this.flush(Infinity).catch((err: unknown) => console.error('plotline: service metrics not written at shutdown', err));
    await this.store.close();
  }
}

function atOf(timestamp: number, now: number): number {
  return Number.isNaN(timestamp) ? now : timestamp * 1000;
}
