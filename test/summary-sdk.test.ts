import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, currentScope, recordMetric, SummaryError, type Client } from '../src/sdk/index.js';
import { startServer, type RunningServer } from '../src/server/index.js';
import { getJson, postJson } from './helpers/server.js';
import { thrownBy } from './helpers/thrown.js';

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

async function stored(id: string) {
  const res = await getJson(`${server.url}/api/executions/${id}`);
  expect(res.status).toBe(200);
  return res.json.execution;
}

/** Runs `predict` as one execution through the real SDK and returns the summary the server stored, without predict_time. */
async function predictSummary(predict: () => void | Promise<void>) {
  let id = '';
  await client.withExecution('predict', async (e) => {
    id = e.id;
    await predict();
  });
  const { predict_time: predictTime, ...summary } = (await stored(id)).summary;
  expect(typeof predictTime).toBe('number');
  return summary;
}


describe('summary −0 through the TypeScript SDK', () => {
  it('arrives and reads back as −0 (the binary header writes it -0), nested too; scope.metrics keeps it', async () => {
    let local: unknown;
    const summary = await predictSummary(() => {
      recordMetric('neg', -0);
      recordMetric('obj', { a: -0, b: [-0, 1] });
      local = currentScope().metrics.get('obj');
    });
    expect(Object.is(summary.neg, -0)).toBe(true);
    expect(Object.is(summary.obj.a, -0)).toBe(true);
    expect(Object.is(summary.obj.b[0], -0)).toBe(true);
    expect(Object.is((local as { a: number }).a, -0)).toBe(true);
  });
});

