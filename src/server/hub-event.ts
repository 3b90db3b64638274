import { toWireArray, type SeriesColumns, type StreamEvent } from '../protocol/index.js';

/** A stream event as the server holds it: points stay in columns until a client is sent them. */
export type HubEvent = Exclude<StreamEvent, { type: 'points' }> | { type: 'points'; executionId: string; series: SeriesColumns[] };

export function toWireEvent(event: HubEvent): StreamEvent {
  if (event.type !== 'points') return event;
  return { ...event, series: event.series.map((s) => ({ key: s.key, x: Array.from(s.x), y: toWireArray(s.y) })) };
}

/** About how many bytes a points event takes as an SSE frame (two full-precision doubles a point), without building it. */
export function estimatedFrameBytes(event: Extract<HubEvent, { type: 'points' }>): number {
  return event.series.reduce((sum, s) => sum + 64 + s.key.length + 40 * s.x.length, 100);
}
