import { z } from 'zod';
import { canApprove, canDeny, describeActor, type AccessRequest, type Actor } from '@dbre/domain';
import { ACCESS_JOB_IDS, enqueue } from '@dbre/queue';
import { actingHeaders, actorFrom, AppError, freeText, guards, type HttpApp } from '@dbre/service-kit';
import type { ApprovalApiDeps } from './app';
import { scaleExtendedEnd } from './time-scale';

const idParams = z.object({ id: z.string().regex(/^[0-9A-HJKMNP-TV-Z]{26}$/, 'an access request id (ULID)') });
const security = [{ bearer: [] }];

/** Refusals that are about the state of things (409), not about who asks (403). */
const CONFLICT_CODES = new Set(['POLICY_NOT_PENDING', 'POLICY_ALREADY_APPROVED']);

/** The route map of approval-api. */
export function registerRoutes(app: HttpApp, deps: ApprovalApiDeps): void {
  const clock = deps.clock ?? (() => new Date());

  /** A refused decision is audited (who tried what) before the caller hears no. */
  async function refuse(request: AccessRequest, actor: Actor, caller: string | undefined, code: string, reason: string, action: string): Promise<never> {
    await deps.audit.append(request.id, {
      key: `approval_refused:${actor.email}:${clock().getTime()}`,
      kind: 'approval_refused',
      actor: actor.email,
      data: { action, code, reason, via: caller ?? 'unknown' },
    });
    throw new AppError(code, CONFLICT_CODES.has(code) ? 'conflict' : 'forbidden', reason);
  }

  app.post(
    '/v1/access-requests/:id/approve',
    {
      config: { guard: guards.scope('approve'), idempotent: true },
      schema: {
        summary: 'Approve a request (or the pending extension of an active grant)',
        tags: ['approval'],
        security,
        params: idParams,
        headers: actingHeaders,
        body: z.object({ comment: freeText({ max: 1000, multiline: true }).optional() }).default({}),
      },
    },
    async (request, reply) => {
      const actor = actorFrom(request.headers);
      const current = await deps.requests.require(request.params.id);
      const decision = canApprove(deps.policy, current, actor);
      if (!decision.allowed) return refuse(current, actor, request.caller, decision.code, decision.reason, 'approve');
      const { request: next, previous } = await deps.requests.applyEvent(current.id, { type: 'approve', by: actor }, clock());
      const data = { via: request.caller ?? 'unknown', ...(request.body.comment ? { comment: request.body.comment } : {}) };

      if (previous.state === 'active') {
        if (next.endsAt === previous.endsAt) {
          await deps.audit.append(next.id, { key: `approved:extension:${previous.pendingExtension?.requestedAt}:${actor.email}`, kind: 'approved', actor: actor.email, data: { ...data, extension: true } });
          return reply.status(202).send(next);
        }
        const extended = await scaleExtendedEnd(deps.dynamo, next, deps.minuteMs);
        await deps.audit.append(extended.id, { key: `extended:${extended.endsAt}`, kind: 'extended', actor: actor.email, data: { ...data, previousEndsAt: previous.endsAt, endsAt: extended.endsAt } });
        await moveRevoke(deps, extended, clock());
        await deps.notifier.send({ id: `extended-${extended.id}-${Date.parse(extended.endsAt ?? '')}`, kind: 'extended', to: extended.requester.email, requestId: extended.id, text: `${describeActor(actor)} extended your access; it now ends at ${extended.endsAt}.` });
        return extended;
      }

      await deps.audit.append(next.id, { key: `approved:${actor.email}`, kind: 'approved', actor: actor.email, data: { ...data, approvals: next.approvals.length, required: next.approvalsRequired } });
      if (next.state !== 'approved') return reply.status(202).send(next); // more approvals needed
      await enqueue(deps.queues.provision, { requestId: next.id }, { jobId: ACCESS_JOB_IDS.provision(next.id) });
      await deps.notifier.send({ id: `approved-${next.id}`, kind: 'approved', to: next.requester.email, requestId: next.id, text: `${describeActor(actor)} approved your access request ${next.id}; the credentials follow in a moment.` });
      return next;
    },
  );

  app.post(
    '/v1/access-requests/:id/deny',
    {
      config: { guard: guards.scope('approve'), idempotent: true },
      schema: {
        summary: 'Deny a request (or the pending extension of an active grant); a reason is required',
        tags: ['approval'],
        security,
        params: idParams,
        headers: actingHeaders,
        body: z.object({ reason: freeText({ min: 3, minMessage: 'a denial needs a reason (at least 3 characters)', max: 1000, multiline: true }) }),
      },
    },
    async (request) => {
      const actor = actorFrom(request.headers);
      const current = await deps.requests.require(request.params.id);
      const decision = canDeny(deps.policy, current, actor);
      if (!decision.allowed) return refuse(current, actor, request.caller, decision.code, decision.reason, 'deny');
      const { request: next, previous } = await deps.requests.applyEvent(current.id, { type: 'deny', by: actor, reason: request.body.reason }, clock());
      const extension = previous.state === 'active';
      await deps.audit.append(next.id, {
        key: extension ? `extension_refused:${previous.pendingExtension?.requestedAt}` : 'denied',
        kind: extension ? 'extension_refused' : 'denied',
        actor: actor.email,
        data: { via: request.caller ?? 'unknown', reason: request.body.reason },
      });
      await deps.notifier.send({
        id: extension ? `extension-refused-${next.id}-${Date.parse(previous.pendingExtension?.requestedAt ?? '')}` : `denied-${next.id}`,
        kind: extension ? 'extension-refused' : 'denied',
        to: next.requester.email,
        requestId: next.id,
        text: `${describeActor(actor)} ${extension ? 'refused to extend' : 'denied'} your access request ${next.id}: ${request.body.reason}`,
      });
      return next;
    },
  );
}

/** Extension: the delayed revoke moves to the new end, a warning is scheduled for it. The reaper re-checks anyway. */
async function moveRevoke(deps: ApprovalApiDeps, request: AccessRequest, now: Date): Promise<void> {
  if (!request.endsAt) return;
  const ends = Date.parse(request.endsAt);
  const job = await deps.queues.revoke.getJob(ACCESS_JOB_IDS.revoke(request.id));
  if (job && (await job.isDelayed())) await job.changeDelay(Math.max(0, ends - now.getTime()));
  else if (!job) await enqueue(deps.queues.revoke, { requestId: request.id, reason: 'expired' }, { jobId: ACCESS_JOB_IDS.revoke(request.id), delay: Math.max(0, ends - now.getTime()) });
  const warnAt = ends - deps.policy.warnBeforeMinutes * deps.minuteMs;
  if (warnAt > now.getTime()) {
    await enqueue(deps.queues.warn, { requestId: request.id, endsAt: request.endsAt }, { jobId: ACCESS_JOB_IDS.warn(request.id, request.endsAt), delay: warnAt - now.getTime() });
  }
}
