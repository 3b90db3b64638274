import type uPlot from 'uplot';
import { drawLines, type LayerLine, type LineFrame } from './line-frame.js';
import type { LayerMessage, LayerReply } from './line-layer-protocol.js';
import { lowerBound, type SeriesBuffer } from '../model/series-buffer.js';

/** Opacity of a raw line under its smoothed one. */
export const RAW_ALPHA = 0.3;

/** What a chart's lines are drawn from: per panel line, its points in plot units (plot-frame.ts `PlotData.lines`). */
export type PlottedLines = readonly SeriesBuffer[];

/**
 * The lines of a uPlot chart as a LineFrame: each shown series' points within the x window (and the nearest point
 * beyond each edge, so lines reach the edges) copied out of `lines`, in device pixels; `raw` lines, if any, first and
 * faint (the raw values under their smoothed lines).
 */
export function plotLineFrame(u: uPlot, lines: PlottedLines | null, raw: PlottedLines | null, rawColor: (line: number) => string): LineFrame {
  const xScale = u.scales.x!;
  const from = xScale.min ?? -Infinity;
  const to = xScale.max ?? Infinity;
  const ratio = pxRatio();
  const out: LayerLine[] = [];
  const yWindow = (s: uPlot.Series) => {
    const sc = u.scales[s.scale!];
    return { yMin: sc?.min ?? 0, yMax: sc?.max ?? 1 };
  };
  raw?.forEach((line, i) => {
    const s = u.series[i + 1];
    if (!s?.show || !s.scale) return;
    out.push({ ...inWindow(line, from, to), color: rawColor(i), width: Math.max(1, ratio), dash: [], alpha: RAW_ALPHA, ...yWindow(s) });
  });
  lines?.forEach((line, i) => {
    const s = u.series[i + 1];
    if (!s?.show || !s.scale) return;
    const stroke = typeof s.stroke === 'function' ? s.stroke(u, i + 1) : s.stroke;
    out.push({
      ...inWindow(line, from, to),
      color: typeof stroke === 'string' ? stroke : '#888',
      width: (s.width ?? 1) * ratio,
      dash: s.dash ?? [],
      alpha: s.alpha ?? 1,
      ...yWindow(s),
    });
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

/** Copies of the points of `s` within [from, to] plus one beyond each edge (their own buffers: they can be transferred). */
function inWindow(s: SeriesBuffer, from: number, to: number): { x: Float64Array; y: Float64Array } {
  const lo = Math.max(0, lowerBound(s, from) - 1);
  let hi = lowerBound(s, to);
  while (hi < s.length && s.x[hi]! <= to) hi++;
  hi = Math.min(s.length, hi + 1);
  return { x: s.x.slice(lo, hi), y: s.y.slice(lo, hi) };
}

function pxRatio(): number {
  const r = (globalThis as { devicePixelRatio?: number }).devicePixelRatio;
  return typeof r === 'number' && r > 0 ? r : 1;
}

/** The shared line worker, or null where a canvas cannot be handed to one (then each chart draws its lines itself). */
let worker: Worker | null | undefined;
let nextId = 1;
let nextRequest = 1;
const waiting = new Map<number, (bitmap: ImageBitmap | null) => void>();
/** Per chart id: told the seq of each frame the worker has drawn. */
const onDrawn = new Map<number, (seq: number) => void>();

function lineWorker(): Worker | null {
  if (worker !== undefined) return worker;
  worker = null;
  try {
    if (typeof OffscreenCanvas !== 'undefined' && 'transferControlToOffscreen' in HTMLCanvasElement.prototype) {
      const w = new Worker(new URL('./line-worker.ts', import.meta.url), { type: 'module' });
      w.onmessage = (e: MessageEvent<LayerReply>) => {
        const m = e.data;
        if (m.type === 'drawn') {
          for (const [id, seq] of m.frames) onDrawn.get(id)?.(seq);
          return;
        }
        const done = waiting.get(m.request);
        waiting.delete(m.request);
        done?.(m.bitmap);
      };
      worker = w;
    }
  } catch {
    worker = null;
  }
  return worker;
}

const layers = new WeakMap<uPlot, LineLayer>();

/** What the line layer of chart `u` drew (null: it has none, or drew nothing yet). */
export function drawnLines(u: uPlot): Promise<CanvasImageSource | null> {
  return layers.get(u)?.snapshot() ?? Promise.resolve(null);
}

/** A chart's line layer: the uPlot plugin that draws its lines, and a copy of what it drew (for PNG export). */
export interface LineLayer {
  plugin: uPlot.Plugin;
  /** The lines as drawn, the size of the plot area in device pixels; null before anything was drawn. */
  snapshot(): Promise<CanvasImageSource | null>;
}

/**
 * Draws a uPlot chart's series lines on a canvas of their own, laid over the plot area (under the cursor layer), from a
 * worker when the browser can hand a canvas to one: uPlot keeps scales, axes, grid, points and the cursor, and its
 * series are given no paths (`chartOptions({ externalLines: true })`). Redrawn whenever uPlot draws.
 *
 * The canvas (`canvas.u-lines`) says how far the drawing is: `data-posted` is the newest frame handed over, `data-drawn`
 * the newest the worker has drawn; when they are equal the lines on screen are the chart's current ones (tests and
 * benchmarks wait for that).
 */
export function lineLayer(lines: () => PlottedLines | null, raw: () => PlottedLines | null, rawColor: (line: number) => string): LineLayer {
  const id = nextId++;
  let canvas: HTMLCanvasElement | null = null;
  let local: CanvasRenderingContext2D | null = null;
  let w: Worker | null = null;
  let placed = '';
  let seq = 0;
  let layer: LineLayer;
  const post = (m: LayerMessage, transfer: Transferable[] = []) => w?.postMessage(m, transfer);
  const plugin: uPlot.Plugin = {
    hooks: {
      init: (u) => {
        layers.set(u, layer);
        canvas = document.createElement('canvas');
        canvas.className = 'u-lines';
        canvas.style.position = 'absolute';
        canvas.style.pointerEvents = 'none';
        u.over.parentNode!.insertBefore(canvas, u.over);
        w = lineWorker();
        if (w) {
          const el = canvas;
          onDrawn.set(id, (n) => (el.dataset.drawn = String(n)));
          const off = canvas.transferControlToOffscreen();
          post({ type: 'attach', id, canvas: off }, [off]);
        } else local = canvas.getContext('2d');
      },
      draw: (u) => {
        if (!canvas) return;
        const ratio = pxRatio();
        const place = `${u.bbox.left / ratio},${u.bbox.top / ratio},${u.bbox.width / ratio},${u.bbox.height / ratio}`;
        if (place !== placed) {
          placed = place;
          const [l, t, wd, h] = place.split(',');
          Object.assign(canvas.style, { left: `${l}px`, top: `${t}px`, width: `${wd}px`, height: `${h}px` });
        }
        const frame = plotLineFrame(u, lines(), raw(), rawColor);
        canvas.dataset.posted = String(++seq);
        if (w) post({ type: 'draw', id, seq, frame }, frame.lines.flatMap((l) => [l.x.buffer, l.y.buffer]));
        else if (local) {
          if (canvas.width !== frame.width || canvas.height !== frame.height) {
            canvas.width = frame.width;
            canvas.height = frame.height;
          }
          drawLines(local, frame);
          canvas.dataset.drawn = String(seq);
        }
      },
      destroy: () => {
        post({ type: 'detach', id });
        onDrawn.delete(id);
        canvas?.remove();
        canvas = null;
      },
    },
  };
  layer = {
    plugin,
    snapshot: () => {
      if (!canvas) return Promise.resolve(null);
      if (!w) return Promise.resolve(canvas.width > 0 ? canvas : null);
      const request = nextRequest++;
      return new Promise((resolve) => {
        waiting.set(request, resolve);
        post({ type: 'snapshot', id, request });
      });
    },
  };
  return layer;
}
