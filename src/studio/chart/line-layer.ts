import type uPlot from 'uplot';
import { frameBuffer, strokeLines, type LayerLine, type LineFrame } from './line-frame.js';
import { FrameSlot } from './frame-slot.js';
import type { LayerMessage, LayerReply } from './line-layer-protocol.js';
import { devicePixelRatioOf, pointsVisible } from '../model/chart-options.js';
import { lowerBound, type SeriesBuffer } from '../model/series-buffer.js';

/** Opacity of a raw line under its smoothed one. */
export const RAW_ALPHA = 0.3;

/** What a chart's lines are drawn from: per panel line, its points in plot units (plot-frame.ts `PlotData.lines`). */
export type PlottedLines = readonly SeriesBuffer[];

/**
 * The lines of a uPlot chart as a LineFrame: each shown series' points within the x window (and the nearest point
 * beyond each edge, so lines reach the edges) copied out of `lines`, in device pixels; `raw` lines, if any, first and
 * faint (the raw values under their smoothed lines). Every line's x and y are views of one buffer (`frameBuffer`), so
 * a frame is one transfer to the worker; `take(n)` gives a Float64Array of at least n values for it (default: a new one).
 */
export function plotLineFrame(
  u: uPlot, lines: PlottedLines | null, raw: PlottedLines | null, rawColor: (line: number) => string,
  take: (n: number) => Float64Array = (n) => new Float64Array(n), dots = false,
): LineFrame {
  const xScale = u.scales.x!;
  const from = xScale.min ?? -Infinity;
  const to = xScale.max ?? Infinity;
  const ratio = devicePixelRatioOf(u);
  const yWindow = (s: uPlot.Series) => {
    const sc = u.scales[s.scale!];
    return { yMin: sc?.min ?? 0, yMax: sc?.max ?? 1 };
  };
  type Style = Omit<LayerLine, 'x' | 'y'>;
  const picked: Array<{ line: SeriesBuffer; lo: number; hi: number; style: Style }> = [];
  let total = 0;
  const pick = (line: SeriesBuffer, style: Style) => {
    const [lo, hi] = windowOf(line, from, to);
    picked.push({ line, lo, hi, style });
    total += hi - lo;
  };
  raw?.forEach((line, i) => {
    const s = u.series[i + 1];
    if (!s?.show || !s.scale) return;
    // Dimmed with its series while another is focused: else the dimmed series' raw lines stay as strong as their lines.
    pick(line, { color: rawColor(i), width: Math.max(1, ratio), dash: [], alpha: RAW_ALPHA * (s.alpha ?? 1), ...yWindow(s) });
  });
  lines?.forEach((line, i) => {
    const s = u.series[i + 1];
    if (!s?.show || !s.scale) return;
    const stroke = typeof s.stroke === 'function' ? s.stroke(u, i + 1) : s.stroke;
    pick(line, {
      color: typeof stroke === 'string' ? stroke : '#888',
      width: (s.width ?? 1) * ratio,
      dash: s.dash ?? [],
      alpha: s.alpha ?? 1,
      ...yWindow(s),
      ...(dots && pointsVisible(u, i + 1) && dotOf(u, s, i + 1, ratio)),
    });
  });
  const buffer = take(2 * total);
  let at = 0;
  const out = picked.map(({ line, lo, hi, style }): LayerLine => {
    const n = hi - lo;
    const x = buffer.subarray(at, at + n);
    const y = buffer.subarray(at + n, at + 2 * n);
    x.set(line.x.subarray(lo, hi));
    y.set(line.y.subarray(lo, hi));
    at += 2 * n;
    return { ...style, x, y };
  });
  return {
    width: Math.max(0, Math.round(u.bbox.width)),
    height: Math.max(0, Math.round(u.bbox.height)),
    xMin: xScale.min ?? 0,
    xMax: xScale.max ?? 1,
    xLog: xScale.distr === 3,
    lines: out,
  };
}

