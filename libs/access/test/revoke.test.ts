import { DelayedError, Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import mysql from 'mysql2/promise';
import type { AccessRequest } from '@dbre/domain';
import type { Bastion } from '@dbre/drivers';
import { ACCESS_JOB_IDS, createQueue } from '@dbre/queue';
import { testServices, uniqueName } from '@dbre/testing';
import { createRevoker, REVOKE_STEPS, type AccessStep, type WorkerDeps } from '../src';
import { folderEvidence, localCluster, REQUESTER, startHarness, type Harness } from './harness';

// active -> revoking -> revoked against the real store, MariaDB (sessions really killed), the
// forwarder bastion, the secret store, the outbox and BullMQ.

const PROVISIONED = ['requested', 'approved', 'provisioning_started', 'bastion_created', 'secret_stored', 'user_created', 'credentials_delivered', 'activated'];
const REVOKED = ['revoke_started', 'sessions_killed', 'user_dropped', 'bastion_removed', 'secret_deleted', 'revoked'];

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
}, 60_000);
afterAll(() => h.close());

function frozen(ms: number) {
  let t = ms;
  return { clock: () => new Date(t), set: (x: number) => (t = x) };
}

const extended: Array<{ bastionId: string; endsAt: string }> = [];
function depsWith(extra: Partial<WorkerDeps> = {}): WorkerDeps {
  const bastion: Bastion = { ...h.bastion, extend: async (bastionId, endsAt) => void extended.push({ bastionId, endsAt: endsAt.toISOString() }) };
  return { ...h.deps, bastion, ...extra };
}

async function sessionOf(r: AccessRequest): Promise<mysql.Connection> {
  const user = r.resources.dbUser!;
  const password = (await h.secrets.get(`dbre/access/${r.id}`))!;
  return mysql.createConnection({ host: testServices.mysql.host, port: testServices.mysql.port, user, password, database: h.database });
}

