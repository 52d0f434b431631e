import { createHash } from 'node:crypto';
import mysql, { type Pool, type PoolOptions, type RowDataPacket } from 'mysql2/promise';
import { GRANTABLE_PRIVILEGES, SYSTEM_DATABASE_PRIVILEGES, systemDatabaseOf } from '@dbre/domain';
import { MysqlAdminError, mysqlErrno } from './errors';
import { accountName, grantScope, quoteIdentifier, validateIdentifier } from './identifiers';

export type MysqlEngine = 'aurora-mysql' | 'mysql' | 'mariadb';

export interface Endpoint {
  host: string;
  port: number;
}

/** One target cluster; structurally the drivers' ClusterTarget with the password resolved. */
export interface ClusterConnection {
  id: string;
  engine: MysqlEngine;
  /** Writer endpoint: users are created and dropped here. */
  endpoint: Endpoint;
  /** Every instance endpoint (sessions are killed on each); empty = the writer only. */
  instances: Endpoint[];
  admin: { user: string; password: string };
  /** TLS with the server certificate verified against `ca` (PEM); plain TCP when absent. */
  tls?: { ca: string };
}

/** Minimal logger (pino-compatible). */
export interface AdminLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

export interface AccessAdminOptions {
  cluster: ClusterConnection;
  /** Host part of every one-off account. */
  userHost?: string;
  /** `kill` = KILL CONNECTION id; `rds_kill` = CALL mysql.rds_kill(id). Default by engine (aurora-mysql → rds_kill). */
  killMethod?: 'kill' | 'rds_kill';
  /** `schema.procedure` called by the rds_kill method; `mysql.rds_kill` on RDS/Aurora (other values: stand-ins in tests). */
  rdsKillProcedure?: string;
  /** Name prefix of platform-made users (see docs/access-mysql-users.md). */
  userPrefix?: string;
  /** Longest user name the server accepts (MySQL 5.7+/Aurora 32, MariaDB 80). Default by engine. */
  maxUserNameLength?: number;
  /** Schema that holds the failsafe EVENTs (created if missing). */
  eventSchema?: string;
  connectTimeoutMs?: number;
  logger?: AdminLogger;
}

export interface CreateUserInput {
  user: string;
  /** Sent as a bound (escaped) value, never logged. */
  password: string;
  /** Grantable privileges (see GRANTABLE_PRIVILEGES). */
  privileges: readonly string[];
  /** A database name, or `*` for every database. */
  database: string;
}

export interface InstanceKillReport {
  endpoint: string;
  killed: number[];
  /** Threads of the user still listed after the kill (should be empty). */
  remaining: number[];
  /** The instance could not be reached or refused the kill. */
  error?: string;
}

export interface KillReport {
  killed: number;
  remaining: number;
  instances: InstanceKillReport[];
}

export interface DropReport {
  /** dropped; absent = there was nothing to drop; locked = MySQL refused DROP (user is a DEFINER, 4006), so it was locked and stripped instead. */
  outcome: 'dropped' | 'absent' | 'locked';
  detail?: string;
}

export interface RevokeReport {
  kill: KillReport;
  drop: DropReport;
  /** Sessions found and killed after the drop (a login that raced the lock). */
  lateKill: KillReport;
}

export interface PlatformUser {
  user: string;
  host: string;
}