/** uPlot's dot of series `si` (its points' size and width, CSS px) in device pixels, as uPlot's points() draws it. */
function dotOf(u: uPlot, s: uPlot.Series, si: number, ratio: number): { dotRadius: number; dotWidth: number } {
  // uPlot turns a number option into a function of (u, si) once made.
  const read = (v: unknown, fallback: number) => (typeof v === 'function' ? (v as (u: uPlot, si: number) => number)(u, si) : typeof v === 'number' ? v : fallback);
  const size = read(s.points?.size, 5);
  const width = read(s.points?.width, 1);
  return { dotRadius: ((size - width) / 2) * ratio, dotWidth: width * ratio };
}

/** CSS pixels the layer's canvas reaches beyond the plot area on each side: room for a dot overhanging its edge. */
const LAYER_MARGIN_PX = 6;

/** The index range of the points of `s` within [from, to] plus one beyond each edge. */
function windowOf(s: SeriesBuffer, from: number, to: number): [number, number] {
  const lo = Math.max(0, lowerBound(s, from) - 1);
  let hi = lowerBound(s, to);
  while (hi < s.length && s.x[hi]! <= to) hi++;
  return [lo, Math.min(s.length, hi + 1)];
}

/** The shared line worker, or null where a canvas cannot be handed to one or the worker failed (then uPlot draws every line). */
let worker: Worker | null | undefined;
let nextId = 1;
let nextRequest = 1;
const waiting = new Map<number, (bitmap: ImageBitmap | null) => void>();
/** Per chart id: told the seq of each frame the worker has drawn. */
const onDrawn = new Map<number, (seq: number) => void>();
/** Per chart id: given each frame buffer the worker hands back (drawn, or replaced by a newer frame). */
const onBuffer = new Map<number, (buffer: ArrayBuffer) => void>();
/** Per chart id with a layer: told when the worker failed (the chart's lines are uPlot's from then on). */
const onWorkerFailed = new Map<number, () => void>();

function lineWorker(): Worker | null {
  if (worker !== undefined) return worker;
  worker = null;
  try {
    if (typeof OffscreenCanvas !== 'undefined' && 'transferControlToOffscreen' in HTMLCanvasElement.prototype) {
      const w = new Worker(new URL('./line-worker.ts', import.meta.url), { type: 'module' });
      w.onmessage = (e: MessageEvent<LayerReply>) => {
        const m = e.data;
        if (m.type === 'drawn') {
          for (const [id, b] of m.buffers) onBuffer.get(id)?.(b);
          for (const [id, seq] of m.frames) onDrawn.get(id)?.(seq);
          return;
        }
        const done = waiting.get(m.request);
        waiting.delete(m.request);
        done?.(m.bitmap);
      };
      // `new Worker` succeeds even when its script cannot run: missing, blocked (CSP worker-src, a proxy), or answered
      // with the app's HTML page (an old hashed name after a redeploy while the page was open). Only this event says so.
      w.onerror = (e) => {
        e.preventDefault();
        workerFailed(w);
      };
      worker = w;
    }
  } catch {
    worker = null;
  }
  return worker;
}

/**
 * The worker cannot draw: it is dropped, charts get no layer from now on, each layer made is removed (uPlot draws its
 * lines, as it does where no worker can be had; frames are no longer copied and posted for nothing), and PNG exports
 * waiting for its pixels go on without them.
 */
function workerFailed(w: Worker): void {
  if (worker !== w) return;
  w.terminate();
  worker = null;
  for (const done of waiting.values()) done(null);
  waiting.clear();
  for (const drop of [...onWorkerFailed.values()]) drop();
}

/**
 * Draws each shown line's raw values faint (RAW_ALPHA) on uPlot's canvas, after the axes and before the series: the
 * smoothing's source, while uPlot draws the lines (the line layer draws them itself while it shows).
 */
export function rawUnderlayPlugin(raw: () => PlottedLines | null, rawColor: (line: number) => string): uPlot.Plugin {
  return {
    hooks: {
      drawAxes: (u: uPlot) => {
        const r = raw();
        if (!r) return;
        const frame = plotLineFrame(u, null, r, rawColor);
        const { ctx } = u;
        ctx.save();
        ctx.translate(u.bbox.left, u.bbox.top);
        ctx.beginPath();
        ctx.rect(0, 0, frame.width, frame.height);
        ctx.clip();
        strokeLines(ctx, frame);
        ctx.restore();
      },
    },
  };
}

