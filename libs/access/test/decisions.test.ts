import { Redis } from 'ioredis';
import { accessPolicySchema, type AccessRequest } from '@dbre/domain';
import { createStaticInventory, type ClusterTarget, type Notification } from '@dbre/drivers';
import { ACCESS_JOB_IDS, createQueue } from '@dbre/queue';
import { createAuditLog, createRequestRepository } from '@dbre/store';
import { startTestDynamo, testServices, uniqueName } from '@dbre/testing';
import { approvedFor, createAccessDecisions, scheduleGrant, type AccessQueues } from '../src';

// The people's steps against a real store (dynalite) and real queues (Redis); no database is reached.

const cluster: ClusterTarget = { id: 'devdb', environment: 'dev', engine: 'mariadb', endpoint: { host: '127.0.0.1', port: 1 }, instances: [], admin: { user: 'x', password: 'y' } };
const prodCluster: ClusterTarget = { ...cluster, id: 'proddb', environment: 'prod' };
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
    inventory: createStaticInventory([cluster, prodCluster]),
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

/** Takes a request the way the provisioner does, to an active grant of `durationMinutes` policy minutes. */
async function activate(id: string): Promise<AccessRequest> {
  const requests = createRequestRepository({ dynamo: store.dynamo });
  let r = await requests.require(id);
  r = await requests.applyTransitionOrThrow(r, { type: 'start_provisioning' }, new Date());
  r = await requests.applyTransitionOrThrow(r, { type: 'record_resources', resources: { dbUser: 'jit_test_x' } }, new Date());
  return requests.applyTransitionOrThrow(r, { type: 'activate' }, new Date());
}

const to = (id: string, kind: string) => sent.filter((n) => n.requestId === id && n.kind === kind);
const eventsOf = async (id: string) => (await decisions.follow(id)).timeline;

