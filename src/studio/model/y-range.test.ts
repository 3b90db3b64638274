import { describe, expect, it } from 'vitest';
import type { AxisModel, LineSeriesModel } from './panels.js';
import type { SeriesBuffer } from './series-buffer.js';
import { decimateForDisplay } from './decimate.js';
import { clipNote, decodePageYRange, decodeYRange, effectiveYRange, encodeYRange, OutlierWindows, quantileInPlace, setPageYRange, setPanelYRange, viewAxes } from './y-range.js';

const series = (ys: number[], x0 = 1): SeriesBuffer => ({
  x: Float64Array.from(ys, (_, i) => x0 + i), y: Float64Array.from(ys), length: ys.length, total: ys.length, downsampled: false,
});
const axes: AxisModel[] = [{ scale: 'default', side: 'left' }, { scale: 'lr', side: 'right', lower: 0 }];
const lines: LineSeriesModel[] = [{ key: 'loss', label: 'loss', scale: 'default', color: 0 }, { key: 'lr', label: 'lr', scale: 'lr', color: 1 }];

describe('y range in the URL', () => {
  it('round-trips auto, outliers and fixed windows per axis, other parameters kept', () => {
    expect(encodeYRange('?a=1', 'g:t', { kind: 'outliers' })).toBe('?a=1&yr.g%3At=o');
    const fixed = { kind: 'fixed' as const, axes: [{ min: 0, max: 1.5 }, { max: 5 }] };
    const s = encodeYRange('', 'g:t', fixed);
    expect(new URLSearchParams(s).get('yr.g:t')).toBe('0:1.5;:5');
    expect(decodeYRange(s, 'g:t')).toEqual({ kind: 'fixed', axes: [{ min: 0, max: 1.5 }, { min: undefined, max: 5 }] });
    expect(decodeYRange(s, 'other')).toEqual({ kind: 'auto' });
    expect(encodeYRange(s, 'g:t', { kind: 'auto' })).toBe('');
    expect(new URLSearchParams(encodeYRange('', 'p', { kind: 'fixed', axes: [null, { min: 2, max: 3 }] })).get('yr.p')).toBe(':;2:3');
  });

  it('reads malformed values as auto rather than breaking a link', () => {
    expect(decodeYRange('?yr.p=abc', 'p')).toEqual({ kind: 'auto' });
    expect(decodeYRange('?yr.p=5:1', 'p')).toEqual({ kind: 'auto' });
    expect(decodeYRange('?yr.p=1:x', 'p')).toEqual({ kind: 'fixed', axes: [{ min: 1, max: undefined }] });
  });
});

describe('quantileInPlace', () => {
  it('interpolates between closest ranks as numpy does', () => {
    // numpy.percentile(range(1, 101), [1, 50, 99]) = [1.99, 50.5, 99.01]
    const v = () => Float64Array.from({ length: 100 }, (_, i) => 100 - i);
    expect(quantileInPlace(v(), 0.01)).toBeCloseTo(1.99, 12);
    expect(quantileInPlace(v(), 0.5)).toBeCloseTo(50.5, 12);
    expect(quantileInPlace(v(), 0.99)).toBeCloseTo(99.01, 12);
    expect(quantileInPlace(Float64Array.of(3, 3, 3, 1), 0)).toBe(1);
    expect(quantileInPlace(new Float64Array(0), 0.5)).toBeNaN();
  });
});

