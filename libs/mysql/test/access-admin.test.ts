import mysql, { type Connection, type RowDataPacket } from 'mysql2/promise';
import { generatePassword } from '@dbre/domain';
import { createAccessAdmin, dropEventName, type AccessAdmin } from '../src';
import { server, uniqueName } from './mariadb';

const cluster = { id: 'local', engine: 'mariadb' as const, endpoint: { host: server.host, port: server.port }, instances: [], admin: { user: server.user, password: server.password } };

let root: Connection;
let admin: AccessAdmin;
const dbs: string[] = [];
const users: string[] = [];
const open: Connection[] = [];
const eventSchema = uniqueName('dbre_ev');

const newUser = () => {
  const u = uniqueName('jit_t').slice(0, 32);
  users.push(u);
  return u;
};
const login = async (user: string, password: string, database?: string) => {
  const c = await mysql.createConnection({ host: server.host, port: server.port, user, password, ...(database ? { database } : {}) });
  open.push(c);
  c.on('error', () => undefined);
  return c;
};

beforeAll(async () => {
  root = await mysql.createConnection({ ...server, multipleStatements: false });
  for (let i = 0; i < 2; i++) {
    const db = uniqueName('acc_db');
    dbs.push(db);
    await root.query(`CREATE DATABASE \`${db}\``);
    await root.query(`CREATE TABLE \`${db}\`.t (id INT PRIMARY KEY)`);
    await root.query(`INSERT INTO \`${db}\`.t VALUES (1), (2)`);
  }
  // Anonymous users would shadow 'u'@'%' on a fresh MariaDB (FIELD-NOTES): drop them if present.
  await root.query("DROP USER IF EXISTS ''@'localhost'");
  admin = createAccessAdmin({ cluster, eventSchema });
});

afterAll(async () => {
  for (const c of open) c.destroy();
  for (const u of users) await root.query(`DROP USER IF EXISTS '${u}'@'%'`);
  for (const db of [...dbs, eventSchema]) await root.query(`DROP DATABASE IF EXISTS \`${db}\``);
  await admin.close();
  await root.end();
});

