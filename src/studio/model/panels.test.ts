import { describe, expect, it } from 'vitest';
import type { MetricDef } from '../../protocol/index.js';
import { axisSide, buildPanels, cursorSyncKey, DEFAULT_SCALE, MAX_VISIBLE_AXES, SUMMARY_PANEL_TITLE } from './panels.js';

const training = { name: 'training', units: 'epoch' };

describe('buildPanels', () => {
  it('gives a metric without group a panel of its own named after its key, with its own axis', () => {
    const panels = buildPanels([{ key: 'loss' }, { key: 'lr', scale: { units: 'lr' } }]);
    expect(panels.map((p) => p.title)).toEqual(['loss', 'lr']);
    expect(panels[0]!.axes).toEqual([{ scale: DEFAULT_SCALE, side: 'left' }]);
    expect(panels[0]!.xUnits).toBeUndefined();
    expect(panels[1]!.axes[0]!.units).toBe('lr');
  });

  it('puts the metrics of a group in one panel with the group units and bounds on x', () => {
    const panels = buildPanels([
      { key: 'train_loss', group: { ...training, lower: 0, upper: 12 } },
      { key: 'val_loss', group: { ...training, lower: 0, upper: 12 } },
    ]);
    expect(panels).toHaveLength(1);
    expect(panels[0]).toMatchObject({ id: 'group:training', title: 'training', xUnits: 'epoch', xLower: 0, xUpper: 12 });
    expect(panels[0]!.lines.map((l) => l.key)).toEqual(['train_loss', 'val_loss']);
  });

  it('shares a y-axis between metrics whose scales have the same name, with units and fixed bounds', () => {
    const scale = { name: 'loss', units: 'nats', lower: 0, upper: 5 };
    const [panel] = buildPanels([
      { key: 'train_loss', group: training, scale },
      { key: 'val_loss', group: training, scale: { name: 'loss' } },
    ]);
    expect(panel!.axes).toEqual([{ scale: 'scale:loss', units: 'nats', lower: 0, upper: 5, side: 'left' }]);
    expect(panel!.lines.map((l) => l.scale)).toEqual(['scale:loss', 'scale:loss']);
  });

  it('fills a shared scale property from a later metric when the first left it out', () => {
    const [panel] = buildPanels([
      { key: 'a', group: training, scale: { name: 's' } },
      { key: 'b', group: training, scale: { name: 's', units: 'ms', lower: 0 } },
    ]);
    expect(panel!.axes).toEqual([{ scale: 'scale:s', units: 'ms', lower: 0, side: 'left' }]);
  });

  it('gives each metric with an unnamed scale its own axis, even with equal units; metrics without a scale share the default axis', () => {
    const [panel] = buildPanels([
      { key: 'a', group: training, scale: { units: '%' } },
      { key: 'b', group: training, scale: { units: '%' } },
      { key: 'c', group: training },
      { key: 'd', group: training },
    ]);
    expect(panel!.axes.map((a) => a.scale)).toEqual(['metric:a', 'metric:b', DEFAULT_SCALE]);
    expect(panel!.lines.map((l) => l.scale)).toEqual(['metric:a', 'metric:b', DEFAULT_SCALE, DEFAULT_SCALE]);
  });

  it('draws 30 metrics without a scale (long names, the SDK default) on one y-axis, each with its own colour', () => {
    const defs: MetricDef[] = Array.from({ length: 30 }, (_, i) => ({ key: `${'layer_'.repeat(15)}grad_norm_${i}`, group: { name: 'train', units: 'step' } }));
    const [panel] = buildPanels(defs);
    expect(panel!.axes).toEqual([{ scale: DEFAULT_SCALE, side: 'left' }]);
    expect(new Set(panel!.lines.map((l) => l.color)).size).toBe(30);
  });

  it('never draws more than four y-axes: same units merge, the rest keep their range without an axis', () => {
    const defs: MetricDef[] = [
      { key: 'a', group: training, scale: { units: 's', lower: 0 } },
      { key: 'b', group: training, scale: { units: 'ms' } },
      { key: 'c', group: training, scale: { units: 's', lower: 0 } },
      { key: 'd', group: training, scale: { units: '%' } },
      { key: 'e', group: training, scale: { units: 'B' } },
      { key: 'f', group: training, scale: { units: 'ms', upper: 9 } },
      { key: 'g', group: training, scale: { name: 'other' } },
      { key: 'h', group: training, scale: { name: 'more' } },
    ];
    const [panel] = buildPanels(defs);
    expect(panel!.axes.filter((a) => !a.hidden)).toHaveLength(MAX_VISIBLE_AXES);
    expect(panel!.axes.map((a) => [a.scale, a.units, a.lower, a.upper, a.side, a.hidden ?? false])).toEqual([
      ['metric:a', 's', 0, undefined, 'left', false],
      ['metric:b', 'ms', undefined, undefined, 'right', false],
      ['metric:d', '%', undefined, undefined, 'left', false],
      ['metric:e', 'B', undefined, undefined, 'right', false],
      ['scale:other', undefined, undefined, undefined, 'left', true],
      ['scale:more', undefined, undefined, undefined, 'right', true],
    ]);
    expect(panel!.lines.map((l) => l.scale)).toEqual(['metric:a', 'metric:b', 'metric:a', 'metric:d', 'metric:e', 'metric:b', 'scale:other', 'scale:more']);
  });

  it('puts the first axis left, the next right, and alternates further ones outward', () => {
    const defs: MetricDef[] = ['a', 'b', 'c', 'd', 'e'].map((key) => ({ key, group: training, scale: { name: key } }));
    const [panel] = buildPanels(defs);
    expect(panel!.axes.map((a) => a.side)).toEqual(['left', 'right', 'left', 'right', 'left']);
    expect([0, 1, 2, 3].map(axisSide)).toEqual(['left', 'right', 'left', 'right']);
  });

  it('renders a progress scale as a progress bar, not a line or an axis', () => {
    const [panel] = buildPanels([
      { key: 'batches', group: { name: 'progress' }, scale: { progress: true, upper: 40 } },
      { key: 'items', group: { name: 'progress' }, scale: { progress: true, lower: 5 } },
    ]);
    expect(panel!.title).toBe('progress');
    expect(panel!.lines).toEqual([]);
    expect(panel!.axes).toEqual([]);
    expect(panel!.progress).toEqual([{ key: 'batches', lower: 0, upper: 40 }, { key: 'items', lower: 5 }]);
  });

  it('mixes lines and progress bars in one group', () => {
    const [panel] = buildPanels([
      { key: 'loss', group: training },
      { key: 'done', group: training, scale: { progress: true, upper: 10 } },
    ]);
    expect(panel!.lines.map((l) => l.key)).toEqual(['loss']);
    expect(panel!.progress.map((p) => p.key)).toEqual(['done']);
  });

  it('keeps panels in first-definition order and ignores a repeated definition', () => {
    const panels = buildPanels([
      { key: 'x', group: { name: 'g1' } },
      { key: 'solo' },
      { key: 'y', group: { name: 'g1' } },
      { key: 'x', group: { name: 'g2' } },
    ]);
    expect(panels.map((p) => [p.title, p.lines.map((l) => l.key)])).toEqual([['g1', ['x', 'y']], ['solo', ['solo']]]);
  });

  it('draws series without a definition as ungrouped metrics after the defined ones', () => {
    const panels = buildPanels([{ key: 'a', group: { name: 'g' } }], ['a', 'raw']);
    expect(panels.map((p) => p.title)).toEqual(['g', 'raw']);
    expect(panels[1]!.lines[0]).toMatchObject({ key: 'raw', label: 'raw', scale: DEFAULT_SCALE });
  });

  it('collects @summary.* series in one "Summary over time" panel labelled without the prefix', () => {
    const panels = buildPanels([{ key: 'loss' }], ['loss', '@summary.token_count', '@summary.timing.total']);
    const summary = panels.at(-1)!;
    expect(summary.title).toBe(SUMMARY_PANEL_TITLE);
    expect(summary.lines.map((l) => [l.key, l.label])).toEqual([['@summary.token_count', 'token_count'], ['@summary.timing.total', 'timing.total']]);
    expect(summary.axes.map((a) => a.side)).toEqual(['left', 'right']);
  });

  it('draws only the first two axes of the summary panel, each value keeping its own range', () => {
    const keys = ['a', 'b', 'c', 'd'].map((k) => `@summary.${k}`);
    const [panel] = buildPanels([], keys);
    expect(panel!.axes.map((a) => [a.scale, !!a.hidden])).toEqual([
      ['metric:@summary.a', false], ['metric:@summary.b', false], ['metric:@summary.c', true], ['metric:@summary.d', true],
    ]);
  });

  it('gives the series of a panel distinct colors', () => {
    const [panel] = buildPanels(['a', 'b', 'c'].map((key) => ({ key, group: training })));
    expect(new Set(panel!.lines.map((l) => l.color)).size).toBe(3);
  });

  it('syncs cursors of panels whose x units match', () => {
    const [a, b, c] = buildPanels([{ key: 'a', group: training }, { key: 'b', group: { name: 'other', units: 'epoch' } }, { key: 'c' }]);
    expect(cursorSyncKey('e1', a!)).toBe(cursorSyncKey('e1', b!));
    expect(cursorSyncKey('e1', a!)).not.toBe(cursorSyncKey('e1', c!));
  });
});
