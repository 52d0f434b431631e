import { createConnection, type Connection, type RowDataPacket } from 'mysql2/promise';
import type { ClusterTarget } from '@dbre/drivers';

export type Row = Record<string, unknown>;

/** A read-only session on one cluster; every query is aborted with the crawl's signal. */
export interface ReadSession {
  query(sql: string, params?: readonly unknown[]): Promise<Row[]>;
  close(): Promise<void>;
}

export class CrawlError extends Error {
  constructor(
    readonly code: 'CRAWL_ACCESS_DENIED' | 'CRAWL_UNREACHABLE' | 'CRAWL_TIMEOUT' | 'CRAWL_FAILED',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'CrawlError';
  }
  /** Retrying cannot help (wrong password, missing grants). */
  get permanent(): boolean {
    return this.code === 'CRAWL_ACCESS_DENIED';
  }
}

const ACCESS_DENIED = new Set(['ER_ACCESS_DENIED_ERROR', 'ER_DBACCESS_DENIED_ERROR', 'ER_TABLEACCESS_DENIED_ERROR', 'ER_SPECIFIC_ACCESS_DENIED_ERROR']);
const UNREACHABLE = new Set(['ECONNREFUSED', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND', 'ECONNRESET', 'PROTOCOL_CONNECTION_LOST', 'EAI_AGAIN']);

/** Maps a driver error to a CrawlError whose message is safe to show (no password). */
export function classifyError(err: unknown, clusterId: string): CrawlError {
  if (err instanceof CrawlError) return err;
  const e = err as { code?: string; message?: string };
  const message = String(e.message ?? err).replace(/password[^,)]*/gi, 'password ...');
  if (e.code && ACCESS_DENIED.has(e.code)) return new CrawlError('CRAWL_ACCESS_DENIED', `${clusterId}: access denied (${e.code}): ${message}`, { cause: err });
  if (e.code && UNREACHABLE.has(e.code)) return new CrawlError('CRAWL_UNREACHABLE', `${clusterId}: cannot reach the server (${e.code}): ${message}`, { cause: err });
  return new CrawlError('CRAWL_FAILED', `${clusterId}: ${message}`, { cause: err });
}

/** Backquotes an identifier (doubling backquotes), for SHOW statements that cannot bind names. */
export function quoteIdent(identifier: string): string {
  if (identifier.length === 0 || identifier.length > 256 || identifier.includes('\0')) {
    throw new Error(`refusing identifier ${JSON.stringify(identifier.slice(0, 64))}`);
  }
  return `\`${identifier.replaceAll('`', '``')}\``;
}

export interface OpenSessionOptions {
  target: ClusterTarget;
  connectTimeoutMs: number;
  signal?: AbortSignal | undefined;
}

/**
 * Opens one connection with the reader login (admin when the cluster has none), makes the
 * session read-only and asks MySQL 8 for fresh table statistics.
 */
export async function openReadSession(options: OpenSessionOptions): Promise<ReadSession> {
  const { target, signal } = options;
  const login = target.reader ?? target.admin;
  if (signal?.aborted) throw new CrawlError('CRAWL_TIMEOUT', `${target.id}: aborted before connecting`);
  let conn: Connection;
  try {
    conn = await createConnection({
      // TLS with the server certificate verified (RDS CA bundle on AWS) when the cluster says so.
      ...(target.tls ? { ssl: { ca: target.tls.ca, rejectUnauthorized: true, minVersion: 'TLSv1.2' } } : {}),
      host: target.endpoint.host,
      port: target.endpoint.port,
      user: login.user,
      password: login.password,
      connectTimeout: options.connectTimeoutMs,
      charset: 'utf8mb4_general_ci',
      supportBigNumbers: true,
      bigNumberStrings: false,
      dateStrings: true,
      multipleStatements: false,
    });
  } catch (err) {
    throw classifyError(err, target.id);
  }
  conn.on('error', () => undefined); // a dropped connection surfaces through the next query
  const onAbort = () => conn.destroy();
  signal?.addEventListener('abort', onAbort, { once: true });
  let closed = false;
  const session: ReadSession = {
    async query(sql, params = []) {
      if (signal?.aborted) throw new CrawlError('CRAWL_TIMEOUT', `${target.id}: crawl aborted (${String(signal.reason ?? 'timeout')})`);
      try {
        const [rows] = await conn.query<RowDataPacket[]>({ sql, values: params as unknown[] });
        return rows as Row[];
      } catch (err) {
        if (signal?.aborted) throw new CrawlError('CRAWL_TIMEOUT', `${target.id}: crawl aborted (${String(signal.reason ?? 'timeout')})`, { cause: err });
        throw classifyError(err, target.id);
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      signal?.removeEventListener('abort', onAbort);
      try {
        await Promise.race([conn.end(), new Promise((_, reject) => setTimeout(() => reject(new Error('end timeout')), 1000))]);
      } catch {
        conn.destroy();
      }
    },
  };
  try {
    await session.query('SET SESSION TRANSACTION READ ONLY');
    try {
      await session.query('SET SESSION information_schema_stats_expiry = 0');
    } catch (err) {
      // MariaDB and MySQL 5.7 have no such variable: their statistics are never cached.
      const cause = (err as { cause?: { code?: string } }).cause;
      if (cause?.code !== 'ER_UNKNOWN_SYSTEM_VARIABLE') throw err;
    }
  } catch (err) {
    await session.close();
    throw err;
  }
  return session;
}
