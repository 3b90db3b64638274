/**
 * What went wrong with a request, in the store's and the ingest rules' own words. The HTTP edge turns the kind into a status
 * (`statusOf` in http-util.ts): `invalid` 400, `not_found` 404, `conflict` 409.
 */
export type DomainErrorKind = 'invalid' | 'not_found' | 'conflict';

/** A refused write or read: `path` names the offending field (as in ValidationError), `rule` says what it broke. */
export class DomainError extends Error {
  constructor(readonly kind: DomainErrorKind, readonly path: string, readonly rule: string) {
    super(path ? `${path}: ${rule}` : rule);
    this.name = 'DomainError';
  }
}