describe('the MySQL access admin (real MariaDB)', () => {
  it('creates a user who can log in and SELECT on the granted database only', async () => {
    const user = newUser();
    const password = generatePassword();
    expect(await admin.createUser({ user, password, privileges: ['SELECT', 'SHOW VIEW'], database: dbs[0]! })).toEqual({ existed: false });
    expect(await admin.userExists(user)).toBe(true);
    const c = await login(user, password);
    const [rows] = await c.query<RowDataPacket[]>(`SELECT COUNT(*) AS n FROM \`${dbs[0]}\`.t`);
    expect(rows[0]!['n']).toBe(2);
    await expect(c.query(`SELECT * FROM \`${dbs[1]}\`.t`)).rejects.toMatchObject({ code: 'ER_TABLEACCESS_DENIED_ERROR' });
    await expect(c.query(`INSERT INTO \`${dbs[0]}\`.t VALUES (3)`)).rejects.toMatchObject({ code: 'ER_TABLEACCESS_DENIED_ERROR' });
    await expect(login(user, 'wrong-password')).rejects.toMatchObject({ code: 'ER_ACCESS_DENIED_ERROR' });
  });

  it('creating again is idempotent: same account, new password, privileges kept', async () => {
    const user = newUser();
    await admin.createUser({ user, password: generatePassword(), privileges: ['SELECT'], database: dbs[0]! });
    const second = generatePassword();
    expect(await admin.createUser({ user, password: second, privileges: ['SELECT'], database: dbs[0]! })).toEqual({ existed: true });
    const [rows] = await root.query<RowDataPacket[]>('SELECT COUNT(*) AS n FROM mysql.user WHERE User = ?', [user]);
    expect(rows[0]!['n']).toBe(1);
    const c = await login(user, second, dbs[0]);
    await c.query('SELECT * FROM t');
  });

  it("grants '*' as every database", async () => {
    const user = newUser();
    const password = generatePassword();
    await admin.createUser({ user, password, privileges: ['SELECT'], database: '*' });
    const c = await login(user, password);
    await c.query(`SELECT * FROM \`${dbs[1]}\`.t`);
    const [grants] = await root.query<RowDataPacket[]>(`SHOW GRANTS FOR '${user}'@'%'`);
    expect(JSON.stringify(grants)).toContain('GRANT SELECT ON *.*');
  });

  it('compensates a failed GRANT by dropping the half-made user', async () => {
    // An admin that may create users but holds no grantable privilege on dbs[1]: CREATE USER works, GRANT fails.
    const limited = newUser();
    const limitedPassword = generatePassword();
    await root.query(`CREATE USER '${limited}'@'%' IDENTIFIED BY ?`, [limitedPassword]);
    await root.query(`GRANT CREATE USER ON *.* TO '${limited}'@'%'`);
    await root.query(`GRANT SELECT ON mysql.* TO '${limited}'@'%'`);
    await root.query(`GRANT SELECT ON \`${dbs[0]}\`.* TO '${limited}'@'%' WITH GRANT OPTION`);
    // It sees dbs[1] (so the existence check passes) but may not grant on it.
    await root.query(`GRANT INSERT ON \`${dbs[1]}\`.* TO '${limited}'@'%'`);
    const weak = createAccessAdmin({ cluster: { ...cluster, admin: { user: limited, password: limitedPassword } } });
    try {
      const user = newUser();
      const password = generatePassword();
      const err = await weak.createUser({ user, password, privileges: ['SELECT'], database: dbs[1]! }).catch((e: unknown) => e);
      expect(err).toMatchObject({
        code: 'GRANT_FAILED',
        kind: 'unavailable',
        message: `Could not grant SELECT on \`${dbs[1]!.replace(/_/g, '\\_')}\`.* to ${user}: Access denied for user '${limited}'@'%' to database '${dbs[1]!.replace(/_/g, '\\_')}'; the user was removed again.`,
      });
      expect((err as Error).cause).toMatchObject({ errno: 1044, code: 'ER_DBACCESS_DENIED_ERROR' });
      expect((err as Error).cause).not.toHaveProperty('sql');
      expect(String((err as Error).message)).not.toContain(password);
      expect(await admin.userExists(user)).toBe(false);
      // The same admin succeeds where it may grant.
      await weak.createUser({ user, password, privileges: ['SELECT'], database: dbs[0]! });
      expect(await admin.userExists(user)).toBe(true);
    } finally {
      await weak.close();
    }
  });

  it('kills every open session of the user; the connection is really closed', async () => {
    const user = newUser();
    const password = generatePassword();
    await admin.createUser({ user, password, privileges: ['SELECT'], database: dbs[0]! });
    const c1 = await login(user, password, dbs[0]);
    const c2 = await login(user, password, dbs[0]);
    expect((await admin.listSessions(user)).length).toBe(2);
    const report = await admin.killSessions(user);
    expect(report).toMatchObject({ killed: 2, remaining: 0 });
    expect(report.instances).toHaveLength(1);
    await expect(c1.query('SELECT 1')).rejects.toThrow();
    await expect(c2.query('SELECT * FROM t')).rejects.toThrow();
    expect(await admin.listSessions(user)).toEqual([]);
    expect(await admin.killSessions(user)).toMatchObject({ killed: 0, remaining: 0 });
  });

  it('on Aurora kills through CALL mysql.rds_kill(id) (a stand-in procedure here)', async () => {
    // The stand-in records each call, so a plain KILL CONNECTION would be seen not to have gone through it.
    await root.query(`CREATE TABLE \`${dbs[1]}\`.kills (thread BIGINT)`);
    await root.query(`CREATE PROCEDURE \`${dbs[1]}\`.rds_kill(IN thread BIGINT) BEGIN INSERT INTO \`${dbs[1]}\`.kills VALUES (thread); KILL CONNECTION thread; END`);
    const calls = async () => (await root.query<RowDataPacket[]>(`SELECT thread FROM \`${dbs[1]}\`.kills ORDER BY thread`))[0].map((r) => Number(r['thread']));
    const aurora = createAccessAdmin({ cluster: { ...cluster, engine: 'aurora-mysql' }, rdsKillProcedure: `${dbs[1]}.rds_kill` });
    const auroraByKill = createAccessAdmin({ cluster: { ...cluster, engine: 'aurora-mysql' }, rdsKillProcedure: `${dbs[1]}.rds_kill`, killMethod: 'kill' });
    const mariadb = createAccessAdmin({ cluster, rdsKillProcedure: `${dbs[1]}.rds_kill` });
    try {
      const user = newUser();
      const password = generatePassword();
      await aurora.createUser({ user, password, privileges: ['SELECT'], database: dbs[0]! });
      const c = await login(user, password, dbs[0]);
      expect(await aurora.killSessions(user)).toMatchObject({ killed: 1, remaining: 0 });
      await expect(c.query('SELECT 1')).rejects.toThrow();
      expect(await calls()).toEqual([c.threadId]);
      // Told to use KILL, or not Aurora: KILL CONNECTION, the procedure is not called.
      const d = await login(user, password, dbs[0]);
      expect(await auroraByKill.killSessions(user)).toMatchObject({ killed: 1, remaining: 0 });
      const e = await login(user, password, dbs[0]);
      expect(await mariadb.killSessions(user)).toMatchObject({ killed: 1, remaining: 0 });
      await expect(d.query('SELECT 1')).rejects.toThrow();
      await expect(e.query('SELECT 1')).rejects.toThrow();
      expect(await calls()).toEqual([c.threadId]);
      expect(() => createAccessAdmin({ cluster, rdsKillProcedure: 'mysql.rds_kill`; x' })).toThrow(/backticks/);
    } finally {
      await Promise.all([aurora.close(), auroraByKill.close(), mariadb.close()]);
    }
  });

  it('drop is idempotent: dropped, then absent', async () => {
    const user = newUser();
    await admin.createUser({ user, password: generatePassword(), privileges: ['SELECT'], database: dbs[0]! });
    expect(await admin.dropUser(user)).toEqual({ outcome: 'dropped' });
    expect(await admin.dropUser(user)).toEqual({ outcome: 'absent' });
    expect(await admin.userExists(user)).toBe(false);
  });

  it('revokeAccess locks, kills the open session (which could otherwise keep reading) and drops', async () => {
    const user = newUser();
    const password = generatePassword();
    await admin.createUser({ user, password, privileges: ['SELECT'], database: dbs[0]! });
    const c = await login(user, password, dbs[0]);
    await c.query('SELECT * FROM t');
    const report = await admin.revokeAccess(user);
    expect(report).toMatchObject({ kill: { killed: 1, remaining: 0 }, drop: { outcome: 'dropped' }, lateKill: { killed: 0, remaining: 0 } });
    await expect(c.query('SELECT * FROM t')).rejects.toThrow();
    await expect(login(user, password)).rejects.toMatchObject({ code: expect.stringMatching(/^ER_ACCESS_DENIED/) });
    expect(await admin.revokeAccess(user)).toMatchObject({ drop: { outcome: 'absent' } });
  });

  it('lists the users this platform created by their prefix', async () => {
    const user = newUser();
    await admin.createUser({ user, password: generatePassword(), privileges: ['SELECT'], database: dbs[0]! });
    const listed = await admin.listPlatformUsers('jit_t_');
    expect(listed).toContainEqual({ user, host: '%' });
    expect(listed.every((u) => u.user.startsWith('jit_t_'))).toBe(true);
    // `_` is a LIKE wildcard: it is escaped, so "ro_t" does not match root.
    expect(await admin.listPlatformUsers('ro_t')).toEqual([]);
    await expect(admin.listPlatformUsers("x' OR 1")).rejects.toThrow(/Invalid user prefix/);
  });

  it('refuses bad identifiers and privileges before touching the server', async () => {
    const base = { password: generatePassword(), privileges: ['SELECT'], database: dbs[0]! };
    // A name of this run: a fixed one would still be there after an earlier run (or a mutant) created it.
    const ok = uniqueName('jit_ok').slice(0, 32);
    await expect(admin.createUser({ ...base, user: "bob'@'%" })).rejects.toThrow(/Invalid user name .*quotes are not allowed/);
    await expect(admin.createUser({ ...base, user: 'bob`' })).rejects.toThrow(/backticks/);
    await expect(admin.createUser({ ...base, user: 'bob smith' })).rejects.toThrow(/spaces/);
    await expect(admin.createUser({ ...base, user: 'a'.repeat(81) })).rejects.toThrow(/81 characters long; the limit is 80/);
    await expect(admin.createUser({ ...base, user: ok, database: 'shop`; DROP DATABASE mysql; --' })).rejects.toThrow(/Invalid database name/);
    await expect(admin.createUser({ ...base, user: ok, privileges: ['ALL PRIVILEGES'] })).rejects.toThrow(/not grantable/);
    await expect(admin.createUser({ ...base, user: ok, privileges: ['SELECT ON *.* TO x'] })).rejects.toMatchObject({ code: 'PRIVILEGE_INVALID' });
    await expect(admin.killSessions("x' OR '1")).rejects.toMatchObject({ code: 'IDENTIFIER_INVALID' });
    await expect(admin.dropUser('x y')).rejects.toMatchObject({ code: 'IDENTIFIER_INVALID' });
    expect(await admin.userExists(ok)).toBe(false);
  });

  it('on MySQL/Aurora limits user names to 32 characters', async () => {
    const aurora = createAccessAdmin({ cluster: { ...cluster, engine: 'aurora-mysql' } });
    try {
      await expect(aurora.userExists('a'.repeat(33))).rejects.toThrow(/limit is 32/);
    } finally {
      await aurora.close();
    }
  });

  it('schedules the failsafe EVENT only when event_scheduler is ON, replaces it on extension and drops it', async () => {
    const user = newUser();
    await admin.createUser({ user, password: generatePassword(), privileges: ['SELECT'], database: dbs[0]! });
    const on = await admin.eventSchedulerOn();
    const at = new Date(Date.now() + 3600_000);
    const plain = await admin.scheduleDropEvent(user, at);
    if (!on) expect(plain).toEqual({ scheduled: false, reason: 'event_scheduler is not ON on this server' });
    // Forced (scheduler OFF here): the event is created, not run.
    expect(await admin.scheduleDropEvent(user, at, { force: true })).toEqual({ scheduled: true, event: dropEventName(user) });
    const later = new Date(at.getTime() + 1800_000);
    await admin.scheduleDropEvent(user, later, { force: true });
    const [rows] = await root.query<RowDataPacket[]>(
      "SELECT EVENT_DEFINITION AS def, DATE_FORMAT(CONVERT_TZ(EXECUTE_AT, @@session.time_zone, '+00:00'), '%Y-%m-%dT%H:%i:%s') AS at FROM information_schema.EVENTS WHERE EVENT_SCHEMA = ? AND EVENT_NAME = ?",
      [eventSchema, dropEventName(user)],
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]!['def']).toContain(`DROP USER IF EXISTS '${user}'@'%'`);
    expect(rows[0]!['at']).toBe(later.toISOString().slice(0, 19));
    await admin.dropDropEvent(user);
    await admin.dropDropEvent(user);
    const [after] = await root.query<RowDataPacket[]>('SELECT COUNT(*) AS n FROM information_schema.EVENTS WHERE EVENT_SCHEMA = ?', [eventSchema]);
    expect(after[0]!['n']).toBe(0);
  });

  it('reports an unreachable instance as KILL_FAILED so the caller retries', async () => {
    const broken = createAccessAdmin({ cluster: { ...cluster, instances: [cluster.endpoint, { host: '127.0.0.1', port: 1 }] }, connectTimeoutMs: 1000 });
    try {
      const err = await broken.killSessions('jit_nobody').catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'KILL_FAILED', kind: 'unavailable', message: 'Could not kill the sessions of jit_nobody on 127.0.0.1:1 (connect ECONNREFUSED 127.0.0.1:1).' });
      // Each instance is reported: the reachable one with what it did, the other with its error.
      expect((err as { details: unknown }).details).toEqual({
        instances: [
          { endpoint: `${server.host}:${server.port}`, killed: [], remaining: [] },
          { endpoint: '127.0.0.1:1', killed: [], remaining: [], error: 'connect ECONNREFUSED 127.0.0.1:1' },
        ],
      });
    } finally {
      await broken.close();
    }
  });
});
