import { describe, expect, it } from 'vitest';
import { applySummaryOp, ValidationError, type Execution, type SummaryObject } from '../protocol/index.js';
import { COG_RENAMED_KEY, COG_SKIPPED_KEY, cogExecutionId, cogPredictionToUpdate, cogSummary, parseCogPrediction, sanitizeCogKey, summaryOpsToMatch } from './cog.js';
import { thrownBy } from '../../test/helpers/thrown.js';

const NOW = Date.parse('2026-11-20T12:00:00Z');
const CREATED = '2026-11-20T10:00:00.000000+00:00';
const STARTED = '2026-11-20T10:00:01.500000+00:00';

function payload(status: string, extra: Record<string, unknown> = {}) {
  return { id: 'ufawqhfynnddngldkgtslldrkq', version: 'v7', status, created_at: CREATED, started_at: null, completed_at: null, input: {}, output: null, logs: '', error: null, ...extra };
}

function running(extra: Partial<Execution> = {}): Execution {
  return {
    id: 'cog-ufawqhfynnddngldkgtslldrkq', name: 'acme/llm', labels: {}, status: 'running', startedAt: Date.parse(CREATED), endedAt: null,
    lastSeenAt: NOW, error: null, metricCount: 0, summary: {}, ...extra,
  };
}

function validationError(fn: () => unknown): ValidationError {
  return thrownBy(fn, ValidationError);
}

/** What the store would hold after applying `ops` to `summary`. */
function applied(summary: SummaryObject, ops: ReturnType<typeof summaryOpsToMatch>): SummaryObject {
  const s = structuredClone(summary);
  for (const op of ops) applySummaryOp(s, op);
  return s;
}

describe('parseCogPrediction', () => {
  it.each([
    [null, 'body', 'must be a Cog prediction object'],
    [[], 'body', 'must be a Cog prediction object'],
    [{ status: 'starting' }, 'id', 'must be a non-empty string (the prediction id)'],
    [{ id: ' ', status: 'starting' }, 'id', 'must be a non-empty string (the prediction id)'],
    [{ id: 'p', status: 'done' }, 'status', 'must be one of starting, processing, succeeded, failed, canceled'],
    [{ id: 'p', status: 'starting', metrics: [1] }, 'metrics', 'must be an object or null'],
    [{ id: 'p', status: 'failed', error: { msg: 'x' } }, 'error', 'must be a string or null'],
    [{ id: 'p', status: 'starting', version: 3 }, 'version', 'must be a string or null'],
    [{ id: 'p', status: 'starting', created_at: 'yesterday' }, 'created_at', 'must be an ISO 8601 timestamp or null'],
    [{ id: 'p', status: 'starting', started_at: 1700000000 }, 'started_at', 'must be an ISO 8601 timestamp or null'],
    [{ id: 'p', status: 'succeeded', completed_at: '2026-13-45T99:00:00Z' }, 'completed_at', 'must be an ISO 8601 timestamp or null'],
  ])('refuses %j naming the field', (body, path, rule) => {
    const e = validationError(() => parseCogPrediction(body));
    expect(e.path).toBe(path);
    expect(e.rule).toBe(rule);
    expect(e.status).toBe(400);
  });

  it('keeps what it uses, drops the rest, and is idempotent', () => {
    const p = parseCogPrediction(payload('processing', { metrics: { n: 1 } }));
    expect(p).toEqual({ id: 'ufawqhfynnddngldkgtslldrkq', status: 'processing', version: 'v7', created_at: CREATED, metrics: { n: 1 }, error: null });
    expect(parseCogPrediction(p)).toEqual(p);
  });
});

describe('cogExecutionId', () => {
  it('prefixes a plain prediction id', () => {
    expect(cogExecutionId('ufawqhfynnddngldkgtslldrkq')).toBe('cog-ufawqhfynnddngldkgtslldrkq');
  });

  it('fits odd ids to the id pattern, keeping different ids apart', () => {
    const a = cogExecutionId('run/1 a');
    const b = cogExecutionId('run-1-a');
    expect(a).toMatch(/^cog-run-1-a-[0-9a-f]{10}$/);
    expect(b).toBe('cog-run-1-a');
    expect(a).not.toBe(b);
    const long = cogExecutionId('x'.repeat(300));
    expect(long.length).toBeLessThanOrEqual(100);
    expect(long).not.toBe(cogExecutionId('x'.repeat(301)));
  });
});

