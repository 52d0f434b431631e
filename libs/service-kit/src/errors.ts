/**
 * What went wrong, in terms a caller can act on. Libs raise their own error classes with a
 * stable `code` and one of these kinds; the HTTP error handler maps kinds to status codes in
 * one table (`statusByKind`), so no route picks status codes by hand.
 */
export type ErrorKind =
  | 'invalid'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'too_large'
  | 'unprocessable'
  | 'rate_limited'
  | 'unavailable'
  | 'internal';

export const statusByKind: Record<ErrorKind, number> = {
  invalid: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  too_large: 413,
  unprocessable: 422,
  rate_limited: 429,
  unavailable: 503,
  internal: 500,
};

/** Any error carrying a stable code and a kind; libs that may not import this one match it structurally. */
export interface CodedError extends Error {
  code: string;
  kind: ErrorKind;
  /** Extra fields safe to show a caller (never secrets). */
  details?: Record<string, unknown>;
}

export class AppError extends Error implements CodedError {
  constructor(
    readonly code: string,
    readonly kind: ErrorKind,
    message: string,
    options?: { cause?: unknown; details?: Record<string, unknown> },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AppError';
    if (options?.details) this.details = options.details;
  }
  details?: Record<string, unknown>;
}

export function isCodedError(err: unknown): err is CodedError {
  return (
    err instanceof Error &&
    typeof (err as Partial<CodedError>).code === 'string' &&
    typeof (err as Partial<CodedError>).kind === 'string' &&
    (err as CodedError).kind in statusByKind
  );
}
