import { ulid } from 'ulid';
import {
  approvedMinutesProblem,
  canApprove,
  canDeny,
  createAccessRequest,
  describeActor,
  grantedMinutes,
  isApprover,
  sameActor,
  validateExtension,
  type AccessRequest,
  type Actor,
  type AuditEventInput,
  type ChainVerification,
  type AuditEvent,
} from '@dbre/domain';
import type { GrantAdmin } from '@dbre/mysql';
import { AppError } from '@dbre/service-kit';
import type { AccessDeps } from './deps';
import { clockOf } from './deps';
import { createBatchDecisions } from './batch';
import { announceReview, autoApprovalFor, autoApprove, notifyApprovers } from './renotify';
import { revokeNow, scheduleProvisioning, scheduleWarning } from './schedule';

/** What a requester submits (REST body, Slack modal through REST). */
export interface NewRequestInput {
  clusterId: string;
  database: string;
  profile: string;
  durationMinutes?: number | undefined;
  reason: string;
  ticketUrl?: string | undefined;
  /** Scheduled start (ISO time); absent: provisioning follows the approval. */
  startAt?: string | undefined;
}

/** The acting person as the calling tool vouches for them, and the tool. */
export interface Acting {
  email: string;
  displayName?: string | undefined;
  slackUserId?: string | undefined;
  /** The calling tool (audited as `data.via`). */
  via?: string | undefined;
}

export interface DecisionDeps extends AccessDeps {
  /** One policy minute in ms for new requests (60 000 except in tests and the benchmark). */
  minuteMs: number;
  /** Creating a request checks the database exists on the cluster (request-api; approvals create nothing). */
  databases?: Pick<GrantAdmin, 'requireDatabase'>;
}

/** Refusals that are about the state of things (409), not about who asks (403). */
const CONFLICT_CODES = new Set(['POLICY_NOT_PENDING', 'POLICY_ALREADY_APPROVED']);

/** " for 30 of the 60 minutes you asked" when an approver shortened it, else nothing. */
export function approvedFor(r: Pick<AccessRequest, 'durationMinutes' | 'approvedMinutes'>): string {
  return grantedMinutes(r) < r.durationMinutes ? ` for ${grantedMinutes(r)} of the ${r.durationMinutes} minutes you asked` : '';
}

const actorOf = (a: Acting): Actor => ({ email: a.email, ...(a.slackUserId ? { slackUserId: a.slackUserId } : {}), ...(a.displayName ? { displayName: a.displayName } : {}) });
const via = (a: Acting) => a.via ?? 'unknown';

/**
 * The steps people take (request-api, approval-api): create, follow, cancel, extend, end,
 * approve, deny. Each is one conditional write of the transition with its audit event; the
 * route handlers only parse HTTP and call these.
 */
