import { afterEach, describe, expect, it } from 'vitest';
import { getJson, postJson, spawnServer, tempDbPath, type SpawnedServer } from './helpers/server.js';

let server: SpawnedServer | null = null;
afterEach(async () => {
  await server?.kill();
});

describe('durability', () => {
  it('keeps every acknowledged point after SIGKILL', async () => {
    const db = tempDbPath();
    server = await spawnServer(['--db', db]);
    await postJson(`${server.url}/api/ingest`, { executions: [{ id: 'd-1', start: { name: 'durable' } }] });
    let acknowledged = 0;
    for (let b = 0; b < 40; b++) {
      const x = Array.from({ length: 500 }, (_, i) => b * 500 + i);
      const res = await postJson(`${server.url}/api/ingest`, { batchId: `b-${b}`, executions: [{ id: 'd-1', points: [{ key: 'v', x, y: x.map((v) => Math.sin(v)) }] }] });
      expect(res.status).toBe(200);
      acknowledged += x.length;
    }
    // Fire more batches without waiting, then kill mid-flight: the acknowledged ones must all survive.
    const inFlight = Array.from({ length: 10 }, (_, k) => {
      const x = Array.from({ length: 500 }, (_, i) => 20_000 + k * 500 + i);
      return postJson(`${server!.url}/api/ingest`, { batchId: `late-${k}`, executions: [{ id: 'd-1', points: [{ key: 'v', x, y: x }] }] })
        .then((r) => (r.status === 200 ? x.length : 0), () => 0);
    });
    await new Promise((r) => setTimeout(r, 5));
    await server.kill('SIGKILL');
    const late = (await Promise.all(inFlight)).reduce((a, b) => a + b, 0);
    server = await spawnServer(['--db', db]);
    const series = (await getJson(`${server.url}/api/executions/d-1/series?key=v&budget=50000`)).json.series[0];
    expect(series.total).toBeGreaterThanOrEqual(acknowledged + late);
    expect(series.x.slice(0, acknowledged)).toEqual(Array.from({ length: acknowledged }, (_, i) => i));
    expect(new Set(series.x).size).toBe(series.x.length);
  });
});
