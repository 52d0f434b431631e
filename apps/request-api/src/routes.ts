import { z } from 'zod';
import { accessRequestResponse, EXAMPLE_ACCESS_REQUEST, EXAMPLE_NEW_REQUEST, followResponse, requestPageResponse, type Acting } from '@dbre/access';
import { databaseName, REQUEST_STATES, verifyRequestChain } from '@dbre/domain';
import { actingHeaders, actorFrom, AppError, freeText, guards, okResponse, problems, type HttpApp } from '@dbre/service-kit';
import type { RequestApiDeps } from './app';

const idParams = z.object({ id: z.string().regex(/^[0-9A-HJKMNP-TV-Z]{26}$/, 'an access request id (ULID)') });

const createBody = z.object({
  clusterId: z.string().regex(/^[a-z][a-z0-9-]{1,62}$/, 'a cluster id: lower-case letters, digits and dashes'),
  database: databaseName,
  profile: z.string().min(1).max(32),
  durationMinutes: z.number().int().positive().optional(),
  reason: freeText({ min: 10, minMessage: 'the reason must be at least 10 characters', max: 2000, multiline: true }),
  ticketUrl: z.url().max(2000).optional(),
});

const listQuery = z.object({
  state: z.enum(REQUEST_STATES).optional(),
  requester: z.email().optional(),
  limit: z.coerce.number().int().min(1).max(100).default(50),
  cursor: z.string().max(2000).optional(),
});

const security = [{ bearer: [] }];

const ID = EXAMPLE_ACCESS_REQUEST.id;
const notFound = { REQUEST_NOT_FOUND: `There is no access request ${ID}.` };
const quarantined = { REQUEST_QUARANTINED: `Access request ${ID} is quarantined: its stored record does not match the schema (state: Invalid option).` };
/** What every step on one request may refuse besides its own rule (store and state machine). */
const stepProblems = {
  404: notFound,
  409: {
    ILLEGAL_TRANSITION: `Request ${ID} is revoked; it cannot be cancelled now.`,
    REQUEST_CONFLICT: `Request ${ID} kept changing; the step was not applied after 5 attempts.`,
    ...quarantined,
  },
  503: { AUDIT_APPEND_CONTENDED: 'The service failed; the error is logged with this request id.' },
};

const outboxMessage = z.object({
  id: z.string(),
  kind: z.string().describe('review, approved, denied, credentials, warning, extended, revoked, …'),
  to: z.string(),
  requestId: z.string().optional(),
  text: z.string().describe('for a message carrying credentials: a placeholder until opened, then the text once'),
  sensitive: z.boolean(),
  openedAt: z.string().optional(),
  createdAt: z.string(),
  data: z.record(z.string(), z.unknown()).optional(),
});
const EXAMPLE_MESSAGE = {
  id: `approved-${ID}`,
  kind: 'approved',
  to: 'alice@example.com',
  requestId: ID,
  text: `bob@example.com approved your access request ${ID}; the credentials follow in a moment.`,
  sensitive: false,
  createdAt: '2026-12-02T09:03:01.000Z',
};
const EXAMPLE_CREDENTIALS = {
  id: `credentials-${ID}`,
  kind: 'credentials',
  to: 'alice@example.com',
  requestId: ID,
  text: 'mysql -h 127.0.0.1 -P 13306 -u jit_alice_8f2c -p\'example-Passw0rd-9f2c\' orders',
  sensitive: true,
  openedAt: '2026-12-02T09:05:12.000Z',
  createdAt: '2026-12-02T09:04:02.000Z',
};

