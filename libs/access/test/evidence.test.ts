import { createHash } from 'node:crypto';
import { Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAccessRequest, type AccessRequest, type AuditKind } from '@dbre/domain';
import { createFolderEvidenceStore, createServerAuditSource, createStaticInventory, type AuditSource, type ClusterTarget, type FolderEvidenceStore } from '@dbre/drivers';
import { buildEvidenceBundle, type AnchorManifest } from '@dbre/evidence';
import { createQueue, type TypedQueue } from '@dbre/queue';
import { createRequestRepository, type RequestRepository } from '@dbre/store';
import { captureLogger, startTestDynamo, testServices, uniqueName } from '@dbre/testing';
import { createEvidenceSteps, type EvidenceDeps, type WorkerDeps } from '../src';
import { onePerPage, withMethods } from './harness';

// The evidence step against a real store (dynalite), the real MariaDB audit log and a folder store,
// including from the attacker's side: a bundle planted under a request's key before the platform seals.

const cluster: ClusterTarget = {
  id: 'local',
  environment: 'dev',
  engine: 'mariadb',
  endpoint: { host: testServices.mysql.host, port: testServices.mysql.port },
  instances: [],
  admin: { user: testServices.mysql.user, password: testServices.mysql.password },
};
const PATH: AuditKind[] = ['requested', 'approved', 'provisioning_started', 'user_created', 'activated', 'revoke_started', 'user_dropped', 'revoked'];

let ids = 0;
function revokedRequest(dbUser: string | undefined, state: AccessRequest['state'] = 'revoked', extra: { ageMs?: number; bastionId?: string } = {}): AccessRequest {
  const at = new Date(Date.now() - (extra.ageMs ?? 120_000));
  ids++;
  return parseAccessRequest({
    id: `01JEVS${String(ids).padStart(20, '0')}`,
    requester: { email: 'dave@example.com', displayName: 'Dave' },
    target: { clusterId: 'local', database: 'shop', environment: 'dev' },
    profile: 'read',
    privileges: ['SELECT'],
    durationMinutes: 1,
    reason: 'check the orders of INC-42',
    approvalsRequired: 1,
    approvals: [{ by: { email: 'alice@example.com' }, at: at.toISOString() }],
    requestedAt: at.toISOString(),
    reviewExpiresAt: new Date(at.getTime() + 3_600_000).toISOString(),
    decidedAt: at.toISOString(),
    ...(state === 'revoked' ? { revokedAt: new Date(at.getTime() + 60_000).toISOString(), revokeReason: 'expired' } : {}),
    resources: { ...(dbUser ? { dbUser } : {}), ...(extra.bastionId ? { bastionId: extra.bastionId } : {}) },
    state,
    version: 1,
    updatedAt: new Date(at.getTime() + 60_000).toISOString(),
  });
}

