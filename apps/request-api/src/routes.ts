import { z } from 'zod';
import type { Acting } from '@dbre/access';
import { databaseName, REQUEST_STATES } from '@dbre/domain';
import { actingHeaders, actorFrom, AppError, freeText, guards, type HttpApp } from '@dbre/service-kit';
import type { RequestApiDeps } from './app';

const idParams = z.object({ id: z.string().regex(/^[0-9A-HJKMNP-TV-Z]{26}$/, 'an access request id (ULID)') });

const createBody = z.object({
  clusterId: z.string().regex(/^[a-z][a-z0-9-]{1,62}$/, 'a cluster id: lower-case letters, digits and dashes'),
  database: databaseName,
  profile: z.string().min(1).max(32),
  durationMinutes: z.number().int().positive().optional(),
  reason: freeText({ min: 10, minMessage: 'the reason must be at least 10 characters', max: 2000, multiline: true }),
  ticketUrl: z.url().max(2000).optional(),
  startAt: z.iso
    .datetime({ offset: true, message: 'an ISO 8601 time with a zone, e.g. 2026-12-03T06:00:00Z' })
    .optional()
    .describe('Scheduled start: provisioning runs then (not in the past, at most the policy maximum ahead); approvers have until then to decide'),
});

const listQuery = z.object({
  state: z.enum(REQUEST_STATES).optional(),
  requester: z.email().optional(),
  limit: z.coerce.number().int().min(1).max(100).default(50),
  cursor: z.string().max(2000).optional(),
});

const security = [{ bearer: [] }];

/** The route map of request-api: each handler parses HTTP and calls one step of @dbre/access. */
export function registerRoutes(app: HttpApp, deps: RequestApiDeps): void {
  const acting = (headers: Parameters<typeof actorFrom>[0], caller: string | undefined): Acting => ({ ...actorFrom(headers), via: caller ?? 'unknown' });

  app.post(
    '/v1/access-requests',
    { config: { guard: guards.scope('requests:create'), idempotent: true }, schema: { summary: 'Ask for access', tags: ['access'], security, headers: actingHeaders, body: createBody } },
    async (request, reply) => reply.status(201).send(await deps.access.create(request.body, acting(request.headers, request.caller))),
  );

  app.get(
    '/v1/access-requests/:id',
    { config: { guard: guards.scope('requests:read') }, schema: { summary: 'A request with its audit timeline', tags: ['access'], security, params: idParams } },
    async (request) => deps.access.follow(request.params.id),
  );

  app.get(
    '/v1/access-requests',
    { config: { guard: guards.scope('requests:read') }, schema: { summary: 'List requests by state and/or requester', tags: ['access'], security, querystring: listQuery } },
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
    { config: { guard: guards.scope('requests:read') }, schema: { summary: 'Stored requests quarantined because they do not match the schema', tags: ['access'], security } },
    async () => ({ items: await deps.requests.listQuarantined() }),
  );

  app.post(
    '/v1/access-requests/:id/cancel',
    { config: { guard: guards.scope('requests:create'), idempotent: true }, schema: { summary: 'Cancel your request before it is provisioned', tags: ['access'], security, params: idParams, headers: actingHeaders } },
    async (request) => deps.access.cancel(request.params.id, acting(request.headers, request.caller)),
  );

  app.post(
    '/v1/access-requests/:id/extend',
    {
      config: { guard: guards.scope('requests:create'), idempotent: true },
      schema: {
        summary: 'Ask to extend an active grant (needs a new approval)',
        tags: ['access'],
        security,
        params: idParams,
        headers: actingHeaders,
        body: z.object({ minutes: z.number().int().positive().max(24 * 60), reason: freeText({ max: 1000, multiline: true }).optional() }),
      },
    },
    async (request, reply) => reply.status(202).send(await deps.access.requestExtension(request.params.id, acting(request.headers, request.caller), request.body)),
  );

  app.post(
    '/v1/access-requests/:id/end',
    { config: { guard: guards.scope('grants:end'), idempotent: true }, schema: { summary: 'End an active grant now (requester or approver)', tags: ['access'], security, params: idParams, headers: actingHeaders } },
    async (request, reply) => reply.status(202).send(await deps.access.end(request.params.id, acting(request.headers, request.caller))),
  );

  app.get(
    '/v1/outbox',
    { config: { guard: guards.scope('outbox:read') }, schema: { summary: 'Your notifications, newest first (credentials are shown only by open)', tags: ['outbox'], security, headers: actingHeaders } },
    async (request) => ({ items: await deps.outbox.list(request.headers['x-acting-user']) }),
  );

  app.post(
    '/v1/outbox/:id/open',
    { config: { guard: guards.scope('outbox:open') }, schema: { summary: 'Open one of your notifications; one carrying credentials opens only once', tags: ['outbox'], security, headers: actingHeaders, params: z.object({ id: z.string().min(1).max(200) }) } },
    async (request) => deps.outbox.open(request.params.id, request.headers['x-acting-user']),
  );
}
