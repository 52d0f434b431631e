import { Redis } from 'ioredis';
import { accessPolicySchema, type AccessRequest } from '@dbre/domain';
import { createStaticInventory, type ClusterTarget, type Notification } from '@dbre/drivers';
import { ACCESS_JOB_IDS, createQueue } from '@dbre/queue';
import { createAuditLog, createRequestRepository } from '@dbre/store';
import { captureLogger, startTestDynamo, testServices, uniqueName } from '@dbre/testing';
import type { Job } from 'bullmq';
import { autoApprovalFor, autoApprove, createAccessDecisions, createRenotifier, remindersSent, scheduleRenotify, type AccessQueues } from '../src';

// Auto-approval and reminders against a real store (dynalite) and real queues (Redis); no database.

const cluster: ClusterTarget = { id: 'devdb', environment: 'dev', engine: 'mariadb', endpoint: { host: '127.0.0.1', port: 1 }, instances: [], admin: { user: 'x', password: 'y' } };
const policy = accessPolicySchema.parse({
  profiles: { read: { privileges: ['SELECT'] }, write: { includes: ['read'], privileges: ['UPDATE'] } },
  groups: { dbre: ['alice@example.com', 'bob@example.com'] },
  environments: {
    dev: { defaultMinutes: 5, maxMinutes: 60, approvers: ['group:dbre'] },
    stg: { defaultMinutes: 5, maxMinutes: 60, approvers: ['group:dbre'] },
    prod: { defaultMinutes: 5, maxMinutes: 60, approvers: ['group:dbre'], approvalsRequired: 2 },
  },
  reviewExpiryMinutes: 30,
  autoApprove: [{ id: 'dev-read', description: 'reads on dev, ten minutes at most', environments: ['dev'], profiles: ['read'], maxMinutes: 10 }],
  // Reminders at 10, 20 and 30 minutes: the third is at the review expiry and is never scheduled.
  renotify: { afterMinutes: 10, backoff: 1, max: 3 },
});
const dave = { email: 'dave@example.com', via: 'test' };
const bob = { email: 'bob@example.com', via: 'test' };
const ask = { clusterId: 'devdb', database: 'shop', profile: 'write', reason: 'investigate INC-42 slow orders' };

let store: Awaited<ReturnType<typeof startTestDynamo>>;
let redis: Redis;
let queues: AccessQueues & { renotify: NonNullable<AccessQueues['renotify']> };
const sent: Notification[] = [];
let now = new Date('2026-12-02T09:00:00.000Z');
const clock = () => now;
let deps: Parameters<typeof createAccessDecisions>[0];

beforeAll(async () => {
  store = await startTestDynamo();
  redis = new Redis(testServices.redisUrl, { maxRetriesPerRequest: null });
  const ctx = { prefix: uniqueName('renotify') };
  queues = { provision: createQueue('provision', redis, ctx), warn: createQueue('warn', redis, ctx), revoke: createQueue('revoke', redis, ctx), renotify: createQueue('renotify', redis, ctx) };
  deps = {
    requests: createRequestRepository({ dynamo: store.dynamo }),
    audit: createAuditLog({ dynamo: store.dynamo }),
    policy,
    inventory: createStaticInventory([cluster]),
    databases: { requireDatabase: async () => undefined },
    notifier: { send: async (n) => void sent.push(n) },
    queues,
    minuteMs: 60_000,
    clock,
  };
});
afterAll(async () => {
  for (const q of Object.values(queues)) {
    await q.obliterate({ force: true });
    await q.close();
  }
  redis.disconnect();
  await store.close();
});

