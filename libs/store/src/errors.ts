/** Store failures a caller can act on; kinds match service-kit's ErrorKind structurally. */
export class StoreError extends Error {
  details?: Record<string, unknown>;
  constructor(
    readonly code: 'REQUEST_EXISTS' | 'REQUEST_NOT_FOUND' | 'REQUEST_CONFLICT' | 'AUDIT_APPEND_CONTENDED' | 'STORED_ITEM_INVALID' | 'REQUEST_QUARANTINED' | 'CURSOR_INVALID',
    readonly kind: 'invalid' | 'conflict' | 'not_found' | 'unavailable' | 'internal',
    message: string,
    options?: { cause?: unknown; details?: Record<string, unknown> },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'StoreError';
    if (options?.details) this.details = options.details;
  }
}

export function isConditionalCheckFailed(err: unknown): boolean {
  return err instanceof Error && err.name === 'ConditionalCheckFailedException';
}
