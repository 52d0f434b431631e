import mysql, { type Connection, type RowDataPacket } from 'mysql2/promise';
import { generatePassword } from '@dbre/domain';
import { createAccessAdmin, dropEventName, MysqlAdminError, type AccessAdmin } from '../src';
import { server, uniqueName } from './mariadb';

// The access admin's refusals, messages and logs, and its options, on the shared MariaDB.

const cluster = { id: 'edges', engine: 'mariadb' as const, endpoint: { host: server.host, port: server.port }, instances: [], admin: { user: server.user, password: server.password } };

let root: Connection;
let admin: AccessAdmin;
const logged: Array<{ level: 'info' | 'warn'; obj: object; msg?: string }> = [];
const db = uniqueName('edg_db');
const eventSchema = uniqueName('edg_ev');
const users: Array<[string, string]> = [];
const newUser = (host = '%') => {
  const u = uniqueName('jit_e').slice(0, 32);
  users.push([u, host]);
  return u;
};

/** An admin account of the test's own holding only these privileges (`GRANT <each> TO` it). */
const adminAccount = async (...privileges: string[]) => {
  const account = { user: newUser(), password: generatePassword() };
  await root.query(`CREATE USER '${account.user}'@'%' IDENTIFIED BY ?`, [account.password]);
  for (const grant of privileges) await root.query(`GRANT ${grant} TO '${account.user}'@'%'`);
  return account;
};

beforeAll(async () => {
  root = await mysql.createConnection({ ...server });
  await root.query(`CREATE DATABASE \`${db}\``);
  await root.query("DROP USER IF EXISTS ''@'localhost'");
});
beforeEach(() => {
  logged.length = 0;
  admin = createAccessAdmin({
    cluster,
    eventSchema,
    logger: { info: (obj, msg) => logged.push({ level: 'info', obj, ...(msg ? { msg } : {}) }), warn: (obj, msg) => logged.push({ level: 'warn', obj, ...(msg ? { msg } : {}) }) },
  });
});
afterEach(() => admin.close());
afterAll(async () => {
  for (const [u, h] of users) await root.query(`DROP USER IF EXISTS '${u}'@'${h}'`);
  await root.query(`DROP DATABASE IF EXISTS \`${db}\``);
  await root.query(`DROP DATABASE IF EXISTS \`${eventSchema}\``);
  await root.end();
});

describe('createUser refusals', () => {
  it('refuses an empty privilege list, a privilege outside the list, a short password; accepts 8 characters and normalises case and spaces', async () => {
    const user = newUser();
    const base = { user, password: generatePassword(), database: db };
    await expect(admin.createUser({ ...base, privileges: [] })).rejects.toMatchObject({ code: 'PRIVILEGE_INVALID', kind: 'invalid', message: 'A grant needs at least one privilege.' });
    const notGrantable = await admin.createUser({ ...base, privileges: ['SELECT', 'FILE'] }).catch((e: unknown) => e);
    expect(notGrantable).toBeInstanceOf(MysqlAdminError);
    expect((notGrantable as Error).message).toMatch(/^Privilege "FILE" is not grantable; allowed: SELECT, SHOW VIEW, INSERT, UPDATE, DELETE, CREATE,/);
    await expect(admin.createUser({ ...base, privileges: ['SELECT'], password: '1234567' })).rejects.toMatchObject({
      code: 'CREATE_USER_FAILED',
      kind: 'invalid',
      message: 'The password must be a string of at least 8 characters.',
    });
    await expect(admin.createUser({ ...base, privileges: ['SELECT'], password: undefined as unknown as string })).rejects.toMatchObject({ code: 'CREATE_USER_FAILED' });
    expect(await admin.userExists(user)).toBe(false);
    await admin.createUser({ ...base, privileges: [' select ', 'show   view'], password: 'Abcdefg1' });
    const [grants] = await root.query<RowDataPacket[]>(`SHOW GRANTS FOR '${user}'@'%'`);
    expect(grants.map((g) => Object.values(g)[0] as string)).toContainEqual(`GRANT SELECT, SHOW VIEW ON \`${db.replace(/_/g, '\\_')}\`.* TO \`${user}\`@\`%\``);
    const c = await mysql.createConnection({ host: server.host, port: server.port, user, password: 'Abcdefg1' });
    await c.end();
  });

  it('names the privileges refused on a system database and what may be granted there', async () => {
    await expect(admin.createUser({ user: newUser(), password: generatePassword(), database: 'mysql', privileges: ['SELECT', 'INSERT', 'UPDATE'] })).rejects.toMatchObject({
      code: 'SYSTEM_DATABASE_REFUSED',
      kind: 'invalid',
      message: 'INSERT, UPDATE on mysql is never granted: it could create accounts or change privileges; only SELECT, SHOW VIEW may be.',
    });
  });

  it('a database that is not there is named with the cluster', async () => {
    const err = await admin.createUser({ user: newUser(), password: generatePassword(), database: `${db}x`, privileges: ['SELECT'] }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'DATABASE_NOT_FOUND', kind: 'invalid', details: { clusterId: 'edges', database: `${db}x` } });
    expect((err as Error).message).toBe(`There is no database "${db}x" on cluster edges; access is granted to existing databases only.`);
    expect(await admin.databaseExists(db)).toBe(true);
    expect(await admin.databaseExists(db.toUpperCase())).toBe(false);
  });
});

