/**
 * A full disk, as each backend reports it: SQLite's SQLITE_FULL, the file system's ENOSPC, PostgreSQL's disk_full (53100).
 * The edge answers 507 (with Retry-After) naming the cause; nothing of the refused batch is stored, the server keeps serving
 * reads and streams, and ingest resumes by itself once space is freed.
 */
export function isDiskFull(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === 'SQLITE_FULL' || code === 'ENOSPC' || code === '53100' || err instanceof ReadOnlyStoreError;
}

/** Writes to a store that was opened read-only because its disk was full at start. */
export class ReadOnlyStoreError extends Error {
  constructor(readonly where: string) {
    super(`the store ${where} was opened read-only because its disk was full at start; writes resume by themselves once space is freed`);
    this.name = 'ReadOnlyStoreError';
  }
}

/** The message of a 507: what is full, and that nothing was stored. */
export function diskFullMessage(err: unknown): string {
  if (err instanceof ReadOnlyStoreError) return `${err.message}; nothing of this request was stored`;
  const code = (err as { code?: string }).code ?? 'disk full';
  return `the server's disk is full (${code}): nothing of this request was stored; the server keeps serving reads, retry once space is freed`;
}
