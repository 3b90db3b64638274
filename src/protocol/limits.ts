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
  maxBudget: 50_000,
  /** Distinct series keys one history read may ask for (repeated keys count once). */
  maxKeysPerRead: 256,
  /** keys × budget of one history read. */
  maxPointsPerRead: 1_000_000,
  /** Summary operations in one batch (all executions together). */
  maxSummaryOpsPerBatch: 10_000,
  /** An execution's whole summary as JSON (UTF-8 bytes). */
  maxSummaryBytes: 1024 * 1024,
} as const;