describe('what a request records, and what each person is told', () => {
  it('records what was asked, the ticket, the start and the tool, and the requester as the tool vouched for them', async () => {
    const startAt = new Date(Date.now() + 30_000).toISOString();
    const r = await decisions.create({ ...ask, durationMinutes: 7, ticketUrl: 'https://tickets.example.com/INC-42', startAt }, { ...dave, displayName: 'Dave Jones', slackUserId: 'U0DAVE01' });
    expect(r.requester).toEqual({ email: 'dave@example.com', displayName: 'Dave Jones', slackUserId: 'U0DAVE01' });
    const [requested] = await eventsOf(r.id);
    expect(requested).toMatchObject({ kind: 'requested', actor: 'dave@example.com' });
    expect(requested!.data).toEqual({
      via: 'test',
      target: { clusterId: 'devdb', database: 'shop', environment: 'dev' },
      profile: 'read',
      privileges: ['SELECT'],
      durationMinutes: 7,
      reason: 'investigate INC-42 slow orders',
      ticketUrl: 'https://tickets.example.com/INC-42',
      startAt,
    });
  });

  it('a tool that does not say what it is is audited as "unknown"; a request without a ticket or a start records neither', async () => {
    const r = await decisions.create(ask, { email: 'dave@example.com' });
    const [requested] = await eventsOf(r.id);
    expect(requested!.data['via']).toBe('unknown');
    expect(Object.keys(requested!.data).sort()).toEqual(['durationMinutes', 'privileges', 'profile', 'reason', 'target', 'via']);
    expect(r.requester).toEqual({ email: 'dave@example.com', displayName: 'dave@example.com' });
  });

  it('refuses to create a request when it cannot check that the database exists', async () => {
    const blind = createAccessDecisions({ requests: createRequestRepository({ dynamo: store.dynamo }), audit: createAuditLog({ dynamo: store.dynamo }), policy, inventory: createStaticInventory([cluster]), notifier: { send: async () => undefined }, queues, minuteMs: 1000 });
    await expect(blind.create(ask, dave)).rejects.toThrow(new TypeError('creating a request needs the database existence check (DecisionDeps.databases)'));
  });

  it('approval: the approved event says who, through what, with the comment, the batch and the durations; the requester hears it', async () => {
    const r = await decisions.create(ask, dave);
    const { request, complete } = await decisions.approve(r.id, { ...alice, displayName: 'Alice A', slackUserId: 'U0ALICE1' }, { comment: 'ok for INC-42', durationMinutes: 3, batchId: 'B1' });
    expect(complete).toBe(true);
    expect(request).toMatchObject({ state: 'approved', approvedMinutes: 3 });
    expect(request.approvals[0]!.by).toEqual({ email: 'alice@example.com', slackUserId: 'U0ALICE1', displayName: 'Alice A' });
    const approved = (await eventsOf(r.id)).filter((e) => e.kind === 'approved');
    expect(approved.map((e) => [e.key, e.actor, e.data])).toEqual([
      ['approved:alice@example.com', 'alice@example.com', { via: 'test', comment: 'ok for INC-42', batch: 'B1', approvals: 1, required: 1, requestedMinutes: 5, approvedMinutes: 3, grantedMinutes: 3 }],
    ]);
    expect(to(r.id, 'approved').map((n) => [n.id, n.to, n.text])).toEqual([
      [`approved-${r.id}`, 'dave@example.com', `alice@example.com approved your access request ${r.id} for 3 of the 5 minutes you asked; the credentials follow in a moment.`],
    ]);
  });

  it('an approval without a shorter duration: the durations are as asked, nothing is added to the message', async () => {
    const r = await decisions.create(ask, dave);
    await decisions.approve(r.id, bob);
    const [approved] = (await eventsOf(r.id)).filter((e) => e.kind === 'approved');
    expect(approved!.data).toEqual({ via: 'test', approvals: 1, required: 1, requestedMinutes: 5, approvedMinutes: 5, grantedMinutes: 5 });
    expect(to(r.id, 'approved').map((n) => n.text)).toEqual([`bob@example.com approved your access request ${r.id}; the credentials follow in a moment.`]);
  });

  it('a scheduled request: the approval says when it starts', async () => {
    const startAt = new Date(Date.now() + 30_000).toISOString();
    const r = await decisions.create({ ...ask, startAt }, dave);
    await decisions.approve(r.id, alice);
    const [approved] = (await eventsOf(r.id)).filter((e) => e.kind === 'approved');
    expect(approved!.data['startAt']).toBe(startAt);
    expect(to(r.id, 'approved').map((n) => n.text)).toEqual([`alice@example.com approved your access request ${r.id}; it starts at ${startAt}, when the credentials follow.`]);
  });

  it('a shorter duration that is not one is refused before anything is written', async () => {
    const r = await decisions.create(ask, dave);
    await expect(decisions.approve(r.id, alice, { durationMinutes: 9 })).rejects.toMatchObject({
      code: 'APPROVAL_DURATION_INVALID',
      kind: 'unprocessable',
      message: 'The approved duration (9 min) is longer than the 5 min asked; an approver may only shorten it.',
    });
    const { request, timeline } = await decisions.follow(r.id);
    expect(request).toMatchObject({ state: 'requested', version: r.version, approvals: [] });
    expect(timeline.map((e) => e.kind)).toEqual(['requested']);
    expect(to(r.id, 'approved')).toEqual([]);
  });

  it('in prod, one approval of two: recorded, not complete, nothing queued and the requester not told yet', async () => {
    const r = await decisions.create({ ...ask, clusterId: 'proddb' }, dave);
    const first = await decisions.approve(r.id, alice);
    expect(first.complete).toBe(false);
    expect(first.request.state).toBe('requested');
    expect(await queues.provision.getJob(ACCESS_JOB_IDS.provision(r.id))).toBeUndefined();
    expect(to(r.id, 'approved')).toEqual([]);
    const again = await decisions.approve(r.id, bob);
    expect(again).toMatchObject({ complete: true, request: { state: 'approved' } });
    expect((await eventsOf(r.id)).filter((e) => e.kind === 'approved').map((e) => [e.actor, e.data['approvals'], e.data['required']])).toEqual([
      ['alice@example.com', 1, 2],
      ['bob@example.com', 2, 2],
    ]);
  });

  it('approving what is no longer pending is a conflict (409), audited with the action', async () => {
    const r = await decisions.create(ask, dave);
    await decisions.cancel(r.id, dave);
    await expect(decisions.approve(r.id, alice)).rejects.toMatchObject({ code: 'POLICY_NOT_PENDING', kind: 'conflict', message: `Request ${r.id} is cancelled; there is nothing to approve.` });
    await expect(decisions.deny(r.id, dave, 'no')).rejects.toMatchObject({ code: 'POLICY_SELF_APPROVAL', kind: 'forbidden', message: 'You cannot decide on your own request; cancel it instead.' });
    const refused = (await eventsOf(r.id)).filter((e) => e.kind === 'approval_refused');
    expect(refused.map((e) => [e.actor, e.data])).toEqual([
      ['alice@example.com', { action: 'approve', code: 'POLICY_NOT_PENDING', reason: `Request ${r.id} is cancelled; there is nothing to approve.`, via: 'test' }],
      ['dave@example.com', { action: 'deny', code: 'POLICY_SELF_APPROVAL', reason: 'You cannot decide on your own request; cancel it instead.', via: 'test' }],
    ]);
  });

  it('a denial: the request is denied with the reason and the batch, and the requester hears who denied it and why', async () => {
    const r = await decisions.create(ask, dave);
    const denied = await decisions.deny(r.id, alice, 'use the replica', { batchId: 'B2' });
    expect(denied).toMatchObject({ state: 'denied', denial: { reason: 'use the replica', by: { email: 'alice@example.com' } } });
    const [event] = (await eventsOf(r.id)).filter((e) => e.kind === 'denied');
    expect([event!.key, event!.actor, event!.data]).toEqual(['denied', 'alice@example.com', { via: 'test', reason: 'use the replica', batch: 'B2' }]);
    expect(to(r.id, 'denied').map((n) => [n.id, n.to, n.text])).toEqual([[`denied-${r.id}`, 'dave@example.com', `alice@example.com denied your access request ${r.id}: use the replica`]]);
    expect(to(r.id, 'extension-refused')).toEqual([]);
  });

  it('a non-approver may not deny (403), and it is audited', async () => {
    const r = await decisions.create(ask, dave);
    await expect(decisions.deny(r.id, { email: 'eve@example.com', via: 'slack' }, 'no')).rejects.toMatchObject({ code: 'POLICY_NOT_APPROVER', kind: 'forbidden', message: 'You are not an approver for dev clusters.' });
    const { request, timeline } = await decisions.follow(r.id);
    expect(request.state).toBe('requested');
    expect(timeline.map((e) => [e.kind, e.actor, e.data['action'], e.data['via']])).toEqual([
      ['requested', 'dave@example.com', undefined, 'test'],
      ['approval_refused', 'eve@example.com', 'deny', 'slack'],
    ]);
  });
});

