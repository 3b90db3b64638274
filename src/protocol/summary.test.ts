import { describe, expect, it } from 'vitest';
import { applySummaryOp, getSummaryValue, hasSummaryValue, SummaryError, summaryTypeOf } from './summary.js';
import type { SummaryMode, SummaryObject, SummaryValue } from './types.js';
import { thrownBy } from '../../test/helpers/thrown.js';

/** Applies `record_metric` calls in order, like a Cog predictor would, and returns the summary. */
function run(...calls: [key: string, value: SummaryValue | null, mode?: SummaryMode][]): SummaryObject {
  const summary: SummaryObject = {};
  for (const [key, value, mode = 'replace'] of calls) applySummaryOp(summary, { key, value, mode });
  return summary;
}


describe('Cog seed examples', () => {
  it('records simple values of every supported type', () => {
    expect(
      run(['enabled', true], ['count', 42], ['confidence', 0.95], ['model', 'gpt-4'], ['steps', ['preprocess', 'inference', 'postprocess']],
        ['config', { temp: 0.7, max_tokens: 100 }]),
    ).toEqual({
      enabled: true, count: 42, confidence: 0.95, model: 'gpt-4', steps: ['preprocess', 'inference', 'postprocess'],
      config: { temp: 0.7, max_tokens: 100 },
    });
  });

  it('replace overwrites the previous value', () => {
    expect(run(['status', 'running'], ['status', 'done'])).toEqual({ status: 'done' });
  });

  it('incr adds to the existing value (token counter)', () => {
    expect(run(['token_count', 10, 'incr'], ['token_count', 5, 'incr'], ['token_count', 3, 'incr'])).toEqual({ token_count: 18 });
  });

  it('append builds an array (pipeline tracking)', () => {
    const s = run(['pipeline', 'loading', 'append'], ['pipeline', 'preprocessing', 'append'], ['pipeline', 'inference', 'append'],
      ['pipeline', 'postprocessing', 'append']);
    expect(s).toEqual({ pipeline: ['loading', 'preprocessing', 'inference', 'postprocessing'] });
  });

  it('dotted keys nest into objects (detailed timing)', () => {
    expect(run(['timing.preprocess', 0.12], ['timing.inference', 0.85], ['timing.postprocess', 0.05])).toEqual({
      timing: { preprocess: 0.12, inference: 0.85, postprocess: 0.05 },
    });
  });

  it('type safety: a key keeps its type until it is deleted, then takes a new one', () => {
    const s = run(['count', 1]);
    const e = summaryErrorOf(() => applySummaryOp(s, { key: 'count', value: 'oops', mode: 'replace' }));
    expect(e.key).toBe('count');
    expect(e.rule).toBe('type is number and cannot change to string until the key is deleted');
    expect(e.message).toBe('summary key "count": type is number and cannot change to string until the key is deleted');
    expect(s).toEqual({ count: 1 });
    applySummaryOp(s, { key: 'count', value: null, mode: 'replace' });
    applySummaryOp(s, { key: 'count', value: 'now a string', mode: 'replace' });
    expect(s).toEqual({ count: 'now a string' });
  });

  it('scope API: set, has, delete', () => {
    const s = run(['token_count', 42]);
    expect(hasSummaryValue(s, 'token_count')).toBe(true);
    expect(getSummaryValue(s, 'token_count')).toBe(42);
    applySummaryOp(s, { key: 'token_count', value: null, mode: 'replace' });
    expect(hasSummaryValue(s, 'token_count')).toBe(false);
    applySummaryOp(s, { key: 'steps', value: 'done', mode: 'append' });
    expect(s).toEqual({ steps: ['done'] });
  });

  it('setting None deletes (temp metric); conditional delete of a missing key is a no-op', () => {
    const s = run(['temp_metric', 'value'], ['temp_metric', null]);
    expect(s).toEqual({});
    expect(() => applySummaryOp(s, { key: 'temp_metric', value: null, mode: 'replace' })).not.toThrow();
  });

  it('token count tracking: input tokens replaced, output tokens incremented from nothing', () => {
    const s = run(['input_tokens', 7]);
    for (let i = 0; i < 5; i++) applySummaryOp(s, { key: 'output_tokens', value: 1, mode: 'incr' });
    expect(s).toEqual({ input_tokens: 7, output_tokens: 5 });
  });

  it('confidence scores: a float and a list', () => {
    expect(run(['confidence', 0.93], ['top_3_labels', ['cat', 'dog', 'fox']])).toEqual({ confidence: 0.93, top_3_labels: ['cat', 'dog', 'fox'] });
  });

  it('multi-stage pipeline: timing per stage and the list of stages', () => {
    const stages = ['load', 'preprocess', 'inference', 'postprocess', 'save'];
    const s: SummaryObject = {};
    stages.forEach((stage, i) => {
      applySummaryOp(s, { key: `timing.${stage}`, value: 0.1 * (i + 1), mode: 'replace' });
      applySummaryOp(s, { key: 'stages', value: stage, mode: 'append' });
    });
    expect(s.stages).toEqual(stages);
    expect(Object.keys(s.timing as SummaryObject)).toEqual(stages);
    expect(getSummaryValue(s, 'timing.inference')).toBeCloseTo(0.3);
  });

  it('error rate tracking: counters, error list and a rate computed from a counter', () => {
    const s: SummaryObject = {};
    const inputs = ['ok', 'bad', 'ok', 'ok', 'bad'];
    for (const inp of inputs) {
      if (inp === 'ok') applySummaryOp(s, { key: 'success_count', value: 1, mode: 'incr' });
      else {
        applySummaryOp(s, { key: 'error_count', value: 1, mode: 'incr' });
        applySummaryOp(s, { key: 'errors', value: `Error: ${inp}`, mode: 'append' });
      }
    }
    const success = (getSummaryValue(s, 'success_count') ?? 0) as number;
    applySummaryOp(s, { key: 'success_rate', value: success / inputs.length, mode: 'replace' });
    expect(s).toEqual({ success_count: 3, error_count: 2, errors: ['Error: bad', 'Error: bad'], success_rate: 0.6 });
  });
});

