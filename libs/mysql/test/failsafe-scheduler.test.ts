import mysql, { type Connection, type RowDataPacket } from 'mysql2/promise';
import type { ClusterTarget } from '@dbre/drivers';
import { generatePassword } from '@dbre/domain';
import { createAccessAdmin, createGrantAdmin, dropEventName } from '../src';
import { startPrivateMariadb, type PrivateMariadb } from './private-mariadb';

// The failsafe where it really runs: a private MariaDB with event_scheduler ON. The shared server keeps it
// OFF, so that no other suite's failsafe event fires there.

let server: PrivateMariadb;
let root: Connection;
const db = 'app';
let cluster: ClusterTarget;

beforeAll(async () => {
  server = await startPrivateMariadb(() => ['--event-scheduler=ON']);
  root = await mysql.createConnection({ host: '127.0.0.1', port: server.port, user: 'root', password: '' });
  await root.query(`CREATE DATABASE ${db}`);
  cluster = { id: 'sched', environment: 'dev', engine: 'mariadb', endpoint: { host: '127.0.0.1', port: server.port }, instances: [], admin: { user: 'root', password: '' } };
}, 90_000);
afterAll(async () => {
  await root?.end();
  await server?.stop();
});

const eventsIn = async (schema: string) => {
  const [rows] = await root.query<RowDataPacket[]>('SELECT EVENT_NAME AS name FROM information_schema.EVENTS WHERE EVENT_SCHEMA = ? ORDER BY EVENT_NAME', [schema]);
  return rows.map((r) => String(r['name']));
};
const userCount = async (user: string) => {
  const [rows] = await root.query<RowDataPacket[]>('SELECT COUNT(*) AS n FROM mysql.user WHERE User = ?', [user]);
  return Number(rows[0]!['n']);
};

it('drops the user at its time, by itself, when the platform never comes back; the event then goes too', async () => {
  const admin = createAccessAdmin({ cluster });
  try {
    expect(await admin.eventSchedulerOn()).toBe(true);
    const user = 'jit_failsafe_1';
    const password = generatePassword();
    await admin.createUser({ user, password, database: db, privileges: ['SELECT'] });
    // Not forced: scheduled because the server runs its events. The default schema is dbre_platform.
    expect(await admin.scheduleDropEvent(user, new Date(Date.now() + 2_000))).toEqual({ scheduled: true, event: dropEventName(user) });
    expect(await eventsIn('dbre_platform')).toEqual([dropEventName(user)]);
    for (let i = 0; i < 300 && (await userCount(user)) > 0; i++) await new Promise((r) => setTimeout(r, 100));
    expect(await userCount(user)).toBe(0);
    await expect(mysql.createConnection({ host: '127.0.0.1', port: server.port, user, password })).rejects.toMatchObject({ errno: 1045 });
    expect(await eventsIn('dbre_platform')).toEqual([]);
  } finally {
    await admin.close();
  }
});

it('the workers schedule it here, and a revoke removes it with the user', async () => {
  const grants = createGrantAdmin({ userPrefix: 'jit_' });
  try {
    const user = 'jit_failsafe_2';
    await grants.createUser(cluster, { user, password: generatePassword(), database: db, privileges: ['SELECT'] });
    expect(await grants.scheduleFailsafe(cluster, user, new Date(Date.now() + 3_600_000))).toBe(true);
    expect(await eventsIn('dbre_platform')).toEqual([dropEventName(user)]);
    expect(await grants.revokeUser(cluster, user)).toStrictEqual({ killed: 0, outcome: 'dropped' });
    expect(await eventsIn('dbre_platform')).toEqual([]);
    expect(await userCount(user)).toBe(0);
  } finally {
    await grants.close();
  }
});
