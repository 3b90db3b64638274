import type { Server } from 'node:http';
import type { Socket } from 'node:net';

/** Loopback peers: the machine's own programs (the SDK, the studio's browser), never capped by default. */
export function isLoopbackAddress(address: string): boolean {
  return address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.');
}

const REFUSAL = 'HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json; charset=utf-8\r\nRetry-After: 1\r\nConnection: close\r\n\r\n';

/**
 * Caps the connections one peer address holds open at once: one more is answered 503 with `Retry-After` and closed
 * before anything of it is read, so a single remote host cannot take every file descriptor (held slowloris connections,
 * stalled bodies) and deny service to the others. Peers for which `exempt` says so are not counted. Returns the counts
 * (for tests).
 */
export function capConnectionsPerAddress(server: Server, max: number, exempt: (address: string) => boolean = isLoopbackAddress): Map<string, number> {
  const open = new Map<string, number>();
  server.on('connection', (socket: Socket) => {
    const address = socket.remoteAddress ?? '';
    if (exempt(address)) return;
    const n = open.get(address) ?? 0;
    if (n >= max) {
      const body = JSON.stringify({ error: `this address already holds ${max} connections to the server; close some, then retry`, path: 'connection', rule: `at most ${max} connections per address` });
      socket.end(`${REFUSAL.replace('\r\n\r\n', `\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n`)}${body}`);
      // Whatever the peer still sends is read and dropped for a moment, so that the answer is not lost to a reset.
      setTimeout(() => socket.destroy(), 2000).unref();
      return;
    }
    open.set(address, n + 1);
    socket.once('close', () => {
      const left = (open.get(address) ?? 1) - 1;
      if (left <= 0) open.delete(address);
      else open.set(address, left);
    });
  });
  return open;
}
