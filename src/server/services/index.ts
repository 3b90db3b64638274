import type { ServiceEntry } from '../../protocol/index.js';
import type { StreamHub } from '../stream-hub.js';
import { ServicesEngine, type Flushed } from './engine.js';
import { openRollups } from './open-rollups.js';
import { intervalMetrics, rateSeconds, replicasOf, serviceStatus } from './query.js';
import type { RollupStore } from './rollup-store.js';
import { INTERVAL_MS, type Tier } from './tiers.js';
import { listenUdp, type UdpListener } from './udp.js';
import { OtlpReceiver, type OtlpReceiverOptions } from '../otlp/receiver.js';

export { ServicesEngine } from './engine.js';
export { DEFAULT_TIERS, INTERVAL_MS, type Tier } from './tiers.js';

export interface ServicesOptions {
  /** The execution store's `--db`: a SQLite path, ':memory:' or a postgres:// URL (rollups go beside executions). */
  db: string;
  /** Or a rollup store made by the caller. */
  store?: RollupStore;
  host: string;
  /** DogStatsD UDP port; 0 any free one; null: no UDP listener. */
  statsdPort: number | null;
  hub: StreamHub;
  clock?: () => number;
  tiers?: readonly Tier[];
  maxTagSets?: number;
  otlp?: OtlpReceiverOptions;
}

export interface ServicesRuntime {
  engine: ServicesEngine;
  udp: UdpListener | null;
  /** OTLP/HTTP metrics (`POST /v1/metrics`), into the same engine. */
  otlp: OtlpReceiver;
  close(): Promise<void>;
}

const LIVE_EVERY_MS = 1000;
const PRUNE_EVERY_MS = 60_000;
/** How often series and services other server replicas added to a shared database are read back. */
const RELOAD_EVERY_MS = 5_000;

/**
 * Starts service metrics: the rollup store, the engine, the UDP listener and the 1 s heartbeat that closes intervals,
 * streams followed services' running intervals and service-list changes, and (each minute) applies retention.
 */
export async function startServices(opts: ServicesOptions): Promise<ServicesRuntime> {
  const store = opts.store ?? openRollups(opts.db);
  const engine = new ServicesEngine({ store, ...(opts.clock && { clock: opts.clock }), ...(opts.tiers && { tiers: opts.tiers }), ...(opts.maxTagSets && { maxTagSets: opts.maxTagSets }) });
  try {
    await engine.load();
  } catch (err) {
    await store.close().catch(() => {});
    throw err;
  }
  let udp: UdpListener | null = null;
  if (opts.statsdPort !== null) {
    try {
      udp = await listenUdp(opts.host, opts.statsdPort, (text) => engine.ingestDatagram(text));
    } catch (err) {
      await store.close();
      throw err;
    }
  }
  const live = new LiveServices(engine, opts.hub);
  let lastPrune = 0;
  let lastLoad = 0;
  let failing = false;
  const beat = setInterval(() => {
    const now = engine.clock();
    if (udp) engine.counters.udpDropped = udp.kernelDrops() ?? 0;
    live.publishRunning(now);
    void engine.flush(now).then((flushed) => {
      failing = false;
      live.publishClosed(flushed);
      if (now - lastLoad >= RELOAD_EVERY_MS) {
        lastLoad = now;
        void engine.load().catch(() => {});
      }
      if (now - lastPrune >= PRUNE_EVERY_MS) {
        lastPrune = now;
        return engine.prune(now).then(() => undefined);
      }
      return undefined;
    }).catch((err: unknown) => {
      if (!failing) console.error('plotline: service metrics could not be written (retrying each second):', (err as Error).message);
      failing = true;
    });
  }, LIVE_EVERY_MS);
  beat.unref();
  return {
    engine,
    udp,
    otlp: new OtlpReceiver(engine, opts.otlp),
    async close() {
      clearInterval(beat);
      await udp?.close();
      await engine.close();
    },
  };
}

/** Turns engine state into stream events: service-list changes for everyone, intervals for followers. */
export class LiveServices {
  private readonly shown = new Map<string, string>();
  private lastRunning = new Map<string, number>();

  constructor(private readonly engine: ServicesEngine, private readonly hub: StreamHub) {}

  /** Service-list changes, and the open interval of each followed service that changed since the last call. */
  publishRunning(now: number): void {
    const start = now - (now % INTERVAL_MS);
    for (const svc of this.engine.index.services.values()) {
      const entry: ServiceEntry = { name: svc.name, status: serviceStatus(svc, now), replicas: replicasOf(svc, now), lastSeen: svc.lastSeen || null };
      const sig = `${entry.status}/${entry.replicas}`;
      if (this.shown.get(svc.name) !== sig) {
        this.shown.set(svc.name, sig);
        this.hub.publishState({ type: 'service', service: entry });
      }
      if (svc.updates === (this.lastRunning.get(svc.name) ?? 0) || !this.hub.followsService(svc.name)) continue;
      this.lastRunning.set(svc.name, svc.updates);
      const series = [...svc.metrics.values()].flatMap((m) => m.series);
      const parts = [...this.engine.memory(series)].filter((p) => p.start === start);
      if (parts.length === 0) continue;
      const seconds = rateSeconds(start, start + INTERVAL_MS, now, svc.firstInterval);
      this.hub.publishState({ type: 'serviceInterval', interval: { service: svc.name, start, closed: false, ...intervalMetrics(parts, seconds) } });
    }
  }

  /** Each closed interval of followed services, once, as written. */
  publishClosed(flushed: readonly Flushed[]): void {
    const byKey = new Map<string, Flushed[]>();
    for (const f of flushed) {
      if (!this.hub.followsService(f.series.service)) continue;
      const key = `${f.series.service}\u0001${f.start}`;
      const list = byKey.get(key);
      if (list) list.push(f);
      else byKey.set(key, [f]);
    }
    for (const list of byKey.values()) {
      const { series, start } = list[0]!;
      const svc = this.engine.index.services.get(series.service);
      const seconds = rateSeconds(start, start + INTERVAL_MS, Infinity, svc?.firstInterval ?? -Infinity);
      this.hub.publishState({ type: 'serviceInterval', interval: { service: series.service, start, closed: true, ...intervalMetrics(list, seconds) } });
    }
  }
}
