import { UnrecoverableError, Worker, type Job } from 'bullmq';
import type { AccessRequest } from '@dbre/domain';
import type { Bastion, EvidenceStore } from '@dbre/drivers';
import { buildEvidenceBundle } from '@dbre/evidence';
import { ACCESS_JOB_IDS } from '@dbre/queue';
import type { RequestRepository } from '@dbre/store';
import { uniqueName } from '@dbre/testing';
import { createRevoker, createSweep, type SweepReport, type WorkerDeps } from '../src';
import { folderEvidence, localCluster, onePerPage, REQUESTER, startHarness, withMethods, type Harness } from './harness';

// The periodic sweep, driven from the store alone, against the real store, MariaDB, the forwarder
// bastion and BullMQ. Each test has its own store, user prefix and queues, so each report counts
// exactly what the test made.

const STUCK_MS = 5000;
const NOTHING: SweepReport = { revoked: 0, rescheduled: 0, resumed: 0, compensated: 0, expired: 0, autoApproved: 0, orphanUsers: 0, orphanBastions: 0, evidenceSealed: 0, anchored: 0, errors: 0 };

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
}, 60_000);
afterEach(() => h.close());

function sweepAt(at: number, extra: Partial<WorkerDeps> = {}, options: { amiAlertDays?: number } = {}) {
  const deps: WorkerDeps = { ...h.deps, clock: () => new Date(at), ...extra };
  return createSweep(deps, createRevoker(deps), { stuckAfterMs: STUCK_MS, ...options })(h.logger);
}

/** A request provisioned up to `step`, where a crash would have left it. */
const stoppedAfter = (step: 'claimed' | 'resources' | 'user', input: Record<string, unknown> = {}): Promise<AccessRequest> => h.provisionedUpTo(step, input);

/** Adds the provision job of `requestId` and moves it to completed or failed (its last attempt), as a worker would have. */
async function finishJob(requestId: string, how: 'completed' | 'failed'): Promise<void> {
  const jobId = ACCESS_JOB_IDS.provision(requestId);
  await h.queues.provision.add('provision', { requestId }, { jobId, attempts: 1 });
  const worker = new Worker(h.queues.provision.name, null, { connection: h.redis, prefix: h.prefix });
  try {
    const token = uniqueName('tok');
    const job: Job | undefined = await worker.getNextJob(token, { block: false });
    if (job?.id !== jobId) throw new Error(`expected job ${jobId} to be next, got ${job?.id}`);
    if (how === 'completed') await job.moveToCompleted('done', token, false);
    else await job.moveToFailed(new Error('gave up'), token, false);
  } finally {
    await worker.close();
  }
}

