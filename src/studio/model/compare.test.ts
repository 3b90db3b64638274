import { describe, expect, it } from 'vitest';
import type { Execution } from '../../protocol/index.js';
import {
  buildComparePanels, compareClock, compareTimes, decodeCompareParams, deltaFromBaseline, encodeCompareParams, formatDelta, MAX_COMPARE_RUNS, pointAtOrBefore, runLabels, shortIds, valueAt,
} from './compare.js';
import { panelBudget } from './panel-budget.js';
import { seriesFrom } from './series-buffer.js';

const exec = (id: string, name: string, labels: Record<string, string> = {}): Execution => ({
  id, name, labels, status: 'succeeded', startedAt: 0, endedAt: 1, lastSeenAt: 1, error: null, metricCount: 1, summary: {},
});

describe('compare params', () => {
  it('reads ids, baseline and hidden runs, unique and at most 20 ids', () => {
    expect(decodeCompareParams('?ids=a,b,a,c&baseline=b&hide=c,zz')).toEqual({ ids: ['a', 'b', 'c'], baseline: 'b', hidden: ['c'] });
    expect(decodeCompareParams('?ids=a&baseline=x').baseline).toBeNull();
    const many = Array.from({ length: 30 }, (_, i) => `r${i}`).join(',');
    expect(decodeCompareParams(`?ids=${many}`).ids).toHaveLength(MAX_COMPARE_RUNS);
  });

  it('round-trips through the URL, keeping other parameters', () => {
    const search = encodeCompareParams({ ids: ['a', 'b'], baseline: 'a', hidden: ['b'] }, '?from=1&to=2');
    expect(search).toContain('ids=a,b');
    expect(decodeCompareParams(search)).toEqual({ ids: ['a', 'b'], baseline: 'a', hidden: ['b'] });
    expect(new URLSearchParams(search).get('from')).toBe('1');
  });
});

describe('shortIds', () => {
  it('abbreviates to 8 characters, and shows the whole id where another starts the same', () => {
    const uuids = ['3f2a9c1e-7b4d-4c1a-9e2f-0a1b2c3d4e5f', '9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a'];
    expect([...shortIds(uuids).values()]).toEqual(['3f2a9c1e', '9d8c7b6a']);
    expect(Object.fromEntries(shortIds(['cmp-run-0', 'cmp-run-1', 'cmp-run-10', 'other-run-1']))).toEqual({
      'cmp-run-0': 'cmp-run-0', 'cmp-run-1': 'cmp-run-1', 'cmp-run-10': 'cmp-run-10', 'other-run-1': 'other-ru',
    });
    expect(Object.fromEntries(shortIds(['exp-2024-01-15-lr0.1', 'exp-2024-01-15-lr0.01', 'a', 'a']))).toEqual({
      'exp-2024-01-15-lr0.1': 'exp-2024-01-15-lr0.1', 'exp-2024-01-15-lr0.01': 'exp-2024-01-15-lr0.01', a: 'a',
    });
  });
});

describe('runLabels', () => {
  it('uses the name, and for clashing names the labels that differ, else the short id', () => {
    expect(runLabels([{ id: 'a', execution: exec('a', 'train') }, { id: 'b', execution: exec('b', 'eval') }])).toEqual(['train', 'eval']);
    expect(runLabels([
      { id: 'a', execution: exec('a', 'train', { lr: '0.1', model: 'r50' }) },
      { id: 'b', execution: exec('b', 'train', { lr: '0.01', model: 'r50' }) },
    ])).toEqual(['train (lr=0.1)', 'train (lr=0.01)']);
    expect(runLabels([
      { id: 'run-aaaaaaaaaa', execution: exec('run-aaaaaaaaaa', 'train') },
      { id: 'run-bbbbbbbbbb', execution: exec('run-bbbbbbbbbb', 'train') },
    ])).toEqual(['train #run-aaaa', 'train #run-bbbb']);
  });
});

