import { DelayedError } from 'bullmq';
import { grantSecretId, isTerminal, RESOURCE_STATES, type AccessPolicy, type AccessRequest, type AuditEventInput, type RequestEvent, type RevokeReason } from '@dbre/domain';
import type { Bastion, Inventory, Notifier, SecretStore } from '@dbre/drivers';
import { ACCESS_JOB_IDS, enqueue, type JobContext, type TypedQueue } from '@dbre/queue';
import type { Logger } from '@dbre/service-kit';
import type { AuditLog, RequestRepository } from '@dbre/store';
import type { GrantAdmin } from '@dbre/mysql';

export interface ReaperDeps {
  requests: RequestRepository;
  audit: AuditLog;
  policy: AccessPolicy;
  inventory: Inventory;
  admin: GrantAdmin;
  bastion: Bastion;
  secrets: SecretStore;
  notifier: Notifier;
  queues: { provision: TypedQueue<'provision'>; warn: TypedQueue<'warn'>; revoke: TypedQueue<'revoke'> };
  /** One policy minute in ms (60 000 except in tests and the benchmark). */
  minuteMs: number;
  clock?: () => Date;
}

const ACTOR = 'reaper';

/** A revoke job firing this much before the end is early (the grant was extended): it moves itself. */
const EARLY_MS = 20;

