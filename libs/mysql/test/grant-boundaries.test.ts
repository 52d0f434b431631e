import mysql, { type Connection, type RowDataPacket } from 'mysql2/promise';
import { generatePassword } from '@dbre/domain';
import { createAccessAdmin, grantScope, type AccessAdmin } from '../src';
import { server, uniqueName } from './mariadb';

const cluster = { id: 'local', engine: 'mariadb' as const, endpoint: { host: server.host, port: server.port }, instances: [], admin: { user: server.user, password: server.password } };

let root: Connection;
let admin: AccessAdmin;
const dbs: string[] = [];
const users: string[] = [];
const open: Connection[] = [];
// Unique stem without `_` so that `<stem>a_b` and `<stem>aXb` differ only where the wildcard is.
const stem = uniqueName('gb').replace(/[^A-Za-z0-9]/g, '').slice(0, 40);
const underscored = `${stem}a_b`;
const lookalike = `${stem}aXb`;

const newUser = () => {
  const u = uniqueName('jit_g').replace(/[^A-Za-z0-9_]/g, '').slice(0, 32);
  users.push(u);
  return u;
};
const login = async (user: string, password: string) => {
  const c = await mysql.createConnection({ host: server.host, port: server.port, user, password });
  open.push(c);
  c.on('error', () => undefined);
  return c;
};
const accountCount = async (user: string) => {
  const [rows] = await root.query<RowDataPacket[]>('SELECT COUNT(*) AS n FROM mysql.user WHERE User = ?', [user]);
  return Number(rows[0]!['n']);
};

beforeAll(async () => {
  root = await mysql.createConnection({ ...server, multipleStatements: false });
  for (const db of [underscored, lookalike]) {
    dbs.push(db);
    await root.query(`CREATE DATABASE \`${db}\``);
    await root.query(`CREATE TABLE \`${db}\`.t (id INT PRIMARY KEY)`);
    await root.query(`INSERT INTO \`${db}\`.t VALUES (1)`);
  }
  await root.query("DROP USER IF EXISTS ''@'localhost'");
  admin = createAccessAdmin({ cluster });
});

afterAll(async () => {
  for (const c of open) c.destroy();
  for (const u of users) await root.query(`DROP USER IF EXISTS '${u}'@'%'`);
  for (const db of dbs) await root.query(`DROP DATABASE IF EXISTS \`${db}\``);
  await admin.close();
  await root.end();
});

describe('a grant gives exactly the approved database (finding 1: GRANT wildcards)', () => {
  it('escapes _ and % in the GRANT scope', () => {
    expect(grantScope('demo_shop')).toBe('`demo\\_shop`.*');
    expect(grantScope('*')).toBe('*.*');
  });

  it('a grant on a_b cannot read aXb', async () => {
    const user = newUser();
    const password = generatePassword();
    await admin.createUser({ user, password, privileges: ['SELECT'], database: underscored });
    const c = await login(user, password);
    const [rows] = await c.query<RowDataPacket[]>(`SELECT COUNT(*) AS n FROM \`${underscored}\`.t`);
    expect(Number(rows[0]!['n'])).toBe(1);
    await expect(c.query(`SELECT * FROM \`${lookalike}\`.t`)).rejects.toMatchObject({ code: 'ER_TABLEACCESS_DENIED_ERROR' });
  });

  it('refuses a database that does not exist on the cluster, before creating any account', async () => {
    const user = newUser();
    for (const database of ['_', '__', `${stem}a_`, `${stem}A_B`]) {
      await expect(admin.createUser({ user, password: generatePassword(), privileges: ['SELECT'], database })).rejects.toMatchObject({ code: 'DATABASE_NOT_FOUND' });
    }
    expect(await accountCount(user)).toBe(0);
    await expect(admin.requireDatabase(underscored)).resolves.toBeUndefined();
    await expect(admin.databaseExists(`${stem}a%`)).rejects.toMatchObject({ code: 'IDENTIFIER_INVALID' });
  });
});

describe('system schemas and * (finding 2)', () => {
  it('never grants writes on mysql or on every database, whatever the caller asks', async () => {
    const user = newUser();
    for (const [database, privileges] of [
      ['mysql', ['INSERT']],
      ['MySQL', ['SELECT', 'UPDATE']],
      ['*', ['SELECT', 'INSERT']],
      ['*', ['CREATE']],
      ['performance_schema', ['DELETE']],
    ] as const) {
      await expect(admin.createUser({ user, password: generatePassword(), privileges, database })).rejects.toMatchObject({ code: 'SYSTEM_DATABASE_REFUSED' });
    }
    expect(await accountCount(user)).toBe(0);
  });

  it('a jit user can never create a user, even with the widest grant the platform gives', async () => {
    const reader = newUser();
    const writer = newUser();
    const readerPw = generatePassword();
    const writerPw = generatePassword();
    await admin.createUser({ user: reader, password: readerPw, privileges: ['SELECT', 'SHOW VIEW'], database: '*' });
    await admin.createUser({ user: writer, password: writerPw, privileges: ['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'CREATE', 'ALTER', 'DROP'], database: underscored });
    for (const [user, pw] of [
      [reader, readerPw],
      [writer, writerPw],
    ] as const) {
      const c = await login(user, pw);
      const made = newUser();
      await expect(c.query(`CREATE USER '${made}'@'%' IDENTIFIED BY 'x-Pw-123456'`)).rejects.toMatchObject({ code: 'ER_SPECIFIC_ACCESS_DENIED_ERROR' });
      await expect(c.query(`GRANT SELECT ON \`${underscored}\`.* TO '${user}'@'%'`)).rejects.toMatchObject({ errno: expect.any(Number) });
      expect(await accountCount(made)).toBe(0);
    }
  });
});
