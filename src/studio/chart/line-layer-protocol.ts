import type { LineFrame } from './line-frame.js';

/** Page → line worker: a chart's canvas handed over, dropped, a frame to draw, or a copy of its pixels wanted. */
export type LayerMessage =
  | { type: 'attach'; id: number; canvas: OffscreenCanvas }
  | { type: 'detach'; id: number }
  | { type: 'draw'; id: number; seq: number; frame: LineFrame }
  | { type: 'snapshot'; id: number; request: number };

/**
 * Line worker → page: the pixels asked for (null when the chart has drawn nothing yet), or which frames it has drawn
 * (chart id, the frame's `seq`), once per batch of draws, with the buffers of the frames it is done with (drawn or
 * replaced by a newer one) handed back to their charts (chart id, buffer) for the next frames.
 */
export type LayerReply =
  | { type: 'snapshot'; request: number; bitmap: ImageBitmap | null }
  | { type: 'drawn'; frames: Array<[number, number]>; buffers: Array<[number, ArrayBuffer]> };