describe('cancel', () => {
  it('the requester cancels: cancelled, one event with the tool', async () => {
    const r = await decisions.create(ask, dave);
    const cancelled = await decisions.cancel(r.id, dave);
    expect(cancelled).toMatchObject({ state: 'cancelled', cancelledBy: { email: 'dave@example.com' } });
    const events = await eventsOf(r.id);
    expect(events.map((e) => [e.key, e.kind, e.actor, e.data])).toEqual([
      ['requested', 'requested', 'dave@example.com', expect.anything()],
      ['cancelled', 'cancelled', 'dave@example.com', { via: 'test' }],
    ]);
  });

  it('the requester known by their Slack id may cancel from another address', async () => {
    const r = await decisions.create(ask, { ...dave, slackUserId: 'U0DAVE02' });
    const cancelled = await decisions.cancel(r.id, { email: 'dave.jones@corp.example.com', slackUserId: 'U0DAVE02', via: 'slack' });
    expect(cancelled.state).toBe('cancelled');
    expect(cancelled.cancelledBy).toEqual({ email: 'dave.jones@corp.example.com', slackUserId: 'U0DAVE02' });
  });

  it('anyone else, approvers included, is refused (403) and nothing changes', async () => {
    const r = await decisions.create(ask, dave);
    await expect(decisions.cancel(r.id, alice)).rejects.toMatchObject({ code: 'CANCEL_NOT_REQUESTER', kind: 'forbidden', message: 'Only the requester can cancel a request.' });
    const { request, timeline } = await decisions.follow(r.id);
    expect(request).toMatchObject({ state: 'requested', version: r.version });
    expect(timeline.map((e) => e.kind)).toEqual(['requested']);
  });
});

