import { z } from 'zod';
import type { Acting } from '@dbre/access';
import { actingHeaders, actorFrom, freeText, guards, type HttpApp } from '@dbre/service-kit';
import type { ApprovalApiDeps } from './app';

const idParams = z.object({ id: z.string().regex(/^[0-9A-HJKMNP-TV-Z]{26}$/, 'an access request id (ULID)') });
const security = [{ bearer: [] }];

/** The route map of approval-api: each handler parses HTTP and calls one step of @dbre/access. */
export function registerRoutes(app: HttpApp, deps: ApprovalApiDeps): void {
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
        body: z.object({ comment: freeText({ max: 1000, multiline: true }).optional() }).default({}),
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
