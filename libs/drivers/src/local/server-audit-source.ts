import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join } from 'node:path';
import mysql, { type RowDataPacket } from 'mysql2/promise';
import { parseAuditLine, sortAuditRecords } from '../audit-log-line';
import type { AuditQuery, AuditRecord, AuditRecords, AuditSource, ClusterTarget, Inventory } from '../ports';

/** The events the platform's evidence needs the plugin to log. */
export const SERVER_AUDIT_EVENTS = ['CONNECT', 'QUERY_DDL', 'QUERY_DML', 'QUERY_DCL'] as const;

/** Minimal query surface of a mysql2 connection or pool. */
export interface SqlRunner {
  query(sql: string, values?: unknown[]): Promise<unknown>;
}

export interface ServerAuditSettings {
  installed: boolean;
  logging: boolean;
  events: string[];
  filePath: string;
  datadir: string;
  /** Minutes the server's local time (in which the plugin writes) is ahead of UTC. */
  utcOffsetMinutes: number;
}

async function rows(runner: SqlRunner, sql: string, values?: unknown[]): Promise<RowDataPacket[]> {
  const [result] = (await runner.query(sql, values)) as [RowDataPacket[]];
  return result;
}

/** Reads the plugin's settings and the server's UTC offset (its SYSTEM time zone, which the plugin uses). */
export async function readServerAuditSettings(runner: SqlRunner): Promise<ServerAuditSettings> {
  const vars = new Map<string, string>();
  for (const r of await rows(runner, "SHOW GLOBAL VARIABLES WHERE Variable_name IN ('server_audit_logging', 'server_audit_events', 'server_audit_file_path', 'datadir')")) {
    vars.set(String(r['Variable_name']), String(r['Value']));
  }
  // The plugin formats times with the process's local time: SYSTEM, whatever @@time_zone says.
  const [offset] = await rows(runner, "SELECT TIMESTAMPDIFF(MINUTE, UTC_TIMESTAMP(), CONVERT_TZ(UTC_TIMESTAMP(), '+00:00', 'SYSTEM')) AS m");
  return {
    installed: vars.has('server_audit_logging'),
    logging: vars.get('server_audit_logging') === 'ON',
    events: (vars.get('server_audit_events') ?? '').split(',').map((e) => e.trim()).filter(Boolean),
    filePath: vars.get('server_audit_file_path') ?? 'server_audit.log',
    datadir: vars.get('datadir') ?? '',
    utcOffsetMinutes: Number(offset?.['m'] ?? 0),
  };
}

/** Why a log with these settings may miss some of the user's statements (empty: none). */
export function serverAuditWarnings(settings: Pick<ServerAuditSettings, 'installed' | 'logging' | 'events'>): string[] {
  if (!settings.installed) return ['the server_audit plugin is not installed: no database records exist'];
  const warnings: string[] = [];
  if (!settings.logging) warnings.push('server_audit_logging is OFF: statements run while it was off are not recorded');
  // Empty means every event; QUERY covers the QUERY_* classes.
  if (settings.events.length > 0) {
    const has = new Set(settings.events);
    const missing = SERVER_AUDIT_EVENTS.filter((e) => !has.has(e) && !(e.startsWith('QUERY_') && has.has('QUERY')));
    if (missing.length) warnings.push(`server_audit_events does not include ${missing.join(', ')}`);
  }
  return warnings;
}

/**
 * Turns the audit plugin on for the platform's events, idempotently and without taking anything
 * away from others: installs it when missing, adds the platform's events to those already logged
 * (an empty list already logs everything), sets logging ON, and only ever raises the rotation size
 * and statement length limit. The server masks passwords in CREATE USER / GRANT / SET PASSWORD.
 */