describe('reminders', () => {
  it('schedules the first at its time, reminds once per attempt even when retried, and schedules the next', async () => {
    now = new Date('2026-12-02T09:00:00.000Z');
    const r = await createAccessDecisions(deps).create(ask, dave);
    const first = await queues.renotify.getJob(ACCESS_JOB_IDS.renotify(r.id, 1));
    expect(first?.data).toEqual({ requestId: r.id, attempt: 1 });
    expect(first?.opts.delay).toBe(10 * 60_000); // the clock is fixed: exactly afterMinutes
    now = new Date('2026-12-02T09:10:00.000Z');
    const renotifier = createRenotifier(deps);
    expect(await renotifier.remind(r.id, 1)).toBe('reminded');
    expect(await renotifier.remind(r.id, 1)).toBe('reminded'); // a retried job
    const events = (await deps.audit.list(r.id)).filter((e) => e.kind === 'renotified');
    expect(events.map((e) => [e.key, e.data])).toEqual([['renotified:1', { attempt: 1, of: 3, escalated: false }]]);
    const ids = sent.filter((n) => n.requestId === r.id && n.kind === 'reminder').map((n) => n.id);
    expect([...new Set(ids)].sort()).toEqual([`reminder-${r.id}-1-alice@example.com`, `reminder-${r.id}-1-bob@example.com`]);
    expect((await queues.renotify.getJob(ACCESS_JOB_IDS.renotify(r.id, 2)))?.opts.delay).toBe(10 * 60_000);
    // The third would fall on the review expiry (30 min): not scheduled; the request expires as before.
    now = new Date('2026-12-02T09:20:00.000Z');
    expect(await renotifier.remind(r.id, 2)).toBe('reminded');
    expect(await queues.renotify.getJob(ACCESS_JOB_IDS.renotify(r.id, 3))).toBeUndefined();
  });

  it('stops for a decided request, an unknown one, an attempt past max, or after the review window', async () => {
    now = new Date('2026-12-02T10:00:00.000Z');
    const decisions = createAccessDecisions(deps);
    const renotifier = createRenotifier(deps);
    const decided = await decisions.create(ask, dave);
    await decisions.approve(decided.id, bob);
    expect(await renotifier.remind(decided.id, 1)).toBe('stopped');
    expect((await deps.audit.list(decided.id)).map((e) => e.kind)).toEqual(['requested', 'approved']);
    expect(await renotifier.remind('01JZ0000000000000000000000', 1)).toBe('stopped');
    const waiting = await decisions.create(ask, dave);
    expect(await renotifier.remind(waiting.id, 4)).toBe('stopped');
    now = new Date('2026-12-02T10:30:00.000Z'); // the review window has closed
    expect(await renotifier.remind(waiting.id, 1)).toBe('stopped');
    expect(await scheduleRenotify(deps, waiting, 2)).toBe(false); // nothing is scheduled past the window
    expect(sent.filter((n) => n.kind === 'reminder' && (n.requestId === decided.id || n.requestId === waiting.id))).toEqual([]);
  });
});

describe('auto-approval', () => {
  it('does nothing when a person approved first, and never twice', async () => {
    now = new Date('2026-12-02T11:00:00.000Z');
    const decisions = createAccessDecisions({ ...deps, policy: { ...policy, autoApprove: [] } });
    const r = await decisions.create({ ...ask, profile: 'read' }, dave);
    const rule = autoApprovalFor(deps, r);
    expect(rule?.id).toBe('dev-read');
    await decisions.approve(r.id, bob);
    const after = await autoApprove(deps, r, rule!);
    expect(after.approvals.map((a) => a.by.email ?? a.by.policyRule)).toEqual(['bob@example.com']);
    expect(sent.filter((n) => n.requestId === r.id && n.kind === 'auto-approved')).toEqual([]);
    expect(autoApprovalFor(deps, after)).toBeUndefined();
    // Judged as at creation: not once someone approved, nor once it left `requested`.
    expect(autoApprovalFor(deps, { ...r, approvals: after.approvals })).toBeUndefined();
    expect(autoApprovalFor(deps, { ...r, state: 'cancelled' })).toBeUndefined();
    expect(autoApprovalFor(deps, r)?.id).toBe('dev-read');
  });

  it('leaves a request a person half-approved, or one cancelled, as it is', async () => {
    now = new Date('2026-12-02T11:30:00.000Z');
    const decisions = createAccessDecisions(deps);
    const withProd = createAccessDecisions({ ...deps, inventory: createStaticInventory([cluster, { ...cluster, id: 'proddb', environment: 'prod' }]) });
    const prod = await withProd.create({ ...ask, clusterId: 'proddb', profile: 'read' }, dave);
    const half = (await withProd.approve(prod.id, bob)).request;
    expect([half.state, half.approvals.length]).toEqual(['requested', 1]);
    const rule = policy.autoApprove[0]!;
    expect((await autoApprove(deps, half, rule)).approvals.map((a) => a.by.email)).toEqual(['bob@example.com']);
    const dev = await createAccessDecisions({ ...deps, policy: { ...policy, autoApprove: [] } }).create({ ...ask, profile: 'read' }, dave);
    await decisions.cancel(dev.id, dave);
    expect((await autoApprove(deps, dev, rule)).state).toBe('cancelled');
    expect((await deps.audit.list(dev.id)).map((e) => e.kind)).toEqual(['requested', 'cancelled']);
    expect(sent.filter((n) => (n.requestId === prod.id || n.requestId === dev.id) && n.kind === 'auto-approved')).toEqual([]);
  });

  it('counts the reminders of the chain by their keys', () => {
    const keys = ['requested', 'renotified:1', 'renotified:12', 'renotified:', 'renotified:x', 'x-renotified:3', 'renotified:4x'];
    expect(remindersSent({ audit: { keys, seq: keys.length, hash: 'h' } } as unknown as AccessRequest)).toBe(2);
    expect(remindersSent({} as AccessRequest)).toBe(0);
  });
});

