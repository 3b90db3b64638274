import { toWireArray, type SeriesColumns, type StreamEvent } from '../protocol/index.js';

/** A stream event as the server holds it: points stay in columns until a client is sent them. */
export type HubEvent = Exclude<StreamEvent, { type: 'points' }> | { type: 'points'; executionId: string; series: SeriesColumns[] };

export function toWireEvent(event: HubEvent): StreamEvent {
  if (event.type !== 'points') return event;
  return { ...event, series: event.series.map((s) => ({ key: s.key, x: Array.from(s.x), y: toWireArray(s.y), ...(s.t && { t: s.t }) })) };
}
