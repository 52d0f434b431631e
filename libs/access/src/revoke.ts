import { DelayedError } from 'bullmq';
import { grantSecretId, minuteOf, revokeReasonSchema, type AccessRequest, type AuditEventInput, type RevokeReason } from '@dbre/domain';
import type { JobContext } from '@dbre/queue';
import type { Logger } from '@dbre/service-kit';
import { clockOf, type WorkerDeps } from './deps';
import { createEvidenceSteps } from './evidence';
import { failsafeAt, scheduleWarning } from './schedule';

const ACTOR = 'reaper';

/** A revoke job firing this much before the end is early (the grant was extended): it moves itself. */
const EARLY_MS = 20;

/**
 * Warning and revoke: active -> revoking (one write with `revoke_started`), then the user (sessions
 * killed first), the bastion and the secret, then revoked with every step's event in one write.
 * A process that stops anywhere in between is resumed by the queue (or the sweep) from `revoking`.
 */
export function createRevoker(deps: WorkerDeps) {
  const clock = clockOf(deps);
  const step = async (name: Parameters<NonNullable<WorkerDeps['onStep']>>[0], id: string) => deps.onStep?.(name, id);
  const evidence = deps.evidence ? createEvidenceSteps(deps, deps.evidence, ACTOR) : undefined;

  /** Removes the user, then the bastion and the secret together; returns the events that record it. */
  async function removeResources(request: AccessRequest): Promise<AuditEventInput[]> {
    const events: AuditEventInput[] = [];
    const { dbUser, bastionId } = request.resources;
    const secretId = request.resources.secretId ?? grantSecretId(request.id);
    if (dbUser) {
      const cluster = await deps.inventory.get(request.target.clusterId);
      if (!cluster) throw new Error(`cluster ${request.target.clusterId} is not in the inventory: user ${dbUser} cannot be dropped until it is back`);
      const report = await deps.admin.revokeUser(cluster, dbUser);
      const kind = report.outcome === 'locked' ? 'user_locked' : 'user_dropped';
      events.push(
        { key: 'sessions_killed', kind: 'sessions_killed', at: clock().toISOString(), data: { dbUser, killed: report.killed } },
        { key: kind, kind, at: clock().toISOString(), data: { dbUser, outcome: report.outcome, ...(report.detail ? { detail: report.detail } : {}) } },
      );
      await step('user_revoked', request.id);
    }
    // Once the user is gone, the way in and the password go at the same time.
    await Promise.all([bastionId ? deps.bastion.close(bastionId) : undefined, deps.secrets.delete(secretId)]);
    const at = clock().toISOString();
    if (bastionId) events.push({ key: 'bastion_removed', kind: 'bastion_removed', at, data: { bastionId } });
    events.push({ key: 'secret_deleted', kind: 'secret_deleted', at, data: { secretId } });
    await step('resources_removed', request.id);
    return events;
  }

  /** active -> revoking -> revoked. Resumes a revoke that stopped half-way; a no-op once revoked. */
  async function revokeGrant(requestId: string, reason: RevokeReason, logger: Logger, known?: AccessRequest): Promise<string> {
    let request = known ?? (await deps.requests.get(requestId));
    if (!request) return 'no such request';
    if (request.state === 'active') {
      request = await deps.requests.applyTransitionOrThrow(request, { type: 'start_revoke', reason }, clock(), [{ key: 'revoke_started', kind: 'revoke_started', actor: ACTOR, data: { reason } }]);
      await step('revoke_started', request.id);
    }
    if (request.state !== 'revoking') {
      // A revoke job re-run after a crash between `revoked` and the seal finishes the seal.
      if (request.state === 'revoked') await evidence?.sealAfterRevoke(request, logger);
      return `nothing to revoke: the request is ${request.state}`;
    }
    const removed = await removeResources(request);
    const completed = await deps.requests.applyTransitionReturningChain(request, { type: 'complete_revoke' }, clock(), (next) => {
      const scheduledEnd = next.revokeReason === 'expired' || next.revokeReason === 'sweep';
      const lagMs = scheduledEnd && next.endsAt && next.revokedAt ? Date.parse(next.revokedAt) - Date.parse(next.endsAt) : undefined;
      const revoked: AuditEventInput = { key: 'revoked', kind: 'revoked', data: { reason: next.revokeReason, ...(lagMs !== undefined ? { lagMs } : {}) } };
      return [...removed, revoked].map((e) => ({ actor: ACTOR, ...e }));
    });
    request = completed.request;
    await step('revoked', request.id);
    await deps.notifier.send({
      id: `revoked-${request.id}`,
      kind: 'revoked',
      to: request.requester.email,
      requestId: request.id,
      text: `Your access to ${request.target.clusterId}/${request.target.database} has ended: sessions closed, user ${request.resources.dbUser ?? '-'} dropped, bastion removed.`,
    });
    logger.info({ requestId, reason: request.revokeReason }, 'grant revoked');
    // After the revoke is stored (its own job, or here on the chain that write returned): a failure is logged and the sweep collects it later.
    await evidence?.sealAfterRevoke(request, logger, { request, events: completed.chain });
    return 'revoked';
  }

  /** The revoke queue's processor. A job that fires before an extended end moves itself to the new end. */
  async function revokeProcessor(payload: { requestId: string; reason?: string | undefined }, ctx: JobContext): Promise<string> {
    const request = await deps.requests.get(payload.requestId);
    if (request?.state === 'active' && request.endsAt && (payload.reason ?? 'expired') === 'expired') {
      const ends = Date.parse(request.endsAt);
      if (ends - clock().getTime() > EARLY_MS && ctx.token) {
        await scheduleWarning(deps, request);
        await refreshFailsafe(request, ctx.logger);
        await moveBastionDeadline(request, ctx.logger);
        await ctx.job.moveToDelayed(ends, ctx.token);
        ctx.logger.info({ requestId: request.id, endsAt: request.endsAt }, 'grant was extended; revoke moved to the new end');
        throw new DelayedError();
      }
    }
    const reason = revokeReasonSchema.safeParse(payload.reason);
    return revokeGrant(payload.requestId, reason.success ? reason.data : 'expired', ctx.logger, request);
  }

  /** The bastion's own deadline (AWS: its self-termination tag) follows the new end; the revoke stays the authority. */
  async function moveBastionDeadline(request: AccessRequest, logger: Logger): Promise<void> {
    const bastionId = request.resources.bastionId;
    if (!bastionId || !request.endsAt || !deps.bastion.extend) return;
    await deps.bastion.extend(bastionId, new Date(request.endsAt)).catch((err: Error) => logger.warn({ requestId: request.id, bastionId, err: { message: err.message } }, 'could not move the bastion deadline'));
  }

  /** The server-side failsafe drop (where event_scheduler is ON) follows the new end. */
  async function refreshFailsafe(request: AccessRequest, logger: Logger): Promise<void> {
    const cluster = await deps.inventory.get(request.target.clusterId);
    const at = failsafeAt(request);
    if (!cluster || !request.resources.dbUser || !at) return;
    await deps.admin.scheduleFailsafe(cluster, request.resources.dbUser, at).catch((err: Error) => logger.warn({ requestId: request.id, err: { message: err.message } }, 'could not move the failsafe drop event'));
  }

  /** The warn queue's processor: only for the end it was scheduled for (an extension schedules another). */
  async function warnProcessor(payload: { requestId: string; endsAt: string }, ctx: JobContext): Promise<string> {
    const request = await deps.requests.get(payload.requestId);
    if (request?.state !== 'active' || request.endsAt !== payload.endsAt) return 'not applicable any more';
    const left = Math.max(0, Math.round((Date.parse(request.endsAt) - clock().getTime()) / minuteOf(request)));
    await deps.notifier.send({
      id: `warning-${request.id}-${Date.parse(request.endsAt)}`,
      kind: 'warning',
      to: request.requester.email,
      requestId: request.id,
      text: `Your access to ${request.target.clusterId}/${request.target.database} ends in about ${left} min (${request.endsAt}). Extend: POST /v1/access-requests/${request.id}/extend; end now: POST /v1/access-requests/${request.id}/end.`,
      data: { endsAt: request.endsAt, actions: ['extend', 'end'] },
    });
    // An event-only write: it never changes the grant, and loses no race (it re-reads on conflict).
    const endsAt = request.endsAt;
    await deps.requests.update(request, (current) => (current.state === 'active' ? { audit: [{ key: `warned:${endsAt}`, kind: 'warned', actor: ACTOR, data: { endsAt } }] } : undefined), clock);
    ctx.logger.info({ requestId: request.id, endsAt: request.endsAt }, 'grant end warned');
    return 'warned';
  }

  /** The seal queue's processor: seals a revoked grant's evidence (idempotent; a conflict is alerted, not retried). */
  async function sealProcessor(payload: { requestId: string; label: 'revoke' | 'final' }, ctx: JobContext): Promise<string> {
    if (!evidence) return 'no evidence configured';
    return evidence.seal(payload.requestId, payload.label, ctx.logger);
  }

  return { revokeGrant, revokeProcessor, warnProcessor, sealProcessor };
}

export type Revoker = ReturnType<typeof createRevoker>;