describe('viewAxes', () => {
  // 1…1000 with two spikes: the 1st–99th percentile leaves them out.
  const ys = Array.from({ length: 1000 }, (_, i) => (i === 10 ? 1e6 : i === 500 ? -1e6 : i + 1));
  const held = [series(ys), series(Array.from({ length: 1000 }, () => 0.5))];

  it('auto keeps the axes (and nothing is clipped)', () => {
    const v = viewAxes({ held, lines, axes, range: { kind: 'auto' } });
    expect(v.axes).toEqual(axes);
    expect(v.clipped).toBe(0);
  });

  it('ignore outliers frames on the 1st–99th percentile of visible values and counts what it clips', () => {
    const v = viewAxes({ held, lines, axes, range: { kind: 'outliers' } });
    const a = v.axes[0]!;
    // Sorted: -1e6, 1…10, 12…500, 502…1000, 1e6 → percentiles 9.99 and 991.01, padded by 5 % of their width.
    expect(a.lower).toBeCloseTo(9.99 - 0.05 * 981.02, 6);
    expect(a.upper).toBeCloseTo(991.01 + 0.05 * 981.02, 6);
    // Only the two spikes fall outside; the flat lr axis keeps its own bounds.
    expect(v.clipped).toBe(2);
    expect(v.axes[1]).toEqual(axes[1]);
    // Only the visible window counts: x 600…700 holds neither spike.
    const zoomed = viewAxes({ held, lines, axes, range: { kind: 'outliers' }, from: 600, to: 700 });
    expect(zoomed.axes[0]!.lower).toBeGreaterThan(590);
    expect(zoomed.axes[0]!.upper).toBeLessThan(710);
  });

  it('fixed windows bound their axes, partly or fully, and count values outside', () => {
    const v = viewAxes({ held, lines, axes, range: { kind: 'fixed', axes: [{ min: 0, max: 100 }, { max: 2 }] } });
    expect(v.axes[0]).toMatchObject({ lower: 0, upper: 100 });
    expect(v.axes[1]).toMatchObject({ lower: 0, upper: 2 });
    // Above 100: the 900 values of i ≥ 100 (one of them is the spike at -1e6, below 0) and the spike of 1e6 at i = 10.
    expect(v.clipped).toBe(901);
  });

  it('on Log y takes windows and bounds to log10; a non-positive end follows the data', () => {
    const logHeld = held.map((h) => ({ ...h, y: h.y.map((v) => (v > 0 ? Math.log10(v) : NaN)) }));
    const v = viewAxes({ held: logHeld, lines, axes, range: { kind: 'fixed', axes: [{ min: 10, max: 1000 }, { min: -1, max: 10 }] }, log: true });
    expect(v.axes[0]).toMatchObject({ lower: 1, upper: 3 });
    expect(v.axes[1]!.lower).toBeUndefined();
    expect(v.axes[1]!.upper).toBe(1);
  });
});

describe('ignore outliers on a line held reduced', () => {
  // 100,000 points around 1 with a dip to 1e-300 at 80 of them (0.08 %): the 1st percentile of every point is ~0.9, but
  // a per-pixel reduction keeps each bucket's lowest point, so the dips are ~2 % of what is held and sit inside the range.
  const n = 100_000;
  const dip = (i: number) => i % 1250 === 625;
  const every = series(Array.from({ length: n }, (_, i) => (dip(i) ? 1e-300 : 1 + 0.1 * Math.sin(i * 0.37))));
  const reduced = decimateForDisplay(every, 1, n, 1000);
  const one = [lines[0]!];
  const oneAxis = [axes[0]!];

  it('frames on the full-resolution points: the dip is outside the range and counted as clipped', () => {
    // What was held alone: the dip is inside the range.
    const before = viewAxes({ held: [reduced], lines: one, axes: oneAxis, range: { kind: 'outliers' } });
    expect(before.axes[0]!.lower).toBeLessThan(1e-300);
    const v = viewAxes({ held: [reduced], full: [every], lines: one, axes: oneAxis, range: { kind: 'outliers' } });
    const lower = v.axes[0]!.lower!;
    const upper = v.axes[0]!.upper!;
    // The 1st and 99th percentiles of 1 + 0.1·sin are ≈ 0.9 and 1.1 (padded by 5 % of their width).
    expect(lower).toBeGreaterThan(0.88);
    expect(lower).toBeLessThan(0.9);
    expect(upper).toBeGreaterThan(1.1);
    expect(upper).toBeLessThan(1.12);
    // The values clipped are counted among every point: the 80 dips and the values beyond the 1st and 99th percentiles
    // (there are none: the padding keeps the whole sine in range).
    expect(v.clipped).toBe(80);
    // Zoomed: the percentiles of the full-resolution points in view.
    const zoomed = viewAxes({ held: [reduced], full: [every], lines: one, axes: oneAxis, range: { kind: 'outliers' }, from: 1000, to: 3000 });
    expect(zoomed.axes[0]!.lower).toBeGreaterThan(0.88);
  });

  it('on Log y takes the percentiles of log10 of the positive full-resolution values', () => {
    const logHeld = { ...reduced, y: reduced.y.map(Math.log10) };
    const v = viewAxes({ held: [logHeld], full: [every], lines: one, axes: oneAxis, range: { kind: 'outliers' }, log: true });
    expect(v.axes[0]!.lower).toBeGreaterThan(Math.log10(0.88));
    expect(v.axes[0]!.upper).toBeLessThan(Math.log10(1.12));
    expect(v.clipped).toBe(80);
  });

  it('a live redraw keeps the window while only held points grew a little; new full-resolution points take it again', () => {
    const windows = new OutlierWindows();
    const lines2: LineSeriesModel[] = [one[0]!, { key: 'other', label: 'other', scale: 'default', color: 2 }];
    const other = series(Array.from({ length: 6400 }, (_, i) => 1 + 0.05 * Math.cos(i)));
    const input = { lines: lines2, axes: oneAxis, range: { kind: 'outliers' } as const, full: [every, undefined], windows };
    const first = viewAxes({ ...input, held: [reduced, other] }).axes[0]!;
    // 50 more held points of the other line (< 1/64): the window is kept, not taken again over 100,000 points.
    const grown = series(Array.from({ length: 6450 }, (_, i) => (i >= 6400 ? 50 : 1 + 0.05 * Math.cos(i))));
    expect(viewAxes({ ...input, held: [reduced, grown] }).axes[0]).toEqual(first);
    // The full-resolution points were read again (a new buffer): taken again.
    const more = series(Array.from({ length: n }, (_, i) => 5 + Math.sin(i)));
    const again = viewAxes({ ...input, full: [more, undefined], held: [reduced, grown] }).axes[0]!;
    expect(again.upper).toBeGreaterThan(5);
  });
});

