/**
 * Kinds match service-kit's ErrorKind structurally (domain may not import it), so the HTTP
 * error handler maps a DomainError to a status without a second table.
 */
export type DomainErrorKind = 'invalid' | 'forbidden' | 'not_found' | 'conflict';

/** A rule of the access domain said no; `message` is written for the person who asked. */
export class DomainError extends Error {
  details?: Record<string, unknown>;
  constructor(
    readonly code: string,
    readonly kind: DomainErrorKind,
    message: string,
    options?: { cause?: unknown; details?: Record<string, unknown> },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'DomainError';
    if (options?.details) this.details = options.details;
  }
}

export function isDomainError(err: unknown, code?: string): err is DomainError {
  return err instanceof DomainError && (code === undefined || err.code === code);
}