export interface AccessAdmin {
  readonly clusterId: string;
  /** Idempotent: creates the account if missing, (re)sets the password, grants; on a failed GRANT drops it again. */
  createUser(input: CreateUserInput): Promise<{ existed: boolean }>;
  userExists(user: string): Promise<boolean>;
  /** Whether the database exists on the cluster, compared exactly (no wildcard, no case folding). */
  databaseExists(database: string): Promise<boolean>;
  /** Throws DATABASE_NOT_FOUND unless the database exists (`*` always passes). */
  requireDatabase(database: string): Promise<void>;
  /** Thread ids of the user's sessions on every instance. */
  listSessions(user: string): Promise<Array<{ endpoint: string; id: number }>>;
  /** Kills every session of the user on every instance endpoint, then re-checks. Throws KILL_FAILED if an instance cannot be reached. */
  killSessions(user: string): Promise<KillReport>;
  /** Prevents new logins (ALTER USER ... ACCOUNT LOCK); false when the user does not exist. */
  lockUser(user: string): Promise<boolean>;
  /** DROP USER IF EXISTS; 1396 = already gone; 4006 → ACCOUNT LOCK + REVOKE ALL, reported as `locked`. */
  dropUser(user: string): Promise<DropReport>;
  /** The whole revoke on the database side: lock, kill everywhere, drop, kill any straggler. Idempotent. */
  revokeAccess(user: string): Promise<RevokeReport>;
  /** Every account whose name starts with the platform prefix (orphan search). */
  listPlatformUsers(prefix?: string): Promise<PlatformUser[]>;
  /** Whether `@@global.event_scheduler` is ON. */
  eventSchedulerOn(): Promise<boolean>;
  /**
   * Failsafe: a one-time EVENT that drops the user at `at` even if the platform is down. Only
   * when the scheduler is ON (or `force`); replaces an earlier one for the same user (extension).
   */
  scheduleDropEvent(user: string, at: Date, options?: { force?: boolean }): Promise<{ scheduled: boolean; event?: string; reason?: string }>;
  /** Removes the failsafe event; absent is fine. */
  dropDropEvent(user: string): Promise<void>;
  /** Readiness probe: SELECT 1 on the writer. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

const DEFAULT_MAX_USER: Record<MysqlEngine, number> = { 'aurora-mysql': 32, mysql: 32, mariadb: 80 };
const ER_CANNOT_USER = 1396;
const ER_NO_SUCH_THREAD = 1094;
const ER_CANNOT_USER_REFERENCED_AS_DEFINER = 4006;

/** Name of the failsafe event of a user: stable, ≤ 64 chars. */
export function dropEventName(user: string): string {
  return `dbre_drop_${createHash('sha256').update(user).digest('hex').slice(0, 24)}`;
}

export function createAccessAdmin(options: AccessAdminOptions): AccessAdmin {
  const { cluster } = options;
  const host = validateIdentifier(options.userHost ?? '%', 'host');
  const killMethod = options.killMethod ?? (cluster.engine === 'aurora-mysql' ? 'rds_kill' : 'kill');
  const maxUser = options.maxUserNameLength ?? DEFAULT_MAX_USER[cluster.engine];
  const prefix = options.userPrefix ?? 'jit_';
  const rdsKill = (options.rdsKillProcedure ?? 'mysql.rds_kill').split('.').map((part) => quoteIdentifier(part, 'event')).join('.');
  const eventSchema = options.eventSchema ?? 'dbre_platform';
  const log = options.logger;
  const account = (user: string) => accountName(user, host, maxUser);

  // TLS with the server certificate verified (RDS CA bundle on AWS) when the cluster says so.
  const ssl = cluster.tls ? { ssl: { ca: cluster.tls.ca, rejectUnauthorized: true, minVersion: 'TLSv1.2' as const } } : {};
  const poolOptions = (ep: Endpoint): PoolOptions => ({
    ...ssl,
    host: ep.host,
    port: ep.port,
    user: cluster.admin.user,
    password: cluster.admin.password,
    connectTimeout: options.connectTimeoutMs ?? 5000,
    connectionLimit: 2,
    maxIdle: 1,
    idleTimeout: 30_000,
    waitForConnections: true,
    multipleStatements: false,
    enableKeepAlive: true,
    timezone: 'Z',
  });
  const pools = new Map<string, Pool>();
  const keyOf = (ep: Endpoint) => `${ep.host}:${ep.port}`;
  const poolFor = (ep: Endpoint): Pool => {
    let pool = pools.get(keyOf(ep));
    if (!pool) {
      pool = mysql.createPool(poolOptions(ep));
      pools.set(keyOf(ep), pool);
    }
    return pool;
  };
  const writer = () => poolFor(cluster.endpoint);
  const instanceEndpoints = (): Endpoint[] => {
    const all = cluster.instances.length ? cluster.instances : [cluster.endpoint];
    return [...new Map(all.map((e) => [keyOf(e), e])).values()];
  };

  const userExists = async (user: string): Promise<boolean> => {
    validateIdentifier(user, 'user', maxUser);
    const [rows] = await writer().query<RowDataPacket[]>('SELECT COUNT(*) AS n FROM mysql.user WHERE User = ? AND Host = ?', [user, host]);
    return Number(rows[0]?.['n'] ?? 0) > 0;
  };

  const databaseExists = async (database: string): Promise<boolean> => {
    validateIdentifier(database, 'database');
    // SCHEMA_NAME compares case-insensitively: compare the names in JavaScript, exactly.
    const [rows] = await writer().query<RowDataPacket[]>('SELECT SCHEMA_NAME AS name FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?', [database]);
    return rows.some((r) => String(r['name']) === database);
  };

  const requireDatabase = async (database: string): Promise<void> => {
    if (database === '*') return;
    if (!(await databaseExists(database))) {
      throw new MysqlAdminError('DATABASE_NOT_FOUND', 'invalid', `There is no database ${JSON.stringify(database)} on cluster ${cluster.id}; access is granted to existing databases only.`, {
        details: { clusterId: cluster.id, database },
      });
    }
  };

  const sessionsOn = async (ep: Endpoint, user: string): Promise<number[]> => {
    const [rows] = await poolFor(ep).query<RowDataPacket[]>('SELECT ID AS id FROM information_schema.PROCESSLIST WHERE USER = ?', [user]);
    return rows.map((r) => Number(r['id']));
  };

  const killSessions = async (user: string): Promise<KillReport> => {
    validateIdentifier(user, 'user', maxUser);
    const instances = await Promise.all(
      instanceEndpoints().map(async (ep): Promise<InstanceKillReport> => {
        const endpoint = keyOf(ep);
        try {
          const ids = await sessionsOn(ep, user);
          const killed: number[] = [];
          for (const id of ids) {
            try {
              if (!Number.isSafeInteger(id)) continue;
              await poolFor(ep).query(killMethod === 'rds_kill' ? `CALL ${rdsKill}(?)` : 'KILL CONNECTION ?', [id]);
              killed.push(id);
            } catch (err) {
              if (mysqlErrno(err) !== ER_NO_SUCH_THREAD) throw err;
            }
          }
          // A killed thread may linger in the processlist for a moment; wait until it is gone.
          let remaining = ids.length ? await sessionsOn(ep, user) : [];
          for (let i = 0; i < 40 && remaining.length; i++) {
            await new Promise((r) => setTimeout(r, 25));
            remaining = await sessionsOn(ep, user);
          }
          return { endpoint, killed, remaining };
        } catch (err) {
          return { endpoint, killed: [], remaining: [], error: (err as Error).message };
        }
      }),
    );
    const failed = instances.filter((i) => i.error);
    if (failed.length) {
      throw new MysqlAdminError('KILL_FAILED', 'unavailable', `Could not kill the sessions of ${user} on ${failed.map((f) => `${f.endpoint} (${f.error})`).join(', ')}.`, {
        details: { instances },
      });
    }
    const report = {
      killed: instances.reduce((s, i) => s + i.killed.length, 0),
      remaining: instances.reduce((s, i) => s + i.remaining.length, 0),
      instances,
    };
    log?.info({ clusterId: cluster.id, dbUser: user, killed: report.killed, remaining: report.remaining }, 'killed user sessions');
    return report;
  };

  const lockUser = async (user: string): Promise<boolean> => {
    try {
      await writer().query(`ALTER USER ${account(user)} ACCOUNT LOCK`);
      return true;
    } catch (err) {
      if (mysqlErrno(err) === ER_CANNOT_USER) return false;
      throw err;
    }
  };

  const dropUser = async (user: string): Promise<DropReport> => {
    const acct = account(user);
    if (!(await userExists(user))) return { outcome: 'absent' };
    try {
      await writer().query(`DROP USER IF EXISTS ${acct}`);
      log?.info({ clusterId: cluster.id, dbUser: user }, 'dropped user');
      return { outcome: 'dropped' };
    } catch (err) {
      const errno = mysqlErrno(err);
      if (errno === ER_CANNOT_USER) return { outcome: 'absent' };
      if (errno !== ER_CANNOT_USER_REFERENCED_AS_DEFINER) {
        throw new MysqlAdminError('DROP_USER_FAILED', 'unavailable', `Could not drop ${user} on ${cluster.id}: ${(err as Error).message}`, { cause: err });
      }
      await writer().query(`ALTER USER ${acct} ACCOUNT LOCK`);
      await writer().query(`REVOKE ALL PRIVILEGES, GRANT OPTION FROM ${acct}`);
      const detail = `${user} is the DEFINER of stored objects, so MySQL refused DROP USER (4006); the account was locked and stripped of every privilege instead. Reassign the objects' DEFINER, then drop it.`;
      log?.warn({ clusterId: cluster.id, dbUser: user }, detail);
      return { outcome: 'locked', detail };
    }
  };

  const eventSchedulerOn = async (): Promise<boolean> => {
    const [rows] = await writer().query<RowDataPacket[]>('SELECT @@global.event_scheduler AS s');
    return String(rows[0]?.['s'] ?? '').toUpperCase() === 'ON';
  };

  const dropDropEvent = async (user: string): Promise<void> => {
    validateIdentifier(user, 'user', maxUser);
    try {
      await writer().query(`DROP EVENT IF EXISTS ${quoteIdentifier(eventSchema)}.${quoteIdentifier(dropEventName(user), 'event')}`);
    } catch (err) {
      // 1049: the schema does not exist, so neither does the event.
      if (mysqlErrno(err) !== 1049) throw err;
    }
  };

  return {
    clusterId: cluster.id,
    userExists,
    databaseExists,
    requireDatabase,
    killSessions,
    lockUser,
    dropUser,
    dropDropEvent,
    eventSchedulerOn,

    async createUser(input) {
      const acct = account(input.user);
      const scope = grantScope(input.database);
      if (input.privileges.length === 0) throw new MysqlAdminError('PRIVILEGE_INVALID', 'invalid', 'A grant needs at least one privilege.');
      const privileges = input.privileges.map((p) => {
        const norm = p.trim().toUpperCase().replace(/\s+/g, ' ');
        if (!(GRANTABLE_PRIVILEGES as readonly string[]).includes(norm)) {
          throw new MysqlAdminError('PRIVILEGE_INVALID', 'invalid', `Privilege ${JSON.stringify(p)} is not grantable; allowed: ${GRANTABLE_PRIVILEGES.join(', ')}.`);
        }
        return norm;
      });
      const system = systemDatabaseOf(input.database);
      const unsafe = system ? privileges.filter((p) => !(SYSTEM_DATABASE_PRIVILEGES as readonly string[]).includes(p)) : [];
      if (unsafe.length) {
        // Whatever the policy says: INSERT on mysql (or on *.*) is enough for CREATE USER.
        throw new MysqlAdminError('SYSTEM_DATABASE_REFUSED', 'invalid', `${unsafe.join(', ')} on ${input.database} is never granted: it could create accounts or change privileges; only ${SYSTEM_DATABASE_PRIVILEGES.join(', ')} may be.`);
      }
      if (typeof input.password !== 'string' || input.password.length < 8) {
        throw new MysqlAdminError('CREATE_USER_FAILED', 'invalid', 'The password must be a string of at least 8 characters.');
      }
      // Checked again here, just before the account and its GRANT: the database may have gone since the request.
      await requireDatabase(input.database);
      const existed = await userExists(input.user);
      try {
        // Account statements accept no server-side placeholders: mysql2 binds (escapes) the password client-side.
        if (existed) await writer().query(`ALTER USER ${acct} IDENTIFIED BY ? ACCOUNT UNLOCK`, [input.password]);
        else await writer().query(`CREATE USER IF NOT EXISTS ${acct} IDENTIFIED BY ?`, [input.password]);
      } catch (err) {
        throw new MysqlAdminError('CREATE_USER_FAILED', 'unavailable', `Could not create ${input.user} on ${cluster.id}: ${safeMessage(err, input.password)}`, { cause: stripSql(err, input.password) });
      }
      try {
        await writer().query(`GRANT ${privileges.join(', ')} ON ${scope} TO ${acct}`);
      } catch (err) {
        // CREATE USER committed already: never leave a half-made account behind.
        await writer()
          .query(`DROP USER IF EXISTS ${acct}`)
          .catch((dropErr: unknown) => log?.warn({ clusterId: cluster.id, dbUser: input.user, err: safeMessage(dropErr) }, 'compensating DROP USER failed'));
        throw new MysqlAdminError('GRANT_FAILED', 'unavailable', `Could not grant ${privileges.join(', ')} on ${scope} to ${input.user}: ${safeMessage(err)}; the user was removed again.`, {
          cause: stripSql(err),
        });
      }
      log?.info({ clusterId: cluster.id, dbUser: input.user, database: input.database, privileges, existed }, 'created user');
      return { existed };
    },

    async listSessions(user) {
      validateIdentifier(user, 'user', maxUser);
      const out: Array<{ endpoint: string; id: number }> = [];
      for (const ep of instanceEndpoints()) for (const id of await sessionsOn(ep, user)) out.push({ endpoint: keyOf(ep), id });
      return out;
    },

    async revokeAccess(user) {
      validateIdentifier(user, 'user', maxUser);
      // Lock first so nobody logs in between the kill and the drop.
      await lockUser(user);
      const kill = await killSessions(user);
      const drop = await dropUser(user);
      const lateKill = await killSessions(user);
      await dropDropEvent(user).catch((err: unknown) => log?.warn({ clusterId: cluster.id, dbUser: user, err: safeMessage(err) }, 'could not drop the failsafe event'));
      return { kill, drop, lateKill };
    },

    async listPlatformUsers(p = prefix) {
      if (!/^[a-z0-9_]{1,16}$/.test(p)) throw new MysqlAdminError('IDENTIFIER_INVALID', 'invalid', `Invalid user prefix ${JSON.stringify(p)}: 1-16 of [a-z0-9_].`);
      const like = `${p.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      const [rows] = await writer().query<RowDataPacket[]>("SELECT User AS user, Host AS host FROM mysql.user WHERE User LIKE ? ESCAPE '\\\\' ORDER BY User", [like]);
      return rows.map((r) => ({ user: String(r['user']), host: String(r['host']) }));
    },

    async scheduleDropEvent(user, at, opts = {}) {
      const acct = account(user);
      if (!opts.force && !(await eventSchedulerOn())) return { scheduled: false, reason: 'event_scheduler is not ON on this server' };
      if (Number.isNaN(at.getTime())) throw new MysqlAdminError('IDENTIFIER_INVALID', 'invalid', 'The failsafe time is not a valid date.');
      const event = dropEventName(user);
      const qualified = `${quoteIdentifier(eventSchema)}.${quoteIdentifier(event, 'event')}`;
      const when = at.toISOString().slice(0, 19).replace('T', ' ');
      const conn = await writer().getConnection();
      try {
        await conn.query(`CREATE DATABASE IF NOT EXISTS ${quoteIdentifier(eventSchema)}`);
        // The AT time is read in the session time zone: pin it to UTC.
        await conn.query("SET time_zone = '+00:00'");
        await conn.query(`DROP EVENT IF EXISTS ${qualified}`);
        await conn.query(
          `CREATE EVENT ${qualified} ON SCHEDULE AT ? ON COMPLETION NOT PRESERVE COMMENT ? DO DROP USER IF EXISTS ${acct}`,
          [when, `dbre-platform failsafe: drop ${user}`],
        );
      } finally {
        conn.release();
      }
      log?.info({ clusterId: cluster.id, dbUser: user, event, at: at.toISOString() }, 'scheduled failsafe drop event');
      return { scheduled: true, event };
    },

    async ping() {
      await writer().query('SELECT 1');
    },

    async close() {
      const all = [...pools.values()];
      pools.clear();
      await Promise.allSettled(all.map((p) => p.end()));
    },
  };
}

/** mysql2 errors carry the SQL text (with the escaped password for CREATE/ALTER USER): keep only the message. */
function safeMessage(err: unknown, secret?: string): string {
  const message = err instanceof Error ? err.message : String(err);
  return secret ? message.split(secret).join('[redacted]') : message;
}

function stripSql(err: unknown, secret?: string): unknown {
  if (!(err instanceof Error)) return err;
  const e = err as Error & { code?: unknown; errno?: unknown; sqlState?: unknown };
  const copy = new Error(safeMessage(e, secret)) as Error & { code?: unknown; errno?: unknown; sqlState?: unknown };
  copy.code = e.code;
  copy.errno = e.errno;
  copy.sqlState = e.sqlState;
  return copy;
}
