import type { IncomingMessage, ServerResponse } from 'node:http';
import { LIMITS, ValidationError } from '../protocol/index.js';
import type { AppContext } from './app.js';
import { cogExecutionId, cogPredictionToUpdate, cogUpdateChanges, parseCogPrediction } from './cog.js';
import { readJson, sendJson } from './http-util.js';
import { commitAndPublish } from './ingest.js';

const MODEL_NAME = /^[A-Za-z0-9][A-Za-z0-9_.:/-]{0,199}$/;

/** `POST /api/ingest/cog?model=<name>`: Cog prediction webhooks (start, output, logs, completed) become one live execution. */
export async function postCogWebhook(ctx: AppContext, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  const model = url.searchParams.get('model') ?? 'cog';
  if (!MODEL_NAME.test(model)) throw new ValidationError('model', 'query parameter must be 1–200 letters, digits, "_", ".", ":", "/" or "-"');
  const body = await ctx.bodies.with(req, () => readJson(req, { limit: LIMITS.maxBatchBytes, idleMs: ctx.bodyIdleMs }));
  await ctx.turns.next();
  const prediction = parseCogPrediction(body);
  const now = Date.now();
  const executionId = cogExecutionId(prediction.id);
  const existing = (await ctx.store.getExecution(executionId))?.execution ?? null;
  const update = cogPredictionToUpdate(prediction, { model, existing, now });
  const applied = cogUpdateChanges(update);
  // A late delivery for an ended prediction changes nothing at all; one for a running prediction still tells it is alive.
  if (applied || existing?.status === 'running' || existing?.status === 'lost') {
    await commitAndPublish(ctx.store, ctx.hub, { executions: [update] }, now);
  }
  sendJson(res, 200, { ok: true, executionId, applied });
}