describe('cogSummary', () => {
  it('is the payload metrics without predict_time', () => {
    expect(cogSummary({ temperature: 0.7, token_count: 42, timing: { inference: 0.1 }, predict_time: 1.23 })).toEqual({
      temperature: 0.7, token_count: 42, timing: { inference: 0.1 },
    });
  });

  it('renames at every nesting level and lists each rename; a clash at a nested level is skipped and listed', () => {
    expect(cogSummary({ 'val/AR@100': 0.5, timing: { 'pre-process': 0.1, pre_process: 0.2, deep: { 'x-y': 1 } } })).toEqual({
      val_AR_100: 0.5,
      timing: { pre_process: 0.2, deep: { x_y: 1 } },
      [COG_RENAMED_KEY]: ['timing.deep.x-y → timing.deep.x_y', 'val/AR@100 → val_AR_100'],
      [COG_SKIPPED_KEY]: ['timing.pre-process: its summary name "timing.pre_process" is already used'],
    });
    expect(cogSummary({ [COG_RENAMED_KEY]: ['forged'], ok: 1 })).toEqual({ ok: 1 });
  });

  it('sanitizes names that break the key rules and lists what it cannot keep', () => {
    expect(sanitizeCogKey('tokens/sec')).toBe('tokens_sec');
    expect(sanitizeCogKey('2nd_pass')).toBe('m2nd_pass');
    expect(sanitizeCogKey('timing.total')).toBe('timing_total');
    expect(sanitizeCogKey('!!!')).toBeNull();
    const s = cogSummary({ 'tokens/sec': 12.5, tokens_sec: 3, '???': 1, ok: [1, null], n: 2 });
    expect(s).toEqual({
      tokens_sec: 3, n: 2,
      [COG_SKIPPED_KEY]: [
        'ok: value must not contain null inside arrays or objects',
        'tokens/sec: its summary name "tokens_sec" is already used',
        '???: no valid summary key can be made from this name',
      ],
    });
  });
});

describe('summaryOpsToMatch', () => {
  it('replaces changed keys, deletes vanished ones, skips equal ones, and deletes before a type change', () => {
    const current: SummaryObject = { a: 1, b: { x: 1, y: 2 }, gone: 'x', rate: 1, predict_time: 3 };
    const desired: SummaryObject = { a: 2.5, b: { y: 2, x: 1 }, rate: 'n/a', fresh: ['s'] };
    const ops = summaryOpsToMatch(current, desired);
    expect(ops).toEqual([
      { key: 'gone', value: null, mode: 'replace' },
      { key: 'a', value: 2.5, mode: 'replace' },
      { key: 'rate', value: null, mode: 'replace' },
      { key: 'rate', value: 'n/a', mode: 'replace' },
      { key: 'fresh', value: ['s'], mode: 'replace' },
    ]);
    expect(applied(current, ops)).toEqual({ ...desired, predict_time: 3 });
    expect(summaryOpsToMatch(desired, desired)).toEqual([]);
  });
});