describe('page-level y range', () => {
  it('applies to every panel without its own; setting it clears the panels’ own; Auto over the page is written as a', () => {
    let s = setPageYRange('?x=step&yr.b=0%3A1', { kind: 'outliers' });
    expect(s).toBe('?x=step&yr=o');
    expect(decodePageYRange(s)).toEqual({ kind: 'outliers' });
    expect(effectiveYRange(s, 'a')).toEqual({ kind: 'outliers' });
    s = setPanelYRange(s, 'a', { kind: 'auto' });
    expect(new URLSearchParams(s).get('yr.a')).toBe('a');
    expect(effectiveYRange(s, 'a')).toEqual({ kind: 'auto' });
    expect(effectiveYRange(s, 'b')).toEqual({ kind: 'outliers' });
    // Back to what the page says: no parameter of its own.
    s = setPanelYRange(s, 'a', { kind: 'outliers' });
    expect(new URLSearchParams(s).has('yr.a')).toBe(false);
    s = setPanelYRange(s, 'b', { kind: 'fixed', axes: [{ min: 0, max: 5 }] });
    expect(effectiveYRange(s, 'b')).toEqual({ kind: 'fixed', axes: [{ min: 0, max: 5 }] });
    s = setPageYRange(s, { kind: 'auto' });
    expect(s).toBe('?x=step');
    expect(effectiveYRange(s, 'b')).toEqual({ kind: 'auto' });
  });
});

describe('a fixed y range on a line held reduced counts every stored value it clips', () => {
  // The tester's case: ~100,000 points of a noisy line, a fixed window -0.5…0.5 clipping about two thirds of them, while
  // the per-pixel reduction held (first/min/max/last of ~1,000 columns) has only a few thousand points.
  const n = 99_993;
  const every = series(Array.from({ length: n }, (_, i) => Math.sin(i * 0.731) * 1.2 + ((i * 7919) % 13) / 13 - 0.5));
  const reduced = decimateForDisplay(every, 1, n, 1000);
  const one = [lines[0]!];
  const oneAxis = [axes[0]!];
  const range = { kind: 'fixed' as const, axes: [{ min: -0.5, max: 0.5 }] };
  const outside = (from = -Infinity, to = Infinity) => {
    let c = 0;
    for (let i = 0; i < n; i++) if (every.x[i]! >= from && every.x[i]! <= to && (every.y[i]! < -0.5 || every.y[i]! > 0.5)) c++;
    return c;
  };

  it('among the full-resolution points where read: the exact count, in view only', () => {
    expect(reduced.downsampled).toBe(true);
    const v = viewAxes({ held: [reduced], full: [every], lines: one, axes: oneAxis, range });
    expect(v.clipped).toBe(outside());
    expect(v.clipped).toBeGreaterThan(n / 2);
    expect(v.clippedExact).toBe(true);
    const zoomed = viewAxes({ held: [reduced], full: [every], lines: one, axes: oneAxis, range, from: 1000, to: 3000 });
    expect(zoomed.clipped).toBe(outside(1000, 3000));
  });

  it('among the held points otherwise, said as a lower bound ("at least")', () => {
    const v = viewAxes({ held: [reduced], lines: one, axes: oneAxis, range });
    expect(v.clippedExact).toBe(false);
    expect(v.clipped).toBeLessThan(outside());
    expect(clipNote(v.clipped, v.clippedExact)).toMatch(/^At least [\d,]+ values are outside the y range/);
    // A line held whole is counted exactly without reading anything more.
    const whole = viewAxes({ held: [every], lines: one, axes: oneAxis, range });
    expect([whole.clipped, whole.clippedExact]).toEqual([outside(), true]);
    expect(clipNote(65_961, true)).toBe('65,961 values are outside the y range: clipped, marked ▲▼ at the edge.');
    expect(clipNote(1, true)).toBe('1 value is outside the y range: clipped, marked ▲▼ at the edge.');
    expect(clipNote(1, false)).toBe('At least 1 value is outside the y range: clipped, marked ▲▼ at the edge.');
  });
});
