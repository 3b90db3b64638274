import { describe, expect, it } from 'vitest';
import { drawLines, tracePath, xToPixel, type LayerLine, type LineContext } from './line-frame.js';

/** The path a context was given: each subpath as its list of [x, y] points, and the strokes with their style. */
function recorder() {
  const subpaths: Array<Array<[number, number]>> = [];
  const strokes: Array<{ color: string; alpha: number; width: number; dash: number[]; subpaths: number }> = [];
  /** Per fill: its colour and alpha, and the dot centres (x, y, r) in canvas pixels (after translations). */
  const fills: Array<{ color: string; alpha: number; dots: Array<[number, number, number]> }> = [];
  const clips: Array<[number, number, number, number]> = [];
  let dash: number[] = [];
  let pathStart = 0;
  let dots: Array<[number, number, number]> = [];
  let rect: [number, number, number, number] = [0, 0, 0, 0];
  let dx = 0;
  let dy = 0;
  const saved: Array<[number, number]> = [];
  const ctx: LineContext = {
    strokeStyle: '',
    fillStyle: '',
    save: () => { saved.push([dx, dy]); },
    restore: () => { [dx, dy] = saved.pop()!; },
    translate: (x, y) => { dx += x; dy += y; },
    rect: (x, y, w, h) => { rect = [x + dx, y + dy, w, h]; },
    clip: () => { clips.push(rect); },
    arc: (x, y, r) => { dots.push([x + dx, y + dy, r]); },
    fill: () => { fills.push({ color: String(ctx.fillStyle), alpha: ctx.globalAlpha, dots }); },
    lineWidth: 1,
    globalAlpha: 1,
    lineJoin: 'miter',
    clearRect: () => undefined,
    beginPath: () => { pathStart = subpaths.length; dots = []; },
    moveTo: (x, y) => { subpaths.push([[x, y]]); },
    lineTo: (x, y) => { subpaths[subpaths.length - 1]!.push([x, y]); },
    stroke: () => { strokes.push({ color: String(ctx.strokeStyle), alpha: ctx.globalAlpha, width: ctx.lineWidth, dash, subpaths: subpaths.length - pathStart }); },
    setLineDash: (d) => { dash = d; },
  };
  return { ctx, subpaths, strokes, fills, clips };
}

const line = (x: number[], y: number[], over: Partial<LayerLine> = {}): LayerLine => ({
  x: Float64Array.from(x), y: Float64Array.from(y), color: '#123456', width: 1, dash: [], alpha: 1, yMin: 0, yMax: 10, ...over,
});

describe('xToPixel', () => {
  it('maps the x window onto the width, linearly or by log10', () => {
    expect(xToPixel({ xMin: 0, xMax: 10, xLog: false, width: 100 })(2.5)).toBe(25);
    const log = xToPixel({ xMin: 1, xMax: 1000, xLog: true, width: 300 });
    expect(log(1)).toBe(0);
    expect(log(10)).toBeCloseTo(100, 9);
    expect(log(1000)).toBeCloseTo(300, 9);
  });

  it('puts everything at the left edge of an empty window rather than dividing by zero', () => {
    expect(xToPixel({ xMin: 5, xMax: 5, xLog: false, width: 100 })(5)).toBe(0);
  });
});

