import type { ServiceEntry, ServiceInterval } from './services.js';
import type { SummaryChanges } from './summary-changes.js';
import type { Execution, MetricDef, SeriesPoints } from './types.js';

/**
 * Events of the live stream (`GET /api/stream?follow=<id>,<id>`), sent as Server-Sent Events whose `data` is one of these as JSON.
 * SSE was chosen over WebSocket: the stream is one-way, EventSource reconnects by itself and resends `Last-Event-ID`,
 * and it needs no dependency on either side. Event ids are `<epoch>:<seq>`; the epoch changes when the server restarts.
 */
export type StreamEvent =
  | { type: 'hello'; epoch: string; follow: string[] }
  /** Executions-list changes go to every connection; `summary` holds only its preview (`summaryPreview`). */
  | { type: 'execution'; execution: Execution }
  | { type: 'definitions'; executionId: string; definitions: MetricDef[] }
  | { type: 'points'; executionId: string; series: SeriesPoints[] }
  /** What changed in a followed execution's summary, by top-level key (never the whole summary). */
  | ({ type: 'summary'; executionId: string } & SummaryChanges)
  /** An execution and everything recorded in it was deleted (goes to every connection). */
  | { type: 'deleted'; id: string }
  /** Every point with x ≥ `x` was removed from all series of the execution (`execution.rewind`): drop them and redraw. */
  | { type: 'rewind'; executionId: string; x: number }
  /** Service-list changes (a new service, live ↔ idle, replicas) go to every connection. */
  | { type: 'service'; service: ServiceEntry }
  /** Intervals of services followed with `?services=a,b`: the open one at most once a second, each closed one once. */
  | { type: 'serviceInterval'; interval: ServiceInterval }
  /** The server cannot replay what the client missed (restart, too far behind, too slow): refetch history, then keep listening. */
  | { type: 'resync'; reason: string };

export type StreamEventType = StreamEvent['type'];

export function formatEventId(epoch: string, seq: number): string {
  return `${epoch}:${seq}`;
}

const POSITION = /^(0|[1-9][0-9]*)(?:\+([1-9][0-9]*))?$/;

/**
 * Reads an event id: `<epoch>:<seq>` (every event up to seq), or `<epoch>:<seq>+<n>` (and the first n parts of event seq + 1,
 * which the server sent in parts because it was large).
 */
export function parseEventId(id: string | null | undefined): { epoch: string; seq: number; part: number } | null {
  if (!id) return null;
  const i = id.lastIndexOf(':');
  if (i <= 0) return null;
  const m = POSITION.exec(id.slice(i + 1));
  if (!m) return null;
  const seq = Number(m[1]);
  const part = m[2] === undefined ? 0 : Number(m[2]);
  if (!Number.isSafeInteger(seq) || !Number.isSafeInteger(part)) return null;
  return { epoch: id.slice(0, i), seq, part };
}