describe('cogPredictionToUpdate', () => {
  const opts = { model: 'acme/llm', existing: null, now: NOW };

  it('starting: creates a running execution named after the model, with Cog labels, started at created_at', () => {
    expect(cogPredictionToUpdate(payload('starting'), opts)).toEqual({
      id: 'cog-ufawqhfynnddngldkgtslldrkq',
      start: { name: 'acme/llm', labels: { source: 'cog', prediction: 'ufawqhfynnddngldkgtslldrkq', version: 'v7' }, startedAt: Date.parse(CREATED) },
    });
  });

  it('prefers started_at for the start; without any time uses now', () => {
    expect(cogPredictionToUpdate(payload('processing', { started_at: STARTED }), opts).start?.startedAt).toBe(Date.parse(STARTED));
    expect(cogPredictionToUpdate(payload('processing', { created_at: null }), opts).start?.startedAt).toBe(NOW);
  });

  it('reads a time without a zone as UTC', () => {
    const u = cogPredictionToUpdate(payload('starting', { created_at: '2026-11-20T10:00:00.25' }), opts);
    expect(u.start?.startedAt).toBe(Date.parse('2026-11-20T10:00:00.250Z'));
  });

  it('processing with metrics on a running execution: summary ops only, no start', () => {
    const u = cogPredictionToUpdate(payload('processing', { metrics: { token_count: 10 } }), { ...opts, existing: running() });
    expect(u).toEqual({ id: 'cog-ufawqhfynnddngldkgtslldrkq', summary: [{ key: 'token_count', value: 10, mode: 'replace' }] });
  });

  it('a delivery without metrics leaves the summary alone; a repeat with the same metrics adds no ops', () => {
    const existing = running({ summary: { token_count: 10 } });
    expect(cogPredictionToUpdate(payload('processing'), { ...opts, existing })).toEqual({ id: 'cog-ufawqhfynnddngldkgtslldrkq' });
    expect(cogPredictionToUpdate(payload('processing', { metrics: { token_count: 10 } }), { ...opts, existing })).toEqual({ id: 'cog-ufawqhfynnddngldkgtslldrkq' });
  });

  it('succeeded: ends so that (endedAt - startedAt) / 1000 is Cog\'s predict_time', () => {
    const existing = running({ startedAt: Date.parse(STARTED) });
    const u = cogPredictionToUpdate(payload('succeeded', { completed_at: '2026-11-20T10:00:09Z', metrics: { predict_time: 1.23, n: 1 } }), { ...opts, existing });
    expect(u.end).toEqual({ status: 'succeeded', endedAt: Date.parse(STARTED) + 1230 });
    expect(u.summary).toEqual([{ key: 'n', value: 1, mode: 'replace' }]);
  });

  it('without predict_time ends at completed_at, else now', () => {
    const existing = running();
    expect(cogPredictionToUpdate(payload('succeeded', { completed_at: '2026-11-20T10:00:09Z' }), { ...opts, existing }).end?.endedAt)
      .toBe(Date.parse('2026-11-20T10:00:09Z'));
    expect(cogPredictionToUpdate(payload('canceled'), { ...opts, existing }).end).toEqual({ status: 'cancelled', endedAt: NOW });
  });

  it('failed carries the error; a completed delivery seen first starts and ends in one update', () => {
    const u = cogPredictionToUpdate(payload('failed', { started_at: STARTED, error: 'CUDA out of memory', metrics: { predict_time: 0.5 } }), opts);
    expect(u.start?.startedAt).toBe(Date.parse(STARTED));
    expect(u.end).toEqual({ status: 'failed', endedAt: Date.parse(STARTED) + 500, error: 'CUDA out of memory' });
  });

  it('never reopens or changes an ended execution', () => {
    const ended = running({ status: 'succeeded', endedAt: NOW, summary: { n: 7, predict_time: 2 } });
    for (const status of ['starting', 'processing', 'succeeded', 'failed']) {
      expect(cogPredictionToUpdate(payload(status, { metrics: { n: 3 } }), { ...opts, existing: ended })).toEqual({ id: 'cog-ufawqhfynnddngldkgtslldrkq' });
    }
  });

  it('a lost execution is resumed like a running one', () => {
    const u = cogPredictionToUpdate(payload('processing', { metrics: { n: 1 } }), { ...opts, existing: running({ status: 'lost' }) });
    expect(u.summary).toEqual([{ key: 'n', value: 1, mode: 'replace' }]);
    expect(u.start).toBeUndefined();
  });

  it('throws for a malformed payload', () => {
    expect(validationError(() => cogPredictionToUpdate({ id: 'p' }, opts)).path).toBe('status');
  });
});