describe('revoking a grant', () => {
  it('kills the open session, drops the user, closes the bastion, deletes the secret, writes revoked with every event and tells the requester', async () => {
    const r = await h.active();
    const session = await sessionOf(r);
    session.on('error', () => undefined);
    expect(await session.query('SELECT 1 AS one').then(([rows]) => rows)).toEqual([{ one: 1 }]);

    let t = Date.now();
    const ticking = () => new Date((t += 5));
    expect(await createRevoker(depsWith({ clock: ticking })).revokeGrant(r.id, 'ended_by_requester', h.logger)).toBe('revoked');
    const revoked = await h.requests.require(r.id);
    expect(revoked).toMatchObject({ state: 'revoked', revokeReason: 'ended_by_requester' });
    const user = r.resources.dbUser!;
    expect(await h.platformUsers()).not.toContain(user);
    await expect(session.query('SELECT 1')).rejects.toBeDefined(); // the open session was killed, not only the login
    session.destroy();
    expect((await h.bastion.record(`fwd-${r.id}`))?.state).toBe('closed');
    expect(h.host.listening()).not.toContain(`fwd-${r.id}`);
    expect(await h.secrets.get(`dbre/access/${r.id}`)).toBeUndefined();

    const events = await h.audit.list(r.id);
    expect(events.map((e) => e.kind)).toEqual([...PROVISIONED, ...REVOKED]);
    const tail = events.slice(PROVISIONED.length);
    expect(tail.every((e) => e.actor === 'reaper')).toBe(true);
    expect(tail.map((e) => e.data)).toEqual([
      { reason: 'ended_by_requester' },
      { dbUser: user, killed: 1 },
      { dbUser: user, outcome: 'dropped' },
      { bastionId: `fwd-${r.id}` },
      { secretId: `dbre/access/${r.id}` },
      // Ended by a person: no lag behind a scheduled end.
      { reason: 'ended_by_requester' },
    ]);
    // Each event carries when its step happened: the start, the user, then the bastion and secret together, then the end.
    const at = tail.map((e) => Date.parse(e.at));
    expect(at[0]).toBeLessThan(at[1]!);
    expect(at[1]).toBeLessThan(at[2]!);
    expect(at[2]).toBeLessThan(at[3]!);
    expect(at[3]).toBe(at[4]);
    expect(at[4]).toBeLessThan(at[5]!);
    expect(tail[5]!.at).toBe(revoked.revokedAt);
    expect(await h.audit.verifyChain(r.id)).toMatchObject({ ok: true, count: PROVISIONED.length + REVOKED.length });
    const told = await h.outbox.get(`revoked-${r.id}`);
    expect(told).toMatchObject({ kind: 'revoked', to: REQUESTER, requestId: r.id });
    expect(told?.text).toBe(`Your access to devdb/${h.database} has ended: sessions closed, user ${user} dropped, bastion removed.`);
    expect(h.logLines().some((l) => l['msg'] === 'grant revoked' && l['requestId'] === r.id && l['reason'] === 'ended_by_requester')).toBe(true);
  });

  it('an expired grant records how late the revoke ran behind the end (the sweep too; a person’s end does not)', async () => {
    for (const [reason, lag] of [
      ['expired', 1500],
      ['sweep', 250],
    ] as const) {
      const r = await h.active();
      const clock = frozen(Date.parse(r.endsAt!) + lag);
      await createRevoker(depsWith({ clock: clock.clock })).revokeGrant(r.id, reason, h.logger);
      expect((await h.audit.list(r.id)).at(-1)?.data).toEqual({ reason, lagMs: lag });
    }
  });

  it('a second run of a finished revoke writes nothing', async () => {
    const r = await h.active();
    const revoker = createRevoker(depsWith());
    await revoker.revokeGrant(r.id, 'ended_by_operator', h.logger);
    const done = await h.requests.require(r.id);
    expect(await revoker.revokeGrant(r.id, 'ended_by_operator', h.logger)).toBe('nothing to revoke: the request is revoked');
    expect((await h.requests.require(r.id)).version).toBe(done.version);
  });

  it('answers for what it need not revoke', async () => {
    const revoker = createRevoker(depsWith());
    expect(await revoker.revokeGrant('01JACC0000000000000NOTHERE', 'expired', h.logger)).toBe('no such request');
    const waiting = await h.requested();
    expect(await revoker.revokeGrant(waiting.id, 'expired', h.logger)).toBe('nothing to revoke: the request is requested');
    expect((await h.requests.require(waiting.id)).state).toBe('requested');
  });

  it('a grant with no bastion or secret recorded: the user is dropped and the secret under its standard id deleted; no bastion event', async () => {
    let r = await h.approved();
    const user = `${h.userPrefix}bare_${r.id.slice(-5).toLowerCase()}`;
    r = await h.requests.applyTransitionOrThrow(r, { type: 'start_provisioning' }, new Date());
    await h.secrets.put(`dbre/access/${r.id}`, 'Unused-password-123', { requestId: r.id });
    r = await h.requests.applyTransitionOrThrow(r, { type: 'record_resources', resources: { dbUser: user } }, new Date());
    r = await h.requests.applyTransitionOrThrow(r, { type: 'activate' }, new Date());
    const seen: string[] = [];
    expect(await createRevoker(depsWith({ onStep: (s) => void seen.push(s) })).revokeGrant(r.id, 'ended_by_approver', h.logger)).toBe('revoked');
    expect(await h.secrets.get(`dbre/access/${r.id}`)).toBeUndefined();
    const tail = (await h.audit.list(r.id)).slice(2);
    expect(tail.map((e) => [e.kind, e.data])).toEqual([
      ['revoke_started', { reason: 'ended_by_approver' }],
      ['sessions_killed', { dbUser: user, killed: 0 }],
      ['user_dropped', { dbUser: user, outcome: 'absent' }],
      ['secret_deleted', { secretId: `dbre/access/${r.id}` }],
      ['revoked', { reason: 'ended_by_approver' }],
    ]);
    expect(seen).toEqual(['revoke_started', 'user_revoked', 'resources_removed', 'revoked']);
  });

  it('a cluster gone from the inventory stops the revoke before anything is removed; it finishes once the cluster is back', async () => {
    h.clusters.set('brief', localCluster('brief'));
    const r = await h.active({ clusterId: 'brief' });
    h.clusters.delete('brief');
    const revoker = createRevoker(depsWith());
    await expect(revoker.revokeGrant(r.id, 'expired', h.logger)).rejects.toThrow(`cluster brief is not in the inventory: user ${r.resources.dbUser} cannot be dropped until it is back`);
    expect((await h.requests.require(r.id)).state).toBe('revoking');
    expect(await h.secrets.get(`dbre/access/${r.id}`)).toBeDefined();
    expect((await h.bastion.record(`fwd-${r.id}`))?.state).toBe('open');
    h.clusters.set('brief', localCluster('brief'));
    expect(await revoker.revokeGrant(r.id, 'expired', h.logger)).toBe('revoked');
    expect(await h.platformUsers()).not.toContain(r.resources.dbUser);
    expect(await h.kinds(r.id)).toEqual([...PROVISIONED, ...REVOKED]);
  });

  it('a user already gone is recorded as dropped with outcome absent', async () => {
    const r = await h.active();
    await h.root.query('DROP USER ?@?', [r.resources.dbUser!, '%']);
    await createRevoker(depsWith()).revokeGrant(r.id, 'ended_by_operator', h.logger);
    const ev = (await h.audit.list(r.id)).find((e) => e.kind === 'user_dropped');
    expect(ev?.data).toEqual({ dbUser: r.resources.dbUser, outcome: 'absent' });
  });

  it('seals the evidence after the revoke, and a re-run after a crash before the seal seals it', async () => {
    const ev = await folderEvidence();
    try {
      const r = await h.active();
      await createRevoker(depsWith({ evidence: ev.evidence })).revokeGrant(r.id, 'ended_by_requester', h.logger);
      expect((await h.audit.list(r.id)).at(-1)).toMatchObject({ kind: 'evidence_sealed', key: 'evidence_sealed:revoke' });
      expect(await ev.store.get(`evidence/${r.id}/revoke.json`)).toBeDefined();

      // Revoked, then the process died before sealing: the re-run seals.
      const s = await h.active();
      await createRevoker(depsWith()).revokeGrant(s.id, 'ended_by_requester', h.logger);
      expect(await h.kinds(s.id)).not.toContain('evidence_sealed');
      expect(await createRevoker(depsWith({ evidence: ev.evidence })).revokeGrant(s.id, 'expired', h.logger)).toBe('nothing to revoke: the request is revoked');
      expect((await h.audit.list(s.id)).at(-1)).toMatchObject({ kind: 'evidence_sealed', key: 'evidence_sealed:revoke' });
    } finally {
      await ev.cleanup();
    }
  });
});

