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
  /**
   * A dot on each finite point within the x window (sparse lines), as uPlot draws its series' points: a disc of this
   * radius filled and stroked `dotWidth` wide in the line's colour, device pixels; 0: no dots.
   */
  dotRadius?: number;
  dotWidth?: number;
}

/** A chart's lines at one moment. */
export interface LineFrame {
  /** The plot area in device pixels. */
  width: number;
  height: number;
  /**
   * Device pixels the canvas reaches beyond the plot area on each side (default 0), where dots at the edges overhang
   * it as uPlot lets them; lines stay clipped to the plot area.
   */
  margin?: number;
  /** The x scale's window (left and right edges). */
  xMin: number;
  xMax: number;
  /** x is drawn on a log10 scale (xMin > 0). */
  xLog: boolean;
  /** Drawn in order: later lines over earlier ones. */
  lines: LayerLine[];
}

/** The buffer a frame's lines are views of, when they share one (`plotLineFrame` packs them so); null without lines. */
export function frameBuffer(frame: LineFrame): ArrayBuffer | null {
  return (frame.lines[0]?.x.buffer as ArrayBuffer | undefined) ?? null;
}

/** The 2D context methods `drawLines` uses (CanvasRenderingContext2D and OffscreenCanvasRenderingContext2D both have them). */
export interface LineContext {
  clearRect(x: number, y: number, w: number, h: number): void;
  save(): void;
  restore(): void;
  translate(x: number, y: number): void;
  rect(x: number, y: number, w: number, h: number): void;
  clip(): void;
  arc(x: number, y: number, r: number, start: number, end: number): void;
  fill(): void;
  fillStyle: string | CanvasGradient | CanvasPattern;
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

/** A line's plot area is this many heights beyond each edge at most: far off-screen, and within a float's precision. */
const OFFSCREEN_HEIGHTS = 1e6;

/**
 * Pixel position (down from the top) of a finite plot-unit y of `line` across `height` device pixels, clamped far
 * off-screen: plot units may be as large as ±PLOT_LIMIT (live-plot.ts), which no path should be asked to reach.
 */
export function yToPixel(line: Pick<LayerLine, 'yMin' | 'yMax'>, height: number): (v: number) => number {
  const { yMin, yMax } = line;
  const ky = yMax > yMin ? height / (yMax - yMin) : 0;
  const top = -OFFSCREEN_HEIGHTS * height;
  const bottom = height - top;
  return (v) => {
    const p = height - (v - yMin) * ky;
    return p < top ? top : p > bottom ? bottom : p;
  };
}

/**
 * Strokes one line's path into `ctx` (which must have had beginPath), broken at non-finite values, and returns the
 * segments drawn. Points sharing a device-pixel column are drawn through four of them in the order they come: the
 * column's first, lowest, highest and last (M4: Jugel et al., "M4: A Visualization-Oriented Time Series Data
 * Aggregation", VLDB 2014 — the line through them rasterises as the line through all of them). A line costs at most
 * about three segments per column however many points it has, no spike within a column is lost, and every vertex is
 * a real point, so the path never turns back over itself.
 */
export function tracePath(ctx: Pick<LineContext, 'moveTo' | 'lineTo'>, line: LayerLine, px: (x: number) => number, height: number): number {
  const { x, y } = line;
  const py = yToPixel(line, height);
  let segments = 0;
  let pen = false;
  // The open column: its pixel x (rounded), the index of its first point, and index and position of its point highest
  // on screen (lo: least pixel y), lowest on screen (hi) and last.
  let col = NaN;
  let first = -1;
  let loI = -1;
  let loX = 0;
  let loY = 0;
  let hiI = -1;
  let hiX = 0;
  let hiY = 0;
  let lastI = -1;
  let lastX = 0;
  let lastY = 0;
  // A vertex for an extreme that is neither the column's first point (already drawn) nor its last (drawn after).
  const to = (i: number, vx: number, vy: number) => {
    if (i === first || i === lastI) return;
    ctx.lineTo(vx, vy);
    segments++;
  };
  const close = () => {
    if (lastI !== first) {
      if (loI < hiI) {
        to(loI, loX, loY);
        to(hiI, hiX, hiY);
      } else {
        to(hiI, hiX, hiY);
        if (loI !== hiI) to(loI, loX, loY);
      }
      ctx.lineTo(lastX, lastY);
      segments++;
    }
    col = NaN;
    first = lastI = -1;
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
      if (cy < loY) {
        loI = i;
        loX = cx;
        loY = cy;
      } else if (cy > hiY) {
        hiI = i;
        hiX = cx;
        hiY = cy;
      }
      lastI = i;
      lastX = cx;
      lastY = cy;
      continue;
    }
    close();
    if (pen) {
      ctx.lineTo(cx, cy);
      segments++;
    } else ctx.moveTo(cx, cy);
    pen = true;
    col = c;
    first = loI = hiI = lastI = i;
    loX = hiX = lastX = cx;
    loY = hiY = lastY = cy;
  }
  close();
  return segments;
}

