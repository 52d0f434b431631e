import {
  approversOf,
  escalationAttempt,
  matchAutoApproval,
  minuteOf,
  policyActor,
  renotifyOffsetMinutes,
  type AccessRequest,
  type AutoApproveRule,
} from '@dbre/domain';
import { ACCESS_JOB_IDS, enqueue, type JobContext, type PayloadOf } from '@dbre/queue';
import type { Logger } from '@dbre/service-kit';
import { clockOf, type AccessDeps } from './deps';

/*
 * Fewer asks of approvers (issue #15): the approvers' first message (review, or the announcement
 * of an auto-approval), the auto-approval step, and the reminders of a request still waiting.
 */

/** Sends one notification per approver of the request's environment (the requester excepted). */
export async function notifyApprovers(deps: AccessDeps, request: AccessRequest, message: (approver: string) => { id: string; kind: string; text: string; data?: Record<string, unknown> }): Promise<void> {
  const approvers = approversOf(deps.policy, request.target.environment).filter((a) => a !== request.requester.email && a !== request.requester.slackUserId);
  await Promise.all(
    approvers.map((to) => {
      const m = message(to);
      return deps.notifier.send({ ...m, id: m.id.slice(0, 200), to, requestId: request.id });
    }),
  );
}

const target = (r: AccessRequest) => `${r.profile} access to ${r.target.clusterId}/${r.target.database} (${r.target.environment}) for ${r.durationMinutes} min`;

/** Tells the approvers about a new request waiting for them, and schedules the first reminder. */
export async function announceReview(deps: AccessDeps, request: AccessRequest): Promise<void> {
  await notifyApprovers(deps, request, (approver) => ({
    id: `review-${request.id}-${approver}`,
    kind: 'review',
    text: `${request.requester.email} asks for ${target(request)}: ${request.reason}. Approve or deny: POST /v1/access-requests/${request.id}/approve|deny.`,
  }));
  await scheduleRenotify(deps, request, 1);
}

/** The rule that approves this request, judged as at its creation (undefined: people decide). */
export function autoApprovalFor(deps: Pick<AccessDeps, 'policy'>, request: AccessRequest): AutoApproveRule | undefined {
  if (request.state !== 'requested' || request.approvals.length > 0) return undefined;
  return matchAutoApproval(deps.policy, request);
}

/**
 * Approves a request by a policy rule: one conditional write (`auto_approve` + an `approved`
 * event whose actor is `policy:<rule>`), then provisioning is queued and the approvers' channel
 * and the requester are told which rule approved it. Every part is idempotent, so the sweep may
 * run it again for a request whose creation stopped in between.
 */
export async function autoApprove(deps: AccessDeps, request: AccessRequest, rule: AutoApproveRule, logger?: Logger): Promise<AccessRequest> {
  const clock = clockOf(deps);
  const actor = policyActor(rule.id);
  const done = await deps.requests.update(
    request,
    (current) =>
      current.state === 'requested' && current.approvals.length === 0
        ? {
            event: { type: 'auto_approve', rule: rule.id },
            audit: [{ key: `approved:${actor}`, kind: 'approved', actor, data: { via: 'policy', policyRule: rule.id, ...(rule.description ? { rule: rule.description } : {}), approvals: 1, required: current.approvalsRequired } }],
          }
        : undefined,
    clock,
  );
  const next = done.request;
  // A person decided first (or it was cancelled): the rule has nothing to do.
  if (next.state !== 'approved' || next.approvals[0]?.by.policyRule !== rule.id) return next;
  await enqueue(deps.queues.provision, { requestId: next.id }, { jobId: ACCESS_JOB_IDS.provision(next.id) });
  const why = `approved by policy rule ${rule.id}${rule.description ? ` (${rule.description})` : ''}`;
  const data = { policyRule: rule.id, by: actor };
  await notifyApprovers(deps, next, (approver) => ({
    id: `auto-approved-${next.id}-${approver}`,
    kind: 'auto-approved',
    text: `${next.requester.email} got ${target(next)}, ${why}: ${next.reason}. Nothing to do; the grant is audited like any other.`,
    data,
  }));
  await deps.notifier.send({ id: `auto-approved-${next.id}`, kind: 'auto-approved', to: next.requester.email, requestId: next.id, text: `Your access request ${next.id} was ${why}; the credentials follow in a moment.`, data });
  if (done.changed) logger?.info({ requestId: next.id, policyRule: rule.id }, 'request approved by policy');
  return next;
}

