import type { AccessRequest, RequestState } from '@dbre/domain';
import { ACCESS_JOB_IDS, enqueue } from '@dbre/queue';
import type { Logger } from '@dbre/service-kit';
import { createCompensation } from './compensate';
import { clockOf, type WorkerDeps } from './deps';
import { createEvidenceSteps } from './evidence';
import type { Revoker } from './revoke';
import { autoApprovalFor, autoApprove, remindersSent, scheduleRenotify } from './renotify';
import { scheduleGrant, scheduleProvisioning } from './schedule';
import { refreshAmiAges } from './bastion-images';

export interface SweepOptions {
  /** Provisioning (or approval without a job) untouched this long is stuck. */
  stuckAfterMs: number;
  /** AWS bastions: images older than this many days (or not the newest) are flagged (default 30). */
  amiAlertDays?: number;
}

export interface SweepReport {
  revoked: number;
  rescheduled: number;
  resumed: number;
  compensated: number;
  expired: number;
  /** Requests a policy rule approved here because their creation stopped before it could. */
  autoApproved: number;
  orphanUsers: number;
  orphanBastions: number;
  /** Evidence bundles sealed (a revoke left unsealed by a crash, or the `final` one after settling). */
  evidenceSealed: number;
  /** Anchor manifests written (0 or 1). */
  anchored: number;
  errors: number;
}

/**
 * The periodic sweep, driven from DynamoDB alone (Redis may have lost every job): revokes every
 * grant past its end, re-creates missing revoke/warning jobs, resumes or compensates stuck
 * provisioning, expires unreviewed requests, removes orphan users and bastions.
 */