const layers = new WeakMap<uPlot, LineLayer>();

/** What the line layer of chart `u` shows (null: nothing — the chart's own canvas has its lines). */
export function drawnLines(u: uPlot): Promise<DrawnLines | null> {
  return layers.get(u)?.snapshot() ?? Promise.resolve(null);
}

/** What a line layer shows: its pixels, which cover the plot area and `margin` device pixels around it. */
export interface DrawnLines {
  image: CanvasImageSource;
  margin: number;
}

/** A chart's line layer (see `lineLayer`). */
export interface LineLayer {
  plugin: uPlot.Plugin;
  /**
   * Live data is arriving: from now on the worker draws the lines. uPlot keeps drawing them itself until the worker has
   * drawn its first frame (so no frame is without lines); false where no worker can be had (nothing changes then).
   */
  start(): boolean;
  /** uPlot draws the lines again from its next draw; the layer is hidden at once. */
  stop(): void;
  /** The layer shows the lines: uPlot's series must draw none (their path builder returns null). */
  readonly showing: boolean;
  /** The lines the layer shows (the plot area and the margin around it, device pixels); null when it shows none. */
  snapshot(): Promise<DrawnLines | null>;
}

/**
 * Draws a uPlot chart's series lines from a worker while live data streams in, on a canvas of its own laid over the
 * plot area (under the cursor layer): rasterising many long lines 20 times a second was most of a live redraw's
 * main-thread cost in a software-rendered browser. uPlot keeps scales, axes, grid, dots and the cursor, and draws the
 * lines itself whenever the layer is not showing (a finished execution, a user's zoom or option change, live data gone
 * quiet): what a still chart shows, exports and reads is uPlot's own canvas.
 *
 * The layer's canvas sits in a closed shadow root of its host (`div.u-lines`), so a chart keeps exactly one canvas for
 * anything that looks for it. The host says how far the drawing is: `data-posted` is the newest frame handed to the
 * worker, `data-drawn` the newest it has drawn; when they are equal the layer shows the chart's current lines.
 *
 * Frames are packed into one buffer per chart (`FrameSlot`), allocated at the first live frame at `frameBound()` values —
 * what a frame of the chart needs at most once its live windows are full — and handed back and forth with the worker.
 */
