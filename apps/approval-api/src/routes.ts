import { z } from 'zod';
import { accessRequestResponse, BATCH_MAX_REQUESTS, EXAMPLE_ACCESS_REQUEST, EXAMPLE_NEW_REQUEST, type Acting } from '@dbre/access';
import { accessRequestSchema } from '@dbre/domain';
import { actingHeaders, actorFrom, freeText, guards, okResponse, problems, type HttpApp } from '@dbre/service-kit';
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
          .default({})
          .meta({ examples: [{ comment: 'OK for OPS-4211, read only' }, { comment: '30 min is enough for this', durationMinutes: 30 }] }),
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
            422: { APPROVAL_DURATION_INVALID: 'The approved duration (90 min) is longer than the 60 min asked; an approver may only shorten it.' },
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

const batchOutcome = z.union([
  z.object({ id: z.string(), outcome: z.enum(['approved', 'denied']), state: z.string(), request: accessRequestSchema }),
  z.object({ id: z.string(), outcome: z.literal('approval_recorded'), state: z.string(), approvals: z.number().int(), required: z.number().int(), request: accessRequestSchema }),
  z.object({ id: z.string(), outcome: z.literal('refused'), code: z.string(), reason: z.string() }),
]);
const APPROVED_EXAMPLE = { ...EXAMPLE_NEW_REQUEST, approvals: [{ by: { email: 'bob@example.com', displayName: 'Bob Tanaka' }, at: '2026-12-02T09:03:00.000Z' }], state: 'approved' as const, decidedAt: '2026-12-02T09:03:00.000Z', version: 2, updatedAt: '2026-12-02T09:03:00.000Z' };
const batchResponse = okResponse(z.object({ batchId: z.string(), change: z.string().optional().describe('the ticket URL (or reason) every decided request shares'), outcomes: z.array(batchOutcome) }), {
  description: 'One outcome per listed id, in order: approved, approval_recorded (needs another approver), denied, or refused with a code and a sentence',
  example: {
    batchId: '01JE8R0000BATCH00000000000',
    change: EXAMPLE_NEW_REQUEST.ticketUrl,
    outcomes: [
      { id: EXAMPLE_NEW_REQUEST.id, outcome: 'approved', state: 'approved', request: APPROVED_EXAMPLE },
      { id: '01JE8Q4Z7R3M6V2K9T1W5XN0BE', outcome: 'refused', code: 'POLICY_SELF_APPROVAL', reason: 'You cannot approve your own request; another approver must do it.' },
      { id: EXAMPLE_NEW_REQUEST.id, outcome: 'refused', code: 'BATCH_DUPLICATE', reason: `Request ${EXAMPLE_NEW_REQUEST.id} is listed more than once; it was decided once.` },
    ],
  },
  serialize: 'as-is',
});

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
          .refine((b) => b.decision !== 'deny' || b.durationMinutes === undefined, { message: 'durationMinutes applies to approvals only', path: ['durationMinutes'] })
          .meta({ examples: [{ decision: 'approve', ids: [EXAMPLE_NEW_REQUEST.id, '01JE8Q4Z7R3M6V2K9T1W5XN0BE'] }] }),
        response: { 200: batchResponse },
      },
    },
    async (request) => deps.access.decideBatch(request.body, { ...actorFrom(request.headers), via: request.caller ?? 'unknown' }),
  );
}
