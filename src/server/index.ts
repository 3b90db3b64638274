import { createServer, type Server } from 'node:http';
import { fileURLToPath } from 'node:url';
import type { AddressInfo } from 'node:net';
import { accessPolicy, interfaceAddresses } from './access.js';
import { createHandler, type AppContext } from './app.js';
import { BodyGate } from './body-gate.js';
import { BodyPool } from './body-pool.js';
import { capConnectionsPerAddress, isLoopbackAddress } from './connection-cap.js';
import { LIMITS } from '../protocol/index.js';
import { LOOP_BUSY_UTILIZATION, startBackground } from './background.js';
import { LoopLoad } from './loop-load.js';
import { startServices, type ServicesRuntime, type Tier } from './services/index.js';
import { openStore } from './store/index.js';
import type { Store } from './store/store.js';
import { otlpOnlyHandler, type OtlpReceiverOptions } from './otlp/receiver.js';
import { StreamHub, type StreamHubOptions } from './stream-hub.js';
import { Turns } from './turns.js';
import { ReadActivity } from './read-activity.js';

export interface ServerOptions {
  port?: number;
  host?: string;
  /** SQLite file path, ':memory:', or a postgres:// URL. */
  db?: string;
  /** An execution that sends nothing for this long without ending is shown as `lost`. */
  lostAfterMs?: number;
  /** Opens everything: every API request and the stream must carry it. */
  token?: string | null;
  /** Opens reads and the stream only (needs `token`). */
  readToken?: string | null;
  /** URLs the server is reached by besides its bound address (a proxy, a tunnel): their hosts pass the Host check and their origins may write. */
  publicUrls?: string[];
  /** Other web origins allowed to make state-changing requests. */
  allowOrigins?: string[];
  studioRoot?: string;
  stream?: StreamHubOptions;
  edge?: EdgeOptions;
  /** DogStatsD UDP port on `host` (0: any free one). Default: no UDP listener (the CLI's default is 8125). */
  statsdPort?: number | null;
  /** A second port for OTLP/HTTP metrics only (`POST /v1/metrics`, OTLP's usual 4318; 0: any free one). Default: none (the studio's port takes OTLP too). */
  otlpPort?: number | null;
  /** Service metrics: rollup tiers (retention), tag sets per metric, and the clock (tests inject one). */
  services?: { tiers?: readonly Tier[]; maxTagSets?: number; clock?: () => number; otlp?: OtlpReceiverOptions };
}

/** Timeouts and caps of the HTTP edge, against requests that never finish. */
export interface EdgeOptions {
  /** Request headers must arrive within this long (slowloris). */
  headersTimeoutMs?: number;
  /** A whole request (headers and body) must arrive within this long. */
  requestTimeoutMs?: number;
  /** An ingest body that sends nothing for this long is abandoned. */
  bodyIdleMs?: number;
  /** Bytes of ingest bodies received at once; above it new ingest requests get 503 + Retry-After. */
  maxInFlightBodyBytes?: number;
  /** How often Node checks the header and request timeouts. */
  checkIntervalMs?: number;
  /** Connections one peer address may hold open at once; one more is answered 503 and closed (see connection-cap.ts). */
  maxConnectionsPerAddress?: number;
  /** Whether loopback peers count too (default: no, the machine's own programs are never capped). */
  capLoopback?: boolean;
}

export const EDGE_DEFAULTS: Required<EdgeOptions> = {
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 120_000,
  bodyIdleMs: 15_000,
  maxInFlightBodyBytes: 256 * 1024 * 1024,
  checkIntervalMs: 1_000,
  maxConnectionsPerAddress: 256,
  capLoopback: false,
};

export interface RunningServer {
  url: string;
  /** Every URL the server can be reached at (one per interface address when bound to all of them). */
  urls: string[];
  port: number;
  store: Store;
  hub: StreamHub;
  server: Server;
  services: ServicesRuntime;
  /** The DogStatsD UDP port, or null without a listener. */
  statsdPort: number | null;
  /** The OTLP-only port, or null without one. */
  otlpPort: number | null;
  close(): Promise<void>;
}

export const DEFAULT_PORT = 7777;
export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_DB = '.plotline/plotline.db';
export const DEFAULT_LOST_AFTER_MS = 60_000;