describe('sealing in a job of its own (the seal queue)', () => {
  const withSealQueue = (ev: Awaited<ReturnType<typeof folderEvidence>>, extra: Partial<WorkerDeps> = {}) => depsWith({ evidence: ev.evidence, queues: { ...h.queues, seal: h.sealQueue }, ...extra });

  it('the revoke queues the seal instead of sealing; the job seals once, as the reaper', async () => {
    const ev = await folderEvidence();
    try {
      const revoker = createRevoker(withSealQueue(ev));
      const r = await h.active();
      expect(await revoker.revokeGrant(r.id, 'ended_by_requester', h.logger)).toBe('revoked');
      expect((await h.kinds(r.id)).slice(-1)).toEqual(['revoked']);
      expect(await ev.store.get(`evidence/${r.id}/revoke.json`)).toBeUndefined();
      const job = await h.sealQueue.getJob(`seal-${r.id}-revoke`);
      expect(job?.data).toEqual({ requestId: r.id, label: 'revoke' });
      expect(await job?.getState()).toBe('waiting');

      expect(await revoker.sealProcessor({ requestId: r.id, label: 'revoke' }, { job: job!, logger: h.logger })).toBe('sealed');
      expect((await h.audit.list(r.id)).at(-1)).toMatchObject({ kind: 'evidence_sealed', key: 'evidence_sealed:revoke', actor: 'reaper' });
      expect(await ev.store.get(`evidence/${r.id}/revoke.json`)).toBeDefined();
      // A retry of the job (the process died after the seal) changes nothing.
      expect(await revoker.sealProcessor({ requestId: r.id, label: 'revoke' }, { job: job!, logger: h.logger })).toBe('already sealed');
      expect((await h.kinds(r.id)).filter((k) => k === 'evidence_sealed')).toHaveLength(1);
    } finally {
      await ev.cleanup();
    }
  });

  it('a revoke job re-run after a crash before the seal was queued queues it; a grant without a user queues none', async () => {
    const ev = await folderEvidence();
    try {
      const r = await h.active();
      await createRevoker(depsWith()).revokeGrant(r.id, 'ended_by_requester', h.logger); // died before queuing
      expect(await h.sealQueue.getJob(`seal-${r.id}-revoke`)).toBeUndefined();
      expect(await createRevoker(withSealQueue(ev)).revokeGrant(r.id, 'expired', h.logger)).toBe('nothing to revoke: the request is revoked');
      expect((await h.sealQueue.getJob(`seal-${r.id}-revoke`))?.data).toEqual({ requestId: r.id, label: 'revoke' });

      const denied = await h.requested();
      await h.requests.applyTransitionOrThrow(denied, { type: 'deny', by: { email: 'bob@example.com' }, reason: 'no' }, new Date(), [{ key: 'denied', kind: 'denied', actor: 'bob@example.com' }]);
      await createRevoker(withSealQueue(ev)).revokeGrant(denied.id, 'expired', h.logger);
      expect(await h.sealQueue.getJob(`seal-${denied.id}-revoke`)).toBeUndefined();
    } finally {
      await ev.cleanup();
    }
  });

  it('Redis refusing the seal job leaves the revoke done, logs a warning and leaves the seal to the sweep', async () => {
    const ev = await folderEvidence();
    const offline = new Redis('redis://127.0.0.1:1', { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0, retryStrategy: () => null });
    offline.on('error', () => undefined);
    const deadQueue = createQueue('seal', offline, { prefix: h.prefix });
    deadQueue.on('error', () => undefined);
    try {
      const r = await h.active();
      expect(await createRevoker(withSealQueue(ev, { queues: { ...h.queues, seal: deadQueue } })).revokeGrant(r.id, 'ended_by_requester', h.logger)).toBe('revoked');
      expect((await h.requests.require(r.id)).state).toBe('revoked');
      expect(await h.platformUsers()).not.toContain(r.resources.dbUser);
      const line = h.logLines().find((l) => l['msg'] === 'evidence seal not queued; the sweep seals it' && l['requestId'] === r.id);
      expect(line).toMatchObject({ label: 'revoke' });
    } finally {
      await deadQueue.close().catch(() => undefined);
      offline.disconnect();
      await ev.cleanup();
    }
  });
});