describe('Cog seed examples through SDK → server', () => {
  it('overview: simple values', async () => {
    expect(await predictSummary(() => {
      recordMetric('temperature', 0.7);
      recordMetric('token_count', 42);
    })).toEqual({ temperature: 0.7, token_count: 42 });
  });

  it('supported value types', async () => {
    expect(await predictSummary(() => {
      recordMetric('enabled', true);
      recordMetric('count', 42);
      recordMetric('confidence', 0.95);
      recordMetric('model', 'gpt-4');
      recordMetric('steps', ['preprocess', 'inference', 'postprocess']);
      recordMetric('config', { temp: 0.7, max_tokens: 100 });
    })).toEqual({
      enabled: true, count: 42, confidence: 0.95, model: 'gpt-4', steps: ['preprocess', 'inference', 'postprocess'], config: { temp: 0.7, max_tokens: 100 },
    });
  });

  it('replace mode', async () => {
    expect(await predictSummary(() => {
      recordMetric('status', 'running');
      recordMetric('status', 'done');
    })).toEqual({ status: 'done' });
  });

  it('increment mode, and the streaming token counter drawn over time as @summary.token_count', async () => {
    let id = '';
    await client.withExecution('tokens', async (e) => {
      id = e.id;
      recordMetric('token_count', 10, 'incr');
      await e.flush();
      recordMetric('token_count', 5, 'incr');
      await e.flush();
      recordMetric('token_count', 3, 'incr');
    });
    expect((await stored(id)).summary.token_count).toBe(18);
    const series = (await getJson(`${server.url}/api/executions/${id}/series?key=${encodeURIComponent('@summary.token_count')}`)).json.series[0];
    expect(series.y).toEqual([10, 15, 18]);
    expect(series.x).toHaveLength(3);
    expect(series.x[0]).toBeLessThan(series.x[2]);
  });

  it('an op\'s x draws its point there, moved just above the last when it does not increase, and never past 2^53', async () => {
    const id = 'summary-x';
    const op = (value: number, x?: number) => postJson(`${server.url}/api/ingest`, {
      executions: [{ id, ...(value === 1 && { start: { name: 'summary x' } }), summary: [{ key: 'acc', value, ...(x !== undefined && { x }) }] }],
    });
    for (const [value, x] of [[1, 5], [2, 3], [3, 2 ** 53], [4, 2 ** 53], [5, undefined]] as const) expect((await op(value, x)).status).toBe(200);
    const series = (await getJson(`${server.url}/api/executions/${id}/series?key=${encodeURIComponent('@summary.acc')}`)).json.series[0];
    expect(series.x).toEqual([5, 5.000001, 2 ** 53]);
    expect(series.y).toEqual([1, 2, 3]);
    expect((await stored(id)).summary.acc).toBe(5);
  });

  it('append mode (pipeline tracking)', async () => {
    expect(await predictSummary(() => {
      for (const stage of ['loading', 'preprocessing', 'inference', 'postprocessing']) recordMetric('pipeline', stage, 'append');
    })).toEqual({ pipeline: ['loading', 'preprocessing', 'inference', 'postprocessing'] });
  });

  it('nested metrics (detailed timing)', async () => {
    expect(await predictSummary(() => {
      recordMetric('timing.preprocess', 0.12);
      recordMetric('timing.inference', 0.85);
      recordMetric('timing.postprocess', 0.05);
    })).toEqual({ timing: { preprocess: 0.12, inference: 0.85, postprocess: 0.05 } });
  });

  it('type safety: the change throws client-side with the rule; delete, then set with a new type', async () => {
    expect(await predictSummary(() => {
      recordMetric('count', 1);
      const e = summaryErrorOf(() => recordMetric('count', 'oops'));
      expect(e.key).toBe('count');
      expect(e.rule).toBe('type is number and cannot change to string until the key is deleted');
      currentScope().metrics.delete('count');
      recordMetric('count', 'now a string');
    })).toEqual({ count: 'now a string' });
  });

  it('scope API: dict-style set, has, get, delete, record with a mode', async () => {
    const seen: unknown[] = [];
    expect(await predictSummary(() => {
      const scope = currentScope();
      scope.metrics.set('token_count', 42);
      seen.push(scope.metrics.has('token_count'), scope.metrics.get('token_count'));
      scope.metrics.delete('token_count');
      seen.push(scope.metrics.has('token_count'));
      scope.metrics.record('steps', 'done', 'append');
    })).toEqual({ steps: ['done'] });
    expect(seen).toEqual([true, 42, false]);
  });

  it('module-level access through currentScope()', async () => {
    const helper = (data: string) => {
      currentScope().recordMetric('helper_calls', 1, 'incr');
      return data.toUpperCase();
    };
    expect(await predictSummary(() => {
      helper('a');
      helper('b');
    })).toEqual({ helper_calls: 2 });
  });

  it('three ways to delete: null, delete, conditional delete', async () => {
    expect(await predictSummary(() => {
      recordMetric('temp_metric', 'value');
      recordMetric('temp_metric', null);
      currentScope().metrics.set('temp_metric2', 'value');
      currentScope().metrics.delete('temp_metric2');
      if (currentScope().metrics.has('temp_metric3')) currentScope().metrics.delete('temp_metric3');
      recordMetric('kept', 1);
    })).toEqual({ kept: 1 });
  });

  it('token count tracking and confidence scores', async () => {
    expect(await predictSummary(() => {
      recordMetric('input_tokens', 'hello world'.split(' ').length);
      for (let i = 0; i < 4; i++) recordMetric('output_tokens', 1, 'incr');
      recordMetric('confidence', 0.91);
      recordMetric('top_3_labels', ['cat', 'dog', 'fox']);
    })).toEqual({ input_tokens: 2, output_tokens: 4, confidence: 0.91, top_3_labels: ['cat', 'dog', 'fox'] });
  });

  it('multi-stage pipeline', async () => {
    const stages = ['load', 'preprocess', 'inference', 'postprocess', 'save'];
    const summary = await predictSummary(() => {
      stages.forEach((stage, i) => {
        recordMetric(`timing.${stage}`, 0.01 * (i + 1) + 0.001);
        recordMetric('stages', stage, 'append');
      });
    });
    expect(summary.stages).toEqual(stages);
    expect(Object.keys(summary.timing)).toEqual(stages);
    expect(summary.timing.save).toBeCloseTo(0.051);
  });

  it('error rate tracking', async () => {
    const inputs = ['ok', 'boom', 'ok', 'ok'];
    expect(await predictSummary(() => {
      for (const inp of inputs) {
        try {
          if (inp !== 'ok') throw new Error(`cannot process ${inp}`);
          recordMetric('success_count', 1, 'incr');
        } catch (e) {
          recordMetric('error_count', 1, 'incr');
          recordMetric('errors', String(e), 'append');
        }
      }
      const success = (currentScope().metrics.get('success_count') ?? 0) as number;
      recordMetric('success_rate', inputs.length > 0 ? success / inputs.length : 0);
    })).toEqual({ success_count: 3, error_count: 1, errors: ['Error: cannot process boom'], success_rate: 0.75 });
  });
});

