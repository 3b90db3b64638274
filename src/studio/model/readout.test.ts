import { describe, expect, it } from 'vitest';
import { buildPanels } from './panels.js';
import { plotData } from './plot-frame.js';
import { readout, shortenName, shortenNames, valueAtOrBefore } from './readout.js';
import { seriesFrom } from './series-buffer.js';

describe('shortening long names', () => {
  it('keeps short names and cuts long ones in the middle', () => {
    expect(shortenName('loss')).toBe('loss');
    expect(shortenName('a'.repeat(20) + 'b'.repeat(20), 11)).toBe('aaaaa…bbbbb');
  });

  it('keeps the part where sibling names differ', () => {
    const names = ['07', '12'].map((n) => `model.encoder.layers.${n}.self_attention.output_projection.weight.gradient_norm_l2_clipped_global`);
    const short = shortenNames([...names, 'loss']);
    expect(short[0]).toContain('layers.07.');
    expect(short[1]).toContain('layers.12.');
    expect(short[2]).toBe('loss');
    for (const s of short) expect(s.length).toBeLessThanOrEqual(36);
    expect(new Set(short).size).toBe(3);
  });
});

describe('readout', () => {
  const [panel] = buildPanels([{ key: 'a', group: { name: 'g' } }, { key: 'b', group: { name: 'g' } }]);
  const series = new Map([['a', seriesFrom([0, 1, 2], [1, 2, 3])], ['b', seriesFrom([0.5, 1.5], [NaN, 20])]]);
  const { frames } = plotData([series.get('a')!, series.get('b')!], panel!.lines, panel!.axes, { heightPx: 180 });

  it('gives the latest values, or those at or before the cursor, in the axis notation', () => {
    expect(readout(panel!.lines, series, frames, null).map((r) => r.value)).toEqual(['3', '20']);
    expect(readout(panel!.lines, series, frames, 1).map((r) => r.value)).toEqual(['2', 'NaN']);
    expect(readout(panel!.lines, series, frames, 0.25).map((r) => r.value)).toEqual(['1', '—']);
    expect(readout(panel!.lines, series, frames, 2, new Set(['b']), true).map((r) => r.key)).toEqual(['a']);
    expect(valueAtOrBefore(series.get('a'), 1.5)).toBe(2);
  });

  it('names the x of a value read from reduced points at another x than the cursor\'s (only for a line held reduced)', () => {
    // Held reduced (per-pixel first/min/max/last): step 412 is not held, the value shown is step 410's.
    const reduced = new Map([['a', seriesFrom([400, 410, 415, 420], [0.9, 0.954, 0.8, 0.85], 21, true)], ['b', seriesFrom([400, 412], [5, 6])]]);
    const rows = readout(panel!.lines, reduced, frames, 412);
    expect(rows.map((r) => r.at)).toEqual([410, undefined]);
    // At a held x, or for the latest value, or a line held whole, nothing is named.
    expect(readout(panel!.lines, reduced, frames, 415).map((r) => r.at)).toEqual([undefined, undefined]);
    expect(readout(panel!.lines, reduced, frames, null).map((r) => r.at)).toEqual([undefined, undefined]);
    expect(readout(panel!.lines, reduced, frames, 399).map((r) => r.at)).toEqual([undefined, undefined]);
  });

  it('smoothing on, at the cursor: leads with the smoothed value at the cursor x (legend and tooltip alike), the raw one after', () => {
    // The tester's case: a line held reduced with no point at step 422; the raw value read is step 412's (0.5435), the
    // smoothed line (every stored point smoothed) has 0.4741 at 422. The legend showed 0.5435, the tooltip 0.4741.
    const reduced = new Map([['a', seriesFrom([400, 412, 430], [0.5, 0.5435, 0.45], 31, true)], ['b', seriesFrom([400, 422], [5, 6])]]);
    const smooth = seriesFrom([400, 412, 422, 430], [0.49, 0.4811, 0.4741, 0.47]);
    const rows = readout(panel!.lines, reduced, frames, 422, new Set(), false, [smooth, null]);
    expect(rows[0]).toMatchObject({ value: '0.4741', raw: '0.5435', at: 412 });
    // A line not smoothed (null) reads as without smoothing; the latest values (no cursor) are the raw ones.
    expect(rows[1]!.value).toBe('6');
    expect(rows[1]!.raw).toBeUndefined();
    expect(readout(panel!.lines, reduced, frames, null, new Set(), false, [smooth, null]).map((r) => [r.value, r.raw])).toEqual([['0.45', undefined], ['6', undefined]]);
    // Before the line's first point: no value, smoothed or not.
    expect(readout(panel!.lines, reduced, frames, 399, new Set(), false, [smooth, null])[0]!.value).toBe('—');
  });

  it('names each row by its own line, whatever point is read (the point index once shadowed the line index: rows lost their names)', () => {
    for (const x of [null, 0, 0.5, 1, 1.5, 2, -1]) {
      expect(readout(panel!.lines, series, frames, x).map((r) => [r.key, r.short])).toEqual([['a', 'a'], ['b', 'b']]);
    }
  });

  it('carries a dashed line\'s pattern to its legend row (a compare panel draws a run\'s second metric dashed)', () => {
    const lines = panel!.lines.map((l, i) => (i === 1 ? { ...l, dash: [6, 4] } : l));
    expect(readout(lines, series, frames, null).map((r) => r.dash)).toEqual([undefined, [6, 4]]);
  });
});