describe('a reaper that stops at a boundary', () => {
  it.each(REVOKE_STEPS)('after "%s": the next run ends revoked with user, bastion and secret gone and every event once', async (at) => {
    const r = await h.active();
    let crashed = false;
    const onStep = (s: AccessStep, id: string) => {
      if (s === at && id === r.id && !crashed) {
        crashed = true;
        throw new Error(`crash after ${s}`);
      }
    };
    const revoker = createRevoker(depsWith({ onStep }));
    await expect(revoker.revokeGrant(r.id, 'expired', h.logger)).rejects.toThrow(`crash after ${at}`);
    expect(await revoker.revokeGrant(r.id, 'expired', h.logger)).toBe(at === 'revoked' ? 'nothing to revoke: the request is revoked' : 'revoked');
    const revoked = await h.requests.require(r.id);
    expect(revoked.state).toBe('revoked');
    // create, approve, claim, resources, activate, start_revoke, complete_revoke.
    expect(revoked.version).toBe(7);
    expect(await h.platformUsers()).not.toContain(r.resources.dbUser);
    expect(await h.secrets.get(`dbre/access/${r.id}`)).toBeUndefined();
    expect((await h.bastion.record(`fwd-${r.id}`))?.state).toBe('closed');
    expect(await h.kinds(r.id)).toEqual([...PROVISIONED, ...REVOKED]);
    expect(await h.audit.verifyChain(r.id)).toMatchObject({ ok: true, count: PROVISIONED.length + REVOKED.length });
  });

  it('reports each boundary in order with the request id', async () => {
    const r = await h.active();
    const seen: string[] = [];
    await createRevoker(depsWith({ onStep: (s, id) => void seen.push(`${s}:${id}`) })).revokeGrant(r.id, 'expired', h.logger);
    expect(seen).toEqual(REVOKE_STEPS.map((s) => `${s}:${r.id}`));
  });
});

