/** Limits enforced by the server and respected by the SDK. */
export const LIMITS = {
  /** Request body of one ingest batch. */
  maxBatchBytes: 32 * 1024 * 1024,
  maxPointsPerBatch: 1_000_000,
  maxExecutionsPerBatch: 1000,
  maxKeyLength: 200,
  maxNameLength: 200,
  maxIdLength: 100,
  maxLabels: 50,
  maxLabelLength: 200,
  maxErrorLength: 10_000,
  maxBatchIdLength: 100,
  /** The largest |x| of a point: beyond 2^53 consecutive integers are no longer distinct doubles (steps would merge). */
  maxAbsX: 2 ** 53,
  /** History reads: the largest point budget a client may ask for. */
  maxBudget: 100_000,
} as const;