describe('buildComparePanels', () => {
  it('one panel per group across runs, series named <run> · <metric>, one colour per run, metrics of a run dashed apart', () => {
    const group = { name: 'training', units: 'epoch' };
    const panels = buildComparePanels([
      { id: 'a', execution: null, definitions: [{ key: 'loss', group }, { key: 'acc', group }], keys: ['loss', 'acc'] },
      { id: 'b', execution: null, definitions: [{ key: 'loss', group }, { key: 'lr' }], keys: ['loss', 'lr'] },
    ], ['A', 'B']);
    expect(panels.map((p) => p.title)).toEqual(['training', 'lr']);
    const training = panels[0]!;
    expect(training.xUnits).toBe('epoch');
    expect(training.lines.map((l) => [l.label, l.color, l.dash ?? null])).toEqual([
      ['A · loss', 0, null], ['A · acc', 0, [6, 4]], ['B · loss', 1, null],
    ]);
    // The same metric of two runs shares its y-axis; metrics without a scale share the group's default axis (DESIGN.md).
    expect(training.axes).toHaveLength(1);
    expect(training.lines[0]!.scale).toBe(training.lines[2]!.scale);
    expect(panels[1]!.lines.map((l) => [l.label, l.color])).toEqual([['B · lr', 1]]);
  });
});

describe('values at the cursor and baseline deltas', () => {
  const s = seriesFrom([0, 10, 20], [1, 3, 2]);
  it('interpolates between points, exact at points, nothing outside', () => {
    expect(valueAt(s, 10)).toBe(3);
    expect(valueAt(s, 5)).toBe(2);
    expect(valueAt(s, 25)).toBeUndefined();
    expect(valueAt(seriesFrom([0, 1], [1, NaN]), 0.5)).toBeUndefined();
    expect(pointAtOrBefore(s, 15)).toEqual({ x: 10, y: 3 });
    expect(pointAtOrBefore(s, -1)).toBeUndefined();
  });
  it('differences from the baseline at the same x', () => {
    expect(deltaFromBaseline(4, 10, s)).toBe(1);
    expect(deltaFromBaseline(1.5, 5, s)).toBe(-0.5);
    expect(deltaFromBaseline(1, 30, s)).toBeUndefined();
    expect(formatDelta(0.5, String)).toBe('+0.5');
    expect(formatDelta(-0.5, String)).toBe('−0.5');
    expect(formatDelta(0, String)).toBe('±0');
  });
});

describe('panelBudget', () => {
  it('asks about 4 points per pixel of one panel: half a wide page with two panels a row, the whole width on a phone', () => {
    expect(panelBudget(1440)).toBeGreaterThan(2000);
    expect(panelBudget(1440)).toBeLessThan(2800);
    expect(panelBudget(390)).toBe(Math.max(400, Math.round((390 - 48 - 132) * 4)));
    // A panel spanning the row (a long legend) reads for the whole row.
    expect(panelBudget(1440, true)).toBe(Math.round((1440 - 48 - 132) * 4));
  });
});

describe('compareTimes / compareClock: record-time marks of compared runs', () => {
  const marks = (x: number[], t: number[]) => ({ x, t });
  const runs = [
    { times: new Map([['loss', marks([1, 100], [1_000, 9_000])]]) },
    { times: new Map([['loss', marks([1, 50], [20_000, 30_000])], ['acc', marks([], [])]]) },
  ];

  it('keys each run\'s marks like its compare lines', () => {
    const times = compareTimes(runs);
    expect([...times.keys()]).toEqual(['0/loss', '1/loss', '1/acc']);
    expect(times.get('1/loss')).toEqual(marks([1, 50], [20_000, 30_000]));
  });

  it('reads the clock of the first key with marks, with that run\'s start', () => {
    const times = compareTimes(runs);
    expect(compareClock(['1/acc', '1/loss', '0/loss'], times, [500, 19_000])).toEqual({ key: '1/loss', startedAt: 19_000 });
    expect(compareClock(['0/loss', '1/loss'], times, [500, 19_000])).toEqual({ key: '0/loss', startedAt: 500 });
  });

  it('falls back to the first key\'s run (x in seconds) and says when nothing is known', () => {
    const times = compareTimes(runs);
    expect(compareClock(['1/acc', '0/none'], times, [500, undefined])).toEqual({ key: '1/acc', startedAt: undefined });
    expect(compareClock([], times, [500])).toEqual({ key: undefined, startedAt: undefined });
  });
});