describe('what is logged', () => {
  it('says who was created and dropped, with the cluster, and never the password', async () => {
    const user = newUser();
    const password = generatePassword();
    await admin.createUser({ user, password, database: db, privileges: ['SELECT'] });
    await admin.revokeAccess(user);
    expect(logged).toEqual([
      { level: 'info', obj: { clusterId: 'edges', dbUser: user, database: db, privileges: ['SELECT'], existed: false }, msg: 'created user' },
      { level: 'info', obj: { clusterId: 'edges', dbUser: user, killed: 0, remaining: 0 }, msg: 'killed user sessions' },
      { level: 'info', obj: { clusterId: 'edges', dbUser: user }, msg: 'dropped user' },
      { level: 'info', obj: { clusterId: 'edges', dbUser: user, killed: 0, remaining: 0 }, msg: 'killed user sessions' },
    ]);
    expect(JSON.stringify(logged)).not.toContain(password);
  });
});

describe('an admin without the rights it needs', () => {
  it('reports CREATE_USER_FAILED and DROP_USER_FAILED as unavailable, keeping the server error but not the SQL', async () => {
    const weak = createAccessAdmin({ cluster: { ...cluster, admin: await adminAccount('SELECT ON mysql.*', `SELECT ON \`${db}\`.*`) } });
    try {
      const user = newUser();
      const password = generatePassword();
      const created = await weak.createUser({ user, password, database: db, privileges: ['SELECT'] }).catch((e: unknown) => e);
      expect(created).toMatchObject({ code: 'CREATE_USER_FAILED', kind: 'unavailable', message: expect.stringMatching(new RegExp(`^Could not create ${user} on edges: `)) });
      expect((created as Error).message).not.toContain(password);
      const cause = (created as Error).cause as Record<string, unknown>;
      expect(cause).toMatchObject({ code: 'ER_SPECIFIC_ACCESS_DENIED_ERROR', errno: 1227 });
      expect(cause).not.toHaveProperty('sql');
      expect(JSON.stringify(cause)).not.toContain(password);
      // Whatever part of the server's message equals the password is masked, in the message and its cause.
      const quoted = await weak.createUser({ user, password: 'Access denied', database: db, privileges: ['SELECT'] }).catch((e: unknown) => e);
      const masked = '[redacted]; you need (at least one of) the CREATE USER privilege(s) for this operation';
      expect(quoted).toMatchObject({ code: 'CREATE_USER_FAILED', message: `Could not create ${user} on edges: ${masked}` });
      expect(((quoted as Error).cause as Error).message).toBe(masked);

      const victim = newUser();
      await root.query(`CREATE USER '${victim}'@'%' IDENTIFIED BY 'x-Pw-1234567'`);
      const dropped = await weak.dropUser(victim).catch((e: unknown) => e);
      expect(dropped).toMatchObject({ code: 'DROP_USER_FAILED', kind: 'unavailable', message: expect.stringMatching(new RegExp(`^Could not drop ${victim} on edges: `)) });
      expect((dropped as Error).cause).toMatchObject({ errno: 1227, code: 'ER_SPECIFIC_ACCESS_DENIED_ERROR' });
      expect(await admin.userExists(victim)).toBe(true);
      expect(await weak.lockUser(victim).catch((e: unknown) => e)).toMatchObject({ errno: 1227 });
    } finally {
      await weak.close();
    }
  });

  it('revokes without the right to drop the failsafe event, and says so in a warning', async () => {
    const noEvent = await adminAccount('CREATE USER ON *.*', 'SELECT ON mysql.*');
    const warned: Array<{ obj: object; msg?: string }> = [];
    const weak = createAccessAdmin({ cluster: { ...cluster, admin: noEvent }, eventSchema, logger: { info: () => undefined, warn: (obj, msg) => warned.push({ obj, ...(msg ? { msg } : {}) }) } });
    try {
      const user = newUser();
      await admin.createUser({ user, password: generatePassword(), database: db, privileges: ['SELECT'] });
      expect((await weak.revokeAccess(user)).drop).toEqual({ outcome: 'dropped' });
      expect(await admin.userExists(user)).toBe(false);
      expect(warned).toEqual([
        { obj: { clusterId: 'edges', dbUser: user, err: `Access denied for user '${noEvent.user}'@'%' to database '${eventSchema}'` }, msg: 'could not drop the failsafe event' },
      ]);
    } finally {
      await weak.close();
    }
  });
});

