import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

export interface PostAnswer {
  status: number;
  text: string;
}

/**
 * POSTs `body` and reads the answer as text. node:http rather than fetch: fetch copies a binary body before sending it,
 * which for large batches costs about as much as encoding them, and refuses ports that `plotline serve` accepts (6000,
 * 6665–6669: the "bad ports" of the Fetch standard). `written` is called once the body is handed to the socket. Idle
 * keep-alive sockets do not keep the process alive.
 */
export function postBytes(url: string, headers: Record<string, string>, body: Uint8Array, timeoutMs: number,
  written: () => void = () => {}): Promise<PostAnswer> {
  return requestText('POST', url, { ...headers, 'content-length': String(body.byteLength) }, body, timeoutMs, written);
}

/** GETs `url` and reads the answer as text, over node:http(s) (any port, see `postBytes`). Rejects with the socket's error (`code` set). */
export function getText(url: string, headers: Record<string, string>, timeoutMs: number): Promise<PostAnswer> {
  return requestText('GET', url, headers, null, timeoutMs, () => {});
}

function requestText(method: string, url: string, headers: Record<string, string>, body: Uint8Array | null, timeoutMs: number,
  written: () => void): Promise<PostAnswer> {
  const target = new URL(url);
  const request = target.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request(target, { method, headers, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(Object.assign(new Error(`no answer within ${timeoutMs} ms`), { code: 'ETIMEDOUT' })));
    req.on('error', reject);
    req.on('finish', written);
    if (body) req.end(body);
    else req.end();
  });
}