/** Warning, revoke and compensation: everything that takes a grant away. Every step idempotent. */
export function createReaper(deps: ReaperDeps) {
  const clock = deps.clock ?? (() => new Date());
  const audit = (requestId: string, input: Omit<AuditEventInput, 'actor'> & { actor?: string }) => deps.audit.append(requestId, { actor: ACTOR, ...input });

  // A lost race throws: the queue retries the job from the fresh state.
  const apply = (request: AccessRequest, event: RequestEvent): Promise<AccessRequest> => deps.requests.applyTransitionOrThrow(request, event, clock());

  /**
   * Removes the user (sessions killed first), then the bastion and the secret together; audits
   * each step once, in that order. Safe to run again after any partial failure.
   */
  async function removeResources(request: AccessRequest): Promise<string[]> {
    const removed: string[] = [];
    const { dbUser, bastionId } = request.resources;
    const secretId = request.resources.secretId ?? grantSecretId(request.id);
    let report: Awaited<ReturnType<GrantAdmin['revokeUser']>> | undefined;
    if (dbUser) {
      const cluster = await deps.inventory.get(request.target.clusterId);
      if (!cluster) throw new Error(`cluster ${request.target.clusterId} is not in the inventory: user ${dbUser} cannot be dropped until it is back`);
      report = await deps.admin.revokeUser(cluster, dbUser);
      removed.push(`user ${dbUser}`);
    }
    // Once the user is gone, the way in and the password go at the same time.
    await Promise.all([bastionId ? deps.bastion.close(bastionId) : undefined, deps.secrets.delete(secretId)]);
    if (dbUser && report) {
      await audit(request.id, { key: 'sessions_killed', kind: 'sessions_killed', data: { dbUser, killed: report.killed } });
      const kind = report.outcome === 'locked' ? 'user_locked' : 'user_dropped';
      await audit(request.id, { key: kind, kind, data: { dbUser, outcome: report.outcome, ...(report.detail ? { detail: report.detail } : {}) } });
    }
    if (bastionId) {
      await audit(request.id, { key: 'bastion_removed', kind: 'bastion_removed', data: { bastionId } });
      removed.push(`bastion ${bastionId}`);
    }
    await audit(request.id, { key: 'secret_deleted', kind: 'secret_deleted', data: { secretId } });
    removed.push('secret');
    return removed;
  }

  /**
   * active -> revoking -> (kill sessions, drop user, close bastion, delete secret) -> revoked.
   * Resumes a revoke that stopped half-way; a no-op once revoked.
   */
  async function revokeGrant(requestId: string, reason: RevokeReason, logger: Logger, known?: AccessRequest): Promise<string> {
    let request = known ?? (await deps.requests.get(requestId));
    if (!request) return 'no such request';
    if (request.state === 'active') {
      request = await apply(request, { type: 'start_revoke', reason });
    }
    if (request.state !== 'revoking') return `nothing to revoke: the request is ${request.state}`;
    await audit(request.id, { key: 'revoke_started', kind: 'revoke_started', data: { reason: request.revokeReason ?? reason } });
    await removeResources(request);
    request = await apply(request, { type: 'complete_revoke' });
    const scheduledEnd = request.revokeReason === 'expired' || request.revokeReason === 'sweep';
    const lagMs = scheduledEnd && request.endsAt && request.revokedAt ? Date.parse(request.revokedAt) - Date.parse(request.endsAt) : undefined;
    await audit(request.id, { key: 'revoked', kind: 'revoked', data: { reason: request.revokeReason, ...(lagMs !== undefined ? { lagMs } : {}) } });
    await deps.notifier.send({
      id: `revoked-${request.id}`,
      kind: 'revoked',
      to: request.requester.email,
      requestId: request.id,
      text: `Your access to ${request.target.clusterId}/${request.target.database} has ended: sessions closed, user ${request.resources.dbUser ?? '-'} dropped, bastion removed.`,
    });
    logger.info({ requestId, reason: request.revokeReason, lagMs }, 'grant revoked');
    return 'revoked';
  }

  /** Provisioning that gave up or got stuck: remove what exists, then failed. */
  async function compensate(requestId: string, reason: string, logger: Logger): Promise<void> {
    let request = await deps.requests.get(requestId);
    if (!request || (request.state !== 'provisioning' && request.state !== 'approved')) return;
    const removed = await removeResources(request);
    await audit(requestId, { key: 'compensated', kind: 'compensated', data: { removed } });
    if (request.state === 'approved') request = await apply(request, { type: 'start_provisioning' });
    request = await apply(request, { type: 'fail', reason });
    await audit(requestId, { key: 'failed', kind: 'failed', data: { reason } });
    await deps.notifier.send({
      id: `failed-${requestId}`,
      kind: 'failed',
      to: request.requester.email,
      requestId,
      text: `Your access request ${requestId} could not be provisioned: ${reason}. Nothing was left behind; please ask again.`,
    });
    logger.warn({ requestId, reason, removed }, 'stuck provisioning compensated');
  }

  /** The warning and the revoke jobs of an active grant; adding an existing id is a no-op. */
  async function schedule(request: AccessRequest): Promise<void> {
    if (request.state !== 'active' || !request.endsAt) return;
    const now = clock().getTime();
    const ends = Date.parse(request.endsAt);
    const warnAt = ends - deps.policy.warnBeforeMinutes * deps.minuteMs;
    if (warnAt > now) {
      await enqueue(deps.queues.warn, { requestId: request.id, endsAt: request.endsAt }, { jobId: ACCESS_JOB_IDS.warn(request.id, request.endsAt), delay: warnAt - now });
    }
    await enqueue(deps.queues.revoke, { requestId: request.id, reason: 'expired' }, { jobId: ACCESS_JOB_IDS.revoke(request.id), delay: Math.max(0, ends - now) });
  }

  /** The server-side failsafe drop (where event_scheduler is ON) follows the new end. */
  async function refreshFailsafe(request: AccessRequest, logger: Logger): Promise<void> {
    const cluster = await deps.inventory.get(request.target.clusterId);
    if (!cluster || !request.resources.dbUser || !request.endsAt) return;
    await deps.admin
      .scheduleFailsafe(cluster, request.resources.dbUser, new Date(Date.parse(request.endsAt) + deps.minuteMs))
      .catch((err: Error) => logger.warn({ requestId: request.id, err: { message: err.message } }, 'could not move the failsafe drop event'));
  }

  /** The revoke queue's processor. A job that fires before an extended end moves itself to the new end. */
  async function revokeProcessor(payload: { requestId: string; reason?: string | undefined }, ctx: JobContext): Promise<string> {
    const request = await deps.requests.get(payload.requestId);
    if (request?.state === 'active' && request.endsAt && (payload.reason ?? 'expired') === 'expired') {
      const ends = Date.parse(request.endsAt);
      if (ends - clock().getTime() > EARLY_MS && ctx.token) {
        await schedule(request); // the warning of the new end
        await refreshFailsafe(request, ctx.logger);
        await ctx.job.moveToDelayed(ends, ctx.token);
        ctx.logger.info({ requestId: request.id, endsAt: request.endsAt }, 'grant was extended; revoke moved to the new end');
        throw new DelayedError();
      }
    }
    const reason = (['expired', 'ended_by_requester', 'ended_by_approver', 'ended_by_operator', 'sweep'] as const).find((r) => r === payload.reason) ?? 'expired';
    return revokeGrant(payload.requestId, reason, ctx.logger, request);
  }

  /** The warn queue's processor: only for the end it was scheduled for (an extension schedules another). */
  async function warnProcessor(payload: { requestId: string; endsAt: string }, ctx: JobContext): Promise<string> {
    const request = await deps.requests.get(payload.requestId);
    if (request?.state !== 'active' || request.endsAt !== payload.endsAt) return 'not applicable any more';
    const left = Math.max(0, Math.round((Date.parse(request.endsAt) - clock().getTime()) / deps.minuteMs));
    await deps.notifier.send({
      id: `warning-${request.id}-${Date.parse(request.endsAt)}`,
      kind: 'warning',
      to: request.requester.email,
      requestId: request.id,
      text: `Your access to ${request.target.clusterId}/${request.target.database} ends in about ${left} min (${request.endsAt}). Extend: POST /v1/access-requests/${request.id}/extend; end now: POST /v1/access-requests/${request.id}/end.`,
      data: { endsAt: request.endsAt, actions: ['extend', 'end'] },
    });
    await audit(request.id, { key: `warned:${request.endsAt}`, kind: 'warned', data: { endsAt: request.endsAt } });
    ctx.logger.info({ requestId: request.id, endsAt: request.endsAt }, 'grant end warned');
    return 'warned';
  }

  return { revokeGrant, compensate, schedule, revokeProcessor, warnProcessor, removeResources, isHolding: (r: AccessRequest) => RESOURCE_STATES.includes(r.state) && !isTerminal(r.state) };
}

export type Reaper = ReturnType<typeof createReaper>;