/** Adds a revoke job (replacing one with the same id) and takes it as a worker would, with a lock token. */
async function takeJob(payload: { requestId: string; reason?: string }, jobId = ACCESS_JOB_IDS.revoke(payload.requestId)): Promise<{ job: Job; token: string; release: () => Promise<void> }> {
  await h.queues.revoke.remove(jobId);
  await h.queues.revoke.add('revoke', payload, { jobId });
  const worker = new Worker(h.queues.revoke.name, null, { connection: h.redis, prefix: h.prefix });
  const token = uniqueName('tok');
  for (;;) {
    const job = await worker.getNextJob(token, { block: false });
    if (!job) throw new Error(`job ${jobId} is not waiting`);
    if (job.id === jobId) return { job, token, release: () => worker.close() };
    await job.moveToDelayed(Date.now() + 3_600_000, token);
  }
}

describe('the revoke job processor', () => {
  it('a job firing before an extended end moves itself to the new end, with the warning, the failsafe and the bastion deadline moved', async () => {
    const r = await h.active({ durationMinutes: 10 });
    const endsMs = Date.parse(r.endsAt!);
    const clock = frozen(endsMs - 5000);
    const failsafes: string[] = [];
    const admin = { ...h.admin, scheduleFailsafe: async (_c: unknown, user: string, at: Date) => (failsafes.push(`${user}@${at.toISOString()}`), true) };
    const { job, token, release } = await takeJob({ requestId: r.id });
    try {
      // Scheduled as `expired`, or with no reason at all (an older job): both are the scheduled end.
      const err = await createRevoker(depsWith({ admin, clock: clock.clock })).revokeProcessor({ requestId: r.id }, { job, token, logger: h.logger }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DelayedError);
      const moved = (await h.queues.revoke.getJob(ACCESS_JOB_IDS.revoke(r.id)))!;
      expect(await moved.getState()).toBe('delayed');
      const score = Number(await h.redis.zscore(`${h.prefix}:${h.queues.revoke.name}:delayed`, moved.id!));
      expect(Math.floor(score / 4096)).toBe(endsMs);
      expect((await h.requests.require(r.id)).state).toBe('active');
      expect(failsafes).toEqual([`${r.resources.dbUser}@${new Date(endsMs + 1000).toISOString()}`]);
      expect(extended).toContainEqual({ bastionId: `fwd-${r.id}`, endsAt: r.endsAt });
      // The warning of this end, 2 policy minutes before it.
      expect((await h.queues.warn.getJob(ACCESS_JOB_IDS.warn(r.id, r.endsAt!)))?.delay).toBe(3000);
      expect(h.logText()).toContain('grant was extended; revoke moved to the new end');
    } finally {
      await release();
    }
  });

  it('moves the job even when the failsafe and the bastion deadline cannot be moved (logged), and without a bastion deadline', async () => {
    const r = await h.active({ durationMinutes: 10 });
    const admin = { ...h.admin, scheduleFailsafe: async () => Promise.reject(new Error('no EVENT privilege')) };
    const bastion: Bastion = { ...h.bastion, extend: async () => Promise.reject(new Error('instance gone')) };
    const { job, token, release } = await takeJob({ requestId: r.id, reason: 'expired' });
    try {
      const err = await createRevoker({ ...h.deps, admin, bastion }).revokeProcessor({ requestId: r.id, reason: 'expired' }, { job, token, logger: h.logger }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DelayedError);
    } finally {
      await release();
    }
    const lines = h.logLines().filter((l) => l['requestId'] === r.id);
    expect(lines.find((l) => l['msg'] === 'could not move the failsafe drop event')).toMatchObject({ err: { message: 'no EVENT privilege' } });
    expect(lines.find((l) => l['msg'] === 'could not move the bastion deadline')).toMatchObject({ bastionId: `fwd-${r.id}`, err: { message: 'instance gone' } });
    // The local forwarder has no deadline of its own: nothing to move, the job still moves.
    const s = await h.active({ durationMinutes: 10 });
    const taken = await takeJob({ requestId: s.id, reason: 'expired' });
    try {
      const err = await createRevoker(h.deps).revokeProcessor({ requestId: s.id, reason: 'expired' }, { job: taken.job, token: taken.token, logger: h.logger }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DelayedError);
      expect(extended.filter((e) => e.bastionId === `fwd-${s.id}`)).toEqual([]);
    } finally {
      await taken.release();
    }
  });

  it('a job 21 ms before the end is early and moves itself; at 20 ms it revokes (timer jitter)', async () => {
    const r = await h.active({ durationMinutes: 10 });
    const { job, token, release } = await takeJob({ requestId: r.id, reason: 'expired' });
    try {
      const err = await createRevoker(depsWith({ clock: frozen(Date.parse(r.endsAt!) - 21).clock })).revokeProcessor({ requestId: r.id, reason: 'expired' }, { job, token, logger: h.logger }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DelayedError);
      expect((await h.requests.require(r.id)).state).toBe('active');
    } finally {
      await release();
    }
  });

  it('revokes a job at most 20 ms before the end (timer jitter), and one without a lock token', async () => {
    const r = await h.active({ durationMinutes: 10 });
    const clock = frozen(Date.parse(r.endsAt!) - 20);
    const { job, token, release } = await takeJob({ requestId: r.id });
    try {
      expect(await createRevoker(depsWith({ clock: clock.clock })).revokeProcessor({ requestId: r.id }, { job, token, logger: h.logger })).toBe('revoked');
      expect((await h.requests.require(r.id)).revokeReason).toBe('expired');
    } finally {
      await release();
    }
    const s = await h.active({ durationMinutes: 10 });
    const ctx = await h.jobContext(h.queues.revoke, { requestId: s.id, reason: 'expired' });
    expect(await createRevoker(depsWith()).revokeProcessor({ requestId: s.id, reason: 'expired' }, ctx)).toBe('revoked');
  });

  it('a person’s end is revoked at once with its reason; an unknown reason counts as expired', async () => {
    const r = await h.active({ durationMinutes: 10 });
    const { job, token, release } = await takeJob({ requestId: r.id, reason: 'ended_by_requester' });
    try {
      expect(await createRevoker(depsWith()).revokeProcessor({ requestId: r.id, reason: 'ended_by_requester' }, { job, token, logger: h.logger })).toBe('revoked');
      expect((await h.requests.require(r.id)).revokeReason).toBe('ended_by_requester');
    } finally {
      await release();
    }
    const s = await h.active({ durationMinutes: 10 });
    const ctx2 = await h.jobContext(h.queues.revoke, { requestId: s.id, reason: 'whatever' });
    expect(await createRevoker(depsWith()).revokeProcessor({ requestId: s.id, reason: 'bogus-reason' }, ctx2)).toBe('revoked');
    expect((await h.requests.require(s.id)).revokeReason).toBe('expired');
  });
});

