/**
 * Errors of the Slack adapter. Each carries a stable code and a kind (the service-kit error
 * handler maps kinds to HTTP status); the shape is matched structurally, so this lib does not
 * import service-kit's classes.
 */
export type SlackErrorCode =
  | 'SLACK_SIGNATURE_MISSING'
  | 'SLACK_SIGNATURE_INVALID'
  | 'SLACK_TIMESTAMP_STALE'
  | 'SLACK_REPLAYED'
  | 'SLACK_BODY_TOO_LARGE'
  | 'SLACK_PAYLOAD_INVALID'
  | 'SLACK_RATE_LIMITED'
  | 'SLACK_UNAVAILABLE'
  | 'SLACK_CALL_FAILED'
  | 'SLACK_USER_UNKNOWN';

export type SlackErrorKind = 'unauthorized' | 'forbidden' | 'too_large' | 'invalid' | 'rate_limited' | 'unavailable' | 'internal';

export class SlackAdapterError extends Error {
  constructor(
    readonly code: SlackErrorCode,
    readonly kind: SlackErrorKind,
    message: string,
    options?: { cause?: unknown; retryAfterMs?: number },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'SlackAdapterError';
    if (options?.retryAfterMs !== undefined) this.retryAfterMs = options.retryAfterMs;
  }
  /** For SLACK_RATE_LIMITED: how long Slack asked us to wait. */
  retryAfterMs?: number;
  /** For a plain Fastify error handler (service-kit maps `kind` itself). */
  get statusCode(): number {
    return STATUS[this.kind];
  }
}

const STATUS: Record<SlackErrorKind, number> = {
  unauthorized: 401,
  forbidden: 403,
  too_large: 413,
  invalid: 400,
  rate_limited: 429,
  unavailable: 503,
  internal: 500,
};
