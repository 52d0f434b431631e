/** Store failures a caller can act on; kinds match service-kit's ErrorKind structurally. */
export class StoreError extends Error {
  constructor(
    readonly code: 'REQUEST_EXISTS' | 'REQUEST_NOT_FOUND' | 'REQUEST_CONFLICT' | 'AUDIT_APPEND_CONTENDED' | 'STORED_ITEM_INVALID',
    readonly kind: 'conflict' | 'not_found' | 'unavailable' | 'internal',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'StoreError';
  }
}

export function isConditionalCheckFailed(err: unknown): boolean {
  return err instanceof Error && err.name === 'ConditionalCheckFailedException';
}
