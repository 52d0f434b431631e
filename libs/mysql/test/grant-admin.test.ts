import mysql, { type Connection, type RowDataPacket } from 'mysql2/promise';
import type { ClusterTarget } from '@dbre/drivers';
import { generatePassword } from '@dbre/domain';
import { createGrantAdmin, dropEventName, type GrantAdmin } from '../src';
import { server, uniqueName } from './mariadb';

// The GrantAdmin the access workers use, over the shared MariaDB: one cached AccessAdmin per cluster,
// re-created when the inventory entry changes.

const prefix = uniqueName('jg').replace(/[^a-z0-9]/g, '').slice(0, 10) + '_';
const cluster: ClusterTarget = {
  id: uniqueName('ga'),
  environment: 'dev',
  engine: 'mariadb',
  endpoint: { host: server.host, port: server.port },
  instances: [],
  admin: { user: server.user, password: server.password },
};

let root: Connection;
let grants: GrantAdmin;
const db = uniqueName('ga_db');
const users: string[] = [];
const newUser = () => {
  const u = `${prefix}${users.length}`;
  users.push(u);
  return u;
};

beforeAll(async () => {
  root = await mysql.createConnection({ ...server });
  await root.query(`CREATE DATABASE \`${db}\``);
  await root.query(`CREATE TABLE \`${db}\`.t (id INT PRIMARY KEY)`);
  await root.query("DROP USER IF EXISTS ''@'localhost'");
});
beforeEach(() => {
  grants = createGrantAdmin({ userPrefix: prefix });
});
afterEach(() => grants.close());
afterAll(async () => {
  for (const u of users) await root.query(`DROP USER IF EXISTS '${u}'@'%'`);
  await root.query(`DROP DATABASE IF EXISTS \`${db}\``);
  await root.end();
});

describe('the grant admin of the access workers', () => {
  it('creates a user who can read the database, lists it by the platform prefix, and revokes it with its session', async () => {
    const user = newUser();
    const password = generatePassword();
    await grants.requireDatabase(cluster, db);
    await grants.createUser(cluster, { user, password, database: db, privileges: ['SELECT'] });
    expect(await grants.listPlatformUsers(cluster)).toContain(user);
    const session = await mysql.createConnection({ host: server.host, port: server.port, user, password, database: db });
    session.on('error', () => undefined);
    try {
      await session.query('SELECT * FROM t');
      expect(await grants.revokeUser(cluster, user)).toStrictEqual({ killed: 1, outcome: 'dropped' });
      await expect(session.query('SELECT 1')).rejects.toThrow();
    } finally {
      session.destroy();
    }
    expect(await grants.listPlatformUsers(cluster)).not.toContain(user);
    expect(await grants.revokeUser(cluster, user)).toStrictEqual({ killed: 0, outcome: 'absent' });
  });

  it('refuses a database that does not exist, naming the cluster', async () => {
    await expect(grants.requireDatabase(cluster, `${db}_nope`)).rejects.toMatchObject({
      code: 'DATABASE_NOT_FOUND',
      message: `There is no database ${JSON.stringify(`${db}_nope`)} on cluster ${cluster.id}; access is granted to existing databases only.`,
    });
    await expect(grants.requireDatabase(cluster, '*')).resolves.toBeUndefined();
  });

  it('schedules the failsafe only where the event scheduler is ON', async () => {
    const user = newUser();
    await grants.createUser(cluster, { user, password: generatePassword(), database: db, privileges: ['SELECT'] });
    const [rows] = await root.query<RowDataPacket[]>('SELECT @@global.event_scheduler AS s');
    const on = String(rows[0]!['s']).toUpperCase() === 'ON';
    expect(await grants.scheduleFailsafe(cluster, user, new Date(Date.now() + 3_600_000))).toBe(on);
    if (on) await root.query(`DROP EVENT IF EXISTS dbre_platform.\`${dropEventName(user)}\``);
  });

  it('uses the edited inventory entry: new credentials take effect, a closed admin is made again', async () => {
    const user = newUser();
    await grants.createUser(cluster, { user, password: generatePassword(), database: db, privileges: ['SELECT'] });
    expect(await grants.listPlatformUsers(cluster)).toContain(user);
    const wrong = { ...cluster, admin: { user: server.user, password: 'not-the-password' } };
    await expect(grants.listPlatformUsers(wrong)).rejects.toMatchObject({ code: 'ER_ACCESS_DENIED_ERROR' });
    expect(await grants.listPlatformUsers(cluster)).toContain(user);
    await grants.close();
    expect(await grants.listPlatformUsers(cluster)).toContain(user);
  });

  it('logs through the logger it is given, and close() ends the connections of every cluster', async () => {
    const own = newUser();
    const ownPassword = generatePassword();
    await root.query(`CREATE USER '${own}'@'%' IDENTIFIED BY ?`, [ownPassword]);
    await root.query(`GRANT ALL PRIVILEGES ON *.* TO '${own}'@'%' WITH GRANT OPTION`);
    const sessionsOf = async () => (await root.query<RowDataPacket[]>('SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE USER = ?', [own]))[0][0]!['n'] as number;
    const logged: Array<[object, string | undefined]> = [];
    const logging = createGrantAdmin({ userPrefix: prefix, logger: { info: (obj, msg) => logged.push([obj, msg]), warn: (obj, msg) => logged.push([obj, msg]) } });
    const byOwn = { ...cluster, id: `${cluster.id}_own`, admin: { user: own, password: ownPassword } };
    const user = newUser();
    await logging.createUser(byOwn, { user, password: generatePassword(), database: db, privileges: ['SELECT'] });
    expect(logged).toEqual([[{ clusterId: byOwn.id, dbUser: user, database: db, privileges: ['SELECT'], existed: false }, 'created user']]);
    expect(await sessionsOf()).toBeGreaterThan(0);
    await logging.close();
    for (let i = 0; i < 100 && (await sessionsOf()) > 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(await sessionsOf()).toBe(0);
  });

  it('an unreachable cluster fails (connect timeout passed through), and so does its revoke', async () => {
    const nowhere = createGrantAdmin({ userPrefix: prefix, connectTimeoutMs: 1000, logger: { info: () => undefined, warn: () => undefined } });
    try {
      const down = { ...cluster, id: 'down', endpoint: { host: '127.0.0.1', port: 1 } };
      await expect(nowhere.listPlatformUsers(down)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
      await expect(nowhere.revokeUser(down, 'jit_nobody')).rejects.toThrow();
    } finally {
      await nowhere.close();
    }
  });
});
