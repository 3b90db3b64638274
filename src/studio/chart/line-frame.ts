/**
 * What the line layer draws of a chart, and how: the plot's size and scales and each shown line's points, as plain
 * numbers and typed arrays that can be posted to a worker (structured clone; the arrays are transferred). Free of the
 * DOM and of uPlot: `drawLines` draws a frame on any 2D context (a worker's OffscreenCanvas, or a page canvas).
 */

/** One line: its points in data x and plot-unit y, NaN y breaking it (a gap), and its stroke. */
export interface LayerLine {
  /** x of each point, increasing. */
  x: Float64Array;
  /** y of each point in its scale's units; NaN and ±Infinity are gaps (the line breaks there). */
  y: Float64Array;
  color: string;
  /** Stroke width, device pixels. */
  width: number;
  /** Dash pattern in device pixels; empty: solid. */
  dash: number[];
  /** 0–1 (a faint raw line under its smoothed one, or a series dimmed while another is focused). */
  alpha: number;
  /** The y scale's window: yMin at the bottom edge, yMax at the top. */
  yMin: number;
  yMax: number;
}

/** A chart's lines at one moment. */
export interface LineFrame {
  /** The plot area in device pixels (the layer canvas's size). */
  width: number;
  height: number;
  /** The x scale's window (left and right edges). */
  xMin: number;
  xMax: number;
  /** x is drawn on a log10 scale (xMin > 0). */
  xLog: boolean;
  /** Drawn in order: later lines over earlier ones. */
  lines: LayerLine[];
}

/** The 2D context methods `drawLines` uses (CanvasRenderingContext2D and OffscreenCanvasRenderingContext2D both have them). */
export interface LineContext {
  clearRect(x: number, y: number, w: number, h: number): void;
  beginPath(): void;
  moveTo(x: number, y: number): void;
  lineTo(x: number, y: number): void;
  stroke(): void;
  setLineDash(segments: number[]): void;
  strokeStyle: string | CanvasGradient | CanvasPattern;
  lineWidth: number;
  globalAlpha: number;
  lineJoin: CanvasLineJoin;
}

/**
 * Pixel position of data x across `width` device pixels. A log x has no position for x ≤ 0 (−Infinity: those points
 * are left out of a Log x chart before they get here).
 */
export function xToPixel(frame: Pick<LineFrame, 'xMin' | 'xMax' | 'xLog' | 'width'>): (x: number) => number {
  const { width, xLog } = frame;
  const lo = xLog ? Math.log10(frame.xMin) : frame.xMin;
  const hi = xLog ? Math.log10(frame.xMax) : frame.xMax;
  const k = hi > lo ? width / (hi - lo) : 0;
  return xLog ? (x) => (Math.log10(x) - lo) * k : (x) => (x - lo) * k;
}

/**
 * Strokes one line's path into `ctx` (which must have had beginPath), broken at non-finite values, and returns the
 * segments drawn. Points sharing a
 * device-pixel column are drawn as that column's vertical extent plus the segments into and out of it (the per-pixel
 * min/max envelope, as uPlot's and Grafana's line renderers do): a line costs at most about three segments per column
 * however many points it has, and no spike within a column is lost.
 */
export function tracePath(ctx: Pick<LineContext, 'moveTo' | 'lineTo'>, line: LayerLine, px: (x: number) => number, height: number): number {
  const { x, y, yMin, yMax } = line;
  const ky = yMax > yMin ? height / (yMax - yMin) : 0;
  const py = (v: number) => height - (v - yMin) * ky;
  let segments = 0;
  let pen = false;
  // The open column: its pixel x (rounded), how many points it has, the y of its lowest and highest, and its last point.
  let col = NaN;
  let count = 0;
  let lo = 0;
  let hi = 0;
  let lastX = 0;
  let lastY = 0;
  const close = () => {
    if (count > 1) {
      // The column's extent, then to where its last point is (the line leaves the column from there).
      if (lo !== hi) {
        ctx.lineTo(col, lo);
        ctx.lineTo(col, hi);
        segments += 2;
      }
      ctx.lineTo(lastX, lastY);
      segments++;
    }
    col = NaN;
    count = 0;
  };
  for (let i = 0; i < x.length; i++) {
    const v = y[i]!;
    if (!Number.isFinite(v)) {
      close();
      pen = false;
      continue;
    }
    const cx = px(x[i]!);
    const cy = py(v);
    const c = Math.round(cx);
    if (pen && c === col) {
      if (cy < lo) lo = cy;
      else if (cy > hi) hi = cy;
      lastX = cx;
      lastY = cy;
      count++;
      continue;
    }
    close();
    if (pen) {
      ctx.lineTo(cx, cy);
      segments++;
    } else ctx.moveTo(cx, cy);
    pen = true;
    col = c;
    count = 1;
    lo = hi = lastY = cy;
    lastX = cx;
  }
  close();
  return segments;
}

/** Clears the canvas and strokes every line of `frame`; returns the segments drawn. */
export function drawLines(ctx: LineContext, frame: LineFrame): number {
  ctx.clearRect(0, 0, frame.width, frame.height);
  const px = xToPixel(frame);
  ctx.lineJoin = 'round';
  let segments = 0;
  for (const line of frame.lines) {
    if (line.x.length === 0) continue;
    ctx.strokeStyle = line.color;
    ctx.globalAlpha = line.alpha;
    ctx.lineWidth = line.width;
    ctx.setLineDash(line.dash);
    ctx.beginPath();
    segments += tracePath(ctx, line, px, frame.height);
    ctx.stroke();
  }
  ctx.globalAlpha = 1;
  ctx.setLineDash([]);
  return segments;
}