export async function enableServerAudit(runner: SqlRunner, options: { rotateSizeBytes?: number; queryLogLimit?: number } = {}): Promise<ServerAuditSettings> {
  const [plugin] = await rows(runner, "SELECT PLUGIN_STATUS AS s FROM information_schema.PLUGINS WHERE PLUGIN_NAME = 'SERVER_AUDIT'");
  if (!plugin) {
    try {
      await runner.query("INSTALL SONAME 'server_audit'");
    } catch (err) {
      // 1968: already installed (another process raced us); 1125: function exists.
      const errno = (err as { errno?: number }).errno;
      if (errno !== 1968 && errno !== 1125) throw err;
    }
  }
  const before = await readServerAuditSettings(runner);
  const loggingEverything = before.logging && before.events.length === 0;
  if (!loggingEverything) {
    const events = [...new Set([...before.events, ...SERVER_AUDIT_EVENTS])].join(',');
    if (events !== before.events.join(',')) await runner.query('SET GLOBAL server_audit_events = ?', [events]);
  }
  if (!before.logging) await runner.query('SET GLOBAL server_audit_logging = ON');
  const limits = await rows(runner, "SHOW GLOBAL VARIABLES WHERE Variable_name IN ('server_audit_file_rotate_size', 'server_audit_query_log_limit')");
  const current = new Map(limits.map((r) => [String(r['Variable_name']), Number(r['Value'])]));
  const rotate = options.rotateSizeBytes ?? 16 * 1024 * 1024;
  const limit = options.queryLogLimit ?? 64 * 1024;
  if ((current.get('server_audit_file_rotate_size') ?? 0) < rotate) await runner.query('SET GLOBAL server_audit_file_rotate_size = ?', [rotate]);
  if ((current.get('server_audit_query_log_limit') ?? 0) < limit) await runner.query('SET GLOBAL server_audit_query_log_limit = ?', [limit]);
  return readServerAuditSettings(runner);
}

export interface ServerAuditSourceOptions {
  /** Where the cluster's admin login comes from (to read the plugin's settings). */
  inventory: Pick<Inventory, 'get'>;
  /** The log file, when it is not where the server says (a copy, a mount). */
  logPath?: string;
  /** Grace around the window (the log keeps whole seconds). Default 1000 ms. */
  slackMs?: number;
}

export class AuditSourceError extends Error {
  constructor(
    readonly code: 'AUDIT_CLUSTER_UNKNOWN' | 'AUDIT_LOG_UNREADABLE',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'AuditSourceError';
  }
}

