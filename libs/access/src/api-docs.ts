import { z } from 'zod';
import { accessRequestSchema, AUDIT_KINDS, type AccessRequest, type AuditEvent } from '@dbre/domain';
import { okResponse } from '@dbre/service-kit';

/**
 * The access request as request-api and approval-api answer it, for their OpenAPI documents.
 * Documented from the domain's own schema (output side); sent as the steps return it.
 */

const at = (minutes: number) => new Date(Date.UTC(2026, 11, 2, 9, 0) + minutes * 60_000).toISOString();

/** A prod read grant, approved by one person and active. */
export const EXAMPLE_ACCESS_REQUEST: AccessRequest = {
  id: '01JE8Q4Z7R3M6V2K9T1W5XN0BD',
  requester: { email: 'alice@example.com', displayName: 'Alice Sato', slackUserId: 'U04ALICE01' },
  target: { clusterId: 'orders-prod', database: 'orders', environment: 'prod' },
  profile: 'read',
  privileges: ['SELECT', 'SHOW VIEW'],
  durationMinutes: 60,
  reason: 'Investigate OPS-4211: duplicate order rows since 08:40 UTC',
  ticketUrl: 'https://tracker.example.com/browse/OPS-4211',
  approvalsRequired: 1,
  approvals: [{ by: { email: 'bob@example.com', displayName: 'Bob Tanaka' }, at: at(3) }],
  extensions: [],
  requestedAt: at(0),
  reviewExpiresAt: at(60),
  decidedAt: at(3),
  activeAt: at(4),
  endsAt: at(64),
  resources: {
    bastionId: 'i-0a1b2c3d4e5f67890',
    dbUser: 'jit_alice_8f2c',
    dbHost: 'orders-prod.cluster-c1x2y3z4.ap-northeast-1.rds.amazonaws.com',
    secretId: 'dbre/jit/01JE8Q4Z7R3M6V2K9T1W5XN0BD',
    connect: { host: '127.0.0.1', port: 13306 },
    connectCommand: 'aws ssm start-session --target i-0a1b2c3d4e5f67890 --document-name AWS-StartPortForwardingSessionToRemoteHost --parameters host=orders-prod.cluster-c1x2y3z4.ap-northeast-1.rds.amazonaws.com,portNumber=3306,localPortNumber=13306',
  },
  state: 'active',
  version: 6,
  updatedAt: at(4),
};

const { decidedAt: _decided, activeAt: _active, endsAt: _ends, ...undecided } = EXAMPLE_ACCESS_REQUEST;

/** A request just made: nobody approved yet. */
export const EXAMPLE_NEW_REQUEST: AccessRequest = { ...undecided, approvals: [], resources: {}, state: 'requested', version: 1, updatedAt: at(0) };

/** An `AccessRequest` answer (the request after the step), with an example of its own state. */
export function accessRequestResponse(description: string, example: AccessRequest = EXAMPLE_ACCESS_REQUEST) {
  return okResponse(accessRequestSchema, { description, example, serialize: 'as-is' });
}

const auditEvent = z.object({
  requestId: z.string(),
  seq: z.number().int().min(1),
  key: z.string(),
  kind: z.enum(AUDIT_KINDS),
  at: z.string(),
  actor: z.string().optional(),
  data: z.record(z.string(), z.unknown()),
  prevHash: z.string(),
  hash: z.string(),
});

const chain = z.union([
  z.object({ ok: z.literal(true), count: z.number().int(), headHash: z.string() }),
  z.object({ ok: z.literal(false), count: z.number().int(), brokenAt: z.object({ seq: z.number().int(), key: z.string().optional() }), problem: z.string() }),
  // Links intact but steps missing (verifyRequestChain): e.g. a chain that does not start with `requested`.
  z.object({ ok: z.literal(false), count: z.number().int(), headHash: z.string(), incomplete: z.object({ missing: z.array(z.string()) }), problem: z.string() }),
]);

const EXAMPLE_EVENTS: AuditEvent[] = [
  {
    requestId: EXAMPLE_ACCESS_REQUEST.id,
    seq: 1,
    key: 'requested',
    kind: 'requested',
    at: at(0),
    actor: 'alice@example.com',
    data: { via: 'slack', profile: 'read', durationMinutes: 60, reason: EXAMPLE_ACCESS_REQUEST.reason },
    prevHash: '0'.repeat(64),
    hash: '5d41402abc4b2a76b9719d911017c592ae6f1f4b6a1e3c1b0f1c6a0c8e7a9b21',
  },
  {
    requestId: EXAMPLE_ACCESS_REQUEST.id,
    seq: 2,
    key: 'approved:bob@example.com',
    kind: 'approved',
    at: at(3),
    actor: 'bob@example.com',
    data: { via: 'slack', approvals: 1, required: 1 },
    prevHash: '5d41402abc4b2a76b9719d911017c592ae6f1f4b6a1e3c1b0f1c6a0c8e7a9b21',
    hash: '9c1185a5c5e9fc54612808977ee8f548b2258d31e0c4f2a4a9a5f0e2d3c4b5a6',
  },
];

/** GET /v1/access-requests/{id}: the request, its audit timeline and the hash chain's verdict. */
export const followResponse = okResponse(z.object({ request: accessRequestSchema, timeline: z.array(auditEvent), chain }), {
  description: 'The request, its audit events oldest first, and whether the hash chain verifies',
  example: { request: EXAMPLE_ACCESS_REQUEST, timeline: EXAMPLE_EVENTS, chain: { ok: true, count: 2, headHash: EXAMPLE_EVENTS[1]?.hash ?? '' } },
  serialize: 'as-is',
});

/** GET /v1/access-requests: one page of requests. */
export const requestPageResponse = okResponse(z.object({ items: z.array(accessRequestSchema), cursor: z.string().optional().describe('pass as ?cursor= for the next page; absent on the last') }), {
  description: 'One page of requests, newest first',
  example: { items: [EXAMPLE_ACCESS_REQUEST], cursor: 'eyJpZCI6IjAxSkU4UTRaN1IzTTZWMks5VDFXNVhOMEJEIn0' },
  serialize: 'as-is',
});
