import pg from 'pg';
import type { SeriesColumns, StreamEvent } from '../../protocol/index.js';
import type { HubEvent } from '../hub-event.js';
import { decodeChunk } from './chunk.js';
import { base64, fromBase64 } from './pg-types.js';
import type { StoreFeed } from './store.js';

/**
 * A points event as the feed keeps it: which points to read back (series id and x range), not the points, which are in the
 * chunks already. Every other event is kept whole.
 */
type FeedEvent = Exclude<StreamEvent, { type: 'points' }>
  | { type: 'points'; executionId: string; refs: Array<{ key: string; seriesId: number; from: number; to: number }> };

/** The feed form of a batch's events; `seriesIds` maps `${executionId}\0${key}` to the series' id. */
export function toFeedEvents(events: HubEvent[], seriesIds: ReadonlyMap<string, number>): FeedEvent[] {
  return events.map((e): FeedEvent => {
    if (e.type !== 'points') return e;
    return {
      type: 'points', executionId: e.executionId,
      refs: e.series.map((s) => ({ key: s.key, seriesId: seriesIds.get(`${e.executionId}\0${s.key}`)!, from: s.x[0]!, to: s.x[s.x.length - 1]! })),
    };
  });
}

interface FeedRow {
  seq_start: number;
  n: number;
  events: string;
}

/** How often the feed is read even without a notification (a dropped LISTEN connection, a lost notification). */
const POLL_MS = 1000;
const READ_LIMIT = 500;

/**
 * The committed events of every replica, in commit order (see StoreFeed). A commit takes the `feed_head` row lock last,
 * takes the next `n` sequence numbers from it, inserts its `feed` row and NOTIFYs the channel with its first seq (a few
 * bytes, far below NOTIFY's 8,000-byte limit: what to read, not the points). Since the lock is held until commit, sequence
 * order is commit order: when a row is visible, every row before it is too, so readers never skip one.
 *
 * Every replica (the one that committed included) reads new rows in order when notified; events committed by this process
 * are taken from memory (`expect`), the others rebuilt: points from the chunks, by series and x range.
 */
export class PgFeed implements StoreFeed {
  private last: number;
  private deliver: ((seq: number, event: HubEvent) => void) | null = null;
  private readonly local = new Map<number, HubEvent[]>();
  private pumping = false;
  private again = false;
  private listener: pg.Client | null = null;
  private closed = false;
  private readonly poll: NodeJS.Timeout;

  private constructor(
    private readonly pool: pg.Pool, private readonly clientConfig: pg.ClientConfig, readonly channel: string,
    readonly epoch: string, readonly startSeq: number,
  ) {
    this.last = startSeq;
    this.poll = setInterval(() => this.poke(), POLL_MS);
    this.poll.unref();
  }

  static async open(pool: pg.Pool, clientConfig: pg.ClientConfig, channel: string): Promise<PgFeed> {
    const head = (await pool.query<{ epoch: string; last_seq: number }>('SELECT epoch, last_seq FROM feed_head')).rows[0]!;
    const feed = new PgFeed(pool, clientConfig, channel, head.epoch, head.last_seq);
    await feed.listen();
    return feed;
  }

  follow(deliver: (seq: number, event: HubEvent) => void): void {
    this.deliver = deliver;
    this.poke();
  }

  /** The events of a feed row this process is committing (registered before COMMIT, so the row is never rebuilt here). */
  expect(seqStart: number, events: HubEvent[]): void {
    if (this.deliver) this.local.set(seqStart, events);
  }

  forget(seqStart: number): void {
    this.local.delete(seqStart);
  }

