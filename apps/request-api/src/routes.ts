import { z } from 'zod';
import { ulid } from 'ulid';
import {
  approversOf,
  createAccessRequest,
  databaseName,
  isApprover,
  REQUEST_STATES,
  sameActor,
  validateExtension,
  type AccessRequest,
} from '@dbre/domain';
import { ACCESS_JOB_IDS, enqueue } from '@dbre/queue';
import { actingHeaders, actorFrom, AppError, type HttpApp } from '@dbre/service-kit';
import type { RequestApiDeps } from './app';

const idParams = z.object({ id: z.string().regex(/^[0-9A-HJKMNP-TV-Z]{26}$/, 'an access request id (ULID)') });

const createBody = z.object({
  clusterId: z.string().regex(/^[a-z][a-z0-9-]{1,62}$/, 'a cluster id: lower-case letters, digits and dashes'),
  database: databaseName,
  profile: z.string().min(1).max(32),
  durationMinutes: z.number().int().positive().optional(),
  reason: z.string().trim().min(10, 'the reason must be at least 10 characters').max(2000),
  ticketUrl: z.url().max(2000).optional(),
});

const listQuery = z.object({
  state: z.enum(REQUEST_STATES).optional(),
  requester: z.email().optional(),
  limit: z.coerce.number().int().min(1).max(100).default(50),
  cursor: z.string().max(2000).optional(),
});

const security = [{ bearer: [] }];

