import { describe, expect, it } from 'vitest';
import { ServicesEngine } from '../src/server/services/engine.js';
import { queryReplicas, replicasOf } from '../src/server/services/query.js';
import { SqliteRollups } from '../src/server/services/sqlite-rollups.js';

// DESIGN.md: "Active replicas (replicas heard from)"; replicas are the distinct `host` values — of every metric, as
// `plotline get`'s `replicas` column (replicasOf) and the live intervals count them.
describe('replicas heard from, per bucket', () => {
  it('counts the hosts of every metric per bucket, hostless lines as one only where no named host was heard', async () => {
    let now = Math.floor(Date.now() / 60_000) * 60_000 - 5 * 60_000;
    const engine = new ServicesEngine({ store: new SqliteRollups(':memory:'), clock: () => now });
    await engine.load();
    const start = now;
    const minute = async (lines: string[]) => {
      if (lines.length > 0) engine.ingestHttp(lines.join('\n'), 'api');
      now += 60_000;
      await engine.flush();
    };
    await minute(['http.server.request.duration:0.1|d|#host:h0', 'queue.depth:3|g|#host:h1', 'jobs:1|c']); // h0, h1
    await minute(['queue.depth:4|g|#host:h1', 'jobs:1|c']); // h1 only (h0 sent nothing)
    await minute(['jobs:1|c']); // hostless lines only: one replica
    await minute([]); // nothing heard: a gap
    engine.ingestHttp('http.server.request.duration:0.2|d|#host:h0\nhttp.server.active_requests:1|g|#host:h2', 'api'); // still open
    const answer = await queryReplicas(engine, { service: 'api', from: start, to: now + 60_000, budget: 5 });
    expect(answer.step).toBe(60_000);
    expect(answer.series).toHaveLength(1);
    expect(answer.series[0]!.t).toEqual([0, 1, 2, 3, 4].map((i) => start + i * 60_000));
    expect(answer.series[0]!.v).toEqual([2, 1, 1, null, 2]);
    // The live definition, over the last minute: h0 and h2 (the open interval), as plotline get counts them.
    expect(replicasOf(engine.index.services.get('api')!, now)).toBe(2);
    await expect(queryReplicas(engine, { service: 'nope', from: start, to: now, budget: 5 })).rejects.toThrow(/no service "nope"/);
    await engine.close();
  });
});