describe('the sweep', () => {
  it('does nothing and logs nothing on a quiet platform', async () => {
    expect(await sweepAt(Date.now())).toEqual(NOTHING);
    expect(h.logText()).not.toContain('sweep acted');
  });

  it('revokes a grant past its end even after Redis lost its revoke job, and leaves one that has not ended', async () => {
    const ended = await h.active({ durationMinutes: 3 });
    const running = await h.active({ durationMinutes: 30 });
    await h.queues.revoke.remove(ACCESS_JOB_IDS.revoke(ended.id));
    const report = await sweepAt(Date.parse(ended.endsAt!) + 1);
    expect(report).toMatchObject({ revoked: 1, errors: 0 });
    expect(await h.requests.require(ended.id)).toMatchObject({ state: 'revoked', revokeReason: 'sweep' });
    expect(await h.platformUsers()).toEqual([running.resources.dbUser]);
    expect((await h.requests.require(running.id)).state).toBe('active');
    expect(h.logLines().find((l) => l['msg'] === 'sweep acted')).toMatchObject({ revoked: 1, errors: 0, rescheduled: 0 });
  });

  it('finishes a revoke that stalled half-way once it is older than the stuck threshold (exclusive), keeping its reason', async () => {
    const r = await h.active({ durationMinutes: 60 });
    const started = await h.requests.applyTransitionOrThrow(r, { type: 'start_revoke', reason: 'ended_by_requester' }, new Date(), [{ key: 'revoke_started', kind: 'revoke_started' }]);
    const at = Date.parse(started.updatedAt);
    expect(await sweepAt(at + STUCK_MS)).toMatchObject({ revoked: 0 });
    expect((await h.requests.require(r.id)).state).toBe('revoking');
    expect(await sweepAt(at + STUCK_MS + 1)).toMatchObject({ revoked: 1, errors: 0 });
    expect(await h.requests.require(r.id)).toMatchObject({ state: 'revoked', revokeReason: 'ended_by_requester' });
    expect(await h.platformUsers()).toEqual([]);
  });

  it('a stalled revoke past its end is revoked once, not twice', async () => {
    const r = await h.active({ durationMinutes: 3 });
    await h.requests.applyTransitionOrThrow(r, { type: 'start_revoke', reason: 'expired' }, new Date(), [{ key: 'revoke_started', kind: 'revoke_started' }]);
    const report = await sweepAt(Date.parse(r.endsAt!) + STUCK_MS * 10);
    expect(report).toMatchObject({ revoked: 1, errors: 0 });
    expect((await h.kinds(r.id)).filter((k) => k === 'revoked')).toHaveLength(1);
  });

  it('gives an active grant back its revoke and warning jobs after Redis lost them; counts only a missing revoke job', async () => {
    const r = await h.active({ durationMinutes: 30 });
    await h.queues.revoke.remove(ACCESS_JOB_IDS.revoke(r.id));
    await h.queues.warn.remove(ACCESS_JOB_IDS.warn(r.id, r.endsAt!));
    const now = Date.now();
    expect(await sweepAt(now)).toEqual({ ...NOTHING, rescheduled: 1 });
    const revoke = await h.queues.revoke.getJob(ACCESS_JOB_IDS.revoke(r.id));
    expect(revoke?.data).toEqual({ requestId: r.id, reason: 'expired' });
    expect(revoke?.delay).toBe(Date.parse(r.endsAt!) - now);
    expect(await h.queues.warn.getJob(ACCESS_JOB_IDS.warn(r.id, r.endsAt!))).toBeDefined();
    // Nothing lost: nothing counted.
    await h.queues.warn.remove(ACCESS_JOB_IDS.warn(r.id, r.endsAt!));
    expect(await sweepAt(now)).toEqual(NOTHING);
    expect(await h.queues.warn.getJob(ACCESS_JOB_IDS.warn(r.id, r.endsAt!))).toBeDefined();
  });

  it('re-creates the delayed provision job of a scheduled start that Redis lost, delayed to the start', async () => {
    const start = Date.now() + 600_000;
    const r = await h.approved({ startAt: new Date(start).toISOString() });
    const now = Date.now();
    expect(await sweepAt(now)).toEqual({ ...NOTHING, rescheduled: 1 });
    const job = await h.queues.provision.getJob(ACCESS_JOB_IDS.provision(r.id));
    expect(await job?.getState()).toBe('delayed');
    expect(job?.delay).toBe(start - now);
    // There now: left alone, even long after the approval (not stuck: it waits for its start).
    expect(await sweepAt(now + STUCK_MS * 10)).toEqual(NOTHING);
    expect(h.logLines().filter((l) => l['msg'] === 'scheduled provisioning re-created').map((l) => [l['requestId'], l['startAt']])).toEqual([[r.id, r.startAt]]);
  });

  it('a scheduled start that passed while its job was lost is provisioned at once, not a stuck-threshold later', async () => {
    const start = Date.now() + 60_000;
    const r = await h.approved({ startAt: new Date(start).toISOString() });
    expect(await sweepAt(start + 1)).toEqual({ ...NOTHING, rescheduled: 1 });
    const job = await h.queues.provision.getJob(ACCESS_JOB_IDS.provision(r.id));
    expect(await job?.getState()).toBe('waiting');
    // Due and its job is there: step 3 judges it, and a waiting job is nobody's to resume.
    expect(await sweepAt(start + STUCK_MS * 1000)).toEqual(NOTHING);
  });

  it('a scheduled job that finished before the start (fired early) is replaced by a delayed one', async () => {
    const start = Date.now() + 600_000;
    const r = await h.approved({ startAt: new Date(start).toISOString() });
    await finishJob(r.id, 'completed');
    const now = Date.now();
    expect(await sweepAt(now)).toEqual({ ...NOTHING, rescheduled: 1 });
    const job = await h.queues.provision.getJob(ACCESS_JOB_IDS.provision(r.id));
    expect(await job?.getState()).toBe('delayed');
    expect(job?.delay).toBe(start - now);
    expect((await h.requests.require(r.id)).state).toBe('approved');
  });

  it('a due scheduled start whose job failed is judged as stuck: compensated once past the threshold', async () => {
    const start = Date.now() + 60_000;
    const r = await h.approved({ startAt: new Date(start).toISOString() });
    await finishJob(r.id, 'failed');
    expect(await sweepAt(Date.parse(r.updatedAt) + STUCK_MS + start - Date.now() + 1)).toMatchObject({ rescheduled: 0, compensated: 1 });
    expect(await h.requests.require(r.id)).toMatchObject({ state: 'failed', failureReason: 'provisioning stopped (job failed) and was not finished' });
  });

  it('a scheduled start whose job is already waiting (added without its delay) is left to that job', async () => {
    const start = Date.now() + 600_000;
    const r = await h.approved({ startAt: new Date(start).toISOString() });
    await h.queues.provision.add('provision', { requestId: r.id }, { jobId: ACCESS_JOB_IDS.provision(r.id) });
    expect(await sweepAt(Date.now())).toEqual(NOTHING);
    expect(await (await h.queues.provision.getJob(ACCESS_JOB_IDS.provision(r.id)))?.getState()).toBe('waiting');
  });

  it('resumes provisioning stuck past the threshold whose job was lost, from where it stopped', async () => {
    const r = await stoppedAfter('resources');
    await h.queues.provision.remove(ACCESS_JOB_IDS.provision(r.id));
    const at = Date.parse(r.updatedAt);
    expect(await sweepAt(at + STUCK_MS)).toEqual(NOTHING);
    expect(await sweepAt(at + STUCK_MS + 1)).toEqual({ ...NOTHING, resumed: 1 });
    const job = await h.queues.provision.getJob(ACCESS_JOB_IDS.provision(r.id));
    expect(job?.data).toEqual({ requestId: r.id });
    expect(await job?.getState()).toBe('waiting');
    expect(h.logLines().filter((l) => l['msg'] === 'stuck provisioning resumed').map((l) => l['requestId'])).toEqual([r.id]);
    // An approved request whose job was lost is resumed too.
    const a = await h.approved();
    expect(await sweepAt(Date.parse(a.updatedAt) + STUCK_MS + 1)).toMatchObject({ resumed: 1 });
    expect(await h.queues.provision.getJob(ACCESS_JOB_IDS.provision(a.id))).toBeDefined();
  });

  it('compensates stuck provisioning whose job finished (failed or completed) without finishing it', async () => {
    const failed = await stoppedAfter('user');
    await finishJob(failed.id, 'failed');
    const completed = await stoppedAfter('claimed');
    await finishJob(completed.id, 'completed');
    const report = await sweepAt(Math.max(Date.parse(failed.updatedAt), Date.parse(completed.updatedAt)) + STUCK_MS + 1);
    expect(report).toEqual({ ...NOTHING, compensated: 2 });
    expect(await h.requests.require(failed.id)).toMatchObject({ state: 'failed', failureReason: 'provisioning stopped (job failed) and was not finished' });
    expect(await h.requests.require(completed.id)).toMatchObject({ state: 'failed', failureReason: 'provisioning stopped (job completed) and was not finished' });
    expect(await h.platformUsers()).toEqual([]);
  });

  it('leaves stuck provisioning alone while its job still waits or runs', async () => {
    const r = await stoppedAfter('claimed');
    await h.queues.provision.add('provision', { requestId: r.id }, { jobId: ACCESS_JOB_IDS.provision(r.id), delay: 60_000 });
    expect(await sweepAt(Date.parse(r.updatedAt) + STUCK_MS + 1)).toEqual(NOTHING);
    expect((await h.requests.require(r.id)).state).toBe('provisioning');
  });

  it('expires a request nobody reviewed in time and tells the requester; one still in its window is left', async () => {
    const old = await h.requested();
    const fresh = await h.requested({}, new Date(Date.parse(old.requestedAt) + 10_000));
    const at = Date.parse(old.reviewExpiresAt);
    expect(await sweepAt(at)).toEqual({ ...NOTHING, expired: 1 });
    expect((await h.requests.require(old.id)).state).toBe('expired');
    expect((await h.requests.require(fresh.id)).state).toBe('requested');
    expect((await h.audit.list(old.id)).at(-1)).toMatchObject({ kind: 'expired', actor: 'reaper', data: { reviewExpiresAt: old.reviewExpiresAt } });
    const told = await h.outbox.get(`expired-${old.id}`);
    expect(told).toMatchObject({ kind: 'expired', to: REQUESTER, requestId: old.id });
    expect(told?.text).toBe(`Your access request ${old.id} expired: nobody reviewed it in time. Ask again if you still need access.`);
    expect(await sweepAt(at - 1 + 10_000)).toEqual(NOTHING);
  });

  it('approves a request a policy rule covers whose creation stopped before approving it, and reminds approvers Redis forgot', async () => {
    await h.close();
    h = await startHarness({ policy: { autoApprove: [{ id: 'dev-read', environments: ['dev'], profiles: ['read'], maxMinutes: 10 }], renotify: { afterMinutes: 10, backoff: 1, max: 3 } } });
    const covered = await h.requested({ durationMinutes: 5 });
    const long = await h.requested({ durationMinutes: 30 }); // longer than the rule approves: people decide
    expect(await sweepAt(Date.now())).toEqual({ ...NOTHING, autoApproved: 1 });
    expect(await h.requests.require(covered.id)).toMatchObject({ state: 'approved' });
    expect((await h.audit.list(covered.id)).at(-1)).toMatchObject({ kind: 'approved', actor: 'policy:dev-read' });
    expect(await h.queues.provision.getJob(ACCESS_JOB_IDS.provision(covered.id))).toBeDefined();
    expect((await h.requests.require(long.id)).state).toBe('requested');
    // The first reminder of the one people decide, 10 policy minutes after it was asked.
    const reminder = await h.queues.renotify!.getJob(ACCESS_JOB_IDS.renotify(long.id, 1));
    expect(reminder?.data).toEqual({ requestId: long.id, attempt: 1 });
    expect(await h.queues.renotify!.getJob(ACCESS_JOB_IDS.renotify(covered.id, 1))).toBeUndefined();
  });

  it('drops platform users no live request holds (orphans), keeps those of live grants and ignores other prefixes', async () => {
    const live = await h.active({ durationMinutes: 30 });
    const orphan = `${h.userPrefix}orphan_1`;
    const foreign = `${uniqueName('zz')}_x`;
    for (const u of [orphan, foreign]) await h.root.query('CREATE USER ?@? IDENTIFIED BY ?', [u, '%', 'Orphan-pass-1234']);
    try {
      expect(await sweepAt(Date.now())).toEqual({ ...NOTHING, orphanUsers: 1 });
      expect(await h.platformUsers()).toEqual([live.resources.dbUser]);
      const [rows] = await h.root.query('SELECT User FROM mysql.user WHERE User = ?', [foreign]);
      expect(rows).toHaveLength(1);
      expect(h.logLines().some((l) => l['msg'] === 'orphan platform user removed' && l['dbUser'] === orphan && l['clusterId'] === 'devdb')).toBe(true);
    } finally {
      await h.root.query('DROP USER IF EXISTS ?@?', [foreign, '%']);
    }
  });

  it('keeps the user of provisioning in progress and of a half-done revoke', async () => {
    const provisioning = await stoppedAfter('user');
    await h.queues.provision.add('provision', { requestId: provisioning.id }, { jobId: ACCESS_JOB_IDS.provision(provisioning.id), delay: 60_000 });
    const grant = await h.active({ durationMinutes: 30 });
    await h.requests.applyTransitionOrThrow(grant, { type: 'start_revoke', reason: 'ended_by_requester' }, new Date());
    expect(await sweepAt(Date.now())).toEqual(NOTHING);
    expect(await h.platformUsers()).toEqual([grant.resources.dbUser, provisioning.resources.dbUser].sort());
  });

  it('closes bastions no live request holds, recording it on the request; keeps live and approved ones', async () => {
    const done = await h.active({ durationMinutes: 30 });
    await createRevoker(h.deps).revokeGrant(done.id, 'ended_by_requester', h.logger);
    // A bastion reopened for a finished request (e.g. by a late retry), and one for no request at all.
    await h.bastion.close(`fwd-${done.id}`);
    const target = { host: '127.0.0.1', port: 3306 };
    const endsAt = new Date(Date.now() + 60_000);
    const late = await h.approved();
    await h.bastion.open({ requestId: late.id, requester: REQUESTER, clusterId: 'devdb', target, endsAt });
    await h.requests.applyTransitionOrThrow(late, { type: 'fail', reason: 'x' }, new Date());
    const ghost = '01JACC0000000000000000GH0S';
    await h.bastion.open({ requestId: ghost, requester: REQUESTER, clusterId: 'devdb', target, endsAt });
    const waiting = await h.approved();
    await h.bastion.open({ requestId: waiting.id, requester: REQUESTER, clusterId: 'devdb', target, endsAt });
    const live = await h.active({ durationMinutes: 30 });

    expect(await sweepAt(Date.now())).toEqual({ ...NOTHING, orphanBastions: 2 });
    expect((await h.bastion.record(`fwd-${late.id}`))?.state).toBe('closed');
    expect((await h.bastion.record(`fwd-${ghost}`))?.state).toBe('closed');
    expect((await h.bastion.record(`fwd-${waiting.id}`))?.state).toBe('open');
    expect((await h.bastion.record(`fwd-${live.id}`))?.state).toBe('open');
    expect((await h.audit.list(late.id)).at(-1)).toMatchObject({ key: `orphan_removed:fwd-${late.id}`, kind: 'orphan_removed', actor: 'reaper', data: { bastionId: `fwd-${late.id}` } });
    expect(h.logLines().some((l) => l['msg'] === 'orphan bastion removed' && l['bastionId'] === `fwd-${ghost}`)).toBe(true);
  });

  it('a step that fails is counted and logged, and the sweep goes on with the rest', async () => {
    h.clusters.set('brief', localCluster('brief'));
    const stranded = await h.active({ clusterId: 'brief', durationMinutes: 3 });
    h.clusters.delete('brief');
    const ended = await h.active({ durationMinutes: 3 });
    const report = await sweepAt(Math.max(Date.parse(stranded.endsAt!), Date.parse(ended.endsAt!)) + 1);
    expect(report).toMatchObject({ revoked: 1, errors: 1 });
    expect((await h.requests.require(ended.id)).state).toBe('revoked');
    expect((await h.requests.require(stranded.id)).state).toBe('revoking');
    const line = h.logLines().find((l) => l['msg'] === 'sweep step failed; the next sweep retries');
    expect(line).toMatchObject({ requestId: stranded.id, what: 'revoke', err: { message: `cluster brief is not in the inventory: user ${stranded.resources.dbUser} cannot be dropped until it is back` } });
    await h.root.query('DROP USER IF EXISTS ?@?', [stranded.resources.dbUser!, '%']);
  });

  it('a cluster whose users cannot be listed is an error; the other clusters are still swept', async () => {
    h.clusters.set('unreachable', localCluster('unreachable', 'dev', { endpoint: { host: '127.0.0.1', port: 1 } }));
    const orphan = `${h.userPrefix}orphan_2`;
    await h.root.query('CREATE USER ?@? IDENTIFIED BY ?', [orphan, '%', 'Orphan-pass-1234']);
    expect(await sweepAt(Date.now())).toEqual({ ...NOTHING, orphanUsers: 1, errors: 1 });
    expect(h.logLines().some((l) => l['msg'] === 'sweep step failed; the next sweep retries' && l['what'] === 'list-users')).toBe(true);
  });

  it('deletes the security groups of terminated bastions where the driver has them (AWS)', async () => {
    const calls: string[] = [];
    const bastion: Bastion = { ...h.bastion, deleteOrphanGroups: async () => (calls.push('groups'), ['sg-0aaa', 'sg-0bbb']) };
    expect(await sweepAt(Date.now(), { bastion })).toEqual(NOTHING);
    expect(calls).toEqual(['groups']);
    expect(h.logLines().find((l) => l['msg'] === 'security groups of terminated bastions deleted')).toMatchObject({ groups: ['sg-0aaa', 'sg-0bbb'] });
    const none: Bastion = { ...h.bastion, deleteOrphanGroups: async () => [] };
    const before = h.logLines().length;
    await sweepAt(Date.now(), { bastion: none });
    expect(h.logLines().slice(before).some((l) => l['msg'] === 'security groups of terminated bastions deleted')).toBe(false);
    const failing: Bastion = { ...h.bastion, deleteOrphanGroups: async () => Promise.reject(new Error('DependencyViolation')) };
    expect(await sweepAt(Date.now(), { bastion: failing })).toEqual({ ...NOTHING, errors: 1 });
  });

  it('flags bastions on an image older than the alert threshold (30 days unless configured)', async () => {
    const bastion: Bastion = { ...h.bastion, amiAges: async () => [{ bastionId: 'i-0abc', requestId: 'r', region: 'eu-west-1', imageId: 'ami-1', ageDays: 31, newest: true }] };
    expect(await sweepAt(Date.now(), { bastion })).toEqual(NOTHING);
    expect(h.logLines().filter((l) => l['msg'] === 'bastions on an old or superseded image').map((l) => l['alertDays'])).toEqual([30]);
    await sweepAt(Date.now(), { bastion }, { amiAlertDays: 40 });
    expect(h.logLines().filter((l) => l['msg'] === 'bastions on an old or superseded image')).toHaveLength(1);
  });

  it('a bundle planted under a request’s key is an error, never sealed', async () => {
    const ev = await folderEvidence();
    try {
      const r = await h.active({ durationMinutes: 30 });
      await createRevoker(h.deps).revokeGrant(r.id, 'ended_by_requester', h.logger);
      const planted = buildEvidenceBundle({ label: 'revoke', request: await h.requests.require(r.id), events: [] });
      await ev.store.put(`evidence/${r.id}/revoke.json`, planted.bytes, { contentType: 'application/json', sha256: planted.sha256 });
      const report = await sweepAt(Date.now(), { evidence: ev.evidence });
      expect(report).toMatchObject({ evidenceSealed: 0, errors: 1 });
      expect(await h.kinds(r.id)).not.toContain('evidence_sealed');
    } finally {
      await ev.cleanup();
    }
  });

  it('leaves a seal still queued to its job, and seals one whose job is gone or failed', async () => {
    const ev = await folderEvidence();
    try {
      const queues = { ...h.queues, seal: h.sealQueue };
      const r = await h.active({ durationMinutes: 30 });
      await createRevoker({ ...h.deps, queues, evidence: ev.evidence }).revokeGrant(r.id, 'ended_by_requester', h.logger);
      expect(await (await h.sealQueue.getJob(`seal-${r.id}-revoke`))?.getState()).toBe('waiting');
      expect(await sweepAt(Date.now(), { queues, evidence: ev.evidence })).toMatchObject({ evidenceSealed: 0, errors: 0 });
      expect(await h.kinds(r.id)).not.toContain('evidence_sealed');

      // The job failed for good (its attempts spent): the sweep seals.
      const worker = new Worker(h.sealQueue.name, null, { connection: h.redis, prefix: h.prefix });
      try {
        const token = uniqueName('tok');
        const job: Job | undefined = await worker.getNextJob(token, { block: false });
        expect(job?.id).toBe(`seal-${r.id}-revoke`);
        await job!.moveToFailed(new UnrecoverableError('audit log unreadable'), token, false); // no retry left
      } finally {
        await worker.close();
      }
      expect(await sweepAt(Date.now(), { queues, evidence: ev.evidence })).toMatchObject({ evidenceSealed: 1, errors: 0 });
      expect((await h.audit.list(r.id)).at(-1)).toMatchObject({ kind: 'evidence_sealed', key: 'evidence_sealed:revoke' });
    } finally {
      await ev.cleanup();
    }
  });

  it('seals the evidence a crash left unsealed and anchors the chain heads', async () => {
    const ev = await folderEvidence();
    try {
      const r = await h.active({ durationMinutes: 30 });
      await createRevoker(h.deps).revokeGrant(r.id, 'ended_by_requester', h.logger); // no evidence deps: not sealed
      const report = await sweepAt(Date.now(), { evidence: ev.evidence });
      expect(report).toEqual({ ...NOTHING, evidenceSealed: 1, anchored: 1 });
      expect((await h.audit.list(r.id)).at(-1)).toMatchObject({ kind: 'evidence_sealed', key: 'evidence_sealed:revoke', actor: 'reaper' });
      const anchored = h.logLines().find((l) => l['msg'] === 'chain heads anchored');
      expect(anchored?.['heads']).toBe(1);
      expect(await ev.store.get(anchored?.['key'] as string)).toBeDefined();
      // Nothing new: nothing sealed, nothing anchored.
      expect(await sweepAt(Date.now(), { evidence: ev.evidence })).toEqual(NOTHING);
    } finally {
      await ev.cleanup();
    }
  });

  it('reads every page of each state it sweeps', async () => {
    const a = await h.active({ durationMinutes: 30 });
    const b = await h.active({ durationMinutes: 30 });
    for (const r of [a, b]) await h.queues.revoke.remove(ACCESS_JOB_IDS.revoke(r.id));
    // One request per page: the sweep must follow the cursor to the end.
    expect(await sweepAt(Date.now(), { requests: onePerPage(h.requests) })).toEqual({ ...NOTHING, rescheduled: 2 });
  });

  it('keeps the bastion of a request that became live after the sweep listed the live ones', async () => {
    const provisioning = await stoppedAfter('resources');
    const active = await h.active({ durationMinutes: 30 });
    const revoking = await h.active({ durationMinutes: 30 });
    await h.requests.applyTransitionOrThrow(revoking, { type: 'start_revoke', reason: 'ended_by_requester' }, new Date());
    const moved = new Set([provisioning.id, active.id, revoking.id]);
    // The listing is older than these three moves: only the re-read of each bastion's request sees them.
    const stale = { ...h.requests, listByState: async (state: AccessRequest['state'], o: Parameters<RequestRepository['listByState']>[1] = {}) => {
      const page = await h.requests.listByState(state, o);
      return { ...page, items: page.items.filter((r) => !moved.has(r.id)) };
    } } as RequestRepository;
    const admin = { ...h.deps.admin, listPlatformUsers: async () => [] };
    expect(await sweepAt(Date.now(), { requests: stale, admin })).toEqual(NOTHING);
    for (const r of [provisioning, active, revoking]) expect((await h.bastion.record(`fwd-${r.id}`))?.state).toBe('open');
  });

  it('names the step that failed in each warning, and goes on through every step', async () => {
    await h.close();
    h = await startHarness({ policy: { autoApprove: [{ id: 'dev-read', environments: ['dev'], profiles: ['read'], maxMinutes: 10 }], renotify: { afterMinutes: 10, backoff: 1, max: 3 } }, clusters: [localCluster('other')] });
    const ev = await folderEvidence();
    try {
      const sealed = await h.active({ durationMinutes: 30 });
      await createRevoker(h.deps).revokeGrant(sealed.id, 'ended_by_requester', h.logger); // revoked, its evidence not sealed
      const ended = await h.active({ durationMinutes: 3 });
      const running = await h.active({ durationMinutes: 30 });
      await h.approved({ startAt: new Date(Date.now() + 600_000).toISOString() });
      await h.approved();
      await h.requested({ durationMinutes: 5 }); // the rule approves it
      await h.requested({ durationMinutes: 30 }); // people decide: a reminder
      await h.requested({ durationMinutes: 30 }, new Date(Date.now() - 7_200_000)); // nobody reviewed it in time
      const down = (what: string) => async () => {
        throw new Error(`${what} is down`);
      };
      const requests = { ...h.requests, update: down('DynamoDB') } as RequestRepository;
      const deps: WorkerDeps = {
        ...h.deps,
        requests,
        clock: () => new Date(Date.now() + 10_000),
        queues: { ...h.queues, revoke: withMethods(h.queues.revoke, { getJob: down('Redis') }), provision: withMethods(h.queues.provision, { getJob: down('Redis') }), renotify: withMethods(h.queues.renotify, { add: down('Redis') }) },
        admin: { ...h.deps.admin, listPlatformUsers: async (c) => (c.id === 'other' ? down('MySQL')() : [`${h.userPrefix}ghost`]), revokeUser: down('MySQL') },
        bastion: { ...h.bastion, list: async () => [{ bastionId: 'fwd-ghost', requestId: '01JACC0000000000000000GH0S', createdAt: new Date() }], close: down('EC2'), deleteOrphanGroups: down('EC2'), amiAges: down('EC2') },
        evidence: { ...ev.evidence, store: { ...ev.store, put: down('S3'), list: down('S3') } as EvidenceStore },
      };
      const revoker = { ...createRevoker(deps), revokeGrant: down('the cluster') };
      const report = await createSweep(deps, revoker, { stuckAfterMs: STUCK_MS })(h.logger);
      expect(report).toEqual({ ...NOTHING, errors: 14 });
      const failed = () => h.logLines().filter((l) => l['msg'] === 'sweep step failed; the next sweep retries');
      expect(failed().map((l) => l['what'])).toEqual([
        'revoke',
        'reschedule',
        'reschedule-start',
        'stuck-provisioning',
        'expire', // requests are listed oldest first
        'auto-approve',
        'renotify',
        'list-users',
        'orphan-user',
        'orphan-bastion',
        'orphan-groups',
        'ami-ages',
        'evidence-revoke',
        'anchor',
      ]);
      expect(failed().find((l) => l['what'] === 'revoke')).toMatchObject({ requestId: ended.id, err: { message: 'the cluster is down' } });
      expect(failed().find((l) => l['what'] === 'reschedule')?.['requestId']).toBe(running.id);
      expect(failed().find((l) => l['what'] === 'evidence-revoke')?.['requestId']).toBe(sealed.id);

      // The list of evidence to seal failing is its own step.
      const before = failed().length;
      const listing = { ...h.requests, listByState: (state: AccessRequest['state'], o: Parameters<RequestRepository['listByState']>[1] = {}) => (o.updatedAfter ? down('DynamoDB')() : h.requests.listByState(state, o)) } as RequestRepository;
      await sweepAt(Date.now(), { requests: listing, evidence: ev.evidence });
      expect(failed().slice(before).map((l) => l['what'])).toEqual(['evidence-list']);
    } finally {
      await ev.cleanup();
    }
  });
});