describe('the warning job processor', () => {
  it('warns the requester once with the minutes left and how to extend or end, and records it', async () => {
    const r = await h.active({ durationMinutes: 10 });
    const endsMs = Date.parse(r.endsAt!);
    const clock = frozen(endsMs - 2 * 1000 - 400); // 2.4 policy minutes left: "about 2 min"
    const ctx = await h.jobContext(h.queues.warn, { requestId: r.id, endsAt: r.endsAt! });
    const revoker = createRevoker(depsWith({ clock: clock.clock }));
    expect(await revoker.warnProcessor({ requestId: r.id, endsAt: r.endsAt! }, ctx)).toBe('warned');
    const msg = await h.outbox.get(`warning-${r.id}-${endsMs}`);
    expect(msg).toMatchObject({ kind: 'warning', to: REQUESTER, requestId: r.id, data: { endsAt: r.endsAt, actions: ['extend', 'end'] } });
    expect(msg?.text).toBe(
      `Your access to devdb/${h.database} ends in about 2 min (${r.endsAt}). Extend: POST /v1/access-requests/${r.id}/extend; end now: POST /v1/access-requests/${r.id}/end.`,
    );
    const last = (await h.audit.list(r.id)).at(-1);
    expect(last).toMatchObject({ key: `warned:${r.endsAt}`, kind: 'warned', actor: 'reaper', data: { endsAt: r.endsAt } });
    // The warning changes nothing about the grant.
    expect((await h.requests.require(r.id)).version).toBe(r.version);
    expect(h.logText()).toContain('grant end warned');
    // Twice: one event.
    expect(await revoker.warnProcessor({ requestId: r.id, endsAt: r.endsAt! }, ctx)).toBe('warned');
    expect((await h.kinds(r.id)).filter((k) => k === 'warned')).toHaveLength(1);
  });

  it('a warning fired late says 0 min, never a negative number', async () => {
    const r = await h.active({ durationMinutes: 10 });
    const clock = frozen(Date.parse(r.endsAt!) + 5000);
    const ctx = await h.jobContext(h.queues.warn, { requestId: r.id, endsAt: r.endsAt! });
    await createRevoker(depsWith({ clock: clock.clock })).warnProcessor({ requestId: r.id, endsAt: r.endsAt! }, ctx);
    expect((await h.outbox.get(`warning-${r.id}-${Date.parse(r.endsAt!)}`))?.text).toContain('ends in about 0 min');
  });

  it('a warning for an old end (the grant was extended) or a grant no longer active does nothing', async () => {
    const r = await h.active({ durationMinutes: 10 });
    const ctx = await h.jobContext(h.queues.warn, { requestId: r.id, endsAt: r.endsAt! });
    const old = new Date(Date.parse(r.endsAt!) - 60_000).toISOString();
    const revoker = createRevoker(depsWith());
    expect(await revoker.warnProcessor({ requestId: r.id, endsAt: old }, ctx)).toBe('not applicable any more');
    await revoker.revokeGrant(r.id, 'ended_by_requester', h.logger);
    expect(await revoker.warnProcessor({ requestId: r.id, endsAt: r.endsAt! }, ctx)).toBe('not applicable any more');
    expect(await revoker.warnProcessor({ requestId: '01JACC0000000000000NOTHERE', endsAt: r.endsAt! }, ctx)).toBe('not applicable any more');
    expect(await h.kinds(r.id)).not.toContain('warned');
  });
});
