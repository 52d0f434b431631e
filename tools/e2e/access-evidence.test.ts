import { createHash } from 'node:crypto';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import mysql from 'mysql2/promise';
import type { Worker } from 'bullmq';
import { createRevoker, createSweep, type EvidenceDeps, type WorkerDeps } from '@dbre/access';
import { GENESIS_HASH, hashAuditEvent, verifyRequestChain, type AccessRequest, type AuditEvent } from '@dbre/domain';
import { createFolderEvidenceStore, createServerAuditLoggingCheck, createServerAuditSource, enableServerAudit, type FolderEvidenceStore } from '@dbre/drivers';
import { createEvidenceRead, recordPage, type EvidenceDocument } from '@dbre/evidence';
import { createQueue, createWorker, type TypedQueue } from '@dbre/queue';
import { tableName } from '@dbre/store';
import { waitFor } from '@dbre/testing';
import { verifyRequests } from '../audit-verify/src/verify';
import { ALICE, BOB, CAROL, parseCredentials, startAccessStack, type AccessStack } from './access-stack';

// Evidence of what each one-off user did, end to end: the real MariaDB audit log (server_audit),
// the forwarder, dynalite, Redis, a folder evidence store; audit:verify as the operator runs it.

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('evidence of a grant, sealed at revoke, verified, anchored', () => {
  let stack: AccessStack;
  let dir: string;
  let store: FolderEvidenceStore;
  let evidence: EvidenceDeps;
  let deps: WorkerDeps;
  let revokeWorker: Worker;
  let sealWorker: Worker;
  let sealQueue: TypedQueue<'seal'>;

  const io = () => {
    const out: string[] = [];
    return { out, io: { out: (l: string) => out.push(l), err: (l: string) => out.push(l) } };
  };
  const auditVerify = (args: string[]) => {
    const o = io();
    return verifyRequests({ chainOf: (id) => stack.requests.auditEvents(id), store }, args, o.io).then((code) => ({ code, out: o.out }));
  };

  /** Asks, approves, waits for active and returns the delivered login. */
  async function grant(requester: string, profile: 'read' | 'write') {
    const r = await stack.ask(requester, { profile, durationMinutes: 10 });
    expect((await stack.approve(r.id, requester === CAROL ? ALICE : CAROL)).status).toBe(200);
    const active = await stack.waitState(r.id, 'active');
    const inbox = await stack.call(stack.requestApi, 'GET', '/v1/outbox', requester);
    const creds = (inbox.body['items'] as Array<{ id: string; kind: string; requestId?: string }>).find((m) => m.kind === 'credentials' && m.requestId === r.id)!;
    const opened = await stack.call(stack.requestApi, 'POST', `/v1/outbox/${creds.id}/open`, requester);
    return { request: active, login: parseCredentials(String(opened.body['text'])) };
  }

  const end = async (id: string, who: string) => expect((await stack.call(stack.requestApi, 'POST', `/v1/access-requests/${id}/end`, who)).status).toBe(202);

  const sealedEvent = async (id: string, label: 'revoke' | 'final') =>
    waitFor(async () => (await stack.requests.auditEvents(id)).events.find((e) => e.key === `evidence_sealed:${label}`), { timeoutMs: 30_000, intervalMs: 50, what: `${id}'s ${label} evidence to be sealed` });

  beforeAll(async () => {
    stack = await startAccessStack({ minuteMs: 2000, reaper: false });
    await enableServerAudit(stack.root);
    dir = await mkdtemp(join(tmpdir(), 'e2e-evidence-'));
    store = createFolderEvidenceStore({ root: dir });
    evidence = {
      auditSource: createServerAuditSource({ inventory: stack.inventory }),
      store,
      settleMs: 60 * 60_000,
      clusterAuditLogging: createServerAuditLoggingCheck({ inventory: stack.inventory }),
    };
    const workerDeps = await stack.workerDeps();
    sealQueue = createQueue('seal', stack.redis, { prefix: stack.prefix });
    deps = { ...workerDeps, queues: { ...workerDeps.queues, seal: sealQueue }, evidence };
    // The reaper's revoke and seal workers, as the reaper runs them; sweeps are run by the tests themselves.
    const revoker = createRevoker(deps);
    const conn = { connection: stack.redis, logger: stack.logger, prefix: stack.prefix };
    revokeWorker = createWorker('revoke', revoker.revokeProcessor, conn, { concurrency: 4, lockDuration: stack.timings.lockMs });
    sealWorker = createWorker('seal', revoker.sealProcessor, conn, { concurrency: 1, lockDuration: stack.timings.lockMs });
  }, 60_000);
  afterAll(async () => {
    await revokeWorker.close();
    await sealWorker.close();
    await sealQueue.obliterate({ force: true }).catch(() => undefined);
    await sealQueue.close();
    await stack.close();
    await rm(dir, { recursive: true, force: true });
  });

  let aliceId: string;
  let bobId: string;

  it('seals exactly the grant user’s statements (and none of another grant’s) into the chain at revoke', async () => {
    const alice = await grant(ALICE, 'write');
    const bob = await grant(BOB, 'read');
    aliceId = alice.request.id;
    bobId = bob.request.id;
    const a = await mysql.createConnection({ ...alice.login, database: stack.databases.granted });
    await a.query('SELECT v FROM t WHERE id = 1');
    await a.query("UPDATE t SET v = 'uno' WHERE id = 1");
    // DDL beyond the write profile: refused, and the refusal is evidence too.
    await expect(a.query('ALTER TABLE t ADD COLUMN note INT')).rejects.toMatchObject({ code: 'ER_TABLEACCESS_DENIED_ERROR' });
    await a.end();
    const b = await mysql.createConnection({ ...bob.login, database: stack.databases.granted });
    await b.query('SELECT COUNT(*) AS n FROM t');
    await b.end();

    await end(aliceId, ALICE);
    await end(bobId, BOB);
    const sealed = await sealedEvent(aliceId, 'revoke');
    const revoked = (await stack.requests.get(aliceId))!;
    expect(revoked.state).toBe('revoked');

    // The stored bytes hash (computed here, independently) to what the chain sealed.
    const bytes = await readFile(join(dir, 'evidence', aliceId, 'revoke.json'));
    expect(sealed.data).toMatchObject({ label: 'revoke', objectKey: `evidence/${aliceId}/revoke.json`, sha256: sha256(bytes), statements: 3, warnings: [] });
    const doc = JSON.parse(bytes.toString('utf8')) as EvidenceDocument;
    const user = alice.login.user;
    expect(doc.database?.user).toBe(user);
    expect(doc.database?.records.every((r) => r.user === user)).toBe(true);
    expect(doc.database?.records.filter((r) => r.kind === 'query').map((r) => [r.statement, r.resultCode])).toEqual([
      ['SELECT v FROM t WHERE id = 1', 0],
      ["UPDATE t SET v = 'uno' WHERE id = 1", 0],
      ['ALTER TABLE t ADD COLUMN note INT', 1142],
    ]);
    expect(doc.database?.counts).toMatchObject({ connects: 1, disconnects: 1, statements: 3, failedStatements: 1 });
    expect(JSON.stringify(doc)).not.toContain('COUNT(*)');
    expect(JSON.stringify(doc)).not.toContain(alice.login.password);
    expect(doc.clusterAuditLogging).toMatchObject({ enabled: true });
    // The bundle's platform events end with `revoked`; the seal follows it in the chain.
    expect(doc.platform.events.map((e) => e.kind).at(-1)).toBe('revoked');
    const { events } = await stack.requests.auditEvents(aliceId);
    expect(events.map((e) => e.kind).slice(-2)).toEqual(['revoked', 'evidence_sealed']);
    expect(verifyRequestChain(events, { state: 'revoked', approvalsRequired: 1 })).toMatchObject({ ok: true });

    // Bob's bundle has Bob's statement only.
    await sealedEvent(bobId, 'revoke');
    const bobDoc = JSON.parse((await readFile(join(dir, 'evidence', bobId, 'revoke.json'))).toString('utf8')) as EvidenceDocument;
    expect(bobDoc.database?.records.filter((r) => r.kind === 'query').map((r) => r.statement)).toEqual(['SELECT COUNT(*) AS n FROM t']);

    // What the dashboard's request page reads.
    const aliceRequest = await stack.requests.require(aliceId);
    const view = await createEvidenceRead({ store }).forRequest(aliceRequest, events);
    expect(view.chain).toMatchObject({ ok: true });
    expect(view.bundles).toEqual([expect.objectContaining({ label: 'revoke', status: 'verified', statements: 3 })]);
    const records = view.bundles[0]?.document?.database?.records ?? [];
    expect(records).toHaveLength(5);
    expect(recordPage(records, 1, 2).items.map((r) => r.kind)).toEqual(['connect', 'query']);

    const verified = await auditVerify([aliceId, bobId]);
    expect(verified.out.filter((l) => /^ {2}evidence revoke: verified/.test(l))).toHaveLength(2);
    expect(verified.code).toBe(0);
  }, 120_000);

  it('anchors the heads from the sweep, and audit:verify then detects a consistently re-hashed rewrite of DynamoDB history', async () => {
    const sweep = createSweep(deps, createRevoker(deps), { stuckAfterMs: stack.timings.stuckAfterMs });
    const report = await sweep(stack.logger);
    expect(report.anchored).toBe(1);
    // Nothing changed since: no second manifest.
    expect((await sweep(stack.logger)).anchored).toBe(0);
    const { out } = await auditVerify([aliceId]);
    expect(out).toContainEqual(expect.stringMatching(/^ {2}last anchor: anchors\/000000000001\.json \(#1, .*\) covers event \d+$/));

    // An operator with table access rewrites Alice's approval and re-hashes every later event and the head.
    const requestsTable = tableName(stack.dynamo.tablePrefix, 'requests');
    const item = (await stack.dynamo.doc.send(new GetCommand({ TableName: requestsTable, Key: { id: aliceId } }))).Item!;
    const rewritten: AuditEvent[] = [];
    for (const e of item['auditEvents'] as AuditEvent[]) {
      const { hash: _old, ...rest } = e;
      const body = { ...rest, data: e.kind === 'approved' ? { by: 'someone-else@example.com' } : e.data, prevHash: rewritten.at(-1)?.hash ?? GENESIS_HASH };
      rewritten.push({ ...body, hash: hashAuditEvent(body) });
    }
    const head = (item['audit'] as { seq: number; hash: string; keys: string[]; archived: number });
    await stack.dynamo.doc.send(
      new UpdateCommand({
        TableName: requestsTable,
        Key: { id: aliceId },
        UpdateExpression: 'SET auditEvents = :e, audit = :h',
        ExpressionAttributeValues: { ':e': rewritten, ':h': { ...head, hash: rewritten.at(-1)!.hash } },
      }),
    );
    // The links alone verify again...
    expect(verifyRequestChain((await stack.requests.auditEvents(aliceId)).events, { state: 'revoked', approvalsRequired: 1 })).toMatchObject({ ok: true });
    // ...but neither the sealed bundle nor the anchor agrees.
    const after = await auditVerify([aliceId]);
    expect(after.code).toBe(1);
    expect(after.out[0]).toMatch(/chain intact/);
    expect(after.out).toContainEqual(expect.stringMatching(/^ {2}evidence revoke: FAILED: event \d+ differs from the one sealed in the bundle: the chain was rewritten after sealing/));
    expect(after.out).toContainEqual(expect.stringMatching(new RegExp(`^ {2}anchor: FAILED: chain_rewritten: event \\d+ of ${aliceId} has hash`)));
  }, 60_000);

  it('detects a bundle altered in the store and an audit event altered in DynamoDB', async () => {
    const path = join(dir, 'evidence', bobId, 'revoke.json');
    const original = await readFile(path);
    await chmod(path, 0o644);
    await writeFile(path, original.toString('utf8').replace('SELECT COUNT(*) AS n FROM t', 'SELECT 1'));
    const tampered = await auditVerify([bobId]);
    expect(tampered.code).toBe(1);
    expect(tampered.out).toContainEqual(expect.stringMatching(/^ {2}evidence revoke: FAILED: the bundle's SHA-256 [0-9a-f]{64} is not the sealed/));
    await writeFile(path, original);
    expect((await auditVerify([bobId])).out[1]).toMatch(/^ {2}evidence revoke: verified, 1 statements/);

    // One stored event changed in place (not re-hashed): the link breaks.
    await stack.dynamo.doc.send(
      new UpdateCommand({ TableName: tableName(stack.dynamo.tablePrefix, 'requests'), Key: { id: bobId }, UpdateExpression: 'SET auditEvents[1].actor = :a', ExpressionAttributeValues: { ':a': 'mallory@example.com' } }),
    );
    const broken = await auditVerify([bobId]);
    expect(broken.code).toBe(1);
    expect(broken.out[0]).toMatch(new RegExp(`^${bobId}: BROKEN at event 2 \\(approved:carol@example.com\\): content does not match its hash`));
  }, 60_000);

  it('a revoke that stopped after `revoked` (before the seal) is sealed by the sweep; `final` follows once settled', async () => {
    const carol = await grant(CAROL, 'read');
    const c = await mysql.createConnection({ ...carol.login, database: stack.databases.granted });
    await c.query('SELECT id FROM t');
    await c.end();
    // The process "dies" right after the revoked write: a revoker without the evidence step.
    const { evidence: _none, ...withoutEvidence } = deps;
    expect(await createRevoker(withoutEvidence).revokeGrant(carol.request.id, 'ended_by_operator', stack.logger)).toBe('revoked');
    const bare: AccessRequest = (await stack.requests.get(carol.request.id))!;
    expect(bare.audit?.keys).not.toContain('evidence_sealed:revoke');

    const report = await createSweep(deps, createRevoker(deps), { stuckAfterMs: stack.timings.stuckAfterMs })(stack.logger);
    expect(report.evidenceSealed).toBe(1);
    await sealedEvent(carol.request.id, 'revoke');
    // Not yet settled (settleMs 1 h): no final.
    expect((await stack.requests.get(carol.request.id))!.audit?.keys).not.toContain('evidence_sealed:final');

    const settled = { ...deps, evidence: { ...evidence, settleMs: 0 } };
    const later = await createSweep(settled, createRevoker(settled), { stuckAfterMs: stack.timings.stuckAfterMs })(stack.logger);
    expect(later.evidenceSealed).toBeGreaterThanOrEqual(1);
    const final = await sealedEvent(carol.request.id, 'final');
    const finalDoc = JSON.parse((await store.get(String(final.data?.['objectKey'])))!.toString('utf8')) as EvidenceDocument;
    expect(finalDoc.label).toBe('final');
    expect(finalDoc.database?.records.filter((r) => r.kind === 'query').map((r) => r.statement)).toEqual(['SELECT id FROM t']);
    // Sealing again changes nothing.
    const again = await createSweep(settled, createRevoker(settled), { stuckAfterMs: stack.timings.stuckAfterMs })(stack.logger);
    expect(again.evidenceSealed).toBe(0);
    const verified = await auditVerify([carol.request.id]);
    expect(verified.out.filter((l) => /evidence (revoke|final): verified/.test(l))).toHaveLength(2);
    expect(verified.out.filter((l) => /FAILED|MISSING|BROKEN|INCOMPLETE/.test(l))).toEqual([]);
    // Carol's chain is fine, but the anchors still show Alice's rewritten history: the run fails as a whole.
    expect(verified.out.at(-1)).toMatch(new RegExp(`^1 requests, 0 with problems; anchors: .*PROBLEMS: chain_rewritten ${aliceId}`));
    expect(verified.code).toBe(1);
  }, 120_000);
});
