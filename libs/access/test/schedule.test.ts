import { Redis } from 'ioredis';
import { accessPolicySchema, type AccessRequest } from '@dbre/domain';
import { ACCESS_JOB_IDS, createQueue } from '@dbre/queue';
import { testServices, uniqueName } from '@dbre/testing';
import { UnrecoverableError, Worker } from 'bullmq';
import { failsafeAt, revokeNow, scheduleGrant, scheduleProvisioning, scheduleWarning, type AccessQueues } from '../src';

// The delayed jobs of a grant on a real Redis (BullMQ), with a clock the test holds.

const policy = accessPolicySchema.parse({
  profiles: { read: { privileges: ['SELECT'] } },
  groups: { dbre: ['alice@example.com'] },
  environments: Object.fromEntries(['dev', 'stg', 'prod'].map((env) => [env, { defaultMinutes: 5, maxMinutes: 60, approvers: ['group:dbre'] }])),
  warnBeforeMinutes: 2,
});

let redis: Redis;
let queues: AccessQueues;
let prefix: string;
beforeAll(() => {
  redis = new Redis(testServices.redisUrl, { maxRetriesPerRequest: null });
  prefix = uniqueName('accsch');
  queues = { provision: createQueue('provision', redis, { prefix }), warn: createQueue('warn', redis, { prefix }), revoke: createQueue('revoke', redis, { prefix }) };
});
afterAll(async () => {
  for (const q of Object.values(queues)) {
    await q.obliterate({ force: true });
    await q.close();
  }
  redis.disconnect();
});

const NOW = Date.parse('2026-12-02T10:00:00.000Z');
const clock = () => new Date(NOW);
let n = 0;
function grant(fields: Partial<AccessRequest> = {}): AccessRequest {
  n++;
  return { id: `01JSCH${String(n).padStart(20, '0')}`, state: 'active', endsAt: new Date(NOW + 10_000).toISOString(), minuteMs: 1000, ...fields } as AccessRequest;
}

describe('scheduling the warning', () => {
  it('is delayed to warnBefore policy minutes before the end, with the end in its id and payload', async () => {
    const g = grant();
    await scheduleWarning({ policy, queues, clock }, g);
    const job = await queues.warn.getJob(`warn-${g.id}-${NOW + 10_000}`);
    expect(job?.data).toEqual({ requestId: g.id, endsAt: g.endsAt });
    expect(job?.delay).toBe(8000);
  });

  it('is not scheduled once its time has come (exactly now or before), nor for a grant not active or without an end', async () => {
    const due = grant({ endsAt: new Date(NOW + 2000).toISOString() });
    const nearlyDue = grant({ endsAt: new Date(NOW + 2001).toISOString() });
    const revoking = grant({ state: 'revoking' });
    const endless = grant({ endsAt: undefined });
    for (const g of [due, nearlyDue, revoking, endless]) await scheduleWarning({ policy, queues, clock }, g);
    expect(await queues.warn.getJob(ACCESS_JOB_IDS.warn(due.id, due.endsAt!))).toBeUndefined();
    expect((await queues.warn.getJob(ACCESS_JOB_IDS.warn(nearlyDue.id, nearlyDue.endsAt!)))?.delay).toBe(1);
    expect(await queues.warn.getJob(ACCESS_JOB_IDS.warn(revoking.id, revoking.endsAt!))).toBeUndefined();
    expect((await queues.warn.getJobs(['delayed', 'waiting'])).filter((j) => j.data.requestId === endless.id)).toEqual([]);
  });

  it('uses the real time when no clock is given', async () => {
    const g = grant({ endsAt: new Date(Date.now() + 600_000).toISOString() });
    await scheduleWarning({ policy, queues }, g);
    const delay = (await queues.warn.getJob(ACCESS_JOB_IDS.warn(g.id, g.endsAt!)))!.delay;
    expect(delay).toBeGreaterThan(590_000);
    expect(delay).toBeLessThanOrEqual(598_000);
  });
});

describe('scheduling a grant', () => {
  it('adds the revoke at the end (reason expired) and the warning', async () => {
    const g = grant();
    await scheduleGrant({ policy, queues, clock }, g);
    const revoke = await queues.revoke.getJob(`revoke-${g.id}`);
    expect(revoke?.data).toEqual({ requestId: g.id, reason: 'expired' });
    expect(revoke?.delay).toBe(10_000);
    expect(await queues.warn.getJob(ACCESS_JOB_IDS.warn(g.id, g.endsAt!))).toBeDefined();
  });

  it('a grant already past its end is revoked at once (no negative delay)', async () => {
    const g = grant({ endsAt: new Date(NOW - 5000).toISOString() });
    await scheduleGrant({ policy, queues, clock }, g);
    const revoke = await queues.revoke.getJob(`revoke-${g.id}`);
    expect(revoke?.delay).toBe(0);
    expect(await revoke?.getState()).toBe('waiting');
  });

  it('schedules nothing for a request that is not an active grant with an end', async () => {
    const approved = grant({ state: 'approved' });
    const endless = grant({ endsAt: undefined });
    await scheduleGrant({ policy, queues, clock }, approved);
    await scheduleGrant({ policy, queues, clock }, endless);
    expect(await queues.revoke.getJob(`revoke-${approved.id}`)).toBeUndefined();
    expect(await queues.revoke.getJob(`revoke-${endless.id}`)).toBeUndefined();
    expect(await queues.warn.getJob(ACCESS_JOB_IDS.warn(approved.id, approved.endsAt!))).toBeUndefined();
  });
});