describe('tracePath', () => {
  const px = xToPixel({ xMin: 0, xMax: 10, xLog: false, width: 100 });

  it('draws sparse points as they are, y flipped so yMax is the top edge', () => {
    const r = recorder();
    const n = tracePath(r.ctx, line([0, 5, 10], [0, 10, 5]), px, 50);
    expect(r.subpaths).toEqual([[[0, 50], [50, 0], [100, 25]]]);
    expect(n).toBe(2);
  });

  it('clamps values far off the window to a million plot heights beyond its edges (plot units reach ±1e300)', () => {
    const r = recorder();
    tracePath(r.ctx, line([0, 5, 10], [1e300, 5, -1e300]), px, 50);
    expect(r.subpaths).toEqual([[[0, -50e6], [50, 25], [100, 50 + 50e6]]]);
  });

  it('breaks the line at NaN: a gap, never a segment across it', () => {
    const r = recorder();
    tracePath(r.ctx, line([0, 1, 2, 3, 4], [1, 2, NaN, 3, 4]), px, 10);
    expect(r.subpaths).toHaveLength(2);
    expect(r.subpaths[0]!.map(([x]) => x)).toEqual([0, 10]);
    expect(r.subpaths[1]!.map(([x]) => x)).toEqual([30, 40]);
  });

  it('draws many points in one pixel column as its min–max extent, keeping the spike', () => {
    // 1,000 points over 10 pixels: one spike to 10 in the middle of column 5.
    const xs = Array.from({ length: 1000 }, (_, i) => i / 100);
    const ys = xs.map((_, i) => (i === 505 ? 10 : 1));
    const r = recorder();
    const n = tracePath(r.ctx, line(xs, ys), xToPixel({ xMin: 0, xMax: 10, xLog: false, width: 10 }), 100);
    expect(n).toBeLessThanOrEqual(4 * 11);
    const top = Math.min(...r.subpaths[0]!.map(([, y]) => y));
    expect(top).toBe(0);
    expect(r.subpaths[0]!.at(-1)![0]).toBeCloseTo(10 * 999 / 1000, 9);
  });

  it('keeps the last point of a column as where the line leaves it', () => {
    const r = recorder();
    // Three points in column 0 (last at y=5), then one in column 10.
    tracePath(r.ctx, line([0, 0.01, 0.02, 1], [0, 10, 5, 5]), px, 10);
    const path = r.subpaths[0]!;
    // In: (0, 10) → its highest point (0.1, 0) → its last point (0.2, 5) → out to (10, 5): the column's real points in order.
    expect(path).toEqual([[0, 10], [0.1, 0], [0.2, 5], [10, 5]]);
  });

  it('never turns back in x: a column of points is drawn through its first, extreme and last points in their order', () => {
    // A rising line of 1.6 points per pixel: columns hold one or two points. The old envelope drew each two-point
    // column's extent at the column's rounded x, so the path stepped back up to half a pixel and over itself (a line
    // that looked ragged and heavier where points are about as dense as pixels).
    const xs = Array.from({ length: 160 }, (_, i) => i / 16);
    const r = recorder();
    tracePath(r.ctx, line(xs, xs), px, 100);
    const path = r.subpaths[0]!;
    for (let i = 1; i < path.length; i++) {
      expect(path[i]![0]).toBeGreaterThanOrEqual(path[i - 1]![0]);
      expect(path[i]![1]).toBeLessThanOrEqual(path[i - 1]![1]);
    }
    // Every vertex is one of the line's own points.
    for (const [vx, vy] of path) expect(vy).toBeCloseTo(100 - vx, 9);
  });

  it('draws a column’s spike between its neighbours in the order recorded, dips before peaks when they came first', () => {
    const r = recorder();
    // Column 0 holds: 5, a dip to 0, a peak to 10, then 6; then one point in column 10.
    tracePath(r.ctx, line([0, 0.01, 0.02, 0.03, 1], [5, 0, 10, 6, 6]), px, 10);
    expect(r.subpaths[0]).toEqual([[0, 5], [0.1, 10], [0.2, 0], [0.3, 4], [10, 4]]);
  });
});

describe('drawLines', () => {
  it('strokes each line once in order with its colour, alpha, width and dash, skipping empty lines', () => {
    const r = recorder();
    drawLines(r.ctx, {
      width: 100, height: 10, xMin: 0, xMax: 10, xLog: false,
      lines: [
        line([0, 10], [0, 10], { color: 'raw', alpha: 0.3, width: 2 }),
        line([], []),
        line([0, 10], [10, 0], { color: 'red', dash: [4, 2] }),
      ],
    });
    expect(r.strokes).toEqual([
      { color: 'raw', alpha: 0.3, width: 2, dash: [], subpaths: 1 },
      { color: 'red', alpha: 1, width: 1, dash: [4, 2], subpaths: 1 },
    ]);
  });

  it('draws dots on the finite points in the x window after their line, within a margin around the plot area', () => {
    const r = recorder();
    drawLines(r.ctx, {
      width: 100, height: 10, xMin: 0, xMax: 10, xLog: false, margin: 6,
      lines: [
        line([0, 10], [0, 10], { color: 'plain' }),
        line([-1, -0.05, 5, 6, 10, 11], [1, 2, NaN, 4, Infinity, 6], { color: 'dotted', alpha: 0.35, dotRadius: 2, dotWidth: 1 }),
      ],
    });
    // One fill for the dotted line: its points at x −0.05 (half a pixel left of the window: snapped into uPlot's first
    // column) and 6 (x −1 and 11 lie outside the window, 5 and 10 are gaps), shifted by the margin.
    expect(r.fills).toEqual([{ color: 'dotted', alpha: 0.35, dots: [[5.5, 14, 2], [66, 6 + 6, 2]] }]);
    expect(r.strokes.map((s) => s.color)).toEqual(['plain', 'dotted', 'dotted']);
    // Lines clipped to the plot area, dots to it grown by a dot's diameter.
    expect(r.clips).toEqual([[6, 6, 100, 10], [6, 6, 100, 10], [2, 2, 108, 18]]);
  });
});
