import type uPlot from 'uplot';
import { describe, expect, it } from 'vitest';
import { plotLineFrame, RAW_ALPHA } from './line-layer.js';
import { frameBuffer } from './line-frame.js';
import { seriesFrom } from '../model/series-buffer.js';

/** What plotLineFrame reads of a uPlot chart: its x and y scales, its series (show, stroke, width, alpha) and plot box. */
function chart(series: Array<Partial<uPlot.Series>>): uPlot {
  return {
    scales: { x: { min: 0, max: 10, distr: 1 }, y: { min: 0, max: 100 } },
    series: [{}, ...series.map((s) => ({ show: true, scale: 'y', stroke: '#123456', width: 1, ...s }))],
    bbox: { left: 0, top: 0, width: 200, height: 100 },
  } as unknown as uPlot;
}

const lines = [seriesFrom([0, 5, 10], [0, 50, 100]), seriesFrom([0, 5, 10], [100, 50, 0])];

describe('plotLineFrame', () => {
  it('draws raw lines faint under their smoothed lines, and dims both for a series dimmed by another one’s focus', () => {
    // Series 2 is focused: uPlot sets the other series' alpha to the focus alpha.
    const frame = plotLineFrame(chart([{ alpha: 0.35 }, { alpha: 1 }]), lines, lines, () => '#abcdef');
    expect(frame.lines.map((l) => [l.color, l.alpha])).toEqual([
      ['#abcdef', RAW_ALPHA * 0.35],
      ['#abcdef', RAW_ALPHA],
      ['#123456', 0.35],
      ['#123456', 1],
    ]);
  });

  it('leaves out hidden series, raw and smoothed', () => {
    const frame = plotLineFrame(chart([{ show: false }, {}]), lines, lines, () => '#abcdef');
    expect(frame.lines.map((l) => Array.from(l.y))).toEqual([[100, 50, 0], [100, 50, 0]]);
  });

  it('copies each line\'s points in the x window (and one beyond each edge) into views of one buffer, transferred once', () => {
    const long = [seriesFrom([-2, -1, 0, 4, 8, 11, 12], [1, 2, 3, 4, 5, 6, 7]), seriesFrom([1, 2], [8, 9])];
    const given: number[] = [];
    const frame = plotLineFrame(chart([{}, {}]), long, null, () => '#abcdef', (n) => {
      given.push(n);
      return new Float64Array(n + 3);
    });
    expect(frame.lines.map((l) => [Array.from(l.x), Array.from(l.y)])).toEqual([
      [[-1, 0, 4, 8, 11], [2, 3, 4, 5, 6]],
      [[1, 2], [8, 9]],
    ]);
    expect(given).toEqual([14]);
    const buffer = frameBuffer(frame);
    expect(buffer?.byteLength).toBe(17 * 8);
    expect(frame.lines.every((l) => l.x.buffer === buffer && l.y.buffer === buffer)).toBe(true);
    // The source lines are copied, not viewed.
    expect(long[0]!.x.buffer).not.toBe(buffer);
  });
});