const of = (id: string, kind: string) => sent.filter((n) => n.requestId === id && n.kind === kind).map((n) => ({ id: n.id, to: n.to, text: n.text, data: n.data }));

describe('the approvers’ first message', () => {
  it('goes to each approver but the requester, saying who asks for what, for how long and why', async () => {
    now = new Date('2026-12-02T12:00:00.000Z');
    const r = await createAccessDecisions(deps).create(ask, { email: 'alice@example.com', via: 'test' });
    expect(of(r.id, 'review')).toEqual([
      { id: `review-${r.id}-bob@example.com`, to: 'bob@example.com', text: `alice@example.com asks for write access to devdb/shop (dev) for 5 min: investigate INC-42 slow orders. Approve or deny: POST /v1/access-requests/${r.id}/approve|deny.`, data: undefined },
    ]);
    const later = await createAccessDecisions(deps).create({ ...ask, startAt: '2026-12-02T12:25:00.000Z' }, dave);
    expect(of(later.id, 'review').map((n) => n.text)).toEqual([
      `dave@example.com asks for write access to devdb/shop (dev) for 5 min, starting at 2026-12-02T12:25:00.000Z: investigate INC-42 slow orders. Approve or deny: POST /v1/access-requests/${later.id}/approve|deny.`,
      `dave@example.com asks for write access to devdb/shop (dev) for 5 min, starting at 2026-12-02T12:25:00.000Z: investigate INC-42 slow orders. Approve or deny: POST /v1/access-requests/${later.id}/approve|deny.`,
    ]);
    // Its review window ends at its start (25 min): the reminders at 10 and 20 min are scheduled, one at a time.
    expect((await queues.renotify.getJob(ACCESS_JOB_IDS.renotify(later.id, 1)))?.opts.delay).toBe(10 * 60_000);
  });
});