describe('sealing a grant’s evidence', () => {
  let env: Awaited<ReturnType<typeof startTestDynamo>>;
  let requests: RequestRepository;
  let dir: string;
  let store: FolderEvidenceStore;
  let evidence: EvidenceDeps;
  const log = captureLogger('evidence', 'info');
  const steps = () => createEvidenceSteps({ requests } as unknown as WorkerDeps, evidence, 'reaper');

  beforeAll(async () => {
    env = await startTestDynamo();
    requests = createRequestRepository({ dynamo: env.dynamo });
  });
  afterAll(() => env.close());
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'access-evidence-'));
    store = createFolderEvidenceStore({ root: dir });
    evidence = { auditSource: createServerAuditSource({ inventory: createStaticInventory([cluster]) }), store, settleMs: 60_000 };
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  const stored = async (r: AccessRequest) => requests.create(r, PATH.map((kind) => ({ key: kind, kind })));

  it('seals once: the second call finds the seal in the chain and writes nothing', async () => {
    const r = await stored(revokedRequest(uniqueName('nouser')));
    expect(await steps().seal(r.id, 'revoke', log.logger)).toBe('sealed');
    // The second reads no database log: the seal in the chain is enough.
    let reads = 0;
    evidence = { ...evidence, auditSource: { records: async () => (reads++, { source: 'test', warnings: [], records: [] }) } };
    expect(await steps().seal(r.id, 'revoke', log.logger)).toBe('already sealed');
    expect(reads).toBe(0);
    const { events } = await requests.auditEvents(r.id);
    expect(events.filter((e) => e.kind === 'evidence_sealed').map((e) => e.key)).toEqual(['evidence_sealed:revoke']);
    const bytes = (await store.get(`evidence/${r.id}/revoke.json`))!;
    expect(events.at(-1)?.data).toMatchObject({ sha256: createHash('sha256').update(bytes).digest('hex'), records: 0, statements: 0 });
  });

  it('collects nothing for a request that never had a user or has not ended', async () => {
    const denied = await stored(revokedRequest(undefined));
    expect(await steps().seal(denied.id, 'revoke', log.logger)).toBe('not applicable');
    const live = await requests.create(revokedRequest(uniqueName('u'), 'active'), PATH.slice(0, 5).map((kind) => ({ key: kind, kind })));
    expect(await steps().seal(live.id, 'revoke', log.logger)).toBe('not applicable');
    expect(await store.list('evidence/')).toEqual([]);
    expect((await steps().missing(new Date())).filter((m) => m.id === denied.id || m.id === live.id)).toEqual([]);
  });

  it('refuses to seal a bundle planted under the request’s key (EVIDENCE_CONFLICT alert), and never overwrites it', async () => {
    const r = await stored(revokedRequest(uniqueName('nouser')));
    // The planted bundle claims the request but its platform events are not the chain's.
    const planted = buildEvidenceBundle({ label: 'revoke', request: r, events: [] });
    await store.put(`evidence/${r.id}/revoke.json`, planted.bytes, { contentType: 'application/json', sha256: planted.sha256 });
    expect(await steps().seal(r.id, 'revoke', log.logger)).toBe('conflict');
    const alert = log.lines().find((l) => l['alert'] === 'EVIDENCE_CONFLICT' && l['requestId'] === r.id);
    expect([alert?.['label'], (alert?.['err'] as { message: string }).message]).toEqual(['revoke', expect.stringContaining(`evidence evidence/${r.id}/revoke.json already exists with SHA-256 ${planted.sha256}`)]);
    expect((await requests.get(r.id))?.audit?.keys).not.toContain('evidence_sealed:revoke');
    expect((await store.get(`evidence/${r.id}/revoke.json`))!.equals(planted.bytes)).toBe(true);
  });

  it('seals the bundle an earlier attempt stored when a fresh read differs (late log delivery after a crash)', async () => {
    const r = await stored(revokedRequest(uniqueName('nouser')));
    const { request, events } = await requests.auditEvents(r.id);
    // The first attempt saw one record; the log now answers differently.
    const earlier = buildEvidenceBundle({
      label: 'revoke',
      request: request!,
      events,
      database: { clusterId: 'local', user: r.resources.dbUser!, from: 'x', to: 'y', source: 'mariadb-server-audit:server_audit.log', warnings: [], records: [{ at: r.decidedAt!, server: 'db', user: r.resources.dbUser!, host: 'localhost', connectionId: 7, queryId: 0, kind: 'connect', operation: 'CONNECT', database: 'shop', resultCode: 0 }] },
    });
    await store.put(`evidence/${r.id}/revoke.json`, earlier.bytes, { contentType: 'application/json', sha256: earlier.sha256 });
    expect(await steps().seal(r.id, 'revoke', log.logger)).toBe('sealed');
    const sealed = (await requests.auditEvents(r.id)).events.at(-1);
    expect(sealed).toMatchObject({ key: 'evidence_sealed:revoke', data: { sha256: earlier.sha256, records: 1 } });
    const warned = log.lines().filter((l) => l['requestId'] === r.id && l['level'] === 'warn');
    expect(warned.map((l) => [l['msg'], l['label'], l['sha256']])).toEqual([['sealing the bundle an earlier attempt stored (a fresh read differs: late log delivery or a changed setting)', 'revoke', earlier.sha256]]);
  });

  it('reads every page of the requests it looks at', async () => {
    const r = await stored(revokedRequest(uniqueName('u')));
    const pages: string[] = [];
    // One request per page: the steps must follow the cursor to the end.
    const paged = createEvidenceSteps({ requests: onePerPage(requests, (state) => pages.push(state)) } as unknown as WorkerDeps, evidence, 'reaper');
    expect((await paged.missing(new Date())).filter((m) => m.id === r.id)).toEqual([{ id: r.id, label: 'revoke' }]);
    expect(pages.filter((p) => p === 'revoked').length).toBeGreaterThan(2);
    const anchored = await paged.anchor(new Date(), []);
    const heads = JSON.parse((await store.get(anchored!.key))!.toString('utf8')) as AnchorManifest;
    expect(heads.heads[r.id]).toEqual({ seq: r.audit!.seq, hash: r.audit!.hash });
  });

  it('lists what the sweep must seal: revoke first, final only once settled', async () => {
    const r = await stored(revokedRequest(uniqueName('nouser')));
    const now = new Date();
    expect((await steps().missing(now)).filter((m) => m.id === r.id)).toEqual([{ id: r.id, label: 'revoke' }]);
    await steps().seal(r.id, 'revoke', log.logger);
    expect((await steps().missing(new Date(Date.parse(r.revokedAt!) + 59_000))).filter((m) => m.id === r.id)).toEqual([]);
    // Revoked 60 s ago; settle 60 s: due.
    expect((await steps().missing(new Date(Date.parse(r.revokedAt!) + 60_000))).filter((m) => m.id === r.id)).toEqual([{ id: r.id, label: 'final' }]);
  });

  const document = async (r: AccessRequest, label = 'revoke') => JSON.parse((await store.get(`evidence/${r.id}/${label}.json`))!.toString('utf8')) as Record<string, unknown>;

  it('seals with the chain the caller just wrote (no read of its own), and reads it when the known chain is another request’s', async () => {
    const r = await stored(revokedRequest(uniqueName('nouser')));
    const other = await stored(revokedRequest(uniqueName('nouser')));
    const reads: string[] = [];
    const counting = { ...requests, auditEvents: (id: string) => (reads.push(id), requests.auditEvents(id)) } as RequestRepository;
    const known = await requests.auditEvents(r.id);
    const counted = createEvidenceSteps({ requests: counting } as unknown as WorkerDeps, evidence, 'reaper');
    expect(await counted.seal(r.id, 'revoke', log.logger, { request: known.request!, events: known.events })).toBe('sealed');
    expect(reads).toEqual([]);
    expect(await counted.seal(other.id, 'revoke', log.logger, { request: known.request!, events: known.events })).toBe('sealed');
    expect(reads).toEqual([other.id]);
    expect((await document(other))['requestId']).toBe(other.id);
    const sealedEvent = (await requests.auditEvents(r.id)).events.at(-1);
    expect(sealedEvent).toMatchObject({ kind: 'evidence_sealed', actor: 'reaper', data: { label: 'revoke', objectKey: `evidence/${r.id}/revoke.json` } });
  });

  it('puts the bastion’s sessions and the cluster’s audit-logging state in the bundle, and logs the audit source’s warnings', async () => {
    const r = await stored(revokedRequest(uniqueName('u'), 'revoked', { bastionId: 'i-0bastion1' }));
    const asked: string[][] = [];
    const auditSource: AuditSource = { records: async () => ({ source: 'test-log', warnings: ['the log was rotated during the grant'], records: [] }) };
    evidence = {
      ...evidence,
      auditSource,
      sessions: async (bastionId, clusterId) => (asked.push([bastionId, clusterId]), [{ sessionId: 'dave-0a1b2c', owner: 'dave@example.com', status: 'Terminated' }]),
      clusterAuditLogging: async (clusterId) => (clusterId === 'local' ? { enabled: false, detail: 'server_audit_logging is OFF' } : undefined),
    };
    expect(await steps().seal(r.id, 'revoke', log.logger)).toBe('sealed');
    expect(asked).toEqual([['i-0bastion1', 'local']]);
    const doc = await document(r);
    expect(doc['bastionSessions']).toEqual([{ sessionId: 'dave-0a1b2c', owner: 'dave@example.com', status: 'Terminated' }]);
    expect(doc['clusterAuditLogging']).toEqual({ enabled: false, detail: 'server_audit_logging is OFF' });
    expect((await requests.auditEvents(r.id)).events.at(-1)?.data).toMatchObject({ source: 'test-log', warnings: ['the log was rotated during the grant'] });
    const warned = (id: string) => log.lines().filter((l) => l['msg'] === 'evidence sealed with warnings: the database records may be incomplete' && l['requestId'] === id);
    expect(warned(r.id).map((l) => [l['label'], l['warnings']])).toEqual([['revoke', ['the log was rotated during the grant']]]);

    // Without a bastion the sessions are not asked for; unknown audit logging is left out; no warning, none logged.
    const plain = await stored(revokedRequest(uniqueName('u')));
    evidence = { ...evidence, auditSource: { records: async () => ({ source: 'test-log', warnings: [], records: [] }) }, clusterAuditLogging: async () => undefined };
    expect(await steps().seal(plain.id, 'revoke', log.logger)).toBe('sealed');
    expect(asked).toHaveLength(1);
    const plainDoc = await document(plain);
    expect(plainDoc).not.toHaveProperty('bastionSessions');
    expect(plainDoc).not.toHaveProperty('clusterAuditLogging');
    expect(warned(plain.id)).toEqual([]);
    expect(log.lines().filter((l) => l['msg'] === 'evidence sealed' && l['requestId'] === plain.id).map((l) => [l['label'], l['key'], l['records'], l['statements']])).toEqual([['revoke', `evidence/${plain.id}/revoke.json`, 0, 0]]);
  });

  it('refuses a stored bundle of another request or another label, even one carrying this chain', async () => {
    const r = await stored(revokedRequest(uniqueName('nouser')));
    const other = await stored(revokedRequest(uniqueName('nouser')));
    const { request, events } = await requests.auditEvents(r.id);
    const otherRequest = (await requests.get(other.id))!;
    const ofAnother = buildEvidenceBundle({ label: 'revoke', request: otherRequest, events });
    await store.put(`evidence/${r.id}/revoke.json`, ofAnother.bytes, { contentType: 'application/json', sha256: ofAnother.sha256 });
    expect(await steps().seal(r.id, 'revoke', log.logger)).toBe('conflict');

    const s = await stored(revokedRequest(uniqueName('nouser')));
    const chain = await requests.auditEvents(s.id);
    const wrongLabel = buildEvidenceBundle({ label: 'final', request: chain.request!, events: chain.events });
    await store.put(`evidence/${s.id}/revoke.json`, wrongLabel.bytes, { contentType: 'application/json', sha256: wrongLabel.sha256 });
    expect(await steps().seal(s.id, 'revoke', log.logger)).toBe('conflict');
    expect((await requests.get(s.id))?.audit?.keys).not.toContain('evidence_sealed:revoke');
    expect(request?.id).toBe(r.id);
    const alerts = log.lines().filter((l) => l['alert'] === 'EVIDENCE_CONFLICT').map((l) => l['requestId']);
    expect(alerts).toEqual(expect.arrayContaining([r.id, s.id]));
  });

  it('refuses a stored bundle whose events differ from the chain (rewritten after it was stored)', async () => {
    const r = await stored(revokedRequest(uniqueName('nouser')));
    const { request, events } = await requests.auditEvents(r.id);
    const rewritten = events.map((e) => (e.seq === 2 ? { ...e, hash: 'f'.repeat(64) } : e));
    const bundle = buildEvidenceBundle({ label: 'revoke', request: request!, events: rewritten });
    await store.put(`evidence/${r.id}/revoke.json`, bundle.bytes, { contentType: 'application/json', sha256: bundle.sha256 });
    expect(await steps().seal(r.id, 'revoke', log.logger)).toBe('conflict');
    expect((await requests.get(r.id))?.audit?.keys).not.toContain('evidence_sealed:revoke');
  });

  it('anchors past files under anchors/ that are not manifests', async () => {
    const r = await stored(revokedRequest(uniqueName('u')));
    expect(await steps().anchor(new Date(), [])).toBeDefined();
    for (const key of ['anchors/README.txt', 'anchors/999999999999.json.partial']) await store.put(key, Buffer.from('not a manifest'), { contentType: 'text/plain', sha256: createHash('sha256').update('not a manifest').digest('hex') });
    await steps().seal(r.id, 'revoke', log.logger);
    const next = await steps().anchor(new Date(), [r.id]);
    expect(next?.heads).toBe(1);
  });

  it('lets an error of the store through seal(); sealQuietly logs it for the sweep and says failed', async () => {
    const r = await stored(revokedRequest(uniqueName('nouser')));
    evidence = { ...evidence, store: { ...store, put: async () => { throw new Error('disk full'); } } };
    await expect(steps().seal(r.id, 'revoke', log.logger)).rejects.toThrow('disk full');
    expect(await steps().sealQuietly(r.id, 'revoke', log.logger)).toBe('failed');
    const warned = log.lines().filter((l) => l['msg'] === 'evidence not sealed now; the sweep retries' && l['requestId'] === r.id);
    expect(warned.map((l) => [l['label'], (l['err'] as { message: string }).message])).toEqual([['revoke', 'disk full']]);
    evidence = { ...evidence, store };
    expect(await steps().sealQuietly(r.id, 'revoke', log.logger)).toBe('sealed');
  });

  it('dates a failed grant’s end by its last write, and looks back only as far as configured', async () => {
    const failed = await stored(revokedRequest(uniqueName('u'), 'failed'));
    await steps().seal(failed.id, 'revoke', log.logger);
    const ended = Date.parse(failed.updatedAt);
    expect((await steps().missing(new Date(ended + 59_999))).filter((m) => m.id === failed.id)).toEqual([]);
    expect((await steps().missing(new Date(ended + 60_000))).filter((m) => m.id === failed.id)).toEqual([{ id: failed.id, label: 'final' }]);
    expect(await steps().seal(failed.id, 'final', log.logger)).toBe('sealed');
    expect((await steps().missing(new Date(ended + 60_000))).filter((m) => m.id === failed.id)).toEqual([]);

    // Ended (last written) 60 s ago: inside a 61 s lookback, outside a 59 s one.
    const old = await stored(revokedRequest(uniqueName('u')));
    const now = new Date(Date.parse(old.updatedAt) + 60_000);
    evidence = { ...evidence, lookbackMs: 61_000 };
    expect((await steps().missing(now)).filter((m) => m.id === old.id)).toEqual([{ id: old.id, label: 'revoke' }]);
    evidence = { ...evidence, lookbackMs: 59_000 };
    expect((await steps().missing(now)).filter((m) => m.id === old.id)).toEqual([]);
  });

  it('anchors every chain head once, then only the heads that changed, including chains appended to without a transition', async () => {
    const head = async (id: string) => {
      const r = (await requests.get(id))!;
      return { seq: r.audit!.seq, hash: r.audit!.hash };
    };
    const manifest = async (key: string) => JSON.parse((await store.get(key))!.toString('utf8')) as AnchorManifest;
    const now = Date.now();
    // Ended an hour ago, and a live grant unchanged for an hour.
    const ended = await stored(revokedRequest(uniqueName('u'), 'revoked', { ageMs: 3_600_000 }));
    const live = await requests.create(revokedRequest(uniqueName('u'), 'active', { ageMs: 3_600_000 }), PATH.slice(0, 5).map((kind) => ({ key: kind, kind })));

    const first = await steps().anchor(new Date(now), []);
    const firstHeads = (await manifest(first!.key)).heads;
    expect(firstHeads[ended.id]).toEqual(await head(ended.id));
    expect(firstHeads[live.id]).toEqual(await head(live.id));
    expect(first!.heads).toBe(Object.keys(firstHeads).length);

    // Nothing changed: no manifest.
    expect(await steps().anchor(new Date(now + 60_000), [])).toBeUndefined();

    // A seal appends to the ended chain and keeps its updatedAt (an hour old): only `touched` finds it.
    await steps().seal(ended.id, 'revoke', log.logger);
    expect(await steps().anchor(new Date(now + 120_000), [])).toBeUndefined();
    const third = await steps().anchor(new Date(now + 180_000), [ended.id, '01JZZZZZZZZZZZZZZZZZZZZZZZ']);
    expect(third?.heads).toBe(1);
    expect((await manifest(third!.key)).heads).toEqual({ [ended.id]: await head(ended.id) });
  });

  it('anchors a chain again once its head left the recent manifests, and leaves out one a recent manifest holds', async () => {
    const manifest = async (key: string) => JSON.parse((await store.get(key))!.toString('utf8')) as AnchorManifest;
    const t0 = Date.now();
    const a = await requests.create(revokedRequest(uniqueName('u'), 'active', { ageMs: 7_200_000 }), PATH.slice(0, 5).map((kind) => ({ key: kind, kind })));
    const first = await steps().anchor(new Date(t0), []); // holds a
    expect((await manifest(first!.key)).heads).toHaveProperty(a.id);
    // A second manifest an hour later holds only b (just ended).
    const b = await stored(revokedRequest(uniqueName('u')));
    const second = await steps().anchor(new Date(t0 + 3_600_000), []);
    expect(Object.keys((await manifest(second!.key)).heads)).toEqual([b.id]);
    // Still inside the overlap of the second: a is held by the first (the manifest just before the window), b by the second.
    expect(await steps().anchor(new Date(t0 + 3_660_000), [])).toBeUndefined();
    // A third manifest an hour later (c, appended to without a transition); the first is now out of reach, so a is anchored again.
    const c = await stored(revokedRequest(uniqueName('u')));
    const third = await steps().anchor(new Date(t0 + 7_200_000), [c.id]);
    expect(Object.keys((await manifest(third!.key)).heads)).toEqual([c.id]);
    const fourth = await steps().anchor(new Date(t0 + 7_260_000), []);
    const heads = (await manifest(fourth!.key)).heads;
    expect(heads[a.id]).toEqual({ seq: a.audit!.seq, hash: a.audit!.hash });
    expect(heads).not.toHaveProperty(c.id);
  });
});