/** The rotated files beside `path` (`server_audit.log.1`, `.2`, ...), newest first, then the current file first of all. */
async function logFiles(path: string): Promise<Array<{ path: string; mtimeMs: number }>> {
  const dir = dirname(path);
  const base = basename(path);
  const names = await readdir(dir);
  const rotated = names
    .map((n) => ({ n, m: n.startsWith(`${base}.`) ? /^\d+$/.exec(n.slice(base.length + 1)) : null }))
    .flatMap((x) => (x.m ? [{ name: x.n, index: Number(x.m[0]) }] : []))
    .sort((a, b) => a.index - b.index);
  const out: Array<{ path: string; mtimeMs: number }> = [];
  for (const name of [base, ...rotated.map((r) => r.name)]) {
    try {
      const s = await stat(join(dir, name));
      out.push({ path: join(dir, name), mtimeMs: s.mtimeMs });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
  return out;
}

/**
 * The lines of a file that hold `needle`, read in chunks with a byte search: only the matching
 * lines are decoded. (Splitting every line cost ~85 ms of CPU per 4 MB log and grant at revoke.)
 */
async function* linesHolding(path: string, needle: string): AsyncGenerator<string> {
  const pattern = Buffer.from(needle, 'utf8');
  let carry = Buffer.alloc(0);
  for await (const chunk of createReadStream(path)) {
    const buf = carry.length ? Buffer.concat([carry, chunk as Buffer]) : (chunk as Buffer);
    // Only whole lines are searched; the unfinished one waits for the next chunk.
    const complete = buf.lastIndexOf(0x0a) + 1;
    yield* linesOf(buf.subarray(0, complete), pattern);
    carry = Buffer.from(buf.subarray(complete));
  }
  if (carry.length) yield* linesOf(carry, pattern);
}

function* linesOf(buf: Buffer, pattern: Buffer): Generator<string> {
  for (let at = buf.indexOf(pattern); at !== -1; ) {
    const start = buf.lastIndexOf(0x0a, at) + 1;
    const newline = buf.indexOf(0x0a, at);
    const end = newline === -1 ? buf.length : newline;
    const line = buf.toString('utf8', start, end);
    yield line.endsWith('\r') ? line.slice(0, -1) : line;
    at = newline === -1 ? -1 : buf.indexOf(pattern, end);
  }
}

/**
 * AuditSource over MariaDB's `server_audit` log file (the local stack: the file is on this
 * machine). Reads the current file and every rotated one, newest first, so a rotation during the
 * read duplicates lines (dropped) rather than skipping them; skips rotated files last written
 * before the window.
 */
export function createServerAuditSource(options: ServerAuditSourceOptions): AuditSource {
  const slack = options.slackMs ?? 1000;
  const settingsOf = async (target: ClusterTarget): Promise<ServerAuditSettings> => {
    const conn = await mysql.createConnection({ host: target.endpoint.host, port: target.endpoint.port, user: target.admin.user, password: target.admin.password, connectTimeout: 5000 });
    try {
      return await readServerAuditSettings(conn);
    } finally {
      await conn.end().catch(() => undefined);
    }
  };
  return {
    async records(query: AuditQuery): Promise<AuditRecords> {
      const target = await options.inventory.get(query.clusterId);
      if (!target) throw new AuditSourceError('AUDIT_CLUSTER_UNKNOWN', `cluster ${query.clusterId} is not in the inventory`);
      const settings = await settingsOf(target);
      const path = options.logPath ?? (isAbsolute(settings.filePath) ? settings.filePath : join(settings.datadir, settings.filePath));
      const source = `mariadb-server-audit:${basename(path)}`;
      const warnings = serverAuditWarnings(settings);
      if (!settings.installed) return { records: [], source, warnings };
      const fromMs = Math.floor((query.from.getTime() - slack) / 1000) * 1000;
      const toMs = query.to.getTime() + slack;
      let files;
      try {
        files = await logFiles(path);
      } catch (err) {
        throw new AuditSourceError('AUDIT_LOG_UNREADABLE', `cannot list the audit log folder of ${basename(path)}: ${(err as Error).message}`, { cause: err });
      }
      if (files.length === 0) return { records: [], source, warnings: [...warnings, `no audit log file ${basename(path)} found`] };
      const needle = `,${query.user},`;
      const seen = new Set<string>();
      const records: AuditRecord[] = [];
      for (const [index, file] of files.entries()) {
        query.signal?.throwIfAborted();
        // The current file (first) is always read; a rotated one last written before the window holds nothing in it.
        if (index > 0 && file.mtimeMs < fromMs) continue;
        try {
          for await (const line of linesHolding(file.path, needle)) {
            if (seen.has(line)) continue;
            const record = parseAuditLine(line, { utcOffsetMinutes: settings.utcOffsetMinutes });
            if (!record || record.user !== query.user) continue;
            const t = Date.parse(record.at);
            if (t < fromMs || t > toMs) continue;
            seen.add(line);
            records.push(record);
          }
        } catch (err) {
          // A rotation may rename the last file away between listing and reading: nothing lost.
          if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
          throw new AuditSourceError('AUDIT_LOG_UNREADABLE', `cannot read ${basename(file.path)}: ${(err as Error).message}`, { cause: err });
        }
      }
      // A DISCONNECT stamped before its connection's last statement is put after it (sortAuditRecords).
      return { records: sortAuditRecords(records), source, warnings };
    },
  };
}

/**
 * Whether a local cluster's audit logging is on, for the evidence's `clusterAuditLogging`: reads
 * the plugin's settings with the admin login. undefined when the cluster is unknown or unreachable.
 */
export function createServerAuditLoggingCheck(options: { inventory: Pick<Inventory, 'get'> }): (clusterId: string) => Promise<{ enabled: boolean; detail?: string } | undefined> {
  return async (clusterId) => {
    const target = await options.inventory.get(clusterId);
    if (!target) return undefined;
    let conn: mysql.Connection | undefined;
    try {
      conn = await mysql.createConnection({ host: target.endpoint.host, port: target.endpoint.port, user: target.admin.user, password: target.admin.password, connectTimeout: 5000 });
      const settings = await readServerAuditSettings(conn);
      const warnings = serverAuditWarnings(settings);
      const enabled = settings.installed && settings.logging;
      return warnings.length ? { enabled, detail: warnings.join('; ') } : { enabled, detail: `server_audit_logging=ON, events ${settings.events.join(',') || 'all'}` };
    } catch {
      return undefined;
    } finally {
      await conn?.end().catch(() => undefined);
    }
  };
}
