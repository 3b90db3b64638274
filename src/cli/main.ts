#!/usr/bin/env node
import { parseServeArgs, UsageError, USAGE } from './args.js';
import { GET_USAGE, parseGetArgs, runGet } from './get.js';
import { startServer } from '../server/index.js';
import { StoreLockedError } from '../server/store/sqlite-store.js';
import { startDemo } from '../server/demo/index.js';
import { tiersWithRetention } from '../server/services/tiers.js';
import { isPostgresUrl } from '../server/store/index.js';

async function serve(argv: string[]): Promise<void> {
  const args = parseServeArgs(argv, process.env);
  let server;
  try {
    server = await startServer({ port: args.port, host: args.host, db: args.db, lostAfterMs: args.lostAfterMs, token: args.token, readToken: args.readToken,
      publicUrls: args.publicUrls, allowOrigins: args.allowOrigins, statsdPort: args.statsdPort, otlpPort: args.otlpPort,
      services: { maxTagSets: args.maxTagSets, tiers: tiersWithRetention(args.retention) },
    });
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'EADDRINUSE' && e.syscall === 'bind') {
      throw new UsageError(`UDP port ${args.statsdPort} on ${args.host} is already in use; pass --statsd-port N (0 for any free port, off for none)`);
    }
    if (e.code === 'EADDRINUSE' && args.otlpPort !== null && (e as { port?: number }).port === args.otlpPort) {
      throw new UsageError(`port ${args.otlpPort} on ${args.host} is already in use; pass --otlp-port N (0 for any free port, off for none)`);
    }
    if (e.code === 'EADDRINUSE') throw new UsageError(`port ${args.port} on ${args.host} is already in use; pass --port N (or --port 0 for any free port)`);
    throw err;
  }
  const stopDemo = args.demo ? startDemo({ url: server.url, token: args.token, statsdPort: server.statsdPort }) : null;
  console.log(`Plotline studio: ${server.url}/`);
  const wildcard = args.host === '0.0.0.0' || args.host === '::';
  // On every interface the UDP and OTLP ports are open on every address too: say so, as "Reachable at" does for HTTP.
  // The first address stays `udp://<host>:<port>`, the form scripts read.
  const hosts = server.urls.map((u) => new URL(u).host.replace(/:\d+$/, ''));
  const at = (url: (host: string) => string) => wildcard
    ? `${url(args.host.includes(':') ? `[${args.host}]` : args.host)} (every interface: ${hosts.map(url).join('  ')})`
    : url(new URL(server.url).hostname);
  console.log(server.statsdPort === null ? 'DogStatsD: off' : `DogStatsD: ${at((h) => `udp://${h}:${server.statsdPort}`)}`);
  if (server.otlpPort !== null) console.log(`OTLP/HTTP: ${at((h) => `http://${h}:${server.otlpPort}/v1/metrics`)}`);
  if (wildcard) {
    console.log(`Reachable at: ${server.urls.map((u) => `${u}/`).join('  ')}`);
    if (!args.token) {
      console.warn([
        '',
        '!!! WARNING: Plotline is listening on every network interface WITHOUT A TOKEN.',
        '!!! Anyone who can reach the addresses above can read and write all your metrics.',
        '!!! Restart with --token <secret> (and --read-token <secret> to share read-only), or --host 127.0.0.1.',
        '',
      ].join('\n'));
    }
  }
  if (args.token) console.log(`Token: required on every API request${args.readToken ? ' (the read token opens reads only)' : ''}; the studio asks for it once.`);
  if (args.demo) console.log('Demo: simulated executions are being recorded.');
  console.log(`Store: ${describeDb(args.db)}`);
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await stopDemo?.();
    await server.close();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '-h' || command === '--help' || command === 'help') {
    console.log(USAGE);
    return;
  }
  if (command === 'get') {
    if (rest.includes('-h') || rest.includes('--help')) {
      console.log(GET_USAGE);
      return;
    }
    let args;
    try {
      args = parseGetArgs(rest, process.env);
    } catch (err) {
      if (!(err instanceof UsageError)) throw err;
      console.error(`plotline get: ${err.message}\n\n${GET_USAGE}`);
      process.exit(2);
    }
    const result = await runGet(args, { colour: process.stdout.isTTY === true && !process.env.NO_COLOR });
    if (result.code === 0) process.stdout.write(result.output + '\n');
    else process.stderr.write(result.output + '\n');
    process.exitCode = result.code;
    return;
  }
  if (command !== 'serve') throw new UsageError(`unknown command "${command}"`);
  if (rest.includes('-h') || rest.includes('--help')) {
    console.log(USAGE);
    return;
  }
  await serve(rest);
}

main(process.argv.slice(2)).catch((err: unknown) => {
  if (err instanceof UsageError) {
    console.error(`plotline: ${err.message}\n\n${USAGE}`);
    process.exit(2);
  }
  if (err instanceof StoreLockedError) {
    console.error(`plotline: ${err.message}`);
    process.exit(1);
  }
  console.error('plotline:', err);
  process.exit(1);
});

/** What --db names, as printed at start; a PostgreSQL password is not printed. */
function describeDb(db: string): string {
  if (db === ':memory:') return 'in memory (nothing is kept after exit)';
  if (!isPostgresUrl(db)) return db;
  const u = new URL(db);
  if (u.password) u.password = '***';
  return `PostgreSQL ${u.toString()} (shared by every replica on it)`;
}
