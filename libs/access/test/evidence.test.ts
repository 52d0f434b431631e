import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAccessRequest, type AccessRequest, type AuditKind } from '@dbre/domain';
import { createFolderEvidenceStore, createServerAuditSource, createStaticInventory, type ClusterTarget, type FolderEvidenceStore } from '@dbre/drivers';
import { buildEvidenceBundle } from '@dbre/evidence';
import { createRequestRepository, type RequestRepository } from '@dbre/store';
import { captureLogger, startTestDynamo, testServices, uniqueName } from '@dbre/testing';
import { createEvidenceSteps, type EvidenceDeps, type WorkerDeps } from '../src';

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
function revokedRequest(dbUser: string | undefined, state: AccessRequest['state'] = 'revoked'): AccessRequest {
  const at = new Date(Date.now() - 120_000);
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
    resources: dbUser ? { dbUser } : {},
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
    expect(await steps().seal(r.id, 'revoke', log.logger)).toBe('already sealed');
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
  });

  it('refuses to seal a bundle planted under the request’s key (EVIDENCE_CONFLICT alert), and never overwrites it', async () => {
    const r = await stored(revokedRequest(uniqueName('nouser')));
    // The planted bundle claims the request but its platform events are not the chain's.
    const planted = buildEvidenceBundle({ label: 'revoke', request: r, events: [] });
    await store.put(`evidence/${r.id}/revoke.json`, planted.bytes, { contentType: 'application/json', sha256: planted.sha256 });
    expect(await steps().seal(r.id, 'revoke', log.logger)).toBe('conflict');
    expect(log.text()).toContain('"alert":"EVIDENCE_CONFLICT"');
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
});
