import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeBinaryBatch, LIMITS } from '../src/protocol/index.js';
import { startServer, type RunningServer } from '../src/server/index.js';
import { spawnServer, storeSnapshot, tempDbPath, type SpawnedServer } from './helpers/server.js';
import { openPartial, rawRequest, untilClosed } from './helpers/raw-http.js';

const start = (id: string) => ({ executions: [{ id, start: { name: id } }] });

describe('malformed URLs (issue 19, fault 7)', () => {
  let server: SpawnedServer;
  beforeAll(async () => {
    server = await spawnServer(['--db', ':memory:']);
  });
  afterAll(() => server.kill());

  for (const path of ['/%', '/api/executions/%', '/api/executions/%E0%A4%A', '/api/executions/%ZZ/series', '/%c0%ae%c0%ae/x']) {
    it(`${path} answers 400 naming the path`, async () => {
      const res = await rawRequest(server.url, { path });
      expect(res.status).toBe(400);
      expect(res.json).toMatchObject({ path: 'path' });
      expect(res.json.error).toContain(path);
    });
  }

  it('logs no stack trace and no internal error for any of them', async () => {
    await rawRequest(server.url, { path: '/api/executions/%ZZ/series?key=a' });
    // An escaped "%" is a valid path (found by the URL fuzzer: it was decoded twice).
    expect((await rawRequest(server.url, { path: '/a/%25' })).status).toBe(200);
    expect(server.output()).not.toMatch(/internal error|URIError|\n\s+at /);
  });

  it('reads "//x" as a path, never as a host', async () => {
    const res = await rawRequest(server.url, { path: '//api/health' });
    expect(res.status).toBe(200); // the studio's index.html, not the health check of some other host
    expect(res.text).not.toContain('"ok":true');
  });
});

describe('cross-site writes, DNS rebinding (fault 9)', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer({ port: 0, db: ':memory:', allowOrigins: ['https://dash.example'], publicUrls: ['https://plotline.example.org'] });
  });
  afterAll(() => server.close());
  const host = () => `127.0.0.1:${server.port}`;
  const post = (headers: Record<string, string>, body: string) => rawRequest(server.url, { method: 'POST', path: '/api/ingest', headers: { host: host(), ...headers }, body });

  it('refuses a text/plain or form POST from another web site, storing nothing', async () => {
    const before = await storeSnapshot(server.url);
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
      const res = await post({ origin: 'https://evil.example', 'content-type': type }, JSON.stringify(start('evil')));
      expect(res.status).toBe(403);
      expect(res.json.path).toBe('origin');
    }
    // Even a JSON body (a CORS preflight would be needed, but do not rely on it).
    expect((await post({ origin: 'https://evil.example', 'content-type': 'application/json' }, JSON.stringify(start('evil')))).status).toBe(403);
    expect((await post({ origin: 'null', 'content-type': 'application/json' }, JSON.stringify(start('evil')))).status).toBe(403);
    expect((await post({ 'sec-fetch-site': 'cross-site', 'content-type': 'application/json' }, JSON.stringify(start('evil')))).status).toBe(403);
    expect(await storeSnapshot(server.url)).toEqual(before);
  });

  it('refuses ingest that is neither JSON nor a Plotline batch, even without an Origin (415 naming the header)', async () => {
    const res = await post({ 'content-type': 'text/plain' }, JSON.stringify(start('plain')));
    expect(res.status).toBe(415);
    expect(res.json.path).toBe('content-type');
    expect((await rawRequest(server.url, { method: 'POST', path: '/api/ingest/cog', headers: { 'content-type': 'text/plain' }, body: '{}' })).status).toBe(415);
  });

  it('accepts SDK-style requests (no Origin), the own origin, an allowed origin, and the binary type', async () => {
    expect((await post({ 'content-type': 'application/json' }, JSON.stringify(start('sdk')))).status).toBe(200);
    expect((await post({ origin: `http://${host()}`, 'content-type': 'application/json; charset=utf-8' }, JSON.stringify(start('own')))).status).toBe(200);
    expect((await post({ origin: 'https://dash.example', 'content-type': 'application/json' }, JSON.stringify(start('allowed')))).status).toBe(200);
    const bin = encodeBinaryBatch({ executions: [{ id: 'bin', start: { name: 'bin' }, points: [{ key: 'a', x: [1], y: [2] }] }] });
    const res = await rawRequest(server.url, { method: 'POST', path: '/api/ingest', headers: { 'content-type': 'application/vnd.plotline.batch' }, body: bin });
    expect(res.status).toBe(200);
    const cog = await rawRequest(server.url, { method: 'POST', path: '/api/ingest/cog', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ id: 'p1', status: 'starting' }) });
    expect(cog.status).toBe(200);
  });

  it('refuses a Host that is not a name of this server (a rebound DNS name), for reads and writes', async () => {
    const read = await rawRequest(server.url, { path: '/api/executions', headers: { host: `evil.example:${server.port}` } });
    expect(read.status).toBe(403);
    expect(read.json).toMatchObject({ path: 'host' });
    const write = await rawRequest(server.url, { method: 'POST', path: '/api/ingest', headers: { host: 'evil.example', 'content-type': 'application/json' }, body: JSON.stringify(start('rebound')) });
    expect(write.status).toBe(403);
    for (const name of [`localhost:${server.port}`, `127.0.0.1:${server.port}`, `[::1]:${server.port}`, 'plotline.example.org']) {
      expect((await rawRequest(server.url, { path: '/api/health', headers: { host: name } })).status, name).toBe(200);
    }
  });
});