describe('the failsafe time', () => {
  it('is one policy minute after the end (a real minute by default), none without an end', () => {
    expect(failsafeAt(grant({ endsAt: '2026-12-02T10:00:10.000Z', minuteMs: 1000 }))?.toISOString()).toBe('2026-12-02T10:00:11.000Z');
    expect(failsafeAt(grant({ endsAt: '2026-12-02T10:00:10.000Z', minuteMs: undefined }))?.toISOString()).toBe('2026-12-02T10:01:10.000Z');
    expect(failsafeAt(grant({ endsAt: undefined }))).toBeUndefined();
  });
});

describe('revoking now', () => {
  it('promotes the delayed revoke job, saying why it runs now', async () => {
    const g = grant({ revokeReason: 'ended_by_approver' });
    await scheduleGrant({ policy, queues, clock }, g);
    await revokeNow({ queues }, g);
    const job = await queues.revoke.getJob(`revoke-${g.id}`);
    expect(await job?.getState()).toBe('waiting');
    expect(job?.data).toEqual({ requestId: g.id, reason: 'ended_by_approver' });
  });

  it('promotes a delayed job without a reason on the request as it was scheduled', async () => {
    const g = grant();
    await scheduleGrant({ policy, queues, clock }, g);
    await revokeNow({ queues }, g);
    const job = await queues.revoke.getJob(`revoke-${g.id}`);
    expect(await job?.getState()).toBe('waiting');
    expect(job?.data).toEqual({ requestId: g.id, reason: 'expired' });
  });

  it('adds the job when Redis lost it, with the request’s reason (the requester’s by default)', async () => {
    const a = grant({ revokeReason: 'ended_by_operator' });
    const b = grant();
    await revokeNow({ queues }, a);
    await revokeNow({ queues }, b);
    expect((await queues.revoke.getJob(`revoke-${a.id}`))?.data).toEqual({ requestId: a.id, reason: 'ended_by_operator' });
    expect((await queues.revoke.getJob(`revoke-${b.id}`))?.data).toEqual({ requestId: b.id, reason: 'ended_by_requester' });
  });

  it('replaces a finished job (completed or failed) by a new one, and leaves a waiting one alone', async () => {
    const g = grant({ revokeReason: 'ended_by_requester' });
    await queues.revoke.add('revoke', { requestId: g.id, reason: 'expired' }, { jobId: `revoke-${g.id}` });
    const worker = new Worker(queues.revoke.name, null, { connection: redis, prefix });
    try {
      const token = uniqueName('tok');
      let job = await worker.getNextJob(token, { block: false });
      while (job && job.id !== `revoke-${g.id}`) {
        await job.moveToDelayed(Date.now() + 3_600_000, token);
        job = await worker.getNextJob(token, { block: false });
      }
      await job!.moveToCompleted('nothing to revoke', token, false);
    } finally {
      await worker.close();
    }
    await revokeNow({ queues }, g);
    const fresh = await queues.revoke.getJob(`revoke-${g.id}`);
    expect(await fresh?.getState()).toBe('waiting');
    expect(fresh?.data).toEqual({ requestId: g.id, reason: 'ended_by_requester' });
    // Waiting already: not added twice, not changed.
    await revokeNow({ queues }, grant({ id: g.id, revokeReason: 'ended_by_operator' }));
    expect((await queues.revoke.getJob(`revoke-${g.id}`))?.data).toEqual({ requestId: g.id, reason: 'ended_by_requester' });
    expect(await queues.revoke.getJobCounts('waiting')).toMatchObject({ waiting: 1 });

    // A job that failed for good is replaced too.
    const worker2 = new Worker(queues.revoke.name, null, { connection: redis, prefix });
    try {
      const token = uniqueName('tok');
      const job = await worker2.getNextJob(token, { block: false });
      expect(job?.id).toBe(`revoke-${g.id}`);
      await job!.moveToFailed(new UnrecoverableError('the cluster did not answer'), token, false);
    } finally {
      await worker2.close();
    }
    expect(await (await queues.revoke.getJob(`revoke-${g.id}`))?.getState()).toBe('failed');
    await revokeNow({ queues }, grant({ id: g.id, revokeReason: 'ended_by_operator' }));
    const again = await queues.revoke.getJob(`revoke-${g.id}`);
    expect(await again?.getState()).toBe('waiting');
    expect(again?.data).toEqual({ requestId: g.id, reason: 'ended_by_operator' });
  });
});

describe('scheduling provisioning', () => {
  it('now without a start or with a start passed; delayed to a future start', async () => {
    const now = grant({ state: 'approved', startAt: undefined });
    const passed = grant({ state: 'approved', startAt: new Date(NOW - 1).toISOString() });
    const later = grant({ state: 'approved', startAt: new Date(NOW + 7000).toISOString() });
    for (const r of [now, passed, later]) await scheduleProvisioning({ queues, clock }, r);
    for (const r of [now, passed]) {
      const job = await queues.provision.getJob(`provision-${r.id}`);
      expect(job?.data).toEqual({ requestId: r.id });
      expect(job?.opts.delay ?? 0).toBe(0);
      expect(await job?.getState()).toBe('waiting');
    }
    expect((await queues.provision.getJob(`provision-${later.id}`))?.delay).toBe(7000);
    // Once only.
    await scheduleProvisioning({ queues, clock }, later);
    expect((await queues.provision.getJobs(['delayed'])).filter((j) => j.data.requestId === later.id)).toHaveLength(1);
  });

  it('uses the real time when no clock is given', async () => {
    const r = grant({ state: 'approved', startAt: new Date(Date.now() + 600_000).toISOString() });
    await scheduleProvisioning({ queues }, r);
    const delay = (await queues.provision.getJob(`provision-${r.id}`))!.delay;
    expect(delay).toBeGreaterThan(590_000);
    expect(delay).toBeLessThanOrEqual(600_000);
  });
});