/** The built studio lives next to the compiled server (dist/studio), or under dist/ when run from source. */
function defaultStudioRoot(): string {
  const here = fileURLToPath(new URL('.', import.meta.url));
  return here.includes('/dist/') ? fileURLToPath(new URL('../../studio', import.meta.url)) : fileURLToPath(new URL('../../dist/studio', import.meta.url));
}

export async function startServer(opts: ServerOptions = {}): Promise<RunningServer> {
  const host = opts.host ?? DEFAULT_HOST;
  const store = await openStore(opts.db ?? DEFAULT_DB);
  // On a shared database the feed numbers events, so that an event id means the same on every replica.
  const bodyPool = store.feed ? null : new BodyPool();
  const hub = new StreamHub({
    ...opts.stream, ...(store.feed && { epoch: store.feed.epoch, startSeq: store.feed.startSeq }), ...(bodyPool && { blocks: bodyPool }),
  });
  store.feed?.follow((seq, event) => hub.publish(event, seq));
  let services: ServicesRuntime;
  try {
    services = await startServices({ db: opts.db ?? DEFAULT_DB, host, statsdPort: opts.statsdPort ?? null, hub, ...opts.services });
  } catch (err) {
    await store.close();
    hub.close();
    throw err;
  }
  const edge = { ...EDGE_DEFAULTS, ...opts.edge };
  const policy = accessPolicy({
    host, token: opts.token ?? null, readToken: opts.readToken ?? null, publicUrls: opts.publicUrls ?? [], allowOrigins: opts.allowOrigins ?? [],
  });
  const ctx: AppContext = {
    store, hub, studioRoot: opts.studioRoot ?? defaultStudioRoot(), policy, port: 0,
    bodies: new BodyGate(edge.maxInFlightBodyBytes, LIMITS.maxBatchBytes), bodyIdleMs: edge.bodyIdleMs, services, turns: new Turns(),
    reads: new ReadActivity(), bodyPool,
  };
  const server = createServer({
    headersTimeout: edge.headersTimeoutMs,
    requestTimeout: edge.requestTimeoutMs,
    connectionsCheckingInterval: edge.checkIntervalMs,
  }, createHandler(ctx));
  server.keepAliveTimeout = 65_000;
  capConnectionsPerAddress(server, edge.maxConnectionsPerAddress, edge.capLoopback ? () => false : isLoopbackAddress);
  const otlpServer = opts.otlpPort === undefined || opts.otlpPort === null ? null : createServer(otlpOnlyHandler(services.otlp, policy.token));
  try {
    await listen(server, opts.port ?? DEFAULT_PORT, host);
    if (otlpServer) await listen(otlpServer, opts.otlpPort!, host);
  } catch (err) {
    server.close();
    await services.close();
    await store.close();
    hub.close();
    throw err;
  }
  const loopLoad = new LoopLoad();
  const stopBackground = startBackground(store, hub, {
    lostAfterMs: opts.lostAfterMs ?? DEFAULT_LOST_AFTER_MS,
    readsBusy: () => ctx.reads!.busy(),
    loopBusy: () => loopLoad.sinceLast() > LOOP_BUSY_UTILIZATION,
  });
  const port = (server.address() as AddressInfo).port;
  ctx.port = port;
  const wildcard = host === '0.0.0.0' || host === '::';
  const shownHost = host.includes(':') && !wildcard ? `[${host}]` : wildcard ? '127.0.0.1' : host;
  const urls = wildcard
    ? interfaceAddresses().filter((a) => host === '::' || !a.startsWith('[')).map((a) => `http://${a}:${port}`)
    : [`http://${shownHost}:${port}`];
  let closed: Promise<void> | null = null;
  return {
    url: `http://${shownHost}:${port}`,
    urls,
    port,
    store,
    hub,
    server,
    services,
    statsdPort: services.udp?.port ?? null,
    otlpPort: otlpServer ? (otlpServer.address() as AddressInfo).port : null,
    close() {
      closed ??= (async () => {
        const stopped = stopBackground();
        hub.close();
        const serverClosed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeAllConnections();
        const otlpClosed = new Promise<void>((resolve) => (otlpServer ? otlpServer.close(() => resolve()) : resolve()));
        otlpServer?.closeAllConnections();
        await Promise.all([stopped, serverClosed, otlpClosed]);
        await services.close();
        await store.close();
      })();
      return closed;
    },
  };
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}