  /** Reads new rows now (after a notification, or after this process committed one). */
  poke(): void {
    if (this.closed || !this.deliver) return;
    if (this.pumping) {
      this.again = true;
      return;
    }
    this.pumping = true;
    void this.pump();
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.poll);
    const l = this.listener;
    this.listener = null;
    await l?.end().catch(() => undefined);
    while (this.pumping) await new Promise((r) => setTimeout(r, 5));
  }

  private async listen(): Promise<void> {
    const client = new pg.Client(this.clientConfig);
    const retry = () => {
      if (this.closed || this.listener !== client) return;
      this.listener = null;
      client.end().catch(() => undefined);
      setTimeout(() => {
        if (!this.closed) this.listen().catch((err: unknown) => console.error('plotline: feed LISTEN failed, retrying', err));
      }, 1000).unref();
    };
    client.on('error', retry);
    client.on('end', retry);
    client.on('notification', () => this.poke());
    await client.connect();
    await client.query(`LISTEN ${this.channel}`);
    this.listener = client;
    this.poke();
  }

  private async pump(): Promise<void> {
    try {
      do {
        this.again = false;
        if (await this.readNew()) this.again = true;
      } while (this.again && !this.closed);
    } catch (err) {
      if (!this.closed) console.error('plotline: reading the replica feed failed (retrying)', err);
    } finally {
      this.pumping = false;
    }
  }

  /** Delivers the rows after the last one delivered; true when there may be more. */
  private async readNew(): Promise<boolean> {
    const rows = (await this.pool.query<FeedRow>(
      'SELECT seq_start, n, events FROM feed WHERE seq_start > $1 ORDER BY seq_start LIMIT $2', [this.last, READ_LIMIT])).rows;
    if (rows.length === 0) return false;
    const rebuilt = await this.rebuild(rows.filter((r) => !this.local.has(r.seq_start)));
    for (const row of rows) {
      if (this.closed) return false;
      if (row.seq_start !== this.last + 1) {
        console.error(`plotline: replica feed skipped events ${this.last + 1}–${row.seq_start - 1} (older than the feed keeps)`);
      }
      const events = this.local.get(row.seq_start) ?? rebuilt.get(row.seq_start)!;
      this.local.delete(row.seq_start);
      this.last = row.seq_start + row.n - 1;
      events.forEach((e, k) => this.deliver!(row.seq_start + k, e));
    }
    for (const seq of this.local.keys()) if (seq <= this.last) this.local.delete(seq);
    return rows.length === READ_LIMIT;
  }

  /** Hub events of rows committed by other replicas: points read back from the chunks, in one query for all rows. */
  private async rebuild(rows: FeedRow[]): Promise<Map<number, HubEvent[]>> {
    const parsed = rows.map((r) => ({ seq: r.seq_start, events: JSON.parse(r.events) as FeedEvent[] }));
    const refs = parsed.flatMap((p) => p.events.flatMap((e) => (e.type === 'points' ? e.refs : [])));
    const points = refs.map(() => ({ x: [] as Float64Array[], y: [] as Float64Array[] }));
    if (refs.length > 0) {
      const chunks = await this.pool.query<{ i: number; count: number; blocks: string; xs: string; ys: string }>(
        `SELECT r.i, c.count, ${base64('c.blocks')} AS blocks, ${base64('c.xs')} AS xs, ${base64('c.ys')} AS ys
         FROM unnest($1::bigint[], $2::float8[], $3::float8[]) WITH ORDINALITY AS r(s, f, t, i)
         JOIN chunks c ON c.series_id = r.s AND c.last_x >= r.f AND c.first_x <= r.t
         ORDER BY r.i, c.last_x`,
        [refs.map((r) => r.seriesId), refs.map((r) => r.from), refs.map((r) => r.to)]);
      for (const c of chunks.rows) {
        const ref = refs[c.i - 1]!;
        const { x, y } = decodeChunk({ count: c.count, blocks: fromBase64(c.blocks), xs: fromBase64(c.xs), ys: fromBase64(c.ys) });
        let lo = 0;
        while (lo < x.length && x[lo]! < ref.from) lo++;
        let hi = x.length;
        while (hi > lo && x[hi - 1]! > ref.to) hi--;
        points[c.i - 1]!.x.push(x.subarray(lo, hi));
        points[c.i - 1]!.y.push(y.subarray(lo, hi));
      }
    }
    let k = 0;
    const out = new Map<number, HubEvent[]>();
    for (const p of parsed) {
      out.set(p.seq, p.events.map((e): HubEvent => {
        if (e.type !== 'points') return e;
        const series: SeriesColumns[] = e.refs.map((ref) => {
          const got = points[k++]!;
          return { key: ref.key, x: concat(got.x), y: concat(got.y) };
        });
        return { type: 'points', executionId: e.executionId, series };
      }));
    }
    return out;
  }
}

function concat(parts: Float64Array[]): Float64Array {
  if (parts.length === 1) return parts[0]!;
  const out = new Float64Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
