/// <reference lib="webworker" />
/**
 * The line layer's worker: it owns each chart's line canvas (an OffscreenCanvas transferred from the page) and strokes
 * the lines posted to it, so that rasterising a chart of many long lines never holds up the page's main thread (in
 * a software-rendered browser it was most of a live redraw's cost). Frames for one chart that arrive while the worker
 * is busy are coalesced: only the newest is drawn.
 */
import { drawLines, frameBuffer, type LineFrame } from './line-frame.js';
import type { LayerMessage, LayerReply } from './line-layer-protocol.js';

declare const self: DedicatedWorkerGlobalScope;

interface Layer {
  canvas: OffscreenCanvas;
  ctx: OffscreenCanvasRenderingContext2D;
  pending: { frame: LineFrame; seq: number } | null;
}

const layers = new Map<number, Layer>();
let scheduled = false;
/** Buffers of frames drawn or replaced, with their chart's id, handed back to the page with the next 'drawn' reply. */
let done: Array<[number, ArrayBuffer]> = [];

function release(id: number, frame: LineFrame): void {
  const b = frameBuffer(frame);
  if (b && !done.some(([, d]) => d === b)) done.push([id, b]);
}

function flush(): void {
  scheduled = false;
  const drawn: Array<[number, number]> = [];
  for (const [id, layer] of layers) {
    if (!layer.pending) continue;
    const { frame, seq } = layer.pending;
    layer.pending = null;
    drawn.push([id, seq]);
    const m = frame.margin ?? 0;
    if (layer.canvas.width !== frame.width + 2 * m || layer.canvas.height !== frame.height + 2 * m) {
      layer.canvas.width = frame.width + 2 * m;
      layer.canvas.height = frame.height + 2 * m;
    }
    drawLines(layer.ctx, frame);
    release(id, frame);
  }
  if (drawn.length > 0) {
    const buffers = done;
    done = [];
    self.postMessage({ type: 'drawn', frames: drawn, buffers } satisfies LayerReply, buffers.map(([, b]) => b));
  }
}

self.onmessage = (e: MessageEvent<LayerMessage>) => {
  const m = e.data;
  if (m.type === 'attach') {
    const ctx = m.canvas.getContext('2d');
    if (ctx) layers.set(m.id, { canvas: m.canvas, ctx, pending: null });
  } else if (m.type === 'detach') layers.delete(m.id);
  else if (m.type === 'draw') {
    const layer = layers.get(m.id);
    if (!layer) return;
    if (layer.pending) release(m.id, layer.pending.frame);
    layer.pending = { frame: m.frame, seq: m.seq };
    if (!scheduled) {
      scheduled = true;
      // Messages already queued are taken first, so a burst of frames for one chart is drawn once.
      setTimeout(flush, 0);
    }
  } else if (m.type === 'snapshot') {
    flush();
    const layer = layers.get(m.id);
    const reply = (bitmap: ImageBitmap | null) => self.postMessage({ type: 'snapshot', request: m.request, bitmap } satisfies LayerReply, bitmap ? [bitmap] : []);
    if (!layer || layer.canvas.width === 0 || layer.canvas.height === 0) reply(null);
    else reply(copyOf(layer));
  }
};

/** A copy of the layer's pixels (transferToImageBitmap would take them from the visible canvas). */
function copyOf(layer: Layer): ImageBitmap {
  const copy = new OffscreenCanvas(layer.canvas.width, layer.canvas.height);
  copy.getContext('2d')!.drawImage(layer.canvas, 0, 0);
  return copy.transferToImageBitmap();
}
