import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BINARY_BATCH_TYPE } from '../src/protocol/index.js';
import { startServer, type RunningServer } from '../src/server/index.js';
import { getJson, postBody, postJson, storeSnapshot } from './helpers/server.js';

/**
 * A key given twice in one JSON object: JSON.parse keeps the last silently, so `{"id":"A","id":"B"}` wrote to execution B.
 * Every JSON body the server reads refuses it with a 400 naming the path and the rule, and stores nothing of it.
 */
let server: RunningServer;
beforeAll(async () => {
  server = await startServer({ port: 0, db: ':memory:' });
});
afterAll(() => server.close());

const RULE = '(a key may appear once in an object)';
const JSON_TYPE = { 'content-type': 'application/json' };

describe('duplicate JSON keys are refused by name on every JSON body', () => {
  it('POST /api/ingest (JSON): the issue\'s example writes nothing, to neither A nor B', async () => {
    const before = await storeSnapshot(server.url);
    const body = '{"executions":[{"id":"A","id":"B","start":{"name":"run"},"points":[{"key":"loss","x":[1],"y":[0.5]}]}]}';
    const res = await postBody(`${server.url}/api/ingest`, body, JSON_TYPE);
    expect(res.status).toBe(400);
    expect(res.json).toEqual({ error: `executions[0].id: duplicate key "id" ${RULE}`, path: 'executions[0].id', rule: `duplicate key "id" ${RULE}` });
    expect(await storeSnapshot(server.url)).toEqual(before);
  });

  it('POST /api/ingest (JSON): at any depth, after valid items of the same batch (nothing of the batch is stored)', async () => {
    const before = await storeSnapshot(server.url);
    const body = JSON.stringify({ executions: [{ id: 'ok-1', start: { name: 'ok' }, points: [{ key: 'loss', x: [1, 2], y: [1, 2] }] }, { id: 'ok-2', start: { name: 'ok' } }] })
      .replace('{"name":"ok"}}]', '{"name":"ok","labels":{"a":"1","b":"2","a":"3"}}}]');
    const res = await postBody(`${server.url}/api/ingest`, body, JSON_TYPE);
    expect(res.status).toBe(400);
    expect(res.json.error).toBe(`executions[1].start.labels.a: duplicate key "a" ${RULE}`);
    // The same key written with an escape is the same key.
    const escaped = await postBody(`${server.url}/api/ingest`, '{"executions":[{"id":"C","\\u0069d":"D","start":{"name":"x"}}]}', JSON_TYPE);
    expect(escaped.json.error).toBe(`executions[0].id: duplicate key "id" ${RULE}`);
    expect(await storeSnapshot(server.url)).toEqual(before);
  });

  it('POST /api/ingest (binary): a duplicate key in the header is refused the same way', async () => {
    const frame = (headerText: string) => {
      const header = new TextEncoder().encode(headerText);
      const dataStart = Math.ceil((8 + header.length) / 8) * 8;
      const bytes = new Uint8Array(dataStart + 32);
      bytes.set(new TextEncoder().encode('PLB1'));
      new DataView(bytes.buffer).setUint32(4, header.length, true);
      bytes.set(header, 8);
      new Float64Array(bytes.buffer, dataStart, 4).set([1, 3, 0.5, 0.25]);
      return bytes;
    };
    const before = await storeSnapshot(server.url);
    const post = (headerText: string) => postBody(`${server.url}/api/ingest`, frame(headerText), { 'content-type': BINARY_BATCH_TYPE });
    const res = await post('{"executions":[{"id":"bin-A","id":"bin-B","start":{"name":"run"},"points":[{"key":"loss","n":2}]}]}');
    expect(res.status).toBe(400);
    expect(res.json.error).toBe(`executions[0].id: duplicate key "id" ${RULE}`);
    expect(await storeSnapshot(server.url)).toEqual(before);
    // Without the duplicate the same framing is a valid batch.
    expect((await post('{"executions":[{"id":"bin-A","start":{"name":"run"},"points":[{"key":"loss","n":2}]}]}')).status).toBe(200);
    expect((await getJson(`${server.url}/api/executions/bin-A/series?key=loss`)).json.series[0]).toMatchObject({ x: [1, 3], y: [0.5, 0.25] });
  });

  it('POST /api/ingest/cog: refused with 400, no execution made', async () => {
    const body = '{"id":"dup-1","status":"succeeded","metrics":{"token_count":1,"token_count":2},"created_at":"2026-11-20T10:00:00.000Z"}';
    const res = await postBody(`${server.url}/api/ingest/cog?model=acme/m`, body, JSON_TYPE);
    expect(res.status).toBe(400);
    expect(res.json.error).toBe(`metrics.token_count: duplicate key "token_count" ${RULE}`);
    expect((await getJson(`${server.url}/api/executions/cog-dup-1`)).status).toBe(404);
  });

  it('PATCH /api/executions/:id: refused with 400, the execution unchanged', async () => {
    expect((await postJson(`${server.url}/api/ingest`, { executions: [{ id: 'patched', start: { name: 'p', labels: { team: 'a' } } }] })).status).toBe(200);
    const res = await fetch(`${server.url}/api/executions/patched`, { method: 'PATCH', headers: JSON_TYPE, body: '{"note":"x","note":"y"}' });
    expect(res.status).toBe(400);
    expect((await res.json()).error).toBe(`note: duplicate key "note" ${RULE}`);
    const e = (await getJson(`${server.url}/api/executions/patched`)).json.execution;
    expect(e.labels).toEqual({ team: 'a' });
    expect(e.note).toBeUndefined();
  });

  it('POST /v1/metrics (OTLP/HTTP JSON): refused with 400 and a Status naming the key', async () => {
    const body = JSON.stringify({
      resourceMetrics: [{
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'dup-svc' } }] },
        scopeMetrics: [{ metrics: [{ name: 'g', gauge: { dataPoints: [{ timeUnixNano: String(BigInt(Date.now()) * 1_000_000n), asDouble: 3 }] } }] }],
      }],
    }).replace('"asDouble":3', '"asDouble":3,"asDouble":4');
    const res = await fetch(`${server.url}/v1/metrics`, { method: 'POST', headers: JSON_TYPE, body });
    expect(res.status).toBe(400);
    expect((await res.json()).message).toBe(`resourceMetrics[0].scopeMetrics[0].metrics[0].gauge.dataPoints[0].asDouble: duplicate key "asDouble" ${RULE}`);
    expect((await getJson(`${server.url}/api/services`)).json.services.map((s: { name: string }) => s.name)).not.toContain('dup-svc');
  });
});