describe('nesting', () => {
  it('creates intermediate objects up to four segments', () => {
    expect(run(['a.b.c.d', 1])).toEqual({ a: { b: { c: { d: 1 } } } });
  });

  it('refuses to set through a non-object and leaves the summary unchanged', () => {
    const s = run(['timing', 3]);
    const e = summaryErrorOf(() => applySummaryOp(s, { key: 'timing.inference.gpu', value: 1, mode: 'replace' }));
    expect(e.rule).toMatch(/"timing" is a number, not an object/);
    expect(s).toEqual({ timing: 3 });
  });

  it('deletes a nested key and keeps the emptied parent', () => {
    const s = run(['timing.inference', 0.5], ['timing.inference', null]);
    expect(s).toEqual({ timing: {} });
  });

  it('deleting a path that does not exist (or runs through a scalar) changes nothing', () => {
    const s = run(['a', 1]);
    applySummaryOp(s, { key: 'a.b', value: null, mode: 'replace' });
    applySummaryOp(s, { key: 'x.y.z', value: null, mode: 'replace' });
    expect(s).toEqual({ a: 1 });
  });

  it('deleting a parent removes its children; the key can then hold another type', () => {
    const s = run(['timing.a', 1], ['timing', null], ['timing', 'n/a']);
    expect(s).toEqual({ timing: 'n/a' });
  });

  it('an object key keeps type object: replacing it with another object is fine, with a scalar is not', () => {
    const s = run(['config.temp', 0.7], ['config', { layers: 2 }]);
    expect(s).toEqual({ config: { layers: 2 } });
    expect(summaryErrorOf(() => applySummaryOp(s, { key: 'config', value: 1, mode: 'replace' })).rule).toBe(
      'type is object and cannot change to number until the key is deleted',
    );
  });

  it('incr and append work on nested keys', () => {
    expect(run(['stats.tokens', 10, 'incr'], ['stats.tokens', 5, 'incr'], ['stats.seen', 'a', 'append'])).toEqual({ stats: { tokens: 15, seen: ['a'] } });
  });

  it('an error on a nested key creates no intermediate objects', () => {
    const s: SummaryObject = {};
    expect(() => applySummaryOp(s, { key: 'a.b.c', value: 'x', mode: 'incr' })).toThrow(SummaryError);
    expect(s).toEqual({});
  });
});

