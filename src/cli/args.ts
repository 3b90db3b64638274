/** Pure parsing of `plotline serve` flags, so bad flags get an error naming the flag and the rule. */
import { parseDuration, TIER_NAMES, type TierName } from '../server/services/tiers.js';

export interface ServeArgs {
  port: number;
  host: string;
  db: string;
  demo: boolean;
  lostAfterMs: number;
  token: string | null;
  /** DogStatsD UDP port; null with `--statsd-port off`. */
  statsdPort: number | null;
  /** OTLP/HTTP-only port (`--otlp-port 4318`); null (default): OTLP only on the studio's port. */
  otlpPort: number | null;
  /** Service-metric retention per tier, ms (`--retention 10s=2d,1m=30d,1h=400d`); absent tiers keep their default. */
  retention: Partial<Record<TierName, number>>;
  /** Tag sets one service metric may have (`--max-tag-sets`). */
  maxTagSets: number;
  readToken: string | null;
  publicUrls: string[];
  allowOrigins: string[];
}


export class UsageError extends Error {}

export const USAGE = `Usage: plotline serve [options]
       plotline get [SERVICE] [--url URL] [--window 1h] [--json]   (plotline get --help)

Starts the Plotline server and studio.

Options:
  --port N          port to listen on (default 7777; 0 picks a free one)
  --host H          interface to bind (default 127.0.0.1, loopback only)
  --db PATH         SQLite file (default .plotline/plotline.db), :memory:, or postgres://user@host/db[?schema=name]
                    (PostgreSQL: any number of replicas may share it)
  --demo            keep starting simulated executions, so charts move at once
  --lost-after S    seconds of silence before a running execution shows as lost (default 60)
  --token T         require "Authorization: Bearer T" on every API request and the stream; the studio
                    asks for it once (default: PLOTLINE_TOKEN, else none)
  --read-token R    a second token that opens reads and the stream only, for sharing (needs --token;
                    default: PLOTLINE_READ_TOKEN)
  --public-url URL  a URL the server is reached by through a proxy or a DNS name (repeatable): its host
                    passes the Host check and its origin may write
  --allow-origin O  another web origin allowed to send state-changing requests (repeatable)
  --statsd-port N   DogStatsD UDP port on --host (default 8125; 0 picks a free one; off: no UDP listener)
  --otlp-port N     also take OTLP/HTTP metrics (POST /v1/metrics) on this port, e.g. 4318 (default: off; the
                    studio's port always takes them)
  --retention R     service-metric retention per tier (default 10s=2d,1m=30d,1h=400d)
  --max-tag-sets N  tag sets one service metric may have; lines beyond are refused and counted (default 10000)
  -h, --help        show this help
`;

function value(argv: string[], i: number, flag: string): string {
  const v = argv[i + 1];
  if (v === undefined || v.startsWith('--')) throw new UsageError(`${flag} needs a value`);
  return v;
}

export function parseServeArgs(argv: string[], env: NodeJS.ProcessEnv = {}): ServeArgs {
  const args: ServeArgs = {
    port: 7777, host: '127.0.0.1', db: '.plotline/plotline.db', demo: false, lostAfterMs: 60_000, token: env.PLOTLINE_TOKEN || null, statsdPort: 8125, otlpPort: null,
    retention: {}, maxTagSets: 10_000,
    readToken: env.PLOTLINE_READ_TOKEN || null, publicUrls: [], allowOrigins: [],
  };
  for (let i = 0; i < argv.length; i++) {
    const raw = argv[i]!;
    const eq = raw.indexOf('=');
    const flag = raw.startsWith('--') && eq > 0 ? raw.slice(0, eq) : raw;
    const inline = raw.startsWith('--') && eq > 0 ? raw.slice(eq + 1) : undefined;
    const take = () => {
      if (inline !== undefined) return inline;
      const v = value(argv, i, flag);
      i++;
      return v;
    };
    switch (flag) {
      case '--port': {
        const v = take();
        const n = Number(v);
        if (!/^\d+$/.test(v) || n > 65535) throw new UsageError(`--port must be an integer from 0 to 65535 (got "${v}")`);
        args.port = n;
        break;
      }
      case '--host':
        args.host = take();
        break;
      case '--db':
        args.db = take();
        if (args.db.length === 0) throw new UsageError('--db must not be empty');
        break;
      case '--demo':
        args.demo = true;
        break;
      case '--lost-after': {
        const v = take();
        const s = Number(v);
        if (!Number.isFinite(s) || s <= 0) throw new UsageError(`--lost-after must be a positive number of seconds (got "${v}")`);
        args.lostAfterMs = s * 1000;
        break;
      }
      case '--statsd-port': {
        const v = take();
        if (v === 'off') args.statsdPort = null;
        else if (!/^\d+$/.test(v) || Number(v) > 65535) throw new UsageError(`--statsd-port must be an integer from 0 to 65535, or off (got "${v}")`);
        else args.statsdPort = Number(v);
        break;
      }
      case '--otlp-port': {
        const v = take();
        if (v === 'off') args.otlpPort = null;
        else if (!/^\d+$/.test(v) || Number(v) > 65535) throw new UsageError(`--otlp-port must be an integer from 0 to 65535, or off (got "${v}")`);
        else args.otlpPort = Number(v);
        break;
      }
      case '--retention': {
        const v = take();
        for (const part of v.split(',')) {
          const [tier, keep] = part.split('=');
          const ms = parseDuration(keep ?? '');
          if (!TIER_NAMES.includes(tier as TierName)) throw new UsageError(`--retention: tier must be one of ${TIER_NAMES.join(', ')} (got "${tier}" in "${v}")`);
          if (!(ms > 0)) throw new UsageError(`--retention: ${tier} needs a duration such as 2d, 12h or 90m (got "${keep ?? ''}")`);
          args.retention[tier as TierName] = ms;
        }
        break;
      }
      case '--max-tag-sets': {
        const v = take();
        if (!/^\d+$/.test(v) || Number(v) < 1) throw new UsageError(`--max-tag-sets must be a positive integer (got "${v}")`);
        args.maxTagSets = Number(v);
        break;
      }
      case '--token':
        args.token = take();
        if (args.token.length === 0) throw new UsageError('--token must not be empty');
        break;
      case '--read-token':
        args.readToken = take();
        if (args.readToken.length === 0) throw new UsageError('--read-token must not be empty');
        break;
      case '--public-url':
        args.publicUrls.push(httpUrl(take(), flag));
        break;
      case '--allow-origin':
        args.allowOrigins.push(httpUrl(take(), flag));
        break;
      default:
        throw new UsageError(`unknown option "${raw}"`);
    }
  }
  if (args.readToken !== null && args.token === null) throw new UsageError('--read-token needs --token (the token that opens writes)');
  if (args.readToken !== null && args.readToken === args.token) throw new UsageError('--read-token must differ from --token');
  return args;
}

function httpUrl(v: string, flag: string): string {
  let u: URL;
  try {
    u = new URL(v);
  } catch {
    throw new UsageError(`${flag} must be an http:// or https:// URL (got "${v}")`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new UsageError(`${flag} must be an http:// or https:// URL (got "${v}")`);
  return u.origin;
}
