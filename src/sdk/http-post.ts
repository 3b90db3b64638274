import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

export interface PostAnswer {
  status: number;
  text: string;
}

/**
 * POSTs `body` and reads the answer as text. node:http rather than fetch: fetch copies a binary body before sending it,
 * which for large batches costs about as much as encoding them. `written` is called once the body is handed to the
 * socket. Idle keep-alive sockets do not keep the process alive.
 */
export function postBytes(url: string, headers: Record<string, string>, body: Uint8Array, timeoutMs: number,
  written: () => void = () => {}): Promise<PostAnswer> {
  const target = new URL(url);
  const request = target.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request(target, { method: 'POST', headers: { ...headers, 'content-length': String(body.byteLength) }, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(Object.assign(new Error(`no answer within ${timeoutMs} ms`), { code: 'ETIMEDOUT' })));
    req.on('error', reject);
    req.on('finish', written);
    req.end(body);
  });
}