describe('modes and types', () => {
  it('integers and floats are one type, number (JSON cannot tell 1 from 1.0): 0 then 0.2 is fine', () => {
    expect(summaryTypeOf(1)).toBe('number');
    expect(summaryTypeOf(1.5)).toBe('number');
    const s = run(['lr_scale', 0], ['lr_scale', 0.2]);
    expect(s).toEqual({ lr_scale: 0.2 });
    expect(summaryErrorOf(() => applySummaryOp(s, { key: 'lr_scale', value: true, mode: 'replace' })).rule).toBe(
      'type is number and cannot change to bool until the key is deleted',
    );
  });

  it('incr mixes int and float (a float sum may land on a whole number and keep counting)', () => {
    expect(run(['n', 2, 'incr'], ['n', 0.5, 'incr'])).toEqual({ n: 2.5 });
    expect(run(['t', 0.25, 'incr'], ['t', 0.75, 'incr'], ['t', 0.5, 'incr'])).toEqual({ t: 1.5 });
  });

  it('incr on a missing key starts from 0', () => {
    expect(run(['n', -3, 'incr'])).toEqual({ n: -3 });
  });

  it('incr refuses a non-number value and a non-number key, naming the rule', () => {
    expect(summaryErrorOf(() => run(['n', 'one', 'incr'])).rule).toBe('incr needs a number (got string)');
    expect(summaryErrorOf(() => run(['n', 'one'], ['n', 1, 'incr'])).rule).toBe('incr needs a numeric value, but the key holds a string');
    expect(summaryErrorOf(() => run(['n', true], ['n', 1, 'incr'])).rule).toBe('incr needs a numeric value, but the key holds a bool');
  });

  it('incr refuses to overflow to Infinity', () => {
    expect(summaryErrorOf(() => run(['n', Number.MAX_VALUE, 'incr'], ['n', Number.MAX_VALUE, 'incr'])).rule).toMatch(/overflow/);
  });

  it('append on a missing key creates [value]; on a non-array wraps the old value', () => {
    expect(run(['s', 'a', 'append'])).toEqual({ s: ['a'] });
    expect(run(['s', 'a'], ['s', 'b', 'append'])).toEqual({ s: ['a', 'b'] });
    expect(run(['s', { k: 1 }], ['s', 2, 'append'])).toEqual({ s: [{ k: 1 }, 2] });
    expect(run(['s', [1]], ['s', [2], 'append'])).toEqual({ s: [1, [2]] });
  });

  it('stores copies: mutating the recorded object afterwards does not change the summary', () => {
    const config = { temp: 0.7 };
    const list = [1];
    const s = run(['config', config], ['list', list], ['items', config, 'append']);
    config.temp = 9;
    list.push(2);
    expect(s).toEqual({ config: { temp: 0.7 }, list: [1], items: [{ temp: 0.7 }] });
  });

  it('an unknown mode is an error naming the modes', () => {
    expect(summaryErrorOf(() => applySummaryOp({}, { key: 'a', value: 1, mode: 'add' as SummaryMode })).rule).toBe(
      'mode must be one of replace, incr, append (got add)',
    );
  });
});

describe('key and value rules', () => {
  it.each([
    ['', 'key must not be empty'],
    ['a..b', 'empty segment'],
    ['.a', 'empty segment'],
    ['a.b.c.d.e', 'at most 4 dot-separated segments'],
    ['1st', 'must start with a letter'],
    ['tokens/sec', 'must start with a letter, contain only letters'],
    ['trailing_', 'end with a letter or digit'],
    ['x'.repeat(129), 'at most 128 characters'],
  ])('refuses key %j', (key, rule) => {
    const s: SummaryObject = {};
    const e = summaryErrorOf(() => applySummaryOp(s, { key, value: 1, mode: 'replace' }));
    expect(e.rule).toContain(rule);
    expect(e.key).toBe(key);
    expect(s).toEqual({});
  });

  it('refuses non-finite numbers and nulls inside values', () => {
    expect(summaryErrorOf(() => run(['a', Number.NaN])).rule).toBe('value numbers must be finite');
    expect(summaryErrorOf(() => run(['a', [1, null as unknown as number]])).rule).toBe('value must not contain null inside arrays or objects');
  });

  it('keys named like Object.prototype members are ordinary keys', () => {
    const s: SummaryObject = {};
    expect(hasSummaryValue(s, 'constructor')).toBe(false);
    expect(getSummaryValue(s, 'toString')).toBeUndefined();
    applySummaryOp(s, { key: 'constructor', value: 1, mode: 'incr' });
    applySummaryOp(s, { key: 'toString.valueOf', value: 'x', mode: 'replace' });
    expect(s).toEqual({ constructor: 1, toString: { valueOf: 'x' } });
    expect(getSummaryValue(s, 'toString.valueOf')).toBe('x');
  });
});

describe('getSummaryValue / hasSummaryValue', () => {
  it('reads dotted keys, and finds nothing below a scalar or inside an array', () => {
    const s = run(['timing.inference', 0.85], ['steps', ['a']], ['n', 0], ['flag', false]);
    expect(getSummaryValue(s, 'timing')).toEqual({ inference: 0.85 });
    expect(getSummaryValue(s, 'timing.inference')).toBe(0.85);
    expect(hasSummaryValue(s, 'timing.missing')).toBe(false);
    expect(hasSummaryValue(s, 'steps.0')).toBe(false);
    expect(hasSummaryValue(s, 'n.x')).toBe(false);
    expect(hasSummaryValue(s, 'n')).toBe(true);
    expect(hasSummaryValue(s, 'flag')).toBe(true);
  });
});

function summaryErrorOf(fn: () => void): SummaryError {
  return thrownBy(fn, SummaryError);
}
