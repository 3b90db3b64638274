import { describe, expect, it } from 'vitest';
import { DEFAULT_PANEL_OPTIONS, decodePanelOptions, encodePanelOptions, forLogScale, nonPositiveInView, nonPositiveNote } from './panel-options.js';
import { buildPanels } from './panels.js';
import { plotData, withLegendNotations } from './plot-frame.js';
import { readout } from './readout.js';
import { seriesFrom } from './series-buffer.js';

describe('panel options in the URL', () => {
  it('round-trips per panel and keeps other parameters', () => {
    const o = { smoothing: 0.6, smoothingAlgorithm: 'ema' as const, logX: false, logY: true, xAxis: 'relative' as const };
    const s = encodePanelOptions('?from=1&to=2', 'g:train', o);
    expect(s).toBe('?from=1&to=2&po.g%3Atrain=s0.6%2Cly%2Cxrelative');
    const tw = { ...o, smoothingAlgorithm: 'twema' as const };
    expect(decodePanelOptions(encodePanelOptions('', 'p', tw), 'p')).toEqual(tw);
    expect(encodePanelOptions('', 'p', { ...o, smoothingAlgorithm: 'gaussian' })).toBe('?po.p=s0.6%2Cagaussian%2Cly%2Cxrelative');
    expect(decodePanelOptions('?po.p=abox', 'p').smoothingAlgorithm).toBe('ema');
    expect(decodePanelOptions(s, 'g:train')).toEqual(o);
    expect(decodePanelOptions(s, 'other')).toEqual(DEFAULT_PANEL_OPTIONS);
    expect(encodePanelOptions(s, 'g:train', DEFAULT_PANEL_OPTIONS)).toBe('?from=1&to=2');
  });

  it('ignores malformed tokens and clamps smoothing', () => {
    expect(decodePanelOptions('?po.a=s5,zz,sabc,lx', 'a')).toEqual({ ...DEFAULT_PANEL_OPTIONS, smoothing: 0.99, logX: true });
  });
});

describe('log scale helpers', () => {
  it('counts non-positive values instead of dropping them silently', () => {
    const r = forLogScale([1, 0, -3, NaN, 100]);
    expect(r.nonPositive).toBe(2);
    expect([...r.values]).toEqual([1, NaN, NaN, NaN, 100]);
  });
});

describe('what a log scale leaves out, said truthfully', () => {
  const line = (key: string, x: number[], y: number[], downsampled = false) => ({ key, held: seriesFrom(x, y, downsampled ? 1000 : x.length, downsampled) });

  it('counts the shown lines\' values ≤ 0 in the x window in view, not the whole held series', () => {
    const lines = [line('a', [1, 2, 3, 4, 5], [1, 0, -1, 2, -5]), line('b', [1, 2, 3], [-1, -1, -1])];
    expect(nonPositiveInView(lines, { logX: false, logY: true })).toEqual({ x: 0, y: 6, exact: true });
    // Zoomed to x 3…4: one value of a, one of b.
    expect(nonPositiveInView(lines, { logX: false, logY: true, from: 3, to: 4 })).toEqual({ x: 0, y: 2, exact: true });
    // b toggled off in the legend: not drawn anyway.
    expect(nonPositiveInView(lines, { logX: false, logY: true, hidden: new Set(['b']) })).toEqual({ x: 0, y: 3, exact: true });
    expect(nonPositiveInView([line('c', [-1, 0, 1, 2], [1, -1, -1, 3])], { logX: true, logY: true })).toEqual({ x: 2, y: 1, exact: true });
    expect(nonPositiveInView(lines, { logX: false, logY: false })).toEqual({ x: 0, y: 0, exact: true });
  });

  it('says "at least" when a line is held downsampled (its held points are only some of the stored ones)', () => {
    const n = nonPositiveInView([line('a', [1, 2, 3], [1, -1, 2], true)], { logX: false, logY: true });
    expect(n).toEqual({ x: 0, y: 1, exact: false });
    expect(nonPositiveNote(n, false, true)).toBe('At least 1 value ≤ 0 in view not drawn on the log scale.');
    expect(nonPositiveNote({ x: 2, y: 1500, exact: true }, true, true)).toBe('2 points with x ≤ 0 and 1,500 values ≤ 0 in view not drawn on the log scale.');
    expect(nonPositiveNote({ x: 0, y: 3, exact: true }, false, false)).toBeNull();
  });
});

describe('legend values on Log y', () => {
  it('read as on the linear scale: toggling Log y never changes how a value is written', () => {
    const [panel] = buildPanels([{ key: 'loss' }, { key: 'lr' }]);
    const x = [1, 2, 3, 4];
    const series = new Map([['loss', seriesFrom(x, [1000, 3.5, 0.0123, 0.000123])], ['lr', seriesFrom(x, [0.5, 0.25, 0.125, 0.0625])]]);
    const held = panel!.lines.map((l) => series.get(l.key)!);
    const opts = { heightPx: 200 };
    const linear = plotData(held, panel!.lines, panel!.axes, opts).frames;
    const logHeld = held.map((h) => seriesFrom(h.x.subarray(0, h.length), Array.from(h.y.subarray(0, h.length), Math.log10)));
    const log = plotData(logHeld, panel!.lines, panel!.axes, opts).frames;
    const values = (frames: typeof linear, at: number | null) => readout(panel!.lines, series, frames, at).map((r) => r.value);
    for (const at of [null, 1, 2, 3]) expect(values(withLegendNotations(log, linear), at)).toEqual(values(linear, at));
    // (The log axis's own notation, for log10 of the values, wrote 0.000123 with the digits of a log step before a readout
    // kept 4 significant digits of its own: format.ts readoutNotation.)
    expect(values(log, null)).toEqual(values(linear, null));
  });
});
