import {
  summaryKeyProblem, summaryValueProblem, ValidationError,
  type EndStatus, type Execution, type ExecutionUpdate, type SummaryOp, type SummaryValue,
} from '../protocol/index.js';
import { summaryTypeOf } from '../protocol/summary.js';

/** Cog prediction statuses and what they become here. */
const STATUS: Record<string, EndStatus | 'running'> = {
  starting: 'running',
  processing: 'running',
  succeeded: 'succeeded',
  failed: 'failed',
  canceled: 'cancelled',
};

export interface CogPrediction {
  id: string;
  status: keyof typeof STATUS;
  version?: string;
  createdAt?: number;
  startedAt?: number;
  completedAt?: number;
  metrics: Record<string, unknown>;
  error: string | null;
}

function time(v: unknown, path: string): number | undefined {
  if (v === undefined || v === null) return undefined;
  const t = typeof v === 'string' ? Date.parse(v) : NaN;
  if (!Number.isFinite(t)) throw new ValidationError(path, 'must be an ISO 8601 timestamp');
  return t;
}

/** Checks the fields of a Cog webhook payload that Plotline uses; other fields (input, output, logs, …) are ignored. */
export function parseCogPrediction(payload: unknown): CogPrediction {
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) throw new ValidationError('body', 'must be a Cog prediction object');
  const p = payload as Record<string, unknown>;
  if (typeof p.id !== 'string' || p.id.length === 0) throw new ValidationError('id', 'must be a non-empty string (the prediction id)');
  if (typeof p.status !== 'string' || !(p.status in STATUS)) throw new ValidationError('status', `must be one of ${Object.keys(STATUS).join(', ')}`);
  if (p.metrics !== undefined && p.metrics !== null && (typeof p.metrics !== 'object' || Array.isArray(p.metrics))) throw new ValidationError('metrics', 'must be an object');
  if (p.error !== undefined && p.error !== null && typeof p.error !== 'string') throw new ValidationError('error', 'must be a string or null');
  const createdAt = time(p.created_at, 'created_at');
  const startedAt = time(p.started_at, 'started_at');
  const completedAt = time(p.completed_at, 'completed_at');
  return {
    id: p.id,
    status: p.status,
    ...(typeof p.version === 'string' && { version: p.version }),
    ...(createdAt !== undefined && { createdAt }),
    ...(startedAt !== undefined && { startedAt }),
    ...(completedAt !== undefined && { completedAt }),
    metrics: (p.metrics as Record<string, unknown> | null | undefined) ?? {},
    error: (p.error as string | null | undefined) ?? null,
  };
}

export function cogExecutionId(predictionId: string): string {
  return `cog-${predictionId.replace(/[^A-Za-z0-9_.:-]/g, '-')}`.slice(0, 100);
}

/**
 * Maps one webhook delivery to an update of the prediction's execution, or null when it brings nothing new. Deliveries may repeat
 * or arrive out of order: a prediction that has ended is never reopened, and a `completed` delivery arriving first starts and ends
 * it at once. `metrics` become summary values (keys breaking the summary-key rules are skipped: Cog itself would not produce them);
 * Cog's own `predict_time` is kept by ending the execution exactly that long after it started.
 */
export function cogPredictionToUpdate(prediction: CogPrediction, opts: { model: string; existing: Execution | null; now: number }): ExecutionUpdate | null {
  const id = cogExecutionId(prediction.id);
  const { existing } = opts;
  if (existing && existing.status !== 'running' && existing.status !== 'lost') return null;
  const update: ExecutionUpdate = { id };
  const startedAt = prediction.startedAt ?? prediction.createdAt ?? opts.now;
  if (!existing) {
    update.start = {
      name: opts.model,
      labels: { source: 'cog', prediction: prediction.id, ...(prediction.version && { version: prediction.version }) },
      startedAt,
    };
  }
  const summary: SummaryOp[] = [];
  const current = existing?.summary ?? {};
  for (const [key, value] of Object.entries(prediction.metrics)) {
    if (key === 'predict_time' || summaryKeyProblem(key) || value === null || summaryValueProblem(value)) continue;
    const v = value as SummaryValue;
    const old = current[key];
    if (old !== undefined && JSON.stringify(old) === JSON.stringify(v)) continue;
    // Cog's payload is the truth: a value whose type changed replaces the old one.
    if (old !== undefined && summaryTypeOf(old) !== summaryTypeOf(v)) summary.push({ key, value: null, mode: 'replace' });
    summary.push({ key, value: v, mode: 'replace' });
  }
  if (summary.length > 0) update.summary = summary;
  const status = STATUS[prediction.status]!;
  if (status !== 'running') {
    const predictTime = prediction.metrics.predict_time;
    const begun = existing?.startedAt ?? startedAt;
    const endedAt = typeof predictTime === 'number' && Number.isFinite(predictTime) && predictTime >= 0
      ? begun + predictTime * 1000
      : prediction.completedAt ?? opts.now;
    update.end = { status, endedAt: Math.max(begun, endedAt), ...(prediction.error !== null && { error: prediction.error }) };
  }
  return update.start || update.summary || update.end ? update : null;
}
