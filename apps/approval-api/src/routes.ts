import { z } from 'zod';
import { BATCH_MAX_REQUESTS, type Acting } from '@dbre/access';
import { actingHeaders, actorFrom, freeText, guards, type HttpApp } from '@dbre/service-kit';
import type { ApprovalApiDeps } from './app';

const idParams = z.object({ id: z.string().regex(/^[0-9A-HJKMNP-TV-Z]{26}$/, 'an access request id (ULID)') });
const security = [{ bearer: [] }];

/** The route map of approval-api: each handler parses HTTP and calls one step of @dbre/access. */
export function registerRoutes(app: HttpApp, deps: ApprovalApiDeps): void {
  registerBatchRoutes(app, deps);
  const acting = (headers: Parameters<typeof actorFrom>[0], caller: string | undefined): Acting => ({ ...actorFrom(headers), via: caller ?? 'unknown' });

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
        body: z
          .object({
            comment: freeText({ max: 1000, multiline: true }).optional(),
            durationMinutes: z.number().int('whole minutes').positive('a positive number of minutes').optional().describe('Approve for less than was asked (at most the requested minutes; the shortest approval wins)'),
          })
          .default({}),
      },
    },
    async (request, reply) => {
      const { request: next, complete } = await deps.access.approve(request.params.id, acting(request.headers, request.caller), request.body);
      return reply.status(complete ? 200 : 202).send(next); // 202: more approvals are needed
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
    async (request) => deps.access.deny(request.params.id, acting(request.headers, request.caller), request.body.reason),
  );
}

/** Registered by registerRoutes: one action deciding several pending requests of one change. */
export function registerBatchRoutes(app: HttpApp, deps: ApprovalApiDeps): void {
  app.post(
    '/v1/access-requests/batch-decisions',
    {
      config: { guard: guards.scope('approve'), idempotent: true },
      schema: {
        summary: `Approve or deny several pending requests of one change (same ticket, or same reason) — at most ${BATCH_MAX_REQUESTS}; each is decided and audited on its own`,
        tags: ['approval'],
        security,
        headers: actingHeaders,
        body: z
          .object({
            ids: z.array(idParams.shape.id).min(1, 'list at least one request id').max(BATCH_MAX_REQUESTS, `at most ${BATCH_MAX_REQUESTS} requests in one batch`),
            decision: z.enum(['approve', 'deny']),
            reason: freeText({ min: 3, minMessage: 'a denial needs a reason (at least 3 characters)', max: 1000, multiline: true }).optional(),
            durationMinutes: z.number().int('whole minutes').positive('a positive number of minutes').optional(),
            comment: freeText({ max: 1000, multiline: true }).optional(),
          })
          .refine((b) => b.decision !== 'deny' || b.reason !== undefined, { message: 'a denial needs a reason (at least 3 characters)', path: ['reason'] })
          .refine((b) => b.decision !== 'deny' || b.durationMinutes === undefined, { message: 'durationMinutes applies to approvals only', path: ['durationMinutes'] }),
      },
    },
    async (request) => deps.access.decideBatch(request.body, { ...actorFrom(request.headers), via: request.caller ?? 'unknown' }),
  );
}
