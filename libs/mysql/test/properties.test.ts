import fc from 'fast-check';
import mysql, { type Connection, type RowDataPacket } from 'mysql2/promise';
import { generatePassword } from '@dbre/domain';
import { createAccessAdmin, grantScope, MysqlAdminError, validateIdentifier, type AccessAdmin } from '../src';
import { server, uniqueName } from './mariadb';

// Property-based (issue 13, item 5): any database name either is refused with a typed error or
// yields a grant on exactly that database, never a wildcard and never a half-made account.

const cluster = { id: 'local', engine: 'mariadb' as const, endpoint: { host: server.host, port: server.port }, instances: [], admin: { user: server.user, password: server.password } };
const stem = uniqueName('pp').replace(/[^A-Za-z0-9]/g, '').slice(0, 40);
// Names that differ only where a wildcard could match: a grant on one must not open another.
const existing = [`${stem}a_b`, `${stem}aXb`, `${stem}aYb`, `${stem}ab`];
const fragments = ['a', 'b', 'X', 'Y', '_', '%', '$', '-', '\\', '`', "'", ' '];

const unescape = (scope: string) => scope.slice(1, -3).replace(/\\(.)/g, '$1');

describe('grant scopes, for any database name', () => {
  it('are refused as IDENTIFIER_INVALID or name exactly that database with every wildcard escaped', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 70 }), fc.stringMatching(/^[A-Za-z0-9_$%*\\-]{1,66}$/), fc.constantFrom('*', '_', '%', 'demo_shop')), (database) => {
        let scope: string;
        try {
          scope = grantScope(database);
        } catch (err) {
          expect(err).toBeInstanceOf(MysqlAdminError);
          expect((err as MysqlAdminError).code).toBe('IDENTIFIER_INVALID');
          return;
        }
        if (database === '*') return expect(scope).toBe('*.*');
        expect(scope).toMatch(/^`(?:[A-Za-z0-9$-]|\\[_%\\])+`\.\*$/);
        expect(unescape(scope)).toBe(database);
        expect(validateIdentifier(database, 'database')).toBe(database);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('grants on the real server, for generated database names', () => {
  let root: Connection;
  let admin: AccessAdmin;
  const users: string[] = [];
  beforeAll(async () => {
    root = await mysql.createConnection({ ...server });
    for (const db of existing) {
      await root.query(`CREATE DATABASE \`${db}\``);
      await root.query(`CREATE TABLE \`${db}\`.t (id INT PRIMARY KEY)`);
    }
    await root.query("DROP USER IF EXISTS ''@'localhost'");
    admin = createAccessAdmin({ cluster });
  });
  afterAll(async () => {
    for (const u of users) await root.query(`DROP USER IF EXISTS '${u}'@'%'`);
    for (const db of existing) await root.query(`DROP DATABASE IF EXISTS \`${db}\``);
    await admin.close();
    await root.end();
  });

  it('refuse with a typed error, or grant exactly the named database (and no look-alike)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.constantFrom(...existing), fc.array(fc.constantFrom(...fragments), { minLength: 1, maxLength: 3 }).map((parts) => `${stem}${parts.join('')}`)), async (database) => {
        const user = uniqueName('jit_p').replace(/[^A-Za-z0-9_]/g, '').slice(0, 32);
        users.push(user);
        const password = generatePassword();
        try {
          await admin.createUser({ user, password, privileges: ['SELECT'], database });
        } catch (err) {
          expect(err).toBeInstanceOf(MysqlAdminError);
          expect(['IDENTIFIER_INVALID', 'DATABASE_NOT_FOUND']).toContain((err as MysqlAdminError).code);
          expect(await admin.userExists(user)).toBe(false);
          return;
        }
        expect(existing).toContain(database);
        const c = await mysql.createConnection({ host: server.host, port: server.port, user, password });
        try {
          for (const db of existing) {
            const read = c.query<RowDataPacket[]>(`SELECT COUNT(*) AS n FROM \`${db}\`.t`);
            if (db === database) await expect(read).resolves.toBeDefined();
            else await expect(read).rejects.toMatchObject({ code: 'ER_TABLEACCESS_DENIED_ERROR' });
          }
        } finally {
          await c.end();
        }
      }),
      { numRuns: 25 },
    );
  });
});