describe('connections', () => {
  it('answers many checks at once through its two connections (the others wait their turn)', async () => {
    expect(await Promise.all(Array.from({ length: 8 }, () => admin.databaseExists(db)))).toEqual(Array.from({ length: 8 }, () => true));
  });

  it('reports each instance by its own endpoint, once however often it is listed', async () => {
    const user = newUser();
    const password = generatePassword();
    await admin.createUser({ user, password, database: db, privileges: ['SELECT'] });
    const other = { host: 'localhost', port: server.port };
    const two = createAccessAdmin({ cluster: { ...cluster, instances: [cluster.endpoint, other, cluster.endpoint] } });
    const session = await mysql.createConnection({ host: server.host, port: server.port, user, password });
    session.on('error', () => undefined);
    try {
      const report = await two.killSessions(user);
      expect(report.instances.map((i) => i.endpoint)).toEqual([`${server.host}:${server.port}`, `localhost:${server.port}`]);
      // Both name the same server here: one of them killed the session, whichever came second found it gone.
      expect(report.remaining).toBe(0);
      await expect(session.query('SELECT 1')).rejects.toThrow();
    } finally {
      session.destroy();
      await two.close();
    }
  });

  it('close() ends its connections, and it can be used again after', async () => {
    const own = await adminAccount('ALL PRIVILEGES ON *.*');
    const sessionsOf = async () => (await root.query<RowDataPacket[]>('SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE USER = ?', [own.user]))[0][0]!['n'] as number;
    const closing = createAccessAdmin({ cluster: { ...cluster, admin: own } });
    await Promise.all([closing.ping(), closing.ping()]);
    expect(await sessionsOf()).toBe(2);
    await closing.close();
    for (let i = 0; i < 100 && (await sessionsOf()) > 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(await sessionsOf()).toBe(0);
    await closing.ping();
    expect(await sessionsOf()).toBe(1);
    await closing.close();
  });
});

describe('locking, hosts and prefixes', () => {
  it('a locked account cannot log in; locking a missing account says false', async () => {
    const user = newUser();
    const password = generatePassword();
    await admin.createUser({ user, password, database: db, privileges: ['SELECT'] });
    expect(await admin.lockUser(user)).toBe(true);
    await expect(mysql.createConnection({ host: server.host, port: server.port, user, password })).rejects.toMatchObject({ errno: 4151 });
    expect(await admin.lockUser(`${user}_gone`)).toBe(false);
    // Creating it again unlocks it with the new password.
    const again = generatePassword();
    expect(await admin.createUser({ user, password: again, database: db, privileges: ['SELECT'] })).toEqual({ existed: true });
    const c = await mysql.createConnection({ host: server.host, port: server.port, user, password: again });
    await c.end();
  });

  it('creates accounts on the configured host only, and refuses a bad one at construction', async () => {
    expect(() => createAccessAdmin({ cluster, userHost: "%' OR '1" })).toThrow('Invalid host name "%\' OR \'1": quotes are not allowed.');
    const local = createAccessAdmin({ cluster, userHost: '127.0.0.1' });
    try {
      const user = newUser('127.0.0.1');
      await local.createUser({ user, password: generatePassword(), database: db, privileges: ['SELECT'] });
      const [rows] = await root.query<RowDataPacket[]>('SELECT Host AS host FROM mysql.user WHERE User = ?', [user]);
      expect(rows.map((r) => r['host'])).toEqual(['127.0.0.1']);
      expect(await local.userExists(user)).toBe(true);
      expect(await admin.userExists(user)).toBe(false); // the '%' admin looks for user@'%'
    } finally {
      await local.close();
    }
  });

  it('lists by the configured prefix, jit_ by default, and refuses a prefix outside 1-16 of [a-z0-9_]', async () => {
    const user = newUser();
    await admin.createUser({ user, password: generatePassword(), database: db, privileges: ['SELECT'] });
    const byDefault = await admin.listPlatformUsers();
    expect(byDefault).toContainEqual({ user, host: '%' });
    expect(byDefault.every((u) => u.user.startsWith('jit_'))).toBe(true);
    const own = createAccessAdmin({ cluster, userPrefix: user.slice(0, 16) });
    try {
      expect(await own.listPlatformUsers()).toEqual([{ user, host: '%' }]);
    } finally {
      await own.close();
    }
    expect(await admin.listPlatformUsers('a'.repeat(16))).toEqual([]);
    for (const bad of ['', 'a'.repeat(17), 'Jit_', 'jit-', 'jit%']) {
      await expect(admin.listPlatformUsers(bad)).rejects.toMatchObject({ code: 'IDENTIFIER_INVALID', message: `Invalid user prefix ${JSON.stringify(bad)}: 1-16 of [a-z0-9_].` });
    }
  });

  it('limits user names by engine unless told otherwise', async () => {
    const mysql8 = createAccessAdmin({ cluster: { ...cluster, engine: 'mysql' } });
    const wide = createAccessAdmin({ cluster: { ...cluster, engine: 'mysql' }, maxUserNameLength: 40 });
    try {
      await expect(mysql8.userExists('u'.repeat(33))).rejects.toThrow('the limit is 32');
      expect(await wide.userExists('u'.repeat(40))).toBe(false);
      expect(await admin.userExists('u'.repeat(80))).toBe(false);
    } finally {
      await Promise.all([mysql8.close(), wide.close()]);
    }
  });
});

describe('the failsafe event', () => {
  it('is created to run once at the given UTC time, says what it is for, and an invalid time is refused', async () => {
    const user = newUser();
    await admin.createUser({ user, password: generatePassword(), database: db, privileges: ['SELECT'] });
    await expect(admin.scheduleDropEvent(user, new Date('nope'), { force: true })).rejects.toMatchObject({ code: 'IDENTIFIER_INVALID', message: 'The failsafe time is not a valid date.' });
    const at = new Date('2031-05-06T07:08:09.000Z');
    expect(await admin.scheduleDropEvent(user, at, { force: true })).toEqual({ scheduled: true, event: dropEventName(user) });
    const [rows] = await root.query<RowDataPacket[]>(
      "SELECT EVENT_COMMENT AS comment, ON_COMPLETION AS completion, EVENT_TYPE AS type, DATE_FORMAT(CONVERT_TZ(EXECUTE_AT, TIME_ZONE, '+00:00'), '%Y-%m-%dT%H:%i:%s') AS at FROM information_schema.EVENTS WHERE EVENT_SCHEMA = ? AND EVENT_NAME = ?",
      [eventSchema, dropEventName(user)],
    );
    expect(rows).toEqual([{ comment: `dbre-platform failsafe: drop ${user}`, completion: 'NOT PRESERVE', type: 'ONE TIME', at: '2031-05-06T07:08:09' }]);
    expect(logged.at(-1)).toEqual({ level: 'info', obj: { clusterId: 'edges', dbUser: user, event: dropEventName(user), at: at.toISOString() }, msg: 'scheduled failsafe drop event' });
    const [scheduler] = await root.query<RowDataPacket[]>('SELECT @@global.event_scheduler AS s');
    expect(await admin.eventSchedulerOn()).toBe(String(scheduler[0]!['s']).toUpperCase() === 'ON');
  });

  it('dropping it is fine when its schema was never created', async () => {
    const fresh = createAccessAdmin({ cluster, eventSchema: uniqueName('edg_none') });
    try {
      await expect(fresh.dropDropEvent('jit_nobody')).resolves.toBeUndefined();
      await expect(fresh.dropDropEvent('bad name')).rejects.toMatchObject({ code: 'IDENTIFIER_INVALID' });
    } finally {
      await fresh.close();
    }
  });

  it('names are stable per user and fit an event name', () => {
    expect(dropEventName('jit_dave')).toBe(dropEventName('jit_dave'));
    expect(dropEventName('jit_dave')).not.toBe(dropEventName('jit_dave2'));
    expect(dropEventName('jit_dave')).toMatch(/^dbre_drop_[0-9a-f]{24}$/);
  });
});
