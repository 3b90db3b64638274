import { describe, expect, it } from 'vitest';
import { applySummaryOp, getSummaryValue, hasSummaryValue, SummaryError } from './summary.js';
import type { SummaryMode, SummaryObject, SummaryValue } from './types.js';

function record(s: SummaryObject, key: string, value: SummaryValue | null, mode: SummaryMode = 'replace') {
  applySummaryOp(s, { key, value, mode });
}

describe('Cog summary semantics (every example of the Cog seed)', () => {
  it('replace overwrites', () => {
    const s = {};
    record(s, 'status', 'running');
    record(s, 'status', 'done');
    expect(s).toEqual({ status: 'done' });
  });
  it('incr adds, starting a missing key from 0', () => {
    const s = {};
    record(s, 'token_count', 10, 'incr');
    record(s, 'token_count', 5, 'incr');
    record(s, 'token_count', 3, 'incr');
    expect(s).toEqual({ token_count: 18 });
  });
  it('incr on a non-number is an error naming the key and the rule', () => {
    const s = { model: 'gpt-4' };
    expect(() => record(s, 'model', 1, 'incr')).toThrow(SummaryError);
    expect(() => record(s, 'model', 1, 'incr')).toThrow(/summary key "model": incr needs a numeric value/);
    expect(() => record(s, 'n', 'x', 'incr')).toThrow(/incr needs a number/);
  });
  it('append builds an array, and wraps a non-array value', () => {
    const s = {};
    for (const step of ['preprocessing', 'inference', 'postprocessing']) record(s, 'steps', step, 'append');
    expect(s).toEqual({ steps: ['preprocessing', 'inference', 'postprocessing'] });
    const t: SummaryObject = { stage: 'load' };
    record(t, 'stage', 'run', 'append');
    expect(t).toEqual({ stage: ['load', 'run'] });
  });
  it('dotted keys nest', () => {
    const s = {};
    record(s, 'timing.preprocess', 0.12);
    record(s, 'timing.inference', 0.85);
    record(s, 'timing.postprocess', 0.05);
    expect(s).toEqual({ timing: { preprocess: 0.12, inference: 0.85, postprocess: 0.05 } });
    expect(getSummaryValue(s, 'timing.inference')).toBe(0.85);
    expect(hasSummaryValue(s, 'timing.missing')).toBe(false);
  });
  it('a type cannot change until the key is deleted; then it can', () => {
    const s = {};
    record(s, 'count', 1);
    expect(() => record(s, 'count', 'oops')).toThrow(/summary key "count": type is int and cannot change to string until the key is deleted/);
    record(s, 'count', null);
    record(s, 'count', 'now a string');
    expect(s).toEqual({ count: 'now a string' });
  });
  it('supports every value type', () => {
    const s = {};
    record(s, 'enabled', true);
    record(s, 'count', 42);
    record(s, 'confidence', 0.95);
    record(s, 'model', 'gpt-4');
    record(s, 'steps', ['preprocess', 'inference', 'postprocess']);
    record(s, 'config', { temp: 0.7, max_tokens: 100 });
    expect(s).toEqual({ enabled: true, count: 42, confidence: 0.95, model: 'gpt-4', steps: ['preprocess', 'inference', 'postprocess'], config: { temp: 0.7, max_tokens: 100 } });
  });
  it('the multi-stage pipeline and error-rate examples', () => {
    const s: SummaryObject = {};
    for (const stage of ['load', 'preprocess', 'inference', 'postprocess', 'save']) {
      record(s, `timing.${stage}`, 0.1);
      record(s, 'stages', stage, 'append');
    }
    expect(Object.keys(s.timing as object)).toHaveLength(5);
    expect(s.stages).toEqual(['load', 'preprocess', 'inference', 'postprocess', 'save']);
    const e: SummaryObject = {};
    for (const ok of [true, false, true]) {
      if (ok) record(e, 'success_count', 1, 'incr');
      else {
        record(e, 'error_count', 1, 'incr');
        record(e, 'errors', 'bad input', 'append');
      }
    }
    record(e, 'success_rate', (getSummaryValue(e, 'success_count') as number) / 3);
    expect(e).toEqual({ success_count: 2, error_count: 1, errors: ['bad input'], success_rate: 2 / 3 });
  });
  it.each([
    ['', /must not be empty/],
    ['a'.repeat(129), /at most 128 characters/],
    ['a.b.c.d.e', /at most 4 dot-separated segments/],
    ['timing..x', /empty segment/],
    ['1abc', /must start with a letter/],
    ['abc_', /end with a letter or digit/],
  ])('rejects key %j naming the rule', (key, rule) => {
    expect(() => record({}, key, 1)).toThrow(rule);
  });
  it('refuses to nest under a non-object', () => {
    const s = { timing: 3 };
    expect(() => record(s, 'timing.inference', 1)).toThrow(/"timing" is a int, not an object/);
  });
});
