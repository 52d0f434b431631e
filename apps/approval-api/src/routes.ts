import { z } from 'zod';
import { accessRequestResponse, EXAMPLE_ACCESS_REQUEST, EXAMPLE_NEW_REQUEST, type Acting } from '@dbre/access';
import { actingHeaders, actorFrom, freeText, guards, problems, type HttpApp } from '@dbre/service-kit';
import type { ApprovalApiDeps } from './app';

const idParams = z.object({ id: z.string().regex(/^[0-9A-HJKMNP-TV-Z]{26}$/, 'an access request id (ULID)') });
const security = [{ bearer: [] }];

const ID = EXAMPLE_ACCESS_REQUEST.id;
const REQUESTED = EXAMPLE_NEW_REQUEST;
/** Refusals both decisions share: the policy (audited as approval_refused), the store, the state machine. */
const decisionProblems = {
  403: {
    POLICY_NOT_APPROVER: 'You are not an approver for prod clusters.',
    POLICY_SELF_APPROVAL: 'You cannot approve your own request; another approver must do it.',
  },
  404: { REQUEST_NOT_FOUND: `There is no access request ${ID}.` },
  409: {
    ILLEGAL_TRANSITION: `Request ${ID} is cancelled; it cannot be denied now.`,
    NO_PENDING_EXTENSION: `Request ${ID} is active and has no extension waiting for approval.`,
    REQUEST_CONFLICT: `Request ${ID} kept changing; the step was not applied after 5 attempts.`,
    REQUEST_QUARANTINED: `Access request ${ID} is quarantined: its stored record does not match the schema (state: Invalid option).`,
  },
  503: { AUDIT_APPEND_CONTENDED: 'The service failed; the error is logged with this request id.' },
};

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
        body: z.object({ comment: freeText({ max: 1000, multiline: true }).optional() }).default({}).meta({ examples: [{ comment: 'OK for OPS-4211, read only' }] }),
        response: {
          200: accessRequestResponse('Enough approvals: the request is approved (provisioning is queued), or the extension granted (the end moved)', {
            ...REQUESTED,
            approvals: [{ by: { email: 'bob@example.com', displayName: 'Bob Tanaka' }, at: '2026-12-02T09:03:00.000Z' }],
            state: 'approved',
            decidedAt: '2026-12-02T09:03:00.000Z',
            version: 2,
            updatedAt: '2026-12-02T09:03:00.000Z',
          }),
          202: accessRequestResponse('Approval recorded; more approvers are needed (prod asks for two different people)', {
            ...REQUESTED,
            approvalsRequired: 2,
            approvals: [{ by: { email: 'bob@example.com', displayName: 'Bob Tanaka' }, at: '2026-12-02T09:03:00.000Z' }],
            version: 2,
            updatedAt: '2026-12-02T09:03:00.000Z',
          }),
          ...problems({
            ...decisionProblems,
            403: { ...decisionProblems[403], POLICY_UNKNOWN_APPROVER: 'The approver could not be identified.' },
            409: {
              POLICY_ALREADY_APPROVED: 'You have already approved this request; it needs another approver.',
              POLICY_NOT_PENDING: `Request ${ID} is revoked; there is nothing to approve.`,
              ...decisionProblems[409],
            },
          }),
        },
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
        body: z
          .object({ reason: freeText({ min: 3, minMessage: 'a denial needs a reason (at least 3 characters)', max: 1000, multiline: true }) })
          .meta({ examples: [{ reason: 'Use the read replica dashboard for this; no direct prod access needed' }] }),
        response: {
          200: accessRequestResponse('The request, denied (or the pending extension refused: the grant stays active without it)', {
            ...REQUESTED,
            state: 'denied',
            decidedAt: '2026-12-02T09:03:00.000Z',
            denial: { by: { email: 'bob@example.com', displayName: 'Bob Tanaka' }, at: '2026-12-02T09:03:00.000Z', reason: 'Use the read replica dashboard for this; no direct prod access needed' },
            version: 2,
            updatedAt: '2026-12-02T09:03:00.000Z',
          }),
          ...problems({ ...decisionProblems, 400: { DENIAL_REASON_REQUIRED: 'A denial needs a reason.' } }),
        },
      },
    },
    async (request) => deps.access.deny(request.params.id, acting(request.headers, request.caller), request.body.reason),
  );
}
