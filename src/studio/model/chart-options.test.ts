import { describe, expect, it } from 'vitest';
import { boundedRange, chartOptions, unitTickSteps, xAxisLabel, type ChartTheme } from './chart-options.js';
import { buildPanels } from './panels.js';

const theme: ChartTheme = { text: '#000', muted: '#555', grid: '#eee', palette: ['red', 'green', 'blue'], odd: 'red', font: '12px sans-serif' };
// The range functions do not look at the chart instance.
const range = (fn: ReturnType<typeof boundedRange>, min: number | null, max: number | null) => fn(null as never, min as number, max as number, 'y');

describe('chartOptions', () => {
  const [panel] = buildPanels([
    { key: 'train_loss', group: { name: 'training', units: 'epoch', lower: 0, upper: 12 }, scale: { name: 'loss', units: 'nats' } },
    { key: 'val_loss', group: { name: 'training', units: 'epoch' }, scale: { name: 'loss' } },
    { key: 'acc', group: { name: 'training', units: 'epoch' }, scale: { units: '%', lower: 0, upper: 100 } },
  ]);

  it('has one x-axis labelled with the group units and a y-axis per shared scale, left then right', () => {
    const o = chartOptions({ panel: panel!, theme, width: 600, height: 300, syncKey: 'k', hidden: new Set(['acc']) });
    expect(o.axes!.map((a) => [a.scale, a.label, a.side ?? 2])).toEqual([['x', 'epoch', 2], ['scale:loss', 'nats', 3], ['metric:acc', '%', 1]]);
    expect(o.series.slice(1).map((s) => [s.label, s.scale, s.stroke, s.show])).toEqual([
      ['train_loss', 'scale:loss', 'red', true], ['val_loss', 'scale:loss', 'green', true], ['acc', 'metric:acc', 'blue', false],
    ]);
    expect(o.cursor!.sync!.key).toBe('k');
  });

  it('fixes the x range to the group bounds and y to the scale bounds', () => {
    const o = chartOptions({ panel: panel!, theme, width: 600, height: 300, syncKey: 'k' });
    expect(range(o.scales!.x!.range as never, 3, 5)).toEqual([0, 12]);
    expect(range(o.scales!['metric:acc']!.range as never, 40, 60)).toEqual([0, 100]);
  });

  it('labels the default x as time since start', () => {
    const [p] = buildPanels([{ key: 'loss' }]);
    expect(xAxisLabel(p!)).toBe('time since start');
  });
});

describe('boundedRange', () => {
  it('pads only the free ends', () => {
    expect(range(boundedRange(0, undefined, 0.1), 10, 20)).toEqual([0, 21]);
    expect(range(boundedRange(undefined, undefined, 0), 10, 20)).toEqual([10, 20]);
  });

  it('opens a window around a single value and survives no data', () => {
    expect(range(boundedRange(undefined, undefined, 0.05), 5, 5)).toEqual([4.5, 5.5]);
    expect(range(boundedRange(undefined, undefined, 0.05), null, null)).toEqual([-0.05, 1.05]);
  });
});

describe('ticks of an x-axis in units', () => {
  it('stay on whole values once the range spans a few units', () => {
    const steps = unitTickSteps(1, 12);
    expect(steps.every((s) => Number.isInteger(s))).toBe(true);
    expect(steps).toContain(1);
    expect(steps).toContain(5);
  });
  it('may be fractional in a narrow zoom', () => {
    expect(unitTickSteps(3, 3.5)).toContain(0.1);
  });
});
