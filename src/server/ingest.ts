import { validateIngestBatch, type AcceptedBatch, type IngestAck } from '../protocol/index.js';
import { applyBatch, type ApplyResult } from './ingest/apply.js';
import type { Store } from './store/store.js';
import type { StreamHub } from './stream-hub.js';

/**
 * The one ingest path of every adapter (JSON, binary, Cog, …): decides and commits the batch with the rules of
 * ingest/apply.ts, then streams what changed (on a store with a feed, the feed streams it, on every replica alike).
 * Resolves after the commit.
 */
export async function commitAndPublish(store: Store, hub: StreamHub, batch: AcceptedBatch, now: number): Promise<ApplyResult> {
  const result = await applyBatch(store, batch, now);
  if (!store.feed) for (const event of result.events) hub.publish(event);
  return result;
}

/** Validates, commits and then streams one batch. The ack is only returned after the commit. */
export async function ingest(store: Store, hub: StreamHub, body: unknown, now = Date.now()): Promise<IngestAck> {
  const batch = validateIngestBatch(body, now);
  const result = await commitAndPublish(store, hub, batch, now);
  return { ok: true, batchId: batch.batchId ?? null, duplicate: result.duplicate, points: result.points };
}