describe('SDK rules', () => {
  it('predict_time is set by the server from the execution duration and wins over a user value', async () => {
    let id = '';
    await client.withExecution('timed', async (e) => {
      id = e.id;
      recordMetric('predict_time', 999);
      await new Promise((r) => setTimeout(r, 50));
    });
    const e = await stored(id);
    expect(e.summary.predict_time).toBeCloseTo((e.endedAt - e.startedAt) / 1000, 5);
    expect(e.summary.predict_time).toBeGreaterThanOrEqual(0.05);
    expect(e.summary.predict_time).toBeLessThan(999);
  });

  it('outside an execution every operation is a silent no-op and the scope is never null', () => {
    const scope = currentScope();
    expect(scope).not.toBeNull();
    expect(() => {
      recordMetric('outside', 1);
      recordMetric('outside', 'x', 'append');
      scope.metrics.set('outside', 1);
      scope.metrics.delete('outside');
      scope.metrics.record('outside', 1, 'incr');
    }).not.toThrow();
    expect(scope.metrics.has('outside')).toBe(false);
    expect(scope.metrics.get('outside')).toBeUndefined();
  });

  it('bad keys, incr on a non-number and nesting under a scalar throw client-side and send nothing', async () => {
    expect(await predictSummary(() => {
      recordMetric('label', 'cat');
      expect(summaryErrorOf(() => recordMetric('bad..key', 1)).rule).toMatch(/empty segment/);
      expect(summaryErrorOf(() => recordMetric('a.b.c.d.e', 1)).rule).toMatch(/at most 4 dot-separated segments/);
      expect(summaryErrorOf(() => recordMetric('label', 1, 'incr')).rule).toBe('incr needs a numeric value, but the key holds a string');
      expect(summaryErrorOf(() => recordMetric('n', 'x', 'incr')).rule).toBe('incr needs a number (got string)');
      expect(summaryErrorOf(() => recordMetric('label.sub', 1)).rule).toMatch(/"label" is a string, not an object/);
      expect(() => recordMetric('n', 1, 'add' as never)).toThrow(/mode must be one of replace, incr, append/);
    })).toEqual({ label: 'cat' });
  });
});

describe('raw HTTP clients', () => {
  const ingest = (body: unknown) => postJson(`${server.url}/api/ingest`, body);

  it('an invalid summary op gets a 4xx naming the rule, and nothing of that batch is applied', async () => {
    const id = 'raw-summary-1';
    expect((await ingest({ executions: [{ id, start: { name: 'raw' }, summary: [{ key: 'count', value: 1 }] }] })).status).toBe(200);

    const bad = await ingest({
      executions: [
        { id: 'raw-summary-other', start: { name: 'raw' }, summary: [{ key: 'fine', value: 1 }] },
        {
          id,
          points: [{ key: 'loss', x: [1], y: [0.5] }],
          summary: [{ key: 'steps', value: 'a', mode: 'append' }, { key: 'count', value: 'oops', mode: 'replace' }],
        },
      ],
    });
    expect(bad.status).toBe(400);
    expect(bad.json.path).toBe('executions[1].summary[1]');
    expect(bad.json.error).toContain('summary key "count": type is number and cannot change to string until the key is deleted');

    const e = await getJson(`${server.url}/api/executions/${id}`);
    expect(e.json.execution.summary).toEqual({ count: 1 });
    expect(e.json.series.map((s: { key: string }) => s.key)).not.toContain('loss');
    expect((await getJson(`${server.url}/api/executions/raw-summary-other`)).status).toBe(404);
  });

  it.each([
    [{ key: 'n', value: 'x', mode: 'incr' }, 'incr needs a number (got string)'],
    [{ key: 'bad..key', value: 1 }, 'empty segment'],
    [{ key: 'n', value: 1, mode: 'add' }, 'must be one of replace, incr, append'],
    [{ key: 'n', value: [1, null] }, 'must not contain null inside arrays or objects'],
    [{ key: 'n' }, 'is required (null deletes the key)'],
  ])('refuses summary op %j', async (op, rule) => {
    const id = `raw-summary-${Math.random().toString(36).slice(2)}`;
    const res = await ingest({ executions: [{ id, start: { name: 'raw' }, summary: [op] }] });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expect(res.json.error).toContain(rule);
    expect(res.json.path).toMatch(/^executions\[0\]\.summary\[0\]/);
    expect((await getJson(`${server.url}/api/executions/${id}`)).status).toBe(404);
  });
});

function summaryErrorOf(fn: () => void): SummaryError {
  return thrownBy(fn, SummaryError);
}