describe('reminders: escalation, timing and the job', () => {
  const withRenotify = (renotify: object, reviewExpiryMinutes = 60) => ({ ...deps, policy: accessPolicySchema.parse({ ...policy, autoApprove: [], reviewExpiryMinutes, renotify }) });

  it('escalates to the channel from the configured attempt, saying so in the reminder and the chain', async () => {
    now = new Date('2026-12-02T13:00:00.000Z');
    const d = withRenotify({ afterMinutes: 10, backoff: 1, max: 3, escalateTo: { attempt: 2, channel: 'C0123ABCD' } });
    const r = await createAccessDecisions(d).create(ask, dave);
    const renotifier = createRenotifier(d);
    now = new Date('2026-12-02T13:10:00.000Z');
    expect(await renotifier.remind(r.id, 1)).toBe('reminded');
    now = new Date('2026-12-02T13:20:00.000Z');
    expect(await renotifier.remind(r.id, 2)).toBe('reminded');
    expect((await deps.audit.list(r.id)).filter((e) => e.kind === 'renotified').map((e) => [e.key, e.actor, e.data])).toEqual([
      ['renotified:1', 'reaper', { attempt: 1, of: 3, escalated: false }],
      ['renotified:2', 'reaper', { attempt: 2, of: 3, escalated: true, channel: 'C0123ABCD' }],
    ]);
    const reminders = of(r.id, 'reminder').filter((n) => n.to === 'bob@example.com');
    expect(reminders).toEqual([
      { id: `reminder-${r.id}-1-bob@example.com`, to: 'bob@example.com', text: `Reminder 1/3: dave@example.com has waited 10 min for write access to devdb/shop (dev) for 5 min. Approve or deny: POST /v1/access-requests/${r.id}/approve|deny.`, data: { attempt: 1, of: 3, requestedAt: '2026-12-02T13:00:00.000Z' } },
      { id: `reminder-${r.id}-2-bob@example.com`, to: 'bob@example.com', text: `Reminder 2/3 (escalated): dave@example.com has waited 20 min for write access to devdb/shop (dev) for 5 min. Approve or deny: POST /v1/access-requests/${r.id}/approve|deny.`, data: { attempt: 2, of: 3, requestedAt: '2026-12-02T13:00:00.000Z', escalate: { channel: 'C0123ABCD' } } },
    ]);
    expect(remindersSent((await deps.requests.get(r.id))!)).toBe(2);
    expect(remindersSent(r)).toBe(0);
  });

  it('escalates to the user group on the last reminder when no attempt is given', async () => {
    now = new Date('2026-12-02T14:00:00.000Z');
    const d = withRenotify({ afterMinutes: 10, backoff: 1, max: 2, escalateTo: { userGroup: 'S0123ABCD' } });
    const r = await createAccessDecisions(d).create(ask, dave);
    const renotifier = createRenotifier(d);
    now = new Date('2026-12-02T14:10:00.000Z');
    await renotifier.remind(r.id, 1);
    expect((await queues.renotify.getJob(ACCESS_JOB_IDS.renotify(r.id, 2)))?.data).toEqual({ requestId: r.id, attempt: 2 }); // the last (max) is scheduled
    now = new Date('2026-12-02T14:20:00.000Z');
    await renotifier.remind(r.id, 2);
    expect((await deps.audit.list(r.id)).filter((e) => e.kind === 'renotified').map((e) => e.data)).toEqual([
      { attempt: 1, of: 2, escalated: false },
      { attempt: 2, of: 2, escalated: true, userGroup: 'S0123ABCD' },
    ]);
    expect(of(r.id, 'reminder').filter((n) => n.to === 'alice@example.com').map((n) => n.data)).toEqual([
      { attempt: 1, of: 2, requestedAt: '2026-12-02T14:00:00.000Z' },
      { attempt: 2, of: 2, requestedAt: '2026-12-02T14:00:00.000Z', escalate: { userGroup: 'S0123ABCD' } },
    ]);
    // The last one schedules nothing after it.
    expect(await queues.renotify.getJob(ACCESS_JOB_IDS.renotify(r.id, 3))).toBeUndefined();
  });

  it('schedules in the request’s own minute, at once when already due, and never without a policy, a queue or a waiting request', async () => {
    now = new Date('2026-12-02T15:00:00.000Z');
    const fast = { ...deps, minuteMs: 1000 };
    const r = await createAccessDecisions(fast).create(ask, dave);
    expect((await queues.renotify.getJob(ACCESS_JOB_IDS.renotify(r.id, 1)))?.opts.delay).toBe(10 * 1000);
    // Due 10 s after the request; scheduled 15 s after it (a sweep resuming late): no delay.
    await (await queues.renotify.getJob(ACCESS_JOB_IDS.renotify(r.id, 1)))!.remove();
    now = new Date('2026-12-02T15:00:15.000Z');
    expect(await scheduleRenotify(fast, r, 1)).toBe(true);
    expect((await queues.renotify.getJob(ACCESS_JOB_IDS.renotify(r.id, 1)))?.opts.delay ?? 0).toBe(0);
    // Attempt 2 is due 20 s after the request: 5 s from now.
    expect(await scheduleRenotify(fast, r, 2)).toBe(true);
    expect((await queues.renotify.getJob(ACCESS_JOB_IDS.renotify(r.id, 2)))?.opts.delay).toBe(5 * 1000);

    const { renotify: _unused, ...queuesWithout } = queues;
    expect(await scheduleRenotify({ ...fast, queues: queuesWithout }, r, 3)).toBe(false);
    const { renotify: _none, ...policyWithout } = policy;
    expect(await scheduleRenotify({ ...fast, policy: policyWithout }, r, 3)).toBe(false);
    expect(await scheduleRenotify(fast, { ...r, state: 'approved' }, 3)).toBe(false);
    expect(await scheduleRenotify(fast, r, 4)).toBe(false); // past max
    expect(await queues.renotify.getJob(ACCESS_JOB_IDS.renotify(r.id, 3))).toBeUndefined();
  });

  it('runs as a job: the processor reminds and logs; a decided request is logged and left', async () => {
    now = new Date('2026-12-02T16:00:00.000Z');
    const log = captureLogger('renotify', 'info');
    const r = await createAccessDecisions(deps).create(ask, dave);
    now = new Date('2026-12-02T16:10:00.000Z');
    const renotifier = createRenotifier(deps);
    expect(await renotifier.processor({ requestId: r.id, attempt: 1 }, { job: {} as Job, logger: log.logger })).toBe('reminded');
    await createAccessDecisions(deps).deny(r.id, bob, 'use the read replica');
    expect(await renotifier.processor({ requestId: r.id, attempt: 2 }, { job: {} as Job, logger: log.logger })).toBe('stopped');
    expect(log.lines().map((l) => [l['msg'], l['requestId'], l['attempt'], l['escalated'] ?? l['state']])).toEqual([
      ['approvers reminded', r.id, 1, false],
      ['no reminder: the request is no longer waiting', r.id, 2, 'denied'],
    ]);
  });
});

