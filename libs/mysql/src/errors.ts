/** MySQL admin failures a caller can act on; kinds match service-kit's ErrorKind structurally. */
export class MysqlAdminError extends Error {
  details?: Record<string, unknown>;
  constructor(
    readonly code: 'IDENTIFIER_INVALID' | 'PRIVILEGE_INVALID' | 'DATABASE_NOT_FOUND' | 'SYSTEM_DATABASE_REFUSED' | 'GRANT_FAILED' | 'CREATE_USER_FAILED' | 'DROP_USER_FAILED' | 'KILL_FAILED',
    readonly kind: 'invalid' | 'unavailable' | 'internal',
    message: string,
    options?: { cause?: unknown; details?: Record<string, unknown> },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'MysqlAdminError';
    if (options?.details) this.details = options.details;
  }
}

/** The server's error number of a mysql2 error, if any. */
export function mysqlErrno(err: unknown): number | undefined {
  const n = (err as { errno?: unknown } | undefined)?.errno;
  return typeof n === 'number' ? n : undefined;
}