export function createSweep(deps: WorkerDeps, revoker: Revoker, options: SweepOptions) {
  const clock = clockOf(deps);
  const compensation = createCompensation(deps);
  const evidence = deps.evidence ? createEvidenceSteps(deps, deps.evidence, 'reaper') : undefined;

  async function all(state: RequestState, updatedBefore?: Date): Promise<AccessRequest[]> {
    const out: AccessRequest[] = [];
    let cursor: string | undefined;
    do {
      const page = await deps.requests.listByState(state, { ...(cursor ? { cursor } : {}), ...(updatedBefore ? { updatedBefore } : {}) });
      out.push(...page.items);
      cursor = page.cursor;
    } while (cursor);
    return out;
  }

  return async function sweep(logger: Logger): Promise<SweepReport> {
    const report: SweepReport = { revoked: 0, rescheduled: 0, resumed: 0, compensated: 0, expired: 0, autoApproved: 0, orphanUsers: 0, orphanBastions: 0, evidenceSealed: 0, anchored: 0, errors: 0 };
    const now = clock();
    const attempt = async (what: string, requestId: string | undefined, fn: () => Promise<void>) => {
      try {
        await fn();
      } catch (err) {
        report.errors++;
        logger.warn({ requestId, what, err: { message: (err as Error).message } }, 'sweep step failed; the next sweep retries');
      }
    };

    // 1. Every grant past its end (active or half-revoked), and revokes started early that stalled.
    const overdue = await deps.requests.listGrantsEndingBefore(now);
    const stalledRevokes = (await all('revoking', new Date(now.getTime() - options.stuckAfterMs))).filter((r) => !overdue.some((o) => o.id === r.id));
    await Promise.all(
      [...overdue, ...stalledRevokes].map((r) =>
        attempt('revoke', r.id, async () => {
          if ((await revoker.revokeGrant(r.id, 'sweep', logger)) === 'revoked') report.revoked++;
        }),
      ),
    );

    // 2. Active grants keep their delayed revoke (and warning) jobs, even after Redis lost them.
    for (const r of await all('active')) {
      if (!r.endsAt || Date.parse(r.endsAt) <= now.getTime()) continue;
      await attempt('reschedule', r.id, async () => {
        const existing = await deps.queues.revoke.getJob(ACCESS_JOB_IDS.revoke(r.id));
        if (!existing) report.rescheduled++;
        await scheduleGrant(deps, r);
      });
    }

    // 3a. Approved requests waiting for their scheduled start keep their delayed provision job, even after Redis lost it.
    //     Once the start has passed, a lost job is added at once (not a stuck-threshold later: the approval may be days old).
    const waitingForStart = new Set<string>();
    for (const r of await all('approved')) {
      if (!r.startAt) continue;
      const due = Date.parse(r.startAt) <= now.getTime();
      if (!due) waitingForStart.add(r.id);
      await attempt('reschedule-start', r.id, async () => {
        const jobId = ACCESS_JOB_IDS.provision(r.id);
        const job = await deps.queues.provision.getJob(jobId);
        const state = job ? await job.getState() : 'missing';
        if (due && state !== 'missing' && state !== 'unknown') return; // running, or finished: step 3 judges it
        if (state === 'delayed' || state === 'waiting' || state === 'active' || state === 'prioritized') return;
        if (job) await job.remove(); // completed or failed before the start: nothing was provisioned yet
        await scheduleProvisioning(deps, r);
        if (due) waitingForStart.add(r.id);
        report.rescheduled++;
        logger.info({ requestId: r.id, startAt: r.startAt }, 'scheduled provisioning re-created');
      });
    }

    // 3. Approved or provisioning requests nobody is working on.
    const stuckBefore = new Date(now.getTime() - options.stuckAfterMs);
    for (const r of [...(await all('approved', stuckBefore)), ...(await all('provisioning', stuckBefore))]) {
      if (waitingForStart.has(r.id)) continue;
      await attempt('stuck-provisioning', r.id, async () => {
        const jobId = ACCESS_JOB_IDS.provision(r.id);
        const job = await deps.queues.provision.getJob(jobId);
        const state = job ? await job.getState() : 'missing';
        if (state === 'failed' || state === 'completed') {
          if ((await compensation.compensate(r.id, `provisioning stopped (job ${state}) and was not finished`, logger)) === 'compensated') report.compensated++;
        } else if (state === 'missing' || state === 'unknown') {
          await enqueue(deps.queues.provision, { requestId: r.id }, { jobId });
          report.resumed++;
          logger.info({ requestId: r.id }, 'stuck provisioning resumed');
        }
      });
    }

    // 4. Requests waiting: a policy rule's approval that creation did not finish, reminders Redis
    //    lost (deterministic job ids: a no-op when the job is there), and those nobody reviewed in time.
    for (const r of await all('requested')) {
      const rule = autoApprovalFor(deps, r);
      if (rule) {
        await attempt('auto-approve', r.id, async () => {
          if ((await autoApprove(deps, r, rule, logger)).state === 'approved') report.autoApproved++;
        });
        continue;
      }
      if (Date.parse(r.reviewExpiresAt) > now.getTime()) {
        await attempt('renotify', r.id, async () => void (await scheduleRenotify(deps, r, remindersSent(r) + 1)));
        continue;
      }
      await attempt('expire', r.id, async () => {
        const done = await deps.requests.update(
          r,
          (current) => (current.state === 'requested' && Date.parse(current.reviewExpiresAt) <= now.getTime() ? { event: { type: 'expire' }, audit: [{ key: 'expired', kind: 'expired', actor: 'reaper', data: { reviewExpiresAt: current.reviewExpiresAt } }] } : undefined),
          () => now,
        );
        if (!done.changed) return;
        await deps.notifier.send({ id: `expired-${r.id}`, kind: 'expired', to: r.requester.email, requestId: r.id, text: `Your access request ${r.id} expired: nobody reviewed it in time. Ask again if you still need access.` });
        report.expired++;
      });
    }

    // 5. Orphans. Users are listed before the requests are read: a user created after the list is not looked at,
    //    and one created before it has its name recorded already (the provisioner records the name first).
    const clusters = await deps.inventory.list();
    const usersByCluster = new Map<string, string[]>();
    for (const c of clusters) {
      await attempt('list-users', undefined, async () => {
        usersByCluster.set(c.id, await deps.admin.listPlatformUsers(c));
      });
    }
    const holding = [...(await all('provisioning')), ...(await all('active')), ...(await all('revoking'))];
    // By name alone: two inventory entries may reach the same server (aliases), and names carry a per-request suffix.
    const owned = new Set(holding.map((r) => r.resources.dbUser).filter((u): u is string => u !== undefined));
    for (const c of clusters) {
      for (const user of usersByCluster.get(c.id) ?? []) {
        if (owned.has(user)) continue;
        await attempt('orphan-user', undefined, async () => {
          await deps.admin.revokeUser(c, user);
          report.orphanUsers++;
          logger.warn({ clusterId: c.id, dbUser: user }, 'orphan platform user removed');
        });
      }
    }
    const holdingIds = new Set(holding.map((r) => r.id));
    for (const b of await deps.bastion.list()) {
      if (holdingIds.has(b.requestId)) continue;
      await attempt('orphan-bastion', b.requestId, async () => {
        // Inside the attempt: a quarantined record throws here and must not stop the sweep.
        const r = await deps.requests.get(b.requestId);
        if (r && (r.state === 'provisioning' || r.state === 'active' || r.state === 'revoking' || r.state === 'approved')) return;
        await deps.bastion.close(b.bastionId);
        if (r) await deps.requests.update(r, () => ({ audit: [{ key: `orphan_removed:${b.bastionId}`, kind: 'orphan_removed', actor: 'reaper', data: { bastionId: b.bastionId } }] }), clock);
        report.orphanBastions++;
        logger.warn({ requestId: b.requestId, bastionId: b.bastionId }, 'orphan bastion removed');
      });
    }
    // AWS: groups of terminated bastions (left attached during termination), and the AMI-age gauges.
    const deleteOrphanGroups = deps.bastion.deleteOrphanGroups?.bind(deps.bastion);
    if (deleteOrphanGroups) {
      await attempt('orphan-groups', undefined, async () => {
        const deleted = await deleteOrphanGroups();
        if (deleted.length) logger.info({ groups: deleted }, 'security groups of terminated bastions deleted');
      });
    }
    await attempt('ami-ages', undefined, async () => void (await refreshAmiAges(deps.bastion, options.amiAlertDays ?? 30, logger)));
    // 6. Evidence the lifecycle did not seal (a crash after revoke) or that has settled (`final`), then the anchor.
    if (evidence) {
      const touched: string[] = [];
      let pending: Awaited<ReturnType<typeof evidence.missing>> = [];
      await attempt('evidence-list', undefined, async () => {
        pending = await evidence.missing(now);
      });
      for (const { id, label } of pending) {
        await attempt(`evidence-${label}`, id, async () => {
          if (await evidence.sealQueued(id, label)) return;
          const outcome = await evidence.seal(id, label, logger);
          if (outcome === 'sealed') {
            report.evidenceSealed++;
            touched.push(id);
          }
          if (outcome === 'conflict') report.errors++;
        });
      }
      await attempt('anchor', undefined, async () => {
        const written = await evidence.anchor(now, touched);
        if (written) {
          report.anchored++;
          logger.info({ key: written.key, heads: written.heads }, 'chain heads anchored');
        }
      });
    }
    const acted = Object.entries(report).filter(([, n]) => n > 0);
    if (acted.length) logger.info({ ...report }, 'sweep acted');
    return report;
  };
}
