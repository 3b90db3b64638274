import { validateIngestBatch, type IngestAck } from '../protocol/index.js';
import type { Store } from './store/store.js';
import type { StreamHub } from './stream-hub.js';

/** Validates, commits and then streams one batch. The ack is only returned after the commit. */
export function ingest(store: Store, hub: StreamHub, body: unknown, now = Date.now()): IngestAck {
  const batch = validateIngestBatch(body, now);
  const result = store.applyBatch(batch, now);
  for (const event of result.events) hub.publish(event);
  return { ok: true, batchId: batch.batchId ?? null, duplicate: result.duplicate, points: result.points };
}
