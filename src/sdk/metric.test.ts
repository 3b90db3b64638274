import { describe, expect, it } from 'vitest';
import { Metric, MetricGroup, MetricScale } from './metric.js';

describe('Metric definitions', () => {
  it('builds the wire definition; a string group is a MetricGroup of that name', () => {
    const m = new Metric('loss', { group: 'training', scale: new MetricScale({ name: 'loss', lower: 0 }) });
    expect(m.definition).toEqual({ key: 'loss', group: { name: 'training' }, scale: { name: 'loss', lower: 0 } });
    expect(m.throttle).toBe(10);
    expect(new Metric('k', { group: new MetricGroup('training'), throttle: null }).signature)
      .toBe(new Metric('k', { group: 'training' }).signature);
  });

  it('rejects bad keys, throttles, groups, scales and bounds, naming the field and the rule', () => {
    expect(() => new Metric('')).toThrow(/must not be empty/);
    expect(() => new Metric('x'.repeat(201))).toThrow(/at most 200 characters/);
    expect(() => new Metric('@derived')).toThrow(/reserved/);
    expect(() => new Metric('k', { throttle: 0 })).toThrow(/throttle must be a positive number/);
    expect(() => new Metric('k', { group: { name: 'g' } as never })).toThrow(/group must be a MetricGroup or a group name/);
    expect(() => new Metric('k', { scale: { progress: true } as never })).toThrow(/scale must be a MetricScale/);
    expect(() => new MetricScale({ lower: 1, upper: 0 })).toThrow(/MetricScale\.upper: must be greater than lower/);
    expect(() => new MetricGroup('')).toThrow(/MetricGroup\.name: must not be empty/);
  });

  it('throws when recording outside an execution', () => {
    const m = new Metric('k');
    expect(() => m.record(1)).toThrow(/Metric "k".record\(\) was called outside an execution/);
  });
});
