import { describe, expect, it } from 'vitest';
import { chartOptions, xAxisLabel, xRange, type ChartTheme } from './chart-options.js';
import { buildPanels } from './panels.js';
import { yAxisFrame } from './plot-frame.js';

const theme: ChartTheme = { text: '#000', muted: '#555', grid: '#eee', palette: ['red', 'green', 'blue'], odd: 'red', font: '12px sans-serif' };
// The range functions do not look at the chart instance.
const range = (fn: unknown, min: number | null, max: number | null) => (fn as (u: null, a: number | null, b: number | null, k: string) => number[])(null, min, max, 'y');

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

  it('labels a Log x axis with the x units and (log), also when wall or relative time was asked for (its ticks are x values)', () => {
    const timeAxis = { kind: 'wall' as const, startedAt: 0, marks: () => null };
    const label = (logX: boolean, ta: typeof timeAxis | null) => chartOptions({ panel: panel!, theme, width: 600, height: 300, syncKey: 'k', logX, timeAxis: ta }).axes![0]!.label;
    expect(label(true, timeAxis)).toBe('epoch (log)');
    expect(label(true, { ...timeAxis, kind: 'relative' } as never)).toBe('epoch (log)');
    expect(label(false, timeAxis)).toBe('wall time');
    expect(label(true, null)).toBe('epoch (log)');
  });

  it('scales a dash pattern (CSS pixels) to canvas pixels, so dashes are as long at a device pixel ratio of 2', () => {
    const dashed = { ...panel!, lines: panel!.lines.map((l, i) => (i === 1 ? { ...l, dash: [6, 3] } : l)) };
    const g = globalThis as { devicePixelRatio?: number };
    const before = g.devicePixelRatio;
    try {
      g.devicePixelRatio = 2;
      expect(chartOptions({ panel: dashed, theme, width: 600, height: 300, syncKey: 'k' }).series[2]!.dash).toEqual([12, 6]);
      g.devicePixelRatio = 1;
      expect(chartOptions({ panel: dashed, theme, width: 600, height: 300, syncKey: 'k' }).series[2]!.dash).toEqual([6, 3]);
    } finally {
      g.devicePixelRatio = before;
    }
  });

  it('fixes the x range to the group bounds and y to the scale bounds (in the plot units of the frame)', () => {
    const acc = panel!.axes.find((a) => a.scale === 'metric:acc')!;
    const frame = yAxisFrame(acc, 40, 60, 200);
    const o = chartOptions({ panel: panel!, theme, width: 600, height: 300, syncKey: 'k', frames: () => new Map([['metric:acc', frame]]) });
    expect(range(o.scales!.x!.range, 3, 5)).toEqual([0, 12]);
    expect(range(o.scales!['metric:acc']!.range, 40, 60)).toEqual([0, 100 / frame.unit]);
    expect(frame.ticks.labels).toEqual(['0', '20', '40', '60', '80', '100']);
  });

  it('hands uPlot its own splits and labels, and an increment its check accepts at any magnitude', () => {
    const loss = panel!.axes[0]!;
    const frame = yAxisFrame(loss, 1e200, 3e200, 200);
    const o = chartOptions({ panel: panel!, theme, width: 600, height: 300, syncKey: 'k', frames: () => new Map([[loss.scale, frame]]) });
    const y = o.axes![1]!;
    const splits = (y.splits as () => number[])();
    expect(splits).toEqual(frame.plotTicks);
    expect((y.values as unknown as (u: null, s: number[]) => string[])(null, splits)).toEqual(['1e200', '1.5e200', '2e200', '2.5e200', '3e200']);
    const incr = (y.incrs as unknown as (u: null, ai: number, min: number, max: number, dim: number) => number[])(null, 1, frame.plotMin, frame.plotMax, 200)[0]!;
    expect(incr).toBeGreaterThanOrEqual(5);
  });

  it('labels the default x as time since start', () => {
    const [p] = buildPanels([{ key: 'loss' }]);
    expect(xAxisLabel(p!)).toBe('time since start');
  });
});


describe('xRange', () => {
  it('spans the drawn lines\' x extent when the table does not reach it (a live sampled table starts up to a pixel late)', () => {
    const [panel] = buildPanels([{ key: 'loss' }]);
    const u = null as unknown as Parameters<ReturnType<typeof xRange>>[0];
    // The table's first column is the first pixel's last point (7.9), the data starts at 0: the axis keeps its "0".
    expect(xRange(panel!, () => [0, 5000])(u, 7.9, 5000, 'x')).toEqual([0, 5000]);
    // No extent (a table of every point): the table's own.
    expect(xRange(panel!)(u, 7.9, 5000, 'x')).toEqual([7.9, 5000]);
    // An extent inside the table's never narrows it.
    expect(xRange(panel!, () => [10, 20])(u, 0, 5000, 'x')).toEqual([0, 5000]);
  });
});