/**
 * Puts reminder `attempt` on the queue at its time (request time + the backed-off offset, in the
 * request's minute). No-op without a `renotify` policy or queue, past `max`, or once the review
 * window has closed (the request expires then, as before).
 */
export async function scheduleRenotify(deps: AccessDeps, request: AccessRequest, attempt: number): Promise<boolean> {
  const renotify = deps.policy.renotify;
  const queue = deps.queues.renotify;
  if (!renotify || !queue || attempt > renotify.max || request.state !== 'requested') return false;
  const dueAt = Date.parse(request.requestedAt) + renotifyOffsetMinutes(renotify, attempt) * minuteOf(request);
  const now = clockOf(deps)().getTime();
  if (dueAt >= Date.parse(request.reviewExpiresAt) || now >= Date.parse(request.reviewExpiresAt)) return false;
  const delay = Math.max(0, dueAt - now);
  await enqueue(queue, { requestId: request.id, attempt }, { jobId: ACCESS_JOB_IDS.renotify(request.id, attempt), delay });
  return true;
}

/** Reminders already recorded in the chain (`renotified:<n>` keys). */
export function remindersSent(request: AccessRequest): number {
  return (request.audit?.keys ?? []).filter((k) => /^renotified:\d+$/.test(k)).length;
}

export type RenotifyOutcome = 'reminded' | 'stopped';

/**
 * The `renotify` job: re-reads the request and, while it is still waiting and inside its review
 * window, records `renotified` (conditional on the state: a decision in between wins), reminds
 * the approvers (escalating on the configured attempt) and schedules the next reminder.
 */
export function createRenotifier(deps: AccessDeps) {
  const clock = clockOf(deps);

  async function remind(requestId: string, attempt: number, logger?: Logger): Promise<RenotifyOutcome> {
    const renotify = deps.policy.renotify;
    const first = await deps.requests.get(requestId);
    if (!renotify || !first || attempt > renotify.max) return 'stopped';
    const escalate = attempt >= (escalationAttempt(renotify) ?? Number.POSITIVE_INFINITY) ? renotify.escalateTo : undefined;
    const waiting = (r: AccessRequest) => r.state === 'requested' && clock().getTime() < Date.parse(r.reviewExpiresAt);
    const done = await deps.requests.update(
      first,
      (current) =>
        waiting(current)
          ? {
              audit: [
                {
                  key: `renotified:${attempt}`,
                  kind: 'renotified',
                  actor: 'reaper',
                  data: { attempt, of: renotify.max, escalated: escalate !== undefined, ...(escalate?.channel ? { channel: escalate.channel } : {}), ...(escalate?.userGroup ? { userGroup: escalate.userGroup } : {}) },
                },
              ],
            }
          : undefined,
      clock,
    );
    const r = done.request;
    // Decided, cancelled or out of its review window: no reminder (and none scheduled after it).
    if (!waiting(r)) {
      logger?.info({ requestId, attempt, state: r.state }, 'no reminder: the request is no longer waiting');
      return 'stopped';
    }
    const waitedMin = Math.round((clock().getTime() - Date.parse(r.requestedAt)) / minuteOf(r));
    const data = { attempt, of: renotify.max, requestedAt: r.requestedAt, ...(escalate ? { escalate: { ...(escalate.channel ? { channel: escalate.channel } : {}), ...(escalate.userGroup ? { userGroup: escalate.userGroup } : {}) } } : {}) };
    await notifyApprovers(deps, r, (approver) => ({
      id: `reminder-${r.id}-${attempt}-${approver}`,
      kind: 'reminder',
      text: `Reminder ${attempt}/${renotify.max}${escalate ? ' (escalated)' : ''}: ${r.requester.email} has waited ${waitedMin} min for ${target(r)}. Approve or deny: POST /v1/access-requests/${r.id}/approve|deny.`,
      data,
    }));
    await scheduleRenotify(deps, r, attempt + 1);
    logger?.info({ requestId, attempt, escalated: escalate !== undefined }, 'approvers reminded');
    return 'reminded';
  }

  return {
    remind,
    processor: async (payload: PayloadOf<'renotify'>, ctx: JobContext) => remind(payload.requestId, payload.attempt, ctx.logger),
  };
}
