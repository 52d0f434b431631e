import { Redis } from 'ioredis';
import { accessPolicySchema, type AccessRequest } from '@dbre/domain';
import { createStaticInventory, type ClusterTarget, type Notification } from '@dbre/drivers';
import { ACCESS_JOB_IDS, createQueue } from '@dbre/queue';
import { createAuditLog, createRequestRepository } from '@dbre/store';
import { startTestDynamo, testServices, uniqueName } from '@dbre/testing';
import { createAccessDecisions, scheduleGrant, type AccessQueues } from '../src';

// The people's steps against a real store (dynalite) and real queues (Redis); no database is reached.

const cluster: ClusterTarget = { id: 'devdb', environment: 'dev', engine: 'mariadb', endpoint: { host: '127.0.0.1', port: 1 }, instances: [], admin: { user: 'x', password: 'y' } };
const policy = accessPolicySchema.parse({
  profiles: { read: { privileges: ['SELECT'] } },
  groups: { dbre: ['alice@example.com', 'bob@example.com'] },
  environments: {
    dev: { defaultMinutes: 5, maxMinutes: 60, approvers: ['group:dbre'] },
    stg: { defaultMinutes: 5, maxMinutes: 60, approvers: ['group:dbre'] },
    prod: { defaultMinutes: 5, maxMinutes: 60, approvers: ['group:dbre'], approvalsRequired: 2 },
  },
  warnBeforeMinutes: 1,
});
const dave = { email: 'dave@example.com', via: 'test' };
const alice = { email: 'alice@example.com', via: 'test' };
const bob = { email: 'bob@example.com', via: 'test' };
const ask = { clusterId: 'devdb', database: 'shop', profile: 'read', reason: 'investigate INC-42 slow orders' };

let store: Awaited<ReturnType<typeof startTestDynamo>>;
let redis: Redis;
let queues: AccessQueues;
const sent: Notification[] = [];
const checked: string[] = [];
let decisions: ReturnType<typeof createAccessDecisions>;

beforeAll(async () => {
  store = await startTestDynamo();
  redis = new Redis(testServices.redisUrl, { maxRetriesPerRequest: null });
  const ctx = { prefix: uniqueName('acc') };
  queues = { provision: createQueue('provision', redis, ctx), warn: createQueue('warn', redis, ctx), revoke: createQueue('revoke', redis, ctx) };
  decisions = createAccessDecisions({
    requests: createRequestRepository({ dynamo: store.dynamo }),
    audit: createAuditLog({ dynamo: store.dynamo }),
    policy,
    inventory: createStaticInventory([cluster]),
    databases: {
      requireDatabase: async (_c, database) => {
        checked.push(database);
        if (database === 'missing') throw Object.assign(new Error('database missing does not exist'), { code: 'DATABASE_NOT_FOUND', kind: 'invalid' });
      },
    },
    notifier: { send: async (n) => void sent.push(n) },
    queues,
    minuteMs: 1000,
  });
});
afterAll(async () => {
  for (const q of Object.values(queues)) {
    await q.obliterate({ force: true });
    await q.close();
  }
  redis.disconnect();
  await store.close();
});