describe('tokens (fault 9)', () => {
  let server: RunningServer;
  const token = 'write-secret-123';
  const readToken = 'read-secret-456';
  beforeAll(async () => {
    server = await startServer({ port: 0, db: ':memory:', token, readToken });
  });
  afterAll(() => server.close());
  const bearer = (t: string) => ({ authorization: `Bearer ${t}` });

  const endpoints: Array<{ method: string; path: string; body?: string }> = [
    { method: 'GET', path: '/api/health' },
    { method: 'GET', path: '/api/executions' },
    { method: 'GET', path: '/api/executions/x' },
    { method: 'GET', path: '/api/executions/x/series?key=a' },
    { method: 'GET', path: '/api/stream' },
    { method: 'GET', path: '/api/nothing-here' },
    { method: 'POST', path: '/api/ingest', body: JSON.stringify(start('t')) },
    { method: 'POST', path: '/api/ingest/cog', body: JSON.stringify({ id: 'p', status: 'starting' }) },
  ];

  it('every API endpoint answers 401 without the token, and with a wrong one', async () => {
    for (const e of endpoints) {
      for (const headers of [{}, bearer('wrong'), bearer(`${token}x`), { authorization: token }]) {
        const res = await rawRequest(server.url, { method: e.method, path: e.path, headers: { 'content-type': 'application/json', ...headers }, ...(e.body && { body: e.body }) });
        expect(res.status, `${e.method} ${e.path} ${JSON.stringify(headers)}`).toBe(401);
        expect(res.json.path).toBe('authorization');
      }
    }
  });

  it('the token opens everything; the read token opens reads and the stream but not writes', async () => {
    const write = await rawRequest(server.url, { method: 'POST', path: '/api/ingest', headers: { 'content-type': 'application/json', ...bearer(token) }, body: JSON.stringify(start('w')) });
    expect(write.status).toBe(200);
    expect((await rawRequest(server.url, { path: '/api/executions', headers: bearer(token) })).json.executions).toHaveLength(1);
    expect((await rawRequest(server.url, { path: '/api/executions', headers: bearer(readToken) })).status).toBe(200);
    const refused = await rawRequest(server.url, { method: 'POST', path: '/api/ingest', headers: { 'content-type': 'application/json', ...bearer(readToken) }, body: JSON.stringify(start('r')) });
    expect(refused.status).toBe(403);
    expect(refused.json.error).toMatch(/read token only opens reads/);
  });

  it('the studio still loads (it holds no data) so it can ask for the token', async () => {
    expect((await rawRequest(server.url, { path: '/' })).status).toBe(200);
  });

  it('a session cookie (for EventSource) opens reads and the stream, never writes, and is not the token itself', async () => {
    const session = await rawRequest(server.url, { method: 'POST', path: '/api/session', headers: bearer(readToken) });
    expect(session.status).toBe(200);
    const setCookie = String(session.headers['set-cookie']);
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/SameSite=Strict/);
    expect(setCookie).not.toContain(readToken);
    const cookie = setCookie.split(';')[0]!;
    expect((await rawRequest(server.url, { path: '/api/executions', headers: { cookie } })).status).toBe(200);
    const ac = new AbortController();
    const stream = await fetch(`${server.url}/api/stream`, { headers: { cookie }, signal: ac.signal });
    expect(stream.status).toBe(200);
    ac.abort();
    const write = await rawRequest(server.url, { method: 'POST', path: '/api/ingest', headers: { cookie, 'content-type': 'application/json' }, body: JSON.stringify(start('c')) });
    expect(write.status).toBe(401);
    expect((await rawRequest(server.url, { method: 'POST', path: '/api/session', headers: bearer('nope') })).status).toBe(401);
  });
});

