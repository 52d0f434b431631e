import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mysql, { type Connection } from 'mysql2/promise';
import { createFolderEvidenceStore, createServerAuditSource, createStaticInventory, enableServerAudit, type AuditSource, type ClusterTarget } from '@dbre/drivers';
import { startTcpProxy, testServices, uniqueName, type TcpProxy } from '@dbre/testing';
import { collectEvidence, evidenceSealedEvent, verifyBundle, type EvidenceDocument } from '../src';
import { chainOf, REQUEST_ID, REVOKED_PATH, revokedRequest, rewriteConsistently } from './fixtures';

const target: ClusterTarget = {
  id: 'local',
  environment: 'dev',
  engine: 'mariadb',
  endpoint: { host: testServices.mysql.host, port: testServices.mysql.port },
  instances: [],
  admin: { user: testServices.mysql.user, password: testServices.mysql.password },
};

describe('collecting a grant’s evidence (real MariaDB audit log, folder store)', () => {
  let root: Connection;
  let forwarder: TcpProxy;
  let dir: string;
  let auditSource: AuditSource;
  const db = uniqueName('evc');
  const grantUser = uniqueName('evc_g');
  const otherUser = uniqueName('evc_o');
  const password = `Pw-${uniqueName('x')}-7q`;
  let decided: Date;
  let revoked: Date;

  beforeAll(async () => {
    root = await mysql.createConnection({ ...testServices.mysql });
    await enableServerAudit(root);
    await root.query(`CREATE DATABASE \`${db}\``);
    await root.query(`CREATE TABLE \`${db}\`.orders (id INT PRIMARY KEY, paid TINYINT NOT NULL DEFAULT 0)`);
    await root.query(`INSERT INTO \`${db}\`.orders VALUES (7, 0)`);
    for (const u of [grantUser, otherUser]) {
      await root.query('CREATE USER ?@? IDENTIFIED BY ?', [u, '%', password]);
      await root.query(`GRANT SELECT, UPDATE, ALTER, INDEX ON \`${db}\`.* TO ?@?`, [u, '%']);
    }
    // The grant's user goes through the forwarder, like an engineer through the bastion.
    forwarder = await startTcpProxy({ host: testServices.mysql.host, port: testServices.mysql.port });
    decided = new Date();
    const login = (user: string) => mysql.createConnection({ host: forwarder.host, port: forwarder.port, user, password, database: db });
    const grant = await login(grantUser);
    await grant.query('SELECT id, paid FROM orders WHERE id = 7');
    await grant.query('UPDATE orders SET paid = 1 WHERE id = 7');
    await grant.query('ALTER TABLE orders ADD INDEX paid_idx (paid)');
    await grant.end();
    const other = await login(otherUser);
    await other.query('SELECT COUNT(*) FROM orders');
    await other.end();
    revoked = new Date();
    auditSource = createServerAuditSource({ inventory: createStaticInventory([target]) });
  });

  afterAll(async () => {
    for (const u of [grantUser, otherUser]) await root.query('DROP USER IF EXISTS ?@?', [u, '%']);
    await root.query(`DROP DATABASE IF EXISTS \`${db}\``);
    await root.end();
    await forwarder.close();
  });

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'evidence-collect-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('seals exactly the grant user’s statements, once, and verifies them', async () => {
    const evidenceStore = createFolderEvidenceStore({ root: dir });
    const request = revokedRequest(grantUser, decided, revoked);
    const events = chainOf(REQUEST_ID, REVOKED_PATH);
    const sealed = await collectEvidence({ request, events, auditSource, evidenceStore });
    expect(sealed).toMatchObject({ key: `evidence/${REQUEST_ID}/revoke.json`, label: 'revoke', written: true, statements: 3, records: 5, warnings: [], source: 'mariadb-server-audit:server_audit.log' });

    const bytes = (await evidenceStore.get(sealed.key))!;
    const check = verifyBundle(bytes, sealed.sha256, { events });
    expect(check.ok).toBe(true);
    const doc = (check as { document: EvidenceDocument }).document;
    expect(doc.database!.records.map((r) => [r.kind, r.statement ?? ''])).toEqual([
      ['connect', ''],
      ['query', 'SELECT id, paid FROM orders WHERE id = 7'],
      ['query', 'UPDATE orders SET paid = 1 WHERE id = 7'],
      ['query', 'ALTER TABLE orders ADD INDEX paid_idx (paid)'],
      ['disconnect', ''],
    ]);
    expect(doc.database!.records.every((r) => r.user === grantUser)).toBe(true);
    expect(bytes.toString('utf8')).not.toContain(otherUser);

    // What the lifecycle appends to the chain.
    expect(evidenceSealedEvent(sealed)).toEqual({
      key: 'evidence_sealed:revoke',
      kind: 'evidence_sealed',
      data: { label: 'revoke', objectKey: `evidence/${REQUEST_ID}/revoke.json`, sha256: sealed.sha256, records: 5, statements: 3, source: 'mariadb-server-audit:server_audit.log', warnings: [] },
    });

    // A retried job finds the same bundle: fine, nothing rewritten.
    await expect(collectEvidence({ request, events, auditSource, evidenceStore })).resolves.toMatchObject({ sha256: sealed.sha256, written: false });
  });

  it('detects tampering with the stored bundle or with a stored audit event', async () => {
    const evidenceStore = createFolderEvidenceStore({ root: dir });
    const request = revokedRequest(grantUser, decided, revoked);
    const events = chainOf(REQUEST_ID, REVOKED_PATH);
    const sealed = await collectEvidence({ request, events, auditSource, evidenceStore });
    const file = join(dir, sealed.key);
    const original = (await evidenceStore.get(sealed.key))!;

    // Someone with file access removes the UPDATE from the bundle.
    await chmod(file, 0o644);
    await writeFile(file, original.toString('utf8').replace('UPDATE orders SET paid = 1 WHERE id = 7', 'SELECT 1'));
    expect(verifyBundle((await evidenceStore.get(sealed.key))!, sealed.sha256)).toMatchObject({ ok: false, problem: expect.stringContaining('altered') });
    // ... and a later collection refuses to pretend all is well.
    await expect(collectEvidence({ request, events, auditSource, evidenceStore })).rejects.toMatchObject({ code: 'EVIDENCE_CONFLICT' });

    // Someone with table access rewrites the approval and re-hashes the chain.
    const rewritten = rewriteConsistently(events, 2, { step: 2, by: 'mallory@example.com' });
    expect(verifyBundle(original, sealed.sha256, { events: rewritten })).toMatchObject({ ok: false, seq: 2 });
  });

  it('refuses a grant that has not ended and seals a denied request without database records', async () => {
    const evidenceStore = createFolderEvidenceStore({ root: dir });
    const active = { ...revokedRequest(grantUser, decided, revoked), state: 'active' as const };
    await expect(collectEvidence({ request: active, events: [], auditSource, evidenceStore })).rejects.toMatchObject({ code: 'EVIDENCE_REQUEST_NOT_FINAL' });

    const base = revokedRequest(grantUser, decided, revoked);
    const denied = { ...base, state: 'denied' as const, resources: {}, denial: { by: { email: 'alice@example.com' }, at: decided.toISOString(), reason: 'use the replica' } };
    const sealed = await collectEvidence({ request: denied, events: chainOf(REQUEST_ID, ['requested', 'denied']), auditSource, evidenceStore });
    expect(sealed).toMatchObject({ written: true, records: 0, statements: 0, source: null });
    const doc = JSON.parse((await evidenceStore.get(sealed.key))!.toString('utf8'));
    expect(doc.database).toBeNull();
    expect(doc.decisions.denial.reason).toBe('use the replica');
  });
});