describe('the access decisions', () => {
  it('creates a request with its requested event in one write, in the configured minute, and tells the approvers', async () => {
    const r = await decisions.create(ask, dave);
    expect(r).toMatchObject({ state: 'requested', minuteMs: 1000, durationMinutes: 5, audit: { seq: 1, keys: ['requested'] } });
    expect(Date.parse(r.reviewExpiresAt) - Date.parse(r.requestedAt)).toBe(60 * 1000); // 60 policy minutes of 1 s
    const followed = await decisions.follow(r.id);
    expect(followed.timeline.map((e) => [e.kind, e.actor, e.data['via']])).toEqual([['requested', 'dave@example.com', 'test']]);
    expect(followed.chain).toMatchObject({ ok: true, count: 1 });
    expect(sent.filter((n) => n.requestId === r.id && n.kind === 'review').map((n) => n.to).sort()).toEqual(['alice@example.com', 'bob@example.com']);
  });

  it('refuses a database that does not exist before anything is stored', async () => {
    await expect(decisions.create({ ...ask, database: 'missing' }, dave)).rejects.toMatchObject({ code: 'DATABASE_NOT_FOUND' });
    expect(checked).toContain('missing');
  });

  it('two approvers at once: one approves, the other hears 409; provisioning is queued once; the chain has one approval', async () => {
    const r = await decisions.create(ask, dave);
    const results = await Promise.allSettled([decisions.approve(r.id, alice), decisions.approve(r.id, bob)]);
    expect(results.filter((x) => x.status === 'fulfilled')).toHaveLength(1);
    const refused = results.find((x): x is PromiseRejectedResult => x.status === 'rejected');
    expect(refused?.reason).toMatchObject({ kind: 'conflict' });
    expect(await queues.provision.getJob(ACCESS_JOB_IDS.provision(r.id))).toBeDefined();
    const { timeline, chain } = await decisions.follow(r.id);
    expect(timeline.map((e) => e.kind)).toEqual(['requested', 'approved']);
    expect(chain).toMatchObject({ ok: true });
  });

  it('a refused approval is audited and answered 403, and changes nothing else', async () => {
    const r = await decisions.create(ask, dave);
    await expect(decisions.approve(r.id, dave)).rejects.toMatchObject({ code: 'POLICY_SELF_APPROVAL', kind: 'forbidden' });
    const { request, timeline } = await decisions.follow(r.id);
    expect(request.state).toBe('requested');
    expect(request.version).toBe(r.version);
    expect(timeline.map((e) => [e.kind, e.data['code']])).toEqual([['requested', undefined], ['approval_refused', 'POLICY_SELF_APPROVAL']]);
  });

  it('an approved extension moves the end in the request minute and schedules the warning of the new end', async () => {
    const requests = createRequestRepository({ dynamo: store.dynamo });
    let r: AccessRequest = await decisions.create(ask, dave);
    await decisions.approve(r.id, alice);
    r = await requests.require(r.id);
    r = await requests.applyTransitionOrThrow(r, { type: 'start_provisioning' }, new Date());
    r = await requests.applyTransitionOrThrow(r, { type: 'record_resources', resources: { dbUser: 'jit_dave_x' } }, new Date());
    const active = await requests.applyTransitionOrThrow(r, { type: 'activate' }, new Date());
    expect(Date.parse(active.endsAt!) - Date.parse(active.activeAt!)).toBe(5000);
    await decisions.requestExtension(active.id, dave, { minutes: 3 });
    const { request: extended, complete } = await decisions.approve(active.id, bob);
    expect(complete).toBe(true);
    expect(Date.parse(extended.endsAt!) - Date.parse(active.endsAt!)).toBe(3000);
    expect(await queues.warn.getJob(ACCESS_JOB_IDS.warn(extended.id, extended.endsAt!))).toBeDefined();
    const kinds = (await decisions.follow(active.id)).timeline.map((e) => e.kind);
    expect(kinds.slice(-3)).toEqual(['extension_requested', 'approved', 'extended']);
  });

  it('scheduling a grant twice leaves one warning and one revoke job', async () => {
    const now = Date.now();
    const grant = { id: '01JD3M4Z7Q8R9S0T1V2W3XSCHD', state: 'active', endsAt: new Date(now + 120_000).toISOString(), minuteMs: 1000 } as AccessRequest;
    await scheduleGrant({ policy, queues }, grant);
    await scheduleGrant({ policy, queues }, grant);
    const revokes = (await queues.revoke.getDelayed()).filter((j) => j.id === ACCESS_JOB_IDS.revoke(grant.id));
    const warns = (await queues.warn.getDelayed()).filter((j) => j.id === ACCESS_JOB_IDS.warn(grant.id, grant.endsAt!));
    expect(revokes).toHaveLength(1);
    expect(warns).toHaveLength(1);
    expect(warns[0]!.delay).toBeGreaterThan(118_000 - 1000 - 5000); // one policy minute (1 s) before the end
  });
});
