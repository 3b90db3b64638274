import { request } from 'node:http';
import { connect, type Socket } from 'node:net';

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: any;
}

/** One HTTP request with headers exactly as given (fetch will not send a forged Host or Origin). */
export function rawRequest(url: string, opts: { method?: string; path: string; headers?: Record<string, string>; body?: string | Uint8Array }): Promise<RawResponse> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request({ host: u.hostname, port: u.port, method: opts.method ?? 'GET', path: opts.path, headers: opts.headers ?? {}, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json: unknown = null;
        try { json = JSON.parse(text); } catch { /* not JSON */ }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

/** Opens a TCP connection and writes `head` (a partial request); the socket is left open. */
export function openPartial(url: string, head: string): Promise<Socket> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const s = connect(Number(u.port), u.hostname, () => {
      s.write(head);
      resolve(s);
    });
    s.on('error', reject);
  });
}

/** Resolves with everything the server sent once it closes the connection (or after `ms`, with `closed: false`). */
export function untilClosed(s: Socket, ms: number): Promise<{ closed: boolean; data: string }> {
  return new Promise((resolve) => {
    let data = '';
    s.on('data', (c: Buffer) => { data += c.toString('latin1'); });
    const timer = setTimeout(() => resolve({ closed: false, data }), ms);
    s.on('close', () => {
      clearTimeout(timer);
      resolve({ closed: true, data });
    });
    s.on('error', () => { /* reset by the server counts as closed */ });
  });
}
