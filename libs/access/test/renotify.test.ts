import { Redis } from 'ioredis';
import { accessPolicySchema } from '@dbre/domain';
import { createStaticInventory, type ClusterTarget, type Notification } from '@dbre/drivers';
import { ACCESS_JOB_IDS, createQueue } from '@dbre/queue';
import { createAuditLog, createRequestRepository } from '@dbre/store';
import { startTestDynamo, testServices, uniqueName } from '@dbre/testing';
import { autoApprovalFor, autoApprove, createAccessDecisions, createRenotifier, scheduleRenotify, type AccessQueues } from '../src';

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
  autoApprove: [{ id: 'dev-read', environments: ['dev'], profiles: ['read'], maxMinutes: 10 }],
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
  });
});