export function createAccessDecisions(deps: DecisionDeps) {
  const clock = clockOf(deps);

  /** A new request and its `requested` event, one write; approved by a policy rule, or the approvers are asked. */
  async function create(input: NewRequestInput, acting: Acting): Promise<AccessRequest> {
    const now = clock();
    const cluster = await deps.inventory.get(input.clusterId);
    const draft = createAccessRequest(
      deps.policy,
      { ...input, requester: { email: acting.email, displayName: acting.displayName ?? acting.email, ...(acting.slackUserId ? { slackUserId: acting.slackUserId } : {}) } },
      cluster ? { id: cluster.id, environment: cluster.environment } : undefined,
      now,
      ulid(now.getTime()),
      { minuteMs: deps.minuteMs },
    );
    if (!deps.databases) throw new TypeError('creating a request needs the database existence check (DecisionDeps.databases)');
    if (cluster) await deps.databases.requireDatabase(cluster, draft.target.database);
    const created = await deps.requests.create(draft, [
      {
        key: 'requested',
        kind: 'requested',
        actor: acting.email,
        data: { via: via(acting), target: draft.target, profile: draft.profile, privileges: draft.privileges, durationMinutes: draft.durationMinutes, reason: draft.reason, ...(draft.ticketUrl ? { ticketUrl: draft.ticketUrl } : {}), ...(draft.startAt ? { startAt: draft.startAt } : {}) },
      },
    ]);
    // A policy rule may approve it now; a crash before this point is resumed by the sweep.
    const rule = autoApprovalFor(deps, created);
    if (rule) return autoApprove(deps, created, rule);
    await announceReview(deps, created);
    return created;
  }

  /** A request with its audit timeline and the chain check. */
  async function follow(id: string): Promise<{ request: AccessRequest; timeline: AuditEvent[]; chain: ChainVerification }> {
    const request = await deps.requests.require(id);
    const [timeline, chain] = await Promise.all([deps.audit.list(id), deps.audit.verifyChain(id)]);
    return { request, timeline, chain };
  }

  async function cancel(id: string, acting: Acting): Promise<AccessRequest> {
    const done = await deps.requests.update(
      id,
      (current) => {
        if (!sameActor(actorOf(acting), current.requester)) throw new AppError('CANCEL_NOT_REQUESTER', 'forbidden', 'Only the requester can cancel a request.');
        return { event: { type: 'cancel', by: actorOf(acting) }, audit: [{ key: 'cancelled', kind: 'cancelled', actor: acting.email, data: { via: via(acting) } }] };
      },
      clock,
    );
    return done.request;
  }

  async function requestExtension(id: string, acting: Acting, ask: { minutes: number; reason?: string | undefined }): Promise<AccessRequest> {
    const done = await deps.requests.update(
      id,
      (current) => {
        const allowed = validateExtension(deps.policy, current, ask.minutes);
        if (!allowed.allowed) throw new AppError(allowed.code, allowed.code === 'EXTENSION_NOT_ACTIVE' ? 'conflict' : 'invalid', allowed.reason);
        return {
          event: { type: 'request_extension', by: actorOf(acting), minutes: ask.minutes, ...(ask.reason ? { reason: ask.reason } : {}) },
          audit: (next) => [
            { key: `extension_requested:${next.pendingExtension?.requestedAt ?? clock().toISOString()}`, kind: 'extension_requested', actor: acting.email, data: { via: via(acting), minutes: ask.minutes, ...(ask.reason ? { reason: ask.reason } : {}) } },
          ],
        };
      },
      clock,
    );
    const next = done.request;
    // Only the requester may ask (the domain refuses anyone else): the approvers but them are asked.
    await notifyApprovers(deps, next, (approver) => ({
      id: `extension-${next.id}-${Date.parse(next.pendingExtension?.requestedAt ?? '')}-${approver}`,
      kind: 'extension-review',
      text: `${acting.email} asks to extend ${next.id} by ${ask.minutes} min. Approve or deny: POST /v1/access-requests/${next.id}/approve|deny.`,
    }));
    return next;
  }

  /** Ends an active grant now (requester or an approver): revoking + its event, then the revoke job runs at once. */
  async function end(id: string, acting: Acting): Promise<AccessRequest> {
    const done = await deps.requests.update(
      id,
      (current) => {
        const byRequester = sameActor(actorOf(acting), current.requester);
        if (!byRequester && !isApprover(deps.policy, current.target.environment, actorOf(acting))) {
          throw new AppError('END_NOT_ALLOWED', 'forbidden', `Only the requester or an approver for ${current.target.environment} can end this grant.`);
        }
        const reason = byRequester ? 'ended_by_requester' : 'ended_by_approver';
        return { event: { type: 'start_revoke', reason, by: actorOf(acting) }, audit: [{ key: 'revoke_started', kind: 'revoke_started', actor: acting.email, data: { via: via(acting), reason } }] };
      },
      clock,
    );
    await revokeNow(deps, done.request);
    return done.request;
  }

  /** A refused decision is audited (who tried what) before the caller hears no. */
  async function refuse(request: AccessRequest, acting: Acting, code: string, reason: string, action: 'approve' | 'deny'): Promise<never> {
    await deps.requests.update(request, () => ({ audit: [{ key: `approval_refused:${acting.email}:${clock().getTime()}`, kind: 'approval_refused', actor: acting.email, data: { action, code, reason, via: via(acting) } }] }), clock);
    throw new AppError(code, CONFLICT_CODES.has(code) ? 'conflict' : 'forbidden', reason);
  }

  /**
   * Approves a request (enough approvals: approved, provisioning queued) or the pending extension
   * of an active grant (enough approvals: the end moves, a warning is scheduled for it).
   * `complete` is false while more approvals are needed.
   */
  async function approve(
    /** The id, or the request just read (a batch read it already; the write is conditional on its version). */
    target: string | AccessRequest,
    acting: Acting,
    options: { comment?: string | undefined; durationMinutes?: number | undefined; batchId?: string | undefined } = {},
  ): Promise<{ request: AccessRequest; complete: boolean }> {
    const actor = actorOf(acting);
    const first = typeof target === 'string' ? await deps.requests.require(target) : target;
    const decision = canApprove(deps.policy, first, actor);
    if (!decision.allowed) return refuse(first, acting, decision.code, decision.reason, 'approve');
    const minutes = options.durationMinutes;
    if (minutes !== undefined) {
      const problem = approvedMinutesProblem(first, minutes);
      if (problem) throw new AppError('APPROVAL_DURATION_INVALID', 'unprocessable', problem);
    }
    const data = { via: via(acting), ...(options.comment ? { comment: options.comment } : {}), ...(options.batchId ? { batch: options.batchId } : {}) };
    const done = await deps.requests.update(
      first,
      (current) => {
        const again = canApprove(deps.policy, current, actor);
        if (!again.allowed) throw new AppError(again.code, CONFLICT_CODES.has(again.code) ? 'conflict' : 'forbidden', again.reason);
        return {
          event: { type: 'approve', by: actor, ...(minutes !== undefined ? { minutes } : {}) },
          audit: (next): AuditEventInput[] => {
            if (current.state !== 'active') {
              const durations = { requestedMinutes: next.durationMinutes, approvedMinutes: minutes ?? next.durationMinutes, grantedMinutes: grantedMinutes(next) };
              return [{ key: `approved:${acting.email}`, kind: 'approved', actor: acting.email, data: { ...data, approvals: next.approvals.length, required: next.approvalsRequired, ...durations, ...(next.startAt ? { startAt: next.startAt } : {}) } }];
            }
            const approval: AuditEventInput = { key: `approved:extension:${current.pendingExtension?.requestedAt}:${acting.email}`, kind: 'approved', actor: acting.email, data: { ...data, extension: true } };
            if (next.endsAt === current.endsAt) return [approval];
            return [approval, { key: `extended:${next.endsAt}`, kind: 'extended', actor: acting.email, data: { ...data, previousEndsAt: current.endsAt, endsAt: next.endsAt } }];
          },
        };
      },
      clock,
    );
    const { request: next, previous } = done;
    if (previous.state === 'active') {
      if (next.endsAt === previous.endsAt) return { request: next, complete: false };
      await scheduleWarning(deps, next);
      await deps.notifier.send({ id: `extended-${next.id}-${Date.parse(next.endsAt ?? '')}`, kind: 'extended', to: next.requester.email, requestId: next.id, text: `${describeActor(actor)} extended your access; it now ends at ${next.endsAt}.` });
      return { request: next, complete: true };
    }
    if (next.state !== 'approved') return { request: next, complete: false };
    await scheduleProvisioning(deps, next);
    await deps.notifier.send({ id: `approved-${next.id}`, kind: 'approved', to: next.requester.email, requestId: next.id, text: `${describeActor(actor)} approved your access request ${next.id}${approvedFor(next)}; ${next.startAt ? `it starts at ${next.startAt}, when the credentials follow.` : 'the credentials follow in a moment.'}` });
    return { request: next, complete: true };
  }

  /** Denies a request, or refuses the pending extension of an active grant; a reason is required. */
  async function deny(target: string | AccessRequest, acting: Acting, reason: string, options: { batchId?: string | undefined } = {}): Promise<AccessRequest> {
    const actor = actorOf(acting);
    const first = typeof target === 'string' ? await deps.requests.require(target) : target;
    const decision = canDeny(deps.policy, first, actor);
    if (!decision.allowed) return refuse(first, acting, decision.code, decision.reason, 'deny');
    const done = await deps.requests.update(
      first,
      (current) => {
        const extension = current.state === 'active';
        return {
          event: { type: 'deny', by: actor, reason },
          audit: [{ key: extension ? `extension_refused:${current.pendingExtension?.requestedAt}` : 'denied', kind: extension ? 'extension_refused' : 'denied', actor: acting.email, data: { via: via(acting), reason, ...(options.batchId ? { batch: options.batchId } : {}) } }],
        };
      },
      clock,
    );
    const { request: next, previous } = done;
    const extension = previous.state === 'active';
    await deps.notifier.send({
      id: extension ? `extension-refused-${next.id}-${Date.parse(previous.pendingExtension?.requestedAt ?? '')}` : `denied-${next.id}`,
      kind: extension ? 'extension-refused' : 'denied',
      to: next.requester.email,
      requestId: next.id,
      text: `${describeActor(actor)} ${extension ? 'refused to extend' : 'denied'} your access request ${next.id}: ${reason}`,
    });
    return next;
  }

  /** Several pending requests of one change, each decided on its own (batch.ts). */
  const decideBatch = createBatchDecisions(deps, { approve, deny });

  return { create, follow, cancel, requestExtension, end, approve, deny, decideBatch };
}

export type AccessDecisions = ReturnType<typeof createAccessDecisions>;