describe('auto-approval by a rule', () => {
  it('approves, queues provisioning and tells approvers and requester which rule approved it', async () => {
    now = new Date('2026-12-02T17:00:00.000Z');
    const r = await createAccessDecisions(deps).create({ ...ask, profile: 'read' }, dave);
    expect(r.state).toBe('approved');
    expect(r.approvals.map((a) => a.by)).toEqual([{ policyRule: 'dev-read', displayName: 'policy:dev-read' }]);
    const approved = (await deps.audit.list(r.id)).filter((e) => e.kind === 'approved');
    expect(approved.map((e) => [e.key, e.actor, e.data])).toEqual([
      ['approved:policy:dev-read', 'policy:dev-read', { via: 'policy', policyRule: 'dev-read', rule: 'reads on dev, ten minutes at most', approvals: 1, required: 1 }],
    ]);
    expect((await queues.provision.getJob(ACCESS_JOB_IDS.provision(r.id)))?.data).toEqual({ requestId: r.id });
    const data = { policyRule: 'dev-read', by: 'policy:dev-read' };
    expect(of(r.id, 'auto-approved')).toEqual([
      { id: `auto-approved-${r.id}-alice@example.com`, to: 'alice@example.com', text: `dave@example.com got read access to devdb/shop (dev) for 5 min, approved by policy rule dev-read (reads on dev, ten minutes at most): investigate INC-42 slow orders. Nothing to do; the grant is audited like any other.`, data },
      { id: `auto-approved-${r.id}-bob@example.com`, to: 'bob@example.com', text: `dave@example.com got read access to devdb/shop (dev) for 5 min, approved by policy rule dev-read (reads on dev, ten minutes at most): investigate INC-42 slow orders. Nothing to do; the grant is audited like any other.`, data },
      { id: `auto-approved-${r.id}`, to: 'dave@example.com', text: `Your access request ${r.id} was approved by policy rule dev-read (reads on dev, ten minutes at most); the credentials follow in a moment.`, data },
    ]);
    expect(of(r.id, 'review')).toEqual([]);
  });

  it('logs the approval once; a rule without a description is named alone', async () => {
    now = new Date('2026-12-02T18:00:00.000Z');
    const log = captureLogger('auto-approve', 'info');
    const r = await createAccessDecisions({ ...deps, policy: { ...policy, autoApprove: [] } }).create({ ...ask, profile: 'read' }, dave);
    const { description: _d, ...bare } = policy.autoApprove[0]!;
    const rule = { ...bare, id: 'bare' };
    expect((await autoApprove(deps, r, rule, log.logger)).state).toBe('approved');
    expect((await autoApprove(deps, r, rule, log.logger)).state).toBe('approved');
    expect(log.lines().map((l) => [l['msg'], l['requestId'], l['policyRule']])).toEqual([['request approved by policy', r.id, 'bare']]);
    expect((await deps.audit.list(r.id)).filter((e) => e.kind === 'approved').map((e) => e.data)).toEqual([{ via: 'policy', policyRule: 'bare', approvals: 1, required: 1 }]);
    expect(of(r.id, 'auto-approved').find((n) => n.to === 'dave@example.com')?.text).toBe(`Your access request ${r.id} was approved by policy rule bare; the credentials follow in a moment.`);
  });
});