/**
 * Clears the canvas (the plot area and `frame.margin` around it) and draws every line of `frame`, clipped to the plot
 * area, each followed by its dots (clipped to the plot area grown by a dot's diameter, as uPlot clips its points);
 * returns the segments drawn.
 */
export function drawLines(ctx: LineContext, frame: LineFrame): number {
  const m = frame.margin ?? 0;
  ctx.clearRect(0, 0, frame.width + 2 * m, frame.height + 2 * m);
  ctx.save();
  ctx.translate(m, m);
  const clipToPlot = () => {
    ctx.beginPath();
    ctx.rect(0, 0, frame.width, frame.height);
    ctx.clip();
  };
  // Without dots, one clip for all the lines (none where the canvas is the plot area).
  if (!frame.lines.some((l) => l.dotRadius)) {
    if (m > 0) clipToPlot();
    const segments = strokeLines(ctx, frame);
    ctx.restore();
    return segments;
  }
  let segments = 0;
  const px = xToPixel(frame);
  for (const line of frame.lines) {
    ctx.save();
    clipToPlot();
    segments += strokeLines(ctx, { ...frame, lines: [line] });
    ctx.restore();
    if (line.dotRadius) {
      ctx.save();
      const dia = 2 * line.dotRadius;
      ctx.beginPath();
      ctx.rect(-dia, -dia, frame.width + 2 * dia, frame.height + 2 * dia);
      ctx.clip();
      drawDots(ctx, line, px, frame);
      ctx.restore();
    }
  }
  ctx.restore();
  return segments;
}

/**
 * Fills and strokes a disc on each finite point of `line` within the frame's x window, or less than a pixel outside it:
 * uPlot draws a series' dot at its column of the aligned table, whose x is the largest of the points snapped into it
 * (plot-frame.ts), so the first column's other points lie a fraction of a pixel left of the window.
 */
function drawDots(ctx: LineContext, line: LayerLine, px: (x: number) => number, frame: LineFrame): void {
  const { x, y } = line;
  const r = line.dotRadius ?? 0;
  const py = yToPixel(line, frame.height);
  ctx.globalAlpha = line.alpha;
  ctx.setLineDash([]);
  ctx.beginPath();
  for (let i = 0; i < x.length; i++) {
    const v = y[i]!;
    const cx = px(x[i]!);
    if (!Number.isFinite(v) || !(cx > -1 && cx < frame.width + 1)) continue;
    const cy = py(v);
    ctx.moveTo(cx + r, cy);
    ctx.arc(cx, cy, r, 0, 2 * Math.PI);
  }
  ctx.fillStyle = line.color;
  ctx.fill();
  if ((line.dotWidth ?? 0) > 0) {
    ctx.strokeStyle = line.color;
    ctx.lineWidth = line.dotWidth!;
    ctx.stroke();
  }
  ctx.globalAlpha = 1;
}

/** Strokes every line of `frame` (its plot area at the context's origin) over what is there; returns the segments drawn. */
export function strokeLines(ctx: Pick<LineContext, 'beginPath' | 'moveTo' | 'lineTo' | 'stroke' | 'setLineDash' | 'strokeStyle' | 'lineWidth' | 'globalAlpha' | 'lineJoin'>, frame: LineFrame): number {
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
