import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, Metric, MetricGroup, MetricScale, recordMetric, type Client } from '../src/sdk/index.js';
import type { EndStatus, GroupDef, MetricDef, ScaleDef, SummaryMode, SummaryValue } from '../src/protocol/index.js';
import { fromWire } from '../src/protocol/numbers.js';
import { startServer, type RunningServer } from '../src/server/index.js';
import { getJson } from './helpers/server.js';

/**
 * The shared semantic cases of test/vectors/sdk-semantics.json, through the Node SDK into a real server. The Python SDK's
 * python/tests/test_vectors.py reads the same file, so the two SDKs cannot drift apart.
 */
type Wire = number | 'NaN' | 'Infinity' | '-Infinity';
interface Pending { node?: string; python?: string; server?: string }
interface SeriesCase { name: string; metric: { key: string; throttle?: number | null }; record: [Wire, Wire][]; expect: { x: number[]; y: Wire[] }; pending?: Pending }
interface DefinitionCase { name: string; first: MetricDef; second: MetricDef; error: string[] | null; pending?: Pending }
interface SummaryCase {
  name: string;
  ops: [string, SummaryValue | null, SummaryMode][];
  expect: Record<string, SummaryValue>;
  error?: { at: number; contains: string[] };
  pending?: Pending;
}
interface EndCase { given: string; stored: string; pending?: Pending }
interface AtTypeCase { name: string; at: unknown; error: string[]; then: { x: number[]; refused: number }; pending?: Pending }
interface Vectors { series: SeriesCase[]; definitions: DefinitionCase[]; summary: SummaryCase[]; end_status: EndCase[]; at_type: AtTypeCase[] }

const vectors = JSON.parse(readFileSync(new URL('./vectors/sdk-semantics.json', import.meta.url), 'utf8')) as Vectors;

/** `it`, or `it.skip` when the case is marked pending for the Node SDK or the server. */
const itCase = (c: { pending?: Pending }) => (c.pending?.node || c.pending?.server ? it.skip : it);

let server: RunningServer;
let client: Client;
beforeAll(async () => {
  server = await startServer({ port: 0, db: ':memory:' });
  client = connect({ url: server.url, warn: () => {} });
});
afterAll(async () => {
  await client.close();
  await server.close();
});

const group = (g?: GroupDef) => (g ? new MetricGroup(g.name, g) : undefined);
const scale = (s?: ScaleDef) => (s ? new MetricScale(s) : undefined);
const metricOf = (d: MetricDef) => new Metric(d.key, { ...(d.group && { group: group(d.group) }), ...(d.scale && { scale: scale(d.scale) }) });

describe('shared SDK vectors: series', () => {
  for (const c of vectors.series) {
    itCase(c)(c.name, async () => {
      const metric = new Metric(c.metric.key, { throttle: c.metric.throttle === undefined ? 10 : c.metric.throttle });
      const id = await client.withExecution(c.name, (e) => {
        for (const [value, at] of c.record) metric.record(fromWire(value), { at: fromWire(at) });
        return e.id;
      });
      const stored = (await getJson(`${server.url}/api/executions/${id}/series?key=${encodeURIComponent(c.metric.key)}`)).json.series[0];
      expect(stored.x).toEqual(c.expect.x);
      expect(stored.y).toEqual(c.expect.y);
    });
  }
});

describe('shared SDK vectors: definitions', () => {
  for (const c of vectors.definitions) {
    itCase(c)(c.name, async () => {
      const first = metricOf(c.first);
      const second = metricOf(c.second);
      const id = await client.withExecution(c.name, (e) => {
        first.record(1, { at: 1 });
        if (c.error === null) {
          second.record(2, { at: 2 });
        } else {
          let message = '';
          try {
            second.record(2, { at: 2 });
          } catch (err) {
            message = (err as Error).message;
          }
          for (const part of c.error) expect(message).toContain(part);
        }
        return e.id;
      });
      const d = (await getJson(`${server.url}/api/executions/${id}`)).json;
      expect(d.definitions.filter((x: MetricDef) => x.key === c.first.key)).toEqual([c.first]);
      expect(d.execution.status).toBe('succeeded');
    });
  }
});

describe('shared SDK vectors: summary', () => {
  for (const c of vectors.summary) {
    itCase(c)(c.name, async () => {
      const id = await client.withExecution(c.name, (e) => {
        for (const [i, [key, value, mode]] of c.ops.entries()) {
          if (c.error?.at === i) {
            let message = '';
            try {
              recordMetric(key, value, mode);
            } catch (err) {
              message = (err as Error).message;
            }
            for (const part of c.error.contains) expect(message).toContain(part);
            break;
          }
          recordMetric(key, value, mode);
        }
        return e.id;
      });
      const summary = (await getJson(`${server.url}/api/executions/${id}`)).json.execution.summary;
      delete summary.predict_time;
      expect(summary).toEqual(c.expect);
    });
  }
});

describe('shared SDK vectors: end status', () => {
  for (const c of vectors.end_status) {
    itCase(c)(c.given, async () => {
      const e = client.startExecution(`end ${c.given}`);
      await e.end(c.given as EndStatus);
      expect((await getJson(`${server.url}/api/executions/${e.id}`)).json.execution.status).toBe(c.stored);
    });
  }
});

describe('shared SDK vectors: the type of at', () => {
  for (const c of vectors.at_type) {
    itCase(c)(c.name, async () => {
      const metric = new Metric('loss', { throttle: null });
      let discarded: unknown;
      const id = await client.withExecution(c.name, (e) => {
        let thrown: unknown;
        try {
          metric.record(0.5, { at: c.at as number });
        } catch (err) {
          thrown = err;
        }
        expect(thrown).toBeInstanceOf(TypeError);
        for (const part of c.error) expect((thrown as Error).message).toContain(part);
        metric.record(0.25, { at: 1 });
        discarded = e.discarded();
        return e.id;
      });
      expect((await getJson(`${server.url}/api/executions/${id}/series?key=loss`)).json.series[0].x).toEqual(c.then.x);
      expect(Object.values(discarded as object).length).toBe(c.then.refused);
    });
  }
});