describe('the seal after a revoke', () => {
  let env: Awaited<ReturnType<typeof startTestDynamo>>;
  let requests: RequestRepository;
  let redis: Redis;
  let seal: TypedQueue<'seal'>;
  let dir: string;
  const prefix = uniqueName('evidence-seal');
  const log = captureLogger('evidence-seal', 'info');

  beforeAll(async () => {
    env = await startTestDynamo();
    requests = createRequestRepository({ dynamo: env.dynamo });
    redis = new Redis(testServices.redisUrl, { maxRetriesPerRequest: null });
    seal = createQueue('seal', redis, { prefix });
    dir = await mkdtemp(join(tmpdir(), 'access-evidence-seal-'));
  });
  afterAll(async () => {
    await seal.obliterate({ force: true });
    await seal.close();
    redis.disconnect();
    await env.close();
    await rm(dir, { recursive: true, force: true });
  });

  const evidence = (): EvidenceDeps => ({ auditSource: createServerAuditSource({ inventory: createStaticInventory([cluster]) }), store: createFolderEvidenceStore({ root: dir }), settleMs: 60_000 });
  const steps = (queues: Partial<WorkerDeps['queues']>) => createEvidenceSteps({ requests, queues } as unknown as WorkerDeps, evidence(), 'reaper');
  const stored = async (r: AccessRequest) => requests.create(r, PATH.map((kind) => ({ key: kind, kind })));

  it('seals in place without a seal queue', async () => {
    const r = await stored(revokedRequest(uniqueName('nouser')));
    expect(await steps({}).sealAfterRevoke(r, log.logger)).toBe('sealed');
    expect((await requests.get(r.id))?.audit?.keys).toContain('evidence_sealed:revoke');
    expect(await steps({}).sealQueued(r.id, 'revoke')).toBe(false);
  });

  it('queues the seal as its own job, which the sweep then leaves alone until it has run', async () => {
    const r = await stored(revokedRequest(uniqueName('nouser')));
    expect(await steps({ seal }).sealAfterRevoke(r, log.logger)).toBe('queued');
    const job = await seal.getJob(`seal-${r.id}-revoke`);
    expect(job?.data).toEqual({ requestId: r.id, label: 'revoke' });
    expect((await requests.get(r.id))?.audit?.keys).not.toContain('evidence_sealed:revoke');
    expect(await steps({ seal }).sealQueued(r.id, 'revoke')).toBe(true);
    expect(await steps({ seal }).sealQueued(r.id, 'final')).toBe(false);
    // A delayed or prioritized job is still to run too.
    const later = await stored(revokedRequest(uniqueName('nouser')));
    await seal.add('seal', { requestId: later.id, label: 'final' }, { jobId: `seal-${later.id}-final`, delay: 60_000 });
    expect(await steps({ seal }).sealQueued(later.id, 'final')).toBe(true);
    await seal.add('seal', { requestId: later.id, label: 'revoke' }, { jobId: `seal-${later.id}-revoke`, priority: 3 });
    expect(await (await seal.getJob(`seal-${later.id}-revoke`))?.getState()).toBe('prioritized');
    expect(await steps({ seal }).sealQueued(later.id, 'revoke')).toBe(true);

    const worker = new Worker(seal.name, null, { connection: redis, prefix });
    try {
      const token = uniqueName('tok');
      const taken = await worker.getNextJob(token, { block: false });
      expect(taken?.id).toBe(`seal-${r.id}-revoke`);
      expect(await steps({ seal }).sealQueued(r.id, 'revoke')).toBe(true); // running
      await taken!.moveToCompleted('sealed', token, false);
      expect(await steps({ seal }).sealQueued(r.id, 'revoke')).toBe(false); // done: the sweep checks the chain
    } finally {
      await worker.close();
    }
  });

  it('queues nothing for a grant without a user, and reports a queue it cannot reach', async () => {
    const none = await stored(revokedRequest(undefined));
    expect(await steps({ seal }).sealAfterRevoke(none, log.logger)).toBe('not applicable');
    expect(await seal.getJob(`seal-${none.id}-revoke`)).toBeUndefined();

    const r = await stored(revokedRequest(uniqueName('nouser')));
    const down = withMethods(seal, { add: async () => { throw new Error('Redis is down'); } });
    expect(await steps({ seal: down }).sealAfterRevoke(r, log.logger)).toBe('failed');
    const warned = log.lines().filter((l) => l['msg'] === 'evidence seal not queued; the sweep seals it');
    expect(warned.map((l) => [l['requestId'], l['label'], (l['err'] as { message: string }).message])).toEqual([[r.id, 'revoke', 'Redis is down']]);
  });
});