describe('start-up on every interface (fault 9)', () => {
  it('--host 0.0.0.0 without a token warns loudly and prints the real addresses', async () => {
    const server = await spawnServer(['--db', ':memory:', '--host', '0.0.0.0']);
    try {
      await new Promise((r) => setTimeout(r, 200));
      const out = server.output();
      expect(out).toMatch(/WARNING: Plotline is listening on every network interface WITHOUT A TOKEN/);
      expect(out).toMatch(/Reachable at: .*http:\/\/127\.0\.0\.1:\d+\//);
      // The DogStatsD port is open on every interface too (it printed udp://127.0.0.1 only).
      expect(out).toMatch(/DogStatsD: udp:\/\/0\.0\.0\.0:(\d+) \(every interface: udp:\/\/127\.0\.0\.1:\1\b/);
    } finally {
      await server.kill();
    }
  });

  it('with a token it does not warn', async () => {
    const server = await spawnServer(['--db', ':memory:', '--host', '0.0.0.0', '--token', 't0k3n']);
    try {
      await new Promise((r) => setTimeout(r, 200));
      expect(server.output()).not.toMatch(/WARNING/);
    } finally {
      await server.kill();
    }
  });
});

describe('smaller faults, each with its input (fault 11)', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer({ port: 0, db: tempDbPath() });
  });
  afterAll(() => server.close());
  const json = (body: string) => rawRequest(server.url, { method: 'POST', path: '/api/ingest', headers: { 'content-type': 'application/json' }, body });

  it('a "__proto__" label is refused by name, not dropped', async () => {
    const res = await json('{"executions":[{"id":"p","start":{"name":"p","labels":{"__proto__":"x"}}}]}');
    expect(res.status).toBe(400);
    expect(res.json.path).toBe('executions[0].start.labels.__proto__');
  });

  it('a "__proto__" key inside a summary value is refused', async () => {
    const res = await json('{"executions":[{"id":"p2","start":{"name":"p"},"summary":[{"key":"cfg","value":{"__proto__":{"a":1}}}]}]}');
    expect(res.status).toBe(400);
    expect(res.json.error).toMatch(/__proto__/);
  });

  it('keys with lone surrogates are refused (they would both read back as "k\\ufffd…")', async () => {
    for (const key of ['k\\ud800', 'k\\udc00']) {
      const res = await json(`{"executions":[{"id":"s","start":{"name":"s"},"points":[{"key":"${key}","x":[1],"y":[1]}]}]}`);
      expect(res.status).toBe(400);
      expect(res.json.rule).toMatch(/lone UTF-16 surrogate/);
    }
    const pair = await json('{"executions":[{"id":"s","start":{"name":"s"},"points":[{"key":"k\\ud83d\\ude00","x":[1],"y":[1]}]}]}');
    expect(pair.status).toBe(200);
  });

  it('one BOM rule: a UTF-8 BOM is skipped in a JSON body as in a binary header; bytes that are not UTF-8 are refused', async () => {
    const bom = '\ufeff';
    expect((await json(`${bom}${JSON.stringify(start('bom-json'))}`)).status).toBe(200);
    const header = new TextEncoder().encode(`${bom}${JSON.stringify(start('bom-bin'))}`);
    const body = new Uint8Array(8 + header.length + ((8 - (header.length % 8)) % 8));
    body.set(new TextEncoder().encode('PLB1'));
    new DataView(body.buffer).setUint32(4, header.length, true);
    body.set(header, 8);
    const bin = await rawRequest(server.url, { method: 'POST', path: '/api/ingest', headers: { 'content-type': 'application/vnd.plotline.batch' }, body });
    expect(bin.status).toBe(200);
    const bad = Buffer.concat([Buffer.from('{"executions":[{"id":"u","start":{"name":"'), Buffer.from([0xc0, 0xae]), Buffer.from('"}}]}')]);
    const res = await rawRequest(server.url, { method: 'POST', path: '/api/ingest', headers: { 'content-type': 'application/json' }, body: bad });
    expect(res.status).toBe(400);
    expect(res.json.error).toMatch(/UTF-8/);
  });

  it('query integers are decimal only: 0x10, 1e5, " 50", empty and repeated are refused', async () => {
    await json(JSON.stringify({ executions: [{ id: 'q', start: { name: 'q' }, points: [{ key: 'a', x: [1, 2], y: [1, 2] }] }] }));
    for (const v of ['0x10', '1e5', '%2050', '', '50.0', '+50']) {
      const res = await rawRequest(server.url, { path: `/api/executions/q/series?key=a&budget=${v}` });
      expect(res.status, v).toBe(400);
      expect(res.json.path).toBe('budget');
      const list = await rawRequest(server.url, { path: `/api/executions?limit=${v}` });
      expect(list.status, v).toBe(400);
    }
    expect((await rawRequest(server.url, { path: '/api/executions/q/series?key=a&budget=50&budget=60' })).status).toBe(400);
    expect((await rawRequest(server.url, { path: '/api/executions/q/series?key=a&from=0x1' })).status).toBe(400);
    expect((await rawRequest(server.url, { path: '/api/executions/q/series?key=a&budget=50&from=1e-9&to=2.5' })).status).toBe(200);
  });

  it('a 1 MB key is quoted in at most ~100 characters', async () => {
    const key = 'k'.repeat(1_000_000);
    const res = await json(JSON.stringify({ executions: [{ id: 'big', start: { name: 'b' }, definitions: [{ key: 'dup' }, { key: 'dup' }], points: [{ key, x: [1], y: [1] }] }] }));
    expect(res.status).toBe(400);
    expect(res.text.length).toBeLessThan(1000);
    const label = await json(JSON.stringify({ executions: [{ id: 'big', start: { name: 'b', labels: { [key]: 'v' } } }] }));
    expect(label.status).toBe(400);
    expect(label.text.length).toBeLessThan(1000);
  });

  it('reusing a batch id with different content is a 409 naming the batch id; the same content (JSON or binary) is a duplicate', async () => {
    const batch = (y: number) => ({ batchId: 'reused-1', executions: [{ id: 'reuse', start: { name: 'reuse' }, points: [{ key: 'a', x: [1, 2], y: [y, 2] }] }] });
    expect((await json(JSON.stringify(batch(1)))).json).toMatchObject({ duplicate: false, points: 2 });
    const same = await rawRequest(server.url, { method: 'POST', path: '/api/ingest', headers: { 'content-type': 'application/vnd.plotline.batch' }, body: encodeBinaryBatch(batch(1)) });
    expect(same.json).toMatchObject({ duplicate: true, points: 2 });
    const other = await json(JSON.stringify(batch(5)));
    expect(other.status).toBe(409);
    expect(other.json.path).toBe('batchId');
    expect(other.json.error).toMatch(/"reused-1".*different content/);
    const series = await rawRequest(server.url, { path: '/api/executions/reuse/series?key=a' });
    expect(series.json.series[0].y).toEqual([1, 2]);
  });

  it('after a 413 the server closes the connection instead of reading the rest of the body', async () => {
    const declared = LIMITS.maxBatchBytes + 1;
    const s = await openPartial(server.url, `POST /api/ingest HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${declared}\r\n\r\n{"executions":`);
    const { closed, data } = await untilClosed(s, 5000);
    expect(data).toMatch(/^HTTP\/1\.1 413/);
    expect(data.toLowerCase()).toContain('connection: close');
    expect(closed).toBe(true);
  });

  it('the 413 of a chunked body over the limit also closes the connection', async () => {
    const s = await openPartial(server.url, 'POST /api/ingest HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n');
    const chunk = Buffer.alloc(1024 * 1024, 0x20);
    const result = untilClosed(s, 10_000);
    for (let i = 0; i < 40 && !s.destroyed; i++) {
      s.write(`${chunk.length.toString(16)}\r\n`);
      s.write(chunk);
      s.write('\r\n');
      await new Promise((r) => setTimeout(r, 5));
    }
    const { closed, data } = await result;
    expect(data).toMatch(/^HTTP\/1\.1 413/);
    expect(closed).toBe(true);
  });
});