/** The route map of request-api: each handler parses HTTP and calls one step of @dbre/access. */
export function registerRoutes(app: HttpApp, deps: RequestApiDeps): void {
  const acting = (headers: Parameters<typeof actorFrom>[0], caller: string | undefined): Acting => ({ ...actorFrom(headers), via: caller ?? 'unknown' });

  app.post(
    '/v1/access-requests',
    { config: { guard: guards.scope('requests:create'), idempotent: true }, schema: {
        summary: 'Ask for access',
        description: 'Creates a request in state `requested` and tells the approvers of the environment. The cluster must be in the inventory and the database must exist on it.',
        tags: ['access'],
        security,
        headers: actingHeaders,
        body: createBody.meta({ examples: [{ clusterId: 'orders-prod', database: 'orders', profile: 'read', durationMinutes: 60, reason: 'Investigate OPS-4211: duplicate order rows since 08:40 UTC', ticketUrl: 'https://tracker.example.com/browse/OPS-4211' }] }),
        response: {
          201: accessRequestResponse('The request, created (state requested)', EXAMPLE_NEW_REQUEST),
          ...problems({
            400: {
              REQUEST_INVALID: 'The request cannot be accepted:\n- 480 minutes is over the prod maximum of 240.',
              DATABASE_NOT_FOUND: 'There is no database "ordres" on cluster orders-prod; access is granted to existing databases only.',
            },
            409: { REQUEST_EXISTS: `request ${ID} already exists` },
          }),
        },
      },
    },
    async (request, reply) => reply.status(201).send(await deps.access.create(request.body, acting(request.headers, request.caller))),
  );

  app.get(
    '/v1/access-requests/:id',
    { config: { guard: guards.scope('requests:read') }, schema: { summary: 'A request with its audit timeline', tags: ['access'], security, params: idParams, response: { 200: followResponse, ...problems({ 404: notFound, 409: quarantined }) } } },
    async (request) => {
      const followed = await deps.access.follow(request.params.id);
      // Intact links are not enough: the chain must also start with `requested` and hold every step its state needs.
      const chain = followed.chain.ok ? verifyRequestChain(followed.timeline, { state: followed.request.state, approvalsRequired: followed.request.approvalsRequired }) : followed.chain;
      return { ...followed, chain };
    },
  );

  app.get(
    '/v1/access-requests',
    { config: { guard: guards.scope('requests:read') }, schema: {
        summary: 'List requests by state and/or requester',
        description: 'At least one of `state` and `requester`. Newest first, pages of `limit`; follow `cursor` for the next page.',
        tags: ['access'],
        security,
        querystring: listQuery,
        response: { 200: requestPageResponse, ...problems({ 400: { LIST_FILTER_REQUIRED: 'Give state=<state> or requester=<e-mail> (or both).', CURSOR_INVALID: 'The cursor is not one this listing gave out: start again without a cursor and follow the `cursor` of each page.' } }) },
      },
    },
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
    { config: { guard: guards.scope('requests:read') }, schema: {
        summary: 'Stored requests quarantined because they do not match the schema',
        tags: ['access'],
        security,
        response: {
          200: okResponse(z.object({ items: z.array(z.object({ id: z.string(), problems: z.array(z.string()).describe('which fields are wrong (paths and rules, never the values)') })) }), {
            description: 'Every quarantined record, by id',
            example: { items: [{ id: ID, problems: ['state: Invalid option: expected one of "requested"|"approved"|…'] }] },
          }),
        },
      },
    },
    async () => ({ items: await deps.requests.listQuarantined() }),
  );

  app.post(
    '/v1/access-requests/:id/cancel',
    { config: { guard: guards.scope('requests:create'), idempotent: true }, schema: {
        summary: 'Cancel your request before it is provisioned',
        tags: ['access'],
        security,
        params: idParams,
        headers: actingHeaders,
        response: {
          200: accessRequestResponse('The request, cancelled', { ...EXAMPLE_NEW_REQUEST, state: 'cancelled', cancelledBy: { email: 'alice@example.com', displayName: 'Alice Sato' }, version: 2 }),
          ...problems({ ...stepProblems, 403: { CANCEL_NOT_REQUESTER: 'Only the requester can cancel a request.' } }),
        },
      },
    },
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
        body: z.object({ minutes: z.number().int().positive().max(24 * 60), reason: freeText({ max: 1000, multiline: true }).optional() }).meta({ examples: [{ minutes: 30, reason: 'The backfill check needs another half hour' }] }),
        response: {
          202: accessRequestResponse('The grant with its pending extension; approvers are asked (POST …/approve on approval-api)', {
            ...EXAMPLE_ACCESS_REQUEST,
            pendingExtension: { requestedBy: { email: 'alice@example.com', displayName: 'Alice Sato' }, requestedAt: '2026-12-02T09:50:00.000Z', minutes: 30, reason: 'The backfill check needs another half hour', approvals: [] },
            version: 7,
          }),
          ...problems({
            ...stepProblems,
            400: { EXTENSION_TOO_LONG: 'Extending by 240 min would make 300 min in total, over the prod maximum of 240 min.', EXTENSION_INVALID: 'The extension must be a positive number of minutes.' },
            403: { EXTENSION_NOT_REQUESTER: 'Only the requester can ask to extend their grant.' },
            409: { ...stepProblems[409], EXTENSION_NOT_ACTIVE: 'Only an active grant can be extended; this one is revoked.', EXTENSION_PENDING: 'An extension is already waiting for approval.' },
          }),
        },
      },
    },
    async (request, reply) => reply.status(202).send(await deps.access.requestExtension(request.params.id, acting(request.headers, request.caller), request.body)),
  );

  app.post(
    '/v1/access-requests/:id/end',
    { config: { guard: guards.scope('grants:end'), idempotent: true }, schema: {
        summary: 'End an active grant now (requester or approver)',
        description: 'Moves the grant to `revoking` and runs its revoke job at once: sessions killed, user dropped, bastion and secret removed.',
        tags: ['access'],
        security,
        params: idParams,
        headers: actingHeaders,
        response: {
          202: accessRequestResponse('The grant, being revoked', { ...EXAMPLE_ACCESS_REQUEST, state: 'revoking', revokeReason: 'ended_by_requester', version: 7 }),
          ...problems({ ...stepProblems, 403: { END_NOT_ALLOWED: 'Only the requester or an approver for prod can end this grant.' } }),
        },
      },
    },
    async (request, reply) => reply.status(202).send(await deps.access.end(request.params.id, acting(request.headers, request.caller))),
  );

  app.get(
    '/v1/outbox',
    { config: { guard: guards.scope('outbox:read') }, schema: {
        summary: 'Your notifications, newest first (credentials are shown only by open)',
        description: 'The local stand-in for Slack DMs (no Slack token): the messages sent to the acting person.',
        tags: ['outbox'],
        security,
        headers: actingHeaders,
        response: {
          200: okResponse(z.object({ items: z.array(outboxMessage) }), {
            description: 'Messages to the acting person',
            example: { items: [EXAMPLE_MESSAGE, { id: EXAMPLE_CREDENTIALS.id, kind: 'credentials', to: EXAMPLE_CREDENTIALS.to, requestId: ID, text: 'This message carries credentials: its recipient can open it once (POST /v1/outbox/{id}/open).', sensitive: true, createdAt: EXAMPLE_CREDENTIALS.createdAt }] },
            serialize: 'as-is',
          }),
        },
      },
    },
    async (request) => ({ items: await deps.outbox.list(request.headers['x-acting-user']) }),
  );

  app.post(
    '/v1/outbox/:id/open',
    { config: { guard: guards.scope('outbox:open') }, schema: {
        summary: 'Open one of your notifications; one carrying credentials opens only once',
        tags: ['outbox'],
        security,
        headers: actingHeaders,
        params: z.object({ id: z.string().min(1).max(200) }),
        response: {
          200: okResponse(outboxMessage, { description: 'The message with its full text', example: EXAMPLE_CREDENTIALS, serialize: 'as-is' }),
          ...problems({
            403: { OUTBOX_NOT_RECIPIENT: `Only the recipient of message credentials-${ID} can open it.` },
            404: { OUTBOX_MESSAGE_NOT_FOUND: `No outbox message credentials-${ID}.` },
            409: { OUTBOX_ALREADY_OPENED: `Message credentials-${ID} carried credentials and was already opened; it cannot be shown again.` },
          }),
        },
      },
    },
    async (request) => deps.outbox.open(request.params.id, request.headers['x-acting-user']),
  );
}
