import { describe, expect, it } from 'vitest';
import { buildPanels } from './panels.js';
import { plotData, toPlot, yAxisFrame } from './plot-frame.js';
import { seriesFrom } from './series-buffer.js';

describe('isolated points', () => {
  const [panel] = buildPanels([{ key: 'a', group: { name: 'g' } }, { key: 'b', group: { name: 'g' } }]);
  const isolated = (...held: ReturnType<typeof seriesFrom>[]) => plotData(held, panel!.lines.slice(0, held.length), panel!.axes, { heightPx: 180 }).isolated;

  it('are finite points with no finite neighbour in their own series, as indices of the aligned x', () => {
    expect(isolated(seriesFrom([0, 1, 2, 3, 4, 5, 6], [NaN, 1, NaN, 2, 3, NaN, 4]))).toEqual([[1, 6]]);
    expect(isolated(seriesFrom([7], [5]))).toEqual([[0]]);
    // b's points at x 0.5 and 1.5 do not make a's points neighbours of anything.
    expect(isolated(seriesFrom([0, 1, 2], [1, NaN, 2]), seriesFrom([0.5, 1.5], [3, 4]))).toEqual([[0, 4], []]);
  });

  it('finds 43 isolated values among 300 mostly-NaN steps', () => {
    const ys = Array.from({ length: 300 }, (_, i) => (i % 7 === 3 ? i / 10 : NaN));
    expect(isolated(seriesFrom(ys.map((_, i) => i), ys))[0]).toHaveLength(43);
  });
});

describe('plotData', () => {
  const [panel] = buildPanels([{ key: 'loss', group: { name: 'train', units: 'step' } }]);

  it('hands uPlot y in tick units of its axis, also for a window whose width overflows a double', () => {
    const ys = [0.5, 2.0, -1e308, 1e308, Infinity];
    const d = plotData([seriesFrom([0, 1, 2, 3, 4], ys)], panel!.lines, panel!.axes, { heightPx: 180 });
    const frame = d.frames.get(panel!.axes[0]!.scale)!;
    expect(frame.ticks.labels).toEqual(['-1e308', '0', '1e308']);
    const plotted = d.ys[0]!;
    expect(plotted.slice(0, 4).every((v) => typeof v === 'number' && Number.isFinite(v))).toBe(true);
    expect(plotted[4]).toBeNull();
    expect(plotted[0]).not.toBe(plotted[1]);
    expect(frame.plotMax - frame.plotMin).toBeLessThan(10);
    expect(d.odd[0]).toEqual([4]);
  });

  it('shows 10 + i·1e-9 on an offset axis, and the legend writes values the same way', () => {
    const ys = Array.from({ length: 20 }, (_, i) => 10 + i * 1e-9);
    const d = plotData([seriesFrom(ys.map((_, i) => i), ys)], panel!.lines, panel!.axes, { heightPx: 180 });
    const frame = d.frames.get(panel!.axes[0]!.scale)!;
    expect(new Set(frame.ticks.labels).size).toBe(frame.ticks.labels.length);
    expect(frame.ticks.labels.length).toBeGreaterThanOrEqual(3);
    expect(frame.values.format(ys[19]!)).toBe('10 + 1.9e-8');
    expect(frame.values.format(ys[0]!)).toBe('10');
  });

  it('widens float noise around a constant into a flat window', () => {
    const ys = Array.from({ length: 100 }, (_, i) => (i % 2 ? 1.0000000000000002 : 1));
    const d = plotData([seriesFrom(ys.map((_, i) => i), ys)], panel!.lines, panel!.axes, { heightPx: 180 });
    expect(d.frames.get(panel!.axes[0]!.scale)!.ticks.labels).toEqual(['0.9', '0.95', '1', '1.05', '1.1']);
  });

  it('follows only the x window in view and the shown lines', () => {
    const [p] = buildPanels([{ key: 'a', group: { name: 'g' } }, { key: 'b', group: { name: 'g' } }]);
    const d = plotData([seriesFrom([0, 1, 2], [1, 2, 100]), seriesFrom([0, 1, 2], [1000, 1000, 1000])], p!.lines, p!.axes, { heightPx: 180, from: 0, to: 1, hidden: new Set(['b']) });
    const f = d.frames.get(p!.axes[0]!.scale)!;
    expect([f.ticks.min, f.ticks.max]).toEqual([0.95, 2.05]);
    expect(toPlot(f, 1e308)).toBeLessThan(1e9);
  });
});

describe('yAxisFrame', () => {
  it('keeps scale bounds', () => {
    const f = yAxisFrame({ scale: 's', side: 'left', lower: 0, upper: 100 }, 40, 60, 180);
    expect([f.ticks.min, f.ticks.max]).toEqual([0, 100]);
  });
});