describe('extensions', () => {
  it('the requester asks: the pending extension and its event with the reason, and every approver is asked by name', async () => {
    const r = await decisions.create(ask, dave);
    await decisions.approve(r.id, alice);
    await activate(r.id);
    const asked = await decisions.requestExtension(r.id, dave, { minutes: 4, reason: 'the migration runs long' });
    const at = asked.pendingExtension!.requestedAt;
    expect(asked.pendingExtension).toMatchObject({ minutes: 4, reason: 'the migration runs long', requestedBy: { email: 'dave@example.com' }, approvals: [] });
    const [event] = (await eventsOf(r.id)).filter((e) => e.kind === 'extension_requested');
    expect([event!.key, event!.actor, event!.data]).toEqual([`extension_requested:${at}`, 'dave@example.com', { via: 'test', minutes: 4, reason: 'the migration runs long' }]);
    const text = `dave@example.com asks to extend ${r.id} by 4 min. Approve or deny: POST /v1/access-requests/${r.id}/approve|deny.`;
    expect(to(r.id, 'extension-review').map((n) => [n.id, n.to, n.text]).sort()).toEqual([
      [`extension-${r.id}-${Date.parse(at)}-alice@example.com`, 'alice@example.com', text],
      [`extension-${r.id}-${Date.parse(at)}-bob@example.com`, 'bob@example.com', text],
    ]);
  });

  it('an approver who asks to extend their own grant is not asked to approve it', async () => {
    const r = await decisions.create(ask, alice);
    await decisions.approve(r.id, bob);
    await activate(r.id);
    const asked = await decisions.requestExtension(r.id, alice, { minutes: 2 });
    expect(to(r.id, 'extension-review').map((n) => n.to)).toEqual(['bob@example.com']);
    const [event] = (await eventsOf(r.id)).filter((e) => e.kind === 'extension_requested');
    expect(event!.data).toEqual({ via: 'test', minutes: 2 });
    expect(asked.pendingExtension).not.toHaveProperty('reason');
  });

  it('a message id stays within 200 characters, whatever the length of the approver\'s address', async () => {
    const long = `carol@${'a'.repeat(60)}.${'b'.repeat(60)}.${'c'.repeat(60)}.example.com`;
    const wide = createAccessDecisions({
      requests: createRequestRepository({ dynamo: store.dynamo }),
      audit: createAuditLog({ dynamo: store.dynamo }),
      policy: accessPolicySchema.parse({ profiles: { read: { privileges: ['SELECT'] } }, groups: policy.groups, environments: { ...policy.environments, dev: { defaultMinutes: 5, maxMinutes: 60, approvers: ['alice@example.com', long] } } }),
      inventory: createStaticInventory([cluster]),
      databases: { requireDatabase: async () => undefined },
      notifier: { send: async (n) => void sent.push(n) },
      queues,
      minuteMs: 1000,
    });
    const r = await wide.create(ask, dave);
    await wide.approve(r.id, alice);
    await activate(r.id);
    const asked = await wide.requestExtension(r.id, dave, { minutes: 2 });
    const [toCarol] = to(r.id, 'extension-review').filter((n) => n.to === long);
    expect(toCarol!.id).toBe(`extension-${r.id}-${Date.parse(asked.pendingExtension!.requestedAt)}-${long}`.slice(0, 200));
    expect(toCarol!.id).toHaveLength(200);
  });

  it('refusals: a grant that is not active (409), too long or not a number of minutes (400); nothing is written', async () => {
    const pending = await decisions.create(ask, dave);
    await expect(decisions.requestExtension(pending.id, dave, { minutes: 2 })).rejects.toMatchObject({
      code: 'EXTENSION_NOT_ACTIVE',
      kind: 'conflict',
      message: 'Only an active grant can be extended; this one is requested.',
    });
    await decisions.approve(pending.id, alice);
    const active = await activate(pending.id);
    await expect(decisions.requestExtension(active.id, dave, { minutes: 56 })).rejects.toMatchObject({
      code: 'EXTENSION_TOO_LONG',
      kind: 'invalid',
      message: 'Extending by 56 min would make 61 min in total, over the dev maximum of 60 min.',
    });
    await expect(decisions.requestExtension(active.id, dave, { minutes: 0 })).rejects.toMatchObject({ code: 'EXTENSION_INVALID', kind: 'invalid' });
    const { request, timeline } = await decisions.follow(active.id);
    expect(request.version).toBe(active.version);
    expect(request.pendingExtension).toBeUndefined();
    expect(timeline.map((e) => e.kind)).toEqual(['requested', 'approved']);
    expect(to(active.id, 'extension-review')).toEqual([]);
  });

  it('in prod, the first of two approvals of an extension moves nothing; the second moves the end and tells the requester', async () => {
    const r = await decisions.create({ ...ask, clusterId: 'proddb' }, dave);
    await decisions.approve(r.id, alice);
    await decisions.approve(r.id, bob);
    const active = await activate(r.id);
    const asked = await decisions.requestExtension(r.id, dave, { minutes: 3 });
    const at = asked.pendingExtension!.requestedAt;

    const first = await decisions.approve(r.id, alice, { comment: 'fine' });
    expect(first.complete).toBe(false);
    expect(first.request.endsAt).toBe(active.endsAt);
    expect(to(r.id, 'extended')).toEqual([]);
    let events = (await eventsOf(r.id)).slice(-1);
    expect(events.map((e) => [e.key, e.kind, e.data])).toEqual([[`approved:extension:${at}:alice@example.com`, 'approved', { via: 'test', comment: 'fine', extension: true }]]);

    const second = await decisions.approve(r.id, bob);
    expect(second.complete).toBe(true);
    const endsAt = second.request.endsAt!;
    expect(Date.parse(endsAt) - Date.parse(active.endsAt!)).toBe(3000);
    events = (await eventsOf(r.id)).slice(-2);
    expect(events.map((e) => [e.key, e.kind, e.actor, e.data])).toEqual([
      [`approved:extension:${at}:bob@example.com`, 'approved', 'bob@example.com', { via: 'test', extension: true }],
      [`extended:${endsAt}`, 'extended', 'bob@example.com', { via: 'test', previousEndsAt: active.endsAt, endsAt }],
    ]);
    expect(to(r.id, 'extended').map((n) => [n.id, n.to, n.text])).toEqual([[`extended-${r.id}-${Date.parse(endsAt)}`, 'dave@example.com', `bob@example.com extended your access; it now ends at ${endsAt}.`]]);
    expect(await queues.warn.getJob(ACCESS_JOB_IDS.warn(r.id, endsAt))).toBeDefined();
  });

  it('a shorter duration does not apply to an extension (422)', async () => {
    const r = await decisions.create(ask, dave);
    await decisions.approve(r.id, alice);
    await activate(r.id);
    await decisions.requestExtension(r.id, dave, { minutes: 3 });
    await expect(decisions.approve(r.id, bob, { durationMinutes: 1 })).rejects.toMatchObject({
      code: 'APPROVAL_DURATION_INVALID',
      kind: 'unprocessable',
      message: 'An extension is approved as asked; a shorter duration applies to a request waiting for approval.',
    });
  });

  it('an approver refuses the extension: the grant keeps its end, the event and the message say "refused to extend"', async () => {
    const r = await decisions.create(ask, dave);
    await decisions.approve(r.id, alice);
    const active = await activate(r.id);
    const asked = await decisions.requestExtension(r.id, dave, { minutes: 3 });
    const at = asked.pendingExtension!.requestedAt;
    const after = await decisions.deny(r.id, bob, 'wrap it up');
    expect(after).toMatchObject({ state: 'active', endsAt: active.endsAt });
    expect(after.pendingExtension).toBeUndefined();
    const [event] = (await eventsOf(r.id)).slice(-1);
    expect([event!.key, event!.kind, event!.actor, event!.data]).toEqual([`extension_refused:${at}`, 'extension_refused', 'bob@example.com', { via: 'test', reason: 'wrap it up' }]);
    expect(to(r.id, 'extension-refused').map((n) => [n.id, n.to, n.text])).toEqual([
      [`extension-refused-${r.id}-${Date.parse(at)}`, 'dave@example.com', `bob@example.com refused to extend your access request ${r.id}: wrap it up`],
    ]);
    expect(to(r.id, 'denied')).toEqual([]);
  });
});