export function lineLayer(
  lines: () => PlottedLines | null, raw: () => PlottedLines | null, rawColor: (line: number) => string, frameBound: () => number = () => 0,
): LineLayer {
  const id = nextId++;
  const slot = new FrameSlot(frameBound);
  /** A draw came while the frame buffer was with the worker: its frame is posted when the buffer is back. */
  let deferred = false;
  let host: HTMLDivElement | null = null;
  let w: Worker | null = null;
  /** Where the host was last put (CSS px: left, top, width, height). */
  let placed = [NaN, NaN, NaN, NaN];
  let seq = 0;
  /** Live: frames are posted on every draw. */
  let wanted = false;
  /** The first frame posted since `start`: the layer shows once the worker has drawn it. */
  let firstSeq = Infinity;
  let showing = false;
  let plot: uPlot | null = null;
  /** The canvas's margin around the plot area, device pixels (LAYER_MARGIN_PX at the chart's pixel ratio). */
  let margin = 0;
  const post = (m: LayerMessage, transfer: Transferable[] = []) => w?.postMessage(m, transfer);
  const show = (on: boolean) => {
    showing = on;
    if (host) host.style.visibility = on ? 'visible' : 'hidden';
  };
  /** The worker failed: the layer goes, and uPlot draws the lines again. */
  const drop = () => {
    onWorkerFailed.delete(id);
    onDrawn.delete(id);
    onBuffer.delete(id);
    deferred = false;
    host?.remove();
    host = null;
    w = null;
    wanted = false;
    const wasShowing = showing;
    showing = false;
    // Its series drew no lines while the layer showed them: they need their paths again.
    if (wasShowing) plot?.redraw();
  };
  /** Makes the layer's canvas and hands it to the worker: on the chart's first live draw (a still chart never needs it). */
  const attach = (u: uPlot): boolean => {
    w = lineWorker();
    if (!w) return false;
    onWorkerFailed.set(id, drop);
    host = document.createElement('div');
    host.className = 'u-lines';
    Object.assign(host.style, { position: 'absolute', pointerEvents: 'none', visibility: 'hidden' });
    const canvas = document.createElement('canvas');
    Object.assign(canvas.style, { display: 'block', width: '100%', height: '100%' });
    host.attachShadow({ mode: 'closed' }).append(canvas);
    u.over.parentNode!.insertBefore(host, u.over);
    const el = host;
    onDrawn.set(id, (n) => {
      // Once stopped the host reads as drawn (`stop`): a frame drawn since is older than what it says.
      if (!wanted) return;
      el.dataset.drawn = String(n);
      if (!showing && n >= firstSeq) show(true);
    });
    onBuffer.set(id, (b) => {
      slot.give(b, true);
      if (deferred && wanted && plot) postFrame(plot);
    });
    const off = canvas.transferControlToOffscreen();
    post({ type: 'attach', id, canvas: off }, [off]);
    return true;
  };
  /**
   * Posts the chart's lines as they are now as frame `seq`, packed into the frame buffer (`oneOff`: a new buffer, for
   * a snapshot wanted while the frame buffer is with the worker).
   */
  const postFrame = (u: uPlot, oneOff = false) => {
    deferred = false;
    let taken: Float64Array | null = null;
    const take = (n: number) => (taken = oneOff ? new Float64Array(n) : slot.take(n));
    const frame: LineFrame = { ...plotLineFrame(u, lines(), raw(), rawColor, take, true), margin };
    const buffer = frameBuffer(frame);
    if (buffer) slot.sent();
    else if (taken && !oneOff) slot.give((taken as Float64Array).buffer as ArrayBuffer, false);
    post({ type: 'draw', id, seq, frame }, buffer ? [buffer] : []);
  };
  const plugin: uPlot.Plugin = {
    hooks: {
      init: (u) => {
        layers.set(u, layer);
        plot = u;
      },
      draw: (u) => {
        if (!host || !wanted) return;
        const ratio = devicePixelRatioOf(u);
        // The canvas covers the plot area and a margin around it (dots overhang the edges), in whole device pixels.
        margin = Math.round(LAYER_MARGIN_PX * ratio);
        const m = margin;
        const place = [u.bbox.left - m, u.bbox.top - m, Math.round(u.bbox.width) + 2 * m, Math.round(u.bbox.height) + 2 * m].map((v) => v / ratio);
        if (place.some((v, i) => v !== placed[i])) {
          placed = place;
          const [left, top, width, height] = place;
          Object.assign(host.style, { left: `${left}px`, top: `${top}px`, width: `${width}px`, height: `${height}px` });
        }
        host.dataset.posted = String(++seq);
        if (firstSeq === Infinity) firstSeq = seq;
        if (slot.waiting) deferred = true;
        else postFrame(u);
      },
      destroy: () => {
        if (host) post({ type: 'detach', id });
        onDrawn.delete(id);
        onBuffer.delete(id);
        onWorkerFailed.delete(id);
        host?.remove();
        host = null;
        plot = null;
      },
    },
  };
  const layer: LineLayer = {
    plugin,
    start: () => {
      if (!host && !(plot && attach(plot))) return false;
      if (!wanted) {
        wanted = true;
        firstSeq = Infinity;
      }
      return true;
    },
    stop: () => {
      wanted = false;
      deferred = false;
      show(false);
      // Nothing is posted while stopped: the host reads as drawn.
      if (host) host.dataset.drawn = host.dataset.posted ?? '';
    },
    get showing() {
      return showing;
    },
    snapshot: () => {
      if (!showing) return Promise.resolve(null);
      // The newest frame first (the worker draws what it was sent before it copies its pixels).
      if (deferred && plot) postFrame(plot, true);
      const request = nextRequest++;
      const m = margin;
      return new Promise((resolve) => {
        waiting.set(request, (bitmap) => resolve(bitmap ? { image: bitmap, margin: m } : null));
        post({ type: 'snapshot', id, request });
      });
    },
  };
  return layer;
}
