import { mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mysql, { type Connection } from 'mysql2/promise';
import { testServices, uniqueName } from '@dbre/testing';
import { createServerAuditSource, createStaticInventory, enableServerAudit, readServerAuditSettings, type ClusterTarget } from '../../src';

const target: ClusterTarget = {
  id: 'local',
  environment: 'dev',
  engine: 'mariadb',
  endpoint: { host: testServices.mysql.host, port: testServices.mysql.port },
  instances: [],
  admin: { user: testServices.mysql.user, password: testServices.mysql.password },
};

describe('MariaDB server_audit as an AuditSource (real MariaDB)', () => {
  let root: Connection;
  const db = uniqueName('evx');
  const alice = uniqueName('evx_a');
  const bob = uniqueName('evx_b');
  const password = `Pw-${uniqueName('x')}-9z`;

  let started: Date;

  beforeAll(async () => {
    started = new Date();
    root = await mysql.createConnection({ ...testServices.mysql });
    await enableServerAudit(root);
    await root.query(`CREATE DATABASE \`${db}\``);
    for (const u of [alice, bob]) {
      await root.query('CREATE USER ?@? IDENTIFIED BY ?', [u, '%', password]);
      await root.query(`GRANT SELECT, INSERT, UPDATE, CREATE, DROP ON \`${db}\`.* TO ?@?`, [u, '%']);
    }
  });

  afterAll(async () => {
    for (const u of [alice, bob]) await root.query('DROP USER IF EXISTS ?@?', [u, '%']);
    await root.query(`DROP DATABASE IF EXISTS \`${db}\``);
    await root.end();
  });

  it('is enabled idempotently for the platform events, passwords masked', async () => {
    const again = await enableServerAudit(root);
    expect(again.installed).toBe(true);
    expect(again.logging).toBe(true);
    // Either every event (empty list) or at least the four the evidence needs.
    if (again.events.length > 0) expect(again.events).toEqual(expect.arrayContaining(['CONNECT', 'QUERY_DDL', 'QUERY_DML', 'QUERY_DCL']));
    expect(await readServerAuditSettings(root)).toEqual(again);
    const source = createServerAuditSource({ inventory: createStaticInventory([target]) });
    const admin = await source.records({ clusterId: 'local', user: testServices.mysql.user, from: started, to: new Date() });
    const created = admin.records.find((r) => r.statement?.startsWith(`CREATE USER '${alice}'`));
    expect(created?.statement).toBe(`CREATE USER '${alice}'@'%' IDENTIFIED BY *****`);
  });

  it("returns exactly the user's connects, statements and disconnects, none of another user's", async () => {
    const from = new Date();
    const login = (user: string) => mysql.createConnection({ ...testServices.mysql, user, password, database: db });
    const a = await login(alice);
    const aliceThread = a.threadId;
    await a.query('CREATE TABLE orders (id INT PRIMARY KEY, note VARCHAR(100))');
    await a.query("INSERT INTO orders VALUES (1, 'it''s, fine')");
    await a.query('SELECT id, note FROM orders WHERE id = 1');
    await a.query("UPDATE orders SET note = 'done' WHERE id = 1");
    await a.end();
    const b = await login(bob);
    // Bob's statement names Alice: still Bob's.
    await b.query(`SELECT '${alice}' AS who, COUNT(*) FROM orders`);
    await b.end();
    await expect(mysql.createConnection({ ...testServices.mysql, user: alice, password: 'wrong-password', database: db })).rejects.toThrow();

    const source = createServerAuditSource({ inventory: createStaticInventory([target]) });
    const result = await source.records({ clusterId: 'local', user: alice, from, to: new Date() });
    expect(result.warnings).toEqual([]);
    expect(result.source).toBe('mariadb-server-audit:server_audit.log');
    expect(result.records.map((r) => [r.kind, r.statement ?? '', r.database, r.resultCode])).toEqual([
      ['connect', '', db, 0],
      ['query', 'CREATE TABLE orders (id INT PRIMARY KEY, note VARCHAR(100))', db, 0],
      ['query', "INSERT INTO orders VALUES (1, 'it''s, fine')", db, 0],
      ['query', 'SELECT id, note FROM orders WHERE id = 1', db, 0],
      ['query', "UPDATE orders SET note = 'done' WHERE id = 1", db, 0],
      ['disconnect', '', db, 0],
      // A refused login is logged too, and MariaDB closes it with a DISCONNECT.
      ['failed_connect', '', '', 1045],
      ['disconnect', '', '', 0],
    ]);
    expect(result.records.slice(0, 6).every((r) => r.connectionId === aliceThread && r.user === alice)).toBe(true);
    for (const r of result.records) expect(Date.parse(r.at)).toBeGreaterThanOrEqual(Math.floor(from.getTime() / 1000) * 1000 - 1000);

    const bobs = await source.records({ clusterId: 'local', user: bob, from, to: new Date() });
    expect(bobs.records.filter((r) => r.kind === 'query').map((r) => r.statement)).toEqual([`SELECT '${alice}' AS who, COUNT(*) FROM orders`]);
  });

  it('returns nothing outside the window and refuses an unknown cluster', async () => {
    const source = createServerAuditSource({ inventory: createStaticInventory([target]) });
    const past = await source.records({ clusterId: 'local', user: alice, from: new Date('2020-01-01T00:00:00Z'), to: new Date('2020-01-01T01:00:00Z') });
    expect(past.records).toEqual([]);
    await expect(source.records({ clusterId: 'nope', user: alice, from: new Date(), to: new Date() })).rejects.toMatchObject({ code: 'AUDIT_CLUSTER_UNKNOWN' });
  });

  it('reads the current file and every rotated one, once each line, in time order', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'audit-rotated-'));
    try {
      const u = uniqueName('evx_r');
      const line = (sec: number, conn: number, qid: number, op: string, stmt = '') =>
        `20261202 05:00:${String(sec).padStart(2, '0')},vm,${u},127.0.0.1,${conn},${qid},${op},shop,${stmt ? `'${stmt}'` : ''},0`;
      // Oldest in .2, then .1, newest in the current file; one line appears twice (a rotation mid-read).
      await writeFile(join(dir, 'server_audit.log.2'), [line(1, 5, 0, 'CONNECT'), line(2, 5, 10, 'QUERY', 'SELECT 1'), 'garbage line'].join('\n') + '\n');
      await writeFile(join(dir, 'server_audit.log.1'), [line(3, 5, 11, 'QUERY', 'UPDATE t SET a = 1'), line(4, 5, 12, 'QUERY', 'DROP TABLE t')].join('\n') + '\n');
      await writeFile(join(dir, 'server_audit.log'), [line(4, 5, 12, 'QUERY', 'DROP TABLE t'), line(5, 5, 0, 'DISCONNECT'), line(6, 9, 0, 'CONNECT').replace(u, `${u}x`)].join('\n') + '\n');
      await writeFile(join(dir, 'server_audit.log.bak'), line(3, 7, 99, 'QUERY', 'not a rotation') + '\n');
      // Each rotated file was last written when its last line was logged.
      await utimes(join(dir, 'server_audit.log.2'), new Date('2026-12-02T05:00:02Z'), new Date('2026-12-02T05:00:02Z'));
      await utimes(join(dir, 'server_audit.log.1'), new Date('2026-12-02T05:00:04Z'), new Date('2026-12-02T05:00:04Z'));
      // The server is in UTC here; the override only moves where the file is read.
      const source = createServerAuditSource({ inventory: createStaticInventory([target]), logPath: join(dir, 'server_audit.log') });
      const result = await source.records({ clusterId: 'local', user: u, from: new Date('2026-12-02T05:00:00Z'), to: new Date('2026-12-02T05:01:00Z') });
      expect(result.records.map((r) => [r.at, r.kind, r.statement ?? ''])).toEqual([
        ['2026-12-02T05:00:01.000Z', 'connect', ''],
        ['2026-12-02T05:00:02.000Z', 'query', 'SELECT 1'],
        ['2026-12-02T05:00:03.000Z', 'query', 'UPDATE t SET a = 1'],
        ['2026-12-02T05:00:04.000Z', 'query', 'DROP TABLE t'],
        ['2026-12-02T05:00:05.000Z', 'disconnect', ''],
      ]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
  it('keeps a disconnect after the statement before it when MariaDB stamped it with an earlier second (the lines of a real run)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'audit-disconnect-'));
    try {
      const u = uniqueName('evx_d');
      const line = (time: string, qid: number, op: string, stmt = '') => `20261202 ${time},vm,${u},127.0.0.1,6746,${qid},${op},shop,${stmt ? `'${stmt}'` : ''},0`;
      // As MariaDB 10.11 wrote them: the UPDATE ran into the next second, the DISCONNECT kept the second the UPDATE started in.
      await writeFile(
        join(dir, 'server_audit.log'),
        [line('16:48:46', 0, 'CONNECT'), line('16:48:46', 68207, 'QUERY', 'SELECT 1'), line('16:48:47', 68208, 'QUERY', 'UPDATE orders SET note = 1'), line('16:48:46', 0, 'DISCONNECT')].join('\n') + '\n',
      );
      const source = createServerAuditSource({ inventory: createStaticInventory([target]), logPath: join(dir, 'server_audit.log') });
      const result = await source.records({ clusterId: 'local', user: u, from: new Date('2026-12-02T16:48:00Z'), to: new Date('2026-12-02T16:49:00Z') });
      expect(result.records.map((r) => [r.at, r.kind, r.statement ?? ''])).toEqual([
        ['2026-12-02T16:48:46.000Z', 'connect', ''],
        ['2026-12-02T16:48:46.000Z', 'query', 'SELECT 1'],
        ['2026-12-02T16:48:47.000Z', 'query', 'UPDATE orders SET note = 1'],
        ['2026-12-02T16:48:47.000Z', 'disconnect', ''],
      ]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("finds every line of the user's in a large log: across read chunks, after CRLF, and on a last line without a newline", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'audit-large-'));
    try {
      const u = uniqueName('evx_l');
      const other = `${u}_other`;
      const line = (user: string, sec: number, qid: number, stmt: string) => `20261202 05:00:${String(sec).padStart(2, '0')},vm,${user},127.0.0.1,5,${qid},QUERY,shop,'${stmt}',0`;
      let text = '';
      const mine: string[] = [];
      // The file is read in 64 KiB chunks: put one of the user's lines across each of the first four boundaries.
      for (let chunk = 1; chunk <= 4; chunk++) {
        while (Buffer.byteLength(text) < chunk * 65536 - 300) text += `${line(other, 1, 1, `SELECT 'filler ü ${text.length}'`)}\n`;
        text += `${'x'.repeat(chunk * 65536 - 30 - Buffer.byteLength(text) - 1)}\n`; // the user's line starts 30 bytes before the boundary
        const stmt = `SELECT ${chunk}`;
        mine.push(stmt);
        text += `${line(u, 10 + chunk, chunk, stmt)}${chunk === 2 ? '\r\n' : '\n'}`;
      }
      text += `${line(other, 30, 1, 'SELECT 0')}\n${line(u, 40, 9, 'SELECT 9')}`;
      await writeFile(join(dir, 'server_audit.log'), text);
      const source = createServerAuditSource({ inventory: createStaticInventory([target]), logPath: join(dir, 'server_audit.log') });
      const result = await source.records({ clusterId: 'local', user: u, from: new Date('2026-12-02T05:00:00Z'), to: new Date('2026-12-02T05:01:00Z') });
      expect(result.records.map((r) => r.statement)).toEqual(['SELECT 1', 'SELECT 2', 'SELECT 3', 'SELECT 4', 'SELECT 9']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
