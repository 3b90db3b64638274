import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { networkInterfaces, hostname as osHostname } from 'node:os';
import type { IncomingHttpHeaders } from 'node:http';
import { ValidationError } from '../protocol/index.js';

/**
 * Who may do what, checked at the edge before any route runs (README "Security model"):
 * - `Host` must name this server (bound name, loopback names, `--public-url` hosts), so a DNS-rebound name reaches nothing;
 * - a state-changing request from a browser page must come from the server's own origin (or an `--allow-origin`), so no
 *   other web site can write into the store (SDKs, curl and Cog send no `Origin` and are unaffected);
 * - with a token, every API request needs it (`Authorization: Bearer`), a read token opens only reads, and the studio's
 *   `EventSource`, which cannot send headers, proves the token with an HttpOnly SameSite=Strict cookie that opens reads only.
 */
export interface AccessPolicy {
  /** Opens everything. Null: no token needed (the loopback default). */
  token: string | null;
  /** Opens reads (GET, HEAD) only. Only meaningful with `token`. */
  readToken: string | null;
  /** Lower-case host names (no port) this server answers to. */
  hosts: ReadonlySet<string>;
  /** Origins (`scheme://host[:port]`, lower case) allowed to make state-changing requests besides the server's own. */
  origins: ReadonlySet<string>;
}

/** What a route needs: the token (`write`), either token or the session cookie (`read`, safe methods only), either token in the header (`session`), nothing (`public`). */
export type Access = 'write' | 'read' | 'session' | 'public';

export const SESSION_PATH = '/api/session';
const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '::1', '[::1]'];

/** The cookie name includes the port: browsers share cookies between ports of one host. */
export function sessionCookieName(port: number): string {
  return `plotline_session_${port}`;
}

/** The value of the session cookie for a token: an HMAC, so the cookie never holds the token itself. */
export function sessionValue(token: string): string {
  return createHmac('sha256', token).update('plotline-session-v1').digest('base64url');
}

/** Compares secrets in time independent of where they differ (both are hashed first so lengths match too). */
export function sameSecret(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb);
}

export interface PolicyOptions {
  host: string;
  token?: string | null;
  readToken?: string | null;
  publicUrls?: readonly string[];
  allowOrigins?: readonly string[];
}

const WILDCARD_HOSTS = new Set(['0.0.0.0', '::', '[::]', '']);

/** Builds the policy for a server bound to `host`. */
export function accessPolicy(opts: PolicyOptions): AccessPolicy {
  const hosts = new Set<string>(LOOPBACK_NAMES);
  const publicUrls = opts.publicUrls ?? [];
  for (const u of publicUrls) hosts.add(new URL(u).hostname.toLowerCase());
  const wildcard = WILDCARD_HOSTS.has(opts.host);
  if (!wildcard) hosts.add(opts.host.toLowerCase());
  else for (const a of interfaceAddresses()) hosts.add(a.toLowerCase());
  // Bound to every interface: its addresses and the machine's name; any other name (a tunnel, a DNS alias) via --public-url.
  if (wildcard) {
    const name = osHostname().toLowerCase();
    hosts.add(name);
    hosts.add(`${name}.local`);
  }
  const origins = new Set<string>();
  for (const o of [...(opts.allowOrigins ?? []), ...publicUrls]) origins.add(new URL(o).origin.toLowerCase());
  return {
    token: opts.token || null,
    readToken: opts.readToken || null,
    hosts,
    origins,
  };
}

/** Every address of this machine's interfaces (IPv6 in brackets, as in a Host header). */
export function interfaceAddresses(): string[] {
  const out: string[] = [];
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) out.push(a.family === 'IPv6' ? `[${a.address.split('%')[0]}]` : a.address);
  }
  return out;
}

/** The host name of a Host header (`name:port`, `[v6]:port`), lower case, without the port. */
export function hostName(header: string): string {
  const h = header.trim().toLowerCase();
  if (h.startsWith('[')) {
    const end = h.indexOf(']');
    return end < 0 ? h : h.slice(0, end + 1);
  }
  const colon = h.indexOf(':');
  return colon < 0 ? h : h.slice(0, colon);
}

function isLoopbackName(name: string): boolean {
  return name === 'localhost' || name.endsWith('.localhost') || /^127\.\d+\.\d+\.\d+$/.test(name) || name === '[::1]';
}

function first(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

function cookie(headers: IncomingHttpHeaders, name: string): string | undefined {
  for (const part of (headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export interface AccessRequest {
  method: string;
  headers: IncomingHttpHeaders;
  /** The server's port, for the session cookie's name. */
  port: number;
}

/** Throws a ValidationError (403 wrong host or origin, 401 missing or wrong token) when the request may not go on. */
export function checkAccess(policy: AccessPolicy, req: AccessRequest, access: Access): void {
  const hostHeader = first(req.headers.host);
  if (hostHeader !== undefined) {
    const name = hostName(hostHeader);
    if (!policy.hosts.has(name) && !isLoopbackName(name)) {
      throw new ValidationError('host', `header names "${name}", which is not a name of this server (add it with --public-url)`, 403);
    }
  }
  if (!SAFE_METHODS.has(req.method)) checkOrigin(policy, req.headers, hostHeader);
  if (access === 'public' || policy.token === null) return;
  const auth = first(req.headers.authorization);
  const bearer = auth?.startsWith('Bearer ') ? auth.slice('Bearer '.length).trim() : undefined;
  if (bearer !== undefined && sameSecret(bearer, policy.token)) return;
  const reading = (access === 'read' && SAFE_METHODS.has(req.method)) || access === 'session';
  if (reading) {
    if (bearer !== undefined && policy.readToken !== null && sameSecret(bearer, policy.readToken)) return;
    if (access === 'session') throw new ValidationError('authorization', 'header must be "Bearer <token>" with the server\'s token or read token', 401);
    const session = cookie(req.headers, sessionCookieName(req.port));
    if (session !== undefined && (sameSecret(session, sessionValue(policy.token))
      || (policy.readToken !== null && sameSecret(session, sessionValue(policy.readToken))))) return;
  }
  if (bearer !== undefined && policy.readToken !== null && sameSecret(bearer, policy.readToken)) {
    throw new ValidationError('authorization', 'the read token only opens reads; this request needs the server\'s token', 403);
  }
  throw new ValidationError('authorization', 'header must be "Bearer <token>" with the server\'s token (this server was started with --token)', 401);
}

function checkOrigin(policy: AccessPolicy, headers: IncomingHttpHeaders, hostHeader: string | undefined): void {
  // Fetch metadata first: a browser that says the request is cross-site is believed whatever the Origin says.
  const site = first(headers['sec-fetch-site']);
  const origin = first(headers.origin);
  if (origin === undefined) {
    if (site === 'cross-site') throw new ValidationError('origin', 'a state-changing request from another web site is refused', 403);
    return;
  }
  const o = origin.toLowerCase();
  if (policy.origins.has(o)) return;
  let sameHost = false;
  try {
    const u = new URL(o);
    sameHost = hostHeader !== undefined && (u.protocol === 'http:' || u.protocol === 'https:') && u.host === hostHeader.toLowerCase();
  } catch {
    // "null" (sandboxed frames, file://) and garbage are not our origin.
  }
  if (!sameHost || site === 'cross-site') {
    throw new ValidationError('origin', `header "${origin}" is not this server's origin; state-changing requests from other web pages are refused (allow one with --allow-origin)`, 403);
  }
}