describe('ending a grant early', () => {
  it('the requester ends it: revoking, "ended_by_requester" in the event, the revoke job queued at once', async () => {
    const r = await decisions.create(ask, dave);
    await decisions.approve(r.id, alice);
    await activate(r.id);
    const ended = await decisions.end(r.id, { ...dave, via: 'cli' });
    expect(ended).toMatchObject({ state: 'revoking', revokeReason: 'ended_by_requester' });
    const [event] = (await eventsOf(r.id)).slice(-1);
    expect([event!.key, event!.kind, event!.actor, event!.data]).toEqual(['revoke_started', 'revoke_started', 'dave@example.com', { via: 'cli', reason: 'ended_by_requester' }]);
    const job = await queues.revoke.getJob(ACCESS_JOB_IDS.revoke(r.id));
    expect(job?.data).toMatchObject({ requestId: r.id, reason: 'ended_by_requester' });
    expect(job?.opts.delay ?? 0).toBe(0);
  });

  it('an approver of the environment may end it too, recorded as "ended_by_approver"', async () => {
    const r = await decisions.create(ask, dave);
    await decisions.approve(r.id, alice);
    await activate(r.id);
    const ended = await decisions.end(r.id, bob);
    expect(ended).toMatchObject({ state: 'revoking', revokeReason: 'ended_by_approver' });
    const [event] = (await eventsOf(r.id)).slice(-1);
    expect([event!.actor, event!.data]).toEqual(['bob@example.com', { via: 'test', reason: 'ended_by_approver' }]);
  });

  it('anyone else is refused (403) with who may, and the grant stays active', async () => {
    const r = await decisions.create(ask, dave);
    await decisions.approve(r.id, alice);
    const active = await activate(r.id);
    await expect(decisions.end(r.id, { email: 'eve@example.com', via: 'slack' })).rejects.toMatchObject({
      code: 'END_NOT_ALLOWED',
      kind: 'forbidden',
      message: 'Only the requester or an approver for dev can end this grant.',
    });
    const { request, timeline } = await decisions.follow(r.id);
    expect(request).toMatchObject({ state: 'active', version: active.version });
    expect(timeline.map((e) => e.kind)).toEqual(['requested', 'approved']);
    expect(await queues.revoke.getJob(ACCESS_JOB_IDS.revoke(r.id))).toBeUndefined();
  });
});

describe('approvedFor', () => {
  it('names the shortened duration only when an approver shortened it', () => {
    expect(approvedFor({ durationMinutes: 60, approvedMinutes: 30 })).toBe(' for 30 of the 60 minutes you asked');
    expect(approvedFor({ durationMinutes: 60, approvedMinutes: 60 })).toBe('');
    expect(approvedFor({ durationMinutes: 60 })).toBe('');
  });
});