/** The route map of request-api. */
export function registerRoutes(app: HttpApp, deps: RequestApiDeps): void {
  const clock = deps.clock ?? (() => new Date());
  const via = (caller: string | undefined) => ({ via: caller ?? 'unknown' });

  app.post(
    '/v1/access-requests',
    { schema: { summary: 'Ask for access', tags: ['access'], security, headers: actingHeaders, body: createBody } },
    async (request, reply) => {
      const actor = actorFrom(request.headers);
      const now = clock();
      const cluster = await deps.inventory.get(request.body.clusterId);
      const input = {
        ...request.body,
        requester: { email: actor.email, displayName: actor.displayName ?? actor.email, ...(actor.slackUserId ? { slackUserId: actor.slackUserId } : {}) },
      };
      let created = createAccessRequest(deps.policy, input, cluster ? { id: cluster.id, environment: cluster.environment } : undefined, now, ulid(now.getTime()));
      if (cluster) await deps.databases.requireDatabase(cluster, created.target.database);
      created = { ...created, reviewExpiresAt: new Date(now.getTime() + deps.policy.reviewExpiryMinutes * deps.minuteMs).toISOString() };
      await deps.requests.create(created);
      await deps.audit.append(created.id, {
        key: 'requested',
        kind: 'requested',
        actor: actor.email,
        data: { ...via(request.caller), target: created.target, profile: created.profile, privileges: created.privileges, durationMinutes: created.durationMinutes, reason: created.reason, ...(created.ticketUrl ? { ticketUrl: created.ticketUrl } : {}) },
      });
      for (const approver of approversOf(deps.policy, created.target.environment)) {
        if (approver === actor.email) continue;
        await deps.outbox.send({
          id: `review-${created.id}-${approver}`.slice(0, 200),
          kind: 'review',
          to: approver,
          requestId: created.id,
          text: `${actor.email} asks for ${created.profile} access to ${created.target.clusterId}/${created.target.database} (${created.target.environment}) for ${created.durationMinutes} min: ${created.reason}. Approve or deny: POST /v1/access-requests/${created.id}/approve|deny.`,
        });
      }
      return reply.status(201).send(created);
    },
  );

  app.get(
    '/v1/access-requests/:id',
    { schema: { summary: 'A request with its audit timeline', tags: ['access'], security, params: idParams } },
    async (request) => {
      const found = await deps.requests.require(request.params.id);
      const [timeline, chain] = await Promise.all([deps.audit.list(found.id), deps.audit.verifyChain(found.id)]);
      return { request: found, timeline, chain };
    },
  );

  app.get(
    '/v1/access-requests',
    { schema: { summary: 'List requests by state and/or requester', tags: ['access'], security, querystring: listQuery } },
    async (request) => {
      const { state, requester, limit, cursor } = request.query;
      if (!state && !requester) throw new AppError('LIST_FILTER_REQUIRED', 'invalid', 'Give state=<state> or requester=<e-mail> (or both).');
      const paging = { limit, ...(cursor ? { cursor } : {}) };
      const page = requester ? await deps.requests.listByRequester(requester, paging) : await deps.requests.listByState(state ?? 'requested', paging);
      const items = state ? page.items.filter((r) => r.state === state) : page.items;
      return { items, ...(page.cursor ? { cursor: page.cursor } : {}) };
    },
  );

  // Operators: stored records that no longer read as requests (skipped by lists and the sweep).
  app.get(
    '/v1/quarantined-requests',
    { schema: { summary: 'Stored requests quarantined because they do not match the schema', tags: ['access'], security } },
    async () => ({ items: await deps.requests.listQuarantined() }),
  );

  app.post(
    '/v1/access-requests/:id/cancel',
    { schema: { summary: 'Cancel your request before it is provisioned', tags: ['access'], security, params: idParams, headers: actingHeaders } },
    async (request) => {
      const actor = actorFrom(request.headers);
      const current = await deps.requests.require(request.params.id);
      if (!sameActor(actor, current.requester)) throw new AppError('CANCEL_NOT_REQUESTER', 'forbidden', 'Only the requester can cancel a request.');
      const { request: next } = await deps.requests.applyEvent(current.id, { type: 'cancel', by: actor }, clock());
      await deps.audit.append(next.id, { key: 'cancelled', kind: 'cancelled', actor: actor.email, data: via(request.caller) });
      return next;
    },
  );

  app.post(
    '/v1/access-requests/:id/extend',
    {
      schema: {
        summary: 'Ask to extend an active grant (needs a new approval)',
        tags: ['access'],
        security,
        params: idParams,
        headers: actingHeaders,
        body: z.object({ minutes: z.number().int().positive().max(24 * 60), reason: z.string().trim().max(1000).optional() }),
      },
    },
    async (request, reply) => {
      const actor = actorFrom(request.headers);
      const current = await deps.requests.require(request.params.id);
      const allowed = validateExtension(deps.policy, current, request.body.minutes);
      if (!allowed.allowed) throw new AppError(allowed.code, allowed.code === 'EXTENSION_NOT_ACTIVE' ? 'conflict' : 'invalid', allowed.reason);
      const { request: next } = await deps.requests.applyEvent(
        current.id,
        { type: 'request_extension', by: actor, minutes: request.body.minutes, ...(request.body.reason ? { reason: request.body.reason } : {}) },
        clock(),
      );
      await deps.audit.append(next.id, {
        key: `extension_requested:${next.pendingExtension?.requestedAt ?? clock().toISOString()}`,
        kind: 'extension_requested',
        actor: actor.email,
        data: { ...via(request.caller), minutes: request.body.minutes, ...(request.body.reason ? { reason: request.body.reason } : {}) },
      });
      for (const approver of approversOf(deps.policy, next.target.environment)) {
        if (approver === actor.email) continue;
        await deps.outbox.send({
          id: `extension-${next.id}-${Date.parse(next.pendingExtension?.requestedAt ?? '')}-${approver}`.slice(0, 200),
          kind: 'extension-review',
          to: approver,
          requestId: next.id,
          text: `${actor.email} asks to extend ${next.id} by ${request.body.minutes} min. Approve or deny: POST /v1/access-requests/${next.id}/approve|deny.`,
        });
      }
      return reply.status(202).send(next);
    },
  );

  app.post(
    '/v1/access-requests/:id/end',
    { schema: { summary: 'End an active grant now (requester or approver)', tags: ['access'], security, params: idParams, headers: actingHeaders } },
    async (request, reply) => {
      const actor = actorFrom(request.headers);
      const current = await deps.requests.require(request.params.id);
      const byRequester = sameActor(actor, current.requester);
      if (!byRequester && !isApprover(deps.policy, current.target.environment, actor)) {
        throw new AppError('END_NOT_ALLOWED', 'forbidden', `Only the requester or an approver for ${current.target.environment} can end this grant.`);
      }
      const reason = byRequester ? 'ended_by_requester' : 'ended_by_approver';
      const { request: next } = await deps.requests.applyEvent(current.id, { type: 'start_revoke', reason, by: actor }, clock());
      await deps.audit.append(next.id, { key: 'revoke_started', kind: 'revoke_started', actor: actor.email, data: { ...via(request.caller), reason } });
      await revokeNow(deps, next);
      return reply.status(202).send(next);
    },
  );

  app.get(
    '/v1/outbox',
    { schema: { summary: 'Your notifications, newest first (credentials are shown only by open)', tags: ['outbox'], security, headers: actingHeaders } },
    async (request) => ({ items: await deps.outbox.list(request.headers['x-acting-user']) }),
  );

  app.post(
    '/v1/outbox/:id/open',
    { schema: { summary: 'Open one of your notifications; one carrying credentials opens only once', tags: ['outbox'], security, headers: actingHeaders, params: z.object({ id: z.string().min(1).max(200) }) } },
    async (request) => deps.outbox.open(request.params.id, request.headers['x-acting-user']),
  );
}

/** Runs the revoke job now: promotes the delayed one, or adds it when Redis lost it. */
async function revokeNow(deps: RequestApiDeps, request: AccessRequest): Promise<void> {
  const jobId = ACCESS_JOB_IDS.revoke(request.id);
  const job = await deps.queues.revoke.getJob(jobId);
  const state = job ? await job.getState() : 'missing';
  if (job && state === 'delayed') return job.promote();
  if (job && (state === 'completed' || state === 'failed')) await job.remove();
  if (state !== 'waiting' && state !== 'active' && state !== 'prioritized' && state !== 'waiting-children') {
    await enqueue(deps.queues.revoke, { requestId: request.id, reason: request.revokeReason ?? 'ended_by_requester' }, { jobId });
  }
}
