import { z } from 'zod';

export const ENVIRONMENTS = ['dev', 'stg', 'prod'] as const;
export type Environment = (typeof ENVIRONMENTS)[number];

export const REQUEST_STATES = [
  'requested',
  'approved',
  'provisioning',
  'active',
  'revoking',
  'revoked',
  'denied',
  'cancelled',
  'expired',
  'failed',
] as const;
export type RequestState = (typeof REQUEST_STATES)[number];

/** No transition leaves these. */
export const TERMINAL_STATES: readonly RequestState[] = ['revoked', 'denied', 'cancelled', 'expired', 'failed'];
/** States in which cloud or database resources may exist for the request. */
export const RESOURCE_STATES: readonly RequestState[] = ['provisioning', 'active', 'revoking'];

export function isTerminal(state: RequestState): boolean {
  return TERMINAL_STATES.includes(state);
}

const isoTime = z.iso.datetime({ offset: true });

/** `*` = every database of the cluster; otherwise a plain schema name. */
export const databaseName = z
  .string()
  .regex(/^(\*|[A-Za-z0-9_][A-Za-z0-9_$-]{0,63})$/, 'a database name ([A-Za-z0-9_$-], up to 64 chars) or * for every database');

/** A permission profile's name, as the policy and the stored request spell it. */
export const profileNameSchema = z.string().regex(/^[a-z][a-z0-9_-]{0,31}$/, 'a profile name: lower-case letters, digits, _ or -, up to 32 chars');

export const requesterSchema = z.object({
  slackUserId: z.string().regex(/^[UW][A-Z0-9]{2,20}$/, 'a Slack user id like U0123ABCD').optional(),
  email: z.email().max(254).transform((e) => e.toLowerCase()),
  displayName: z.string().min(1).max(200),
});
export type Requester = z.output<typeof requesterSchema>;

export const targetSchema = z.object({
  clusterId: z.string().regex(/^[a-z][a-z0-9-]{1,62}$/),
  database: databaseName,
  /** Snapshot of the cluster's environment when the request was made. */
  environment: z.enum(ENVIRONMENTS),
});
export type AccessTarget = z.output<typeof targetSchema>;

/** Who acted: e-mail (lower-case) and/or Slack user id; or, for an auto-approval, the policy rule (no person). */
export const actorSchema = z.object({
  email: z.string().max(254).optional(),
  slackUserId: z.string().max(32).optional(),
  displayName: z.string().max(200).optional(),
  /** Set only when a rule of the policy's `autoApprove` acted: its id. */
  policyRule: z.string().max(64).optional(),
});
export type Actor = z.output<typeof actorSchema>;

export const approvalSchema = z.object({ by: actorSchema, at: isoTime });
export type Approval = z.output<typeof approvalSchema>;

export const denialSchema = z.object({ by: actorSchema, at: isoTime, reason: z.string().min(1).max(1000) });
export type Denial = z.output<typeof denialSchema>;

export const extensionSchema = z.object({
  requestedBy: actorSchema,
  requestedAt: isoTime,
  minutes: z.number().int().positive(),
  reason: z.string().max(1000).optional(),
  approvals: z.array(approvalSchema),
});
export type ExtensionRequest = z.output<typeof extensionSchema>;

/** One granted extension, for the record. */
export const extensionRecordSchema = z.object({
  minutes: z.number().int().positive(),
  previousEndsAt: isoTime,
  endsAt: isoTime,
  approvals: z.array(approvalSchema),
  at: isoTime,
});
export type ExtensionRecord = z.output<typeof extensionRecordSchema>;

/** What provisioning created; recorded step by step so compensation and revoke know what to remove. */
export const resourcesSchema = z.object({
  bastionId: z.string().max(200).optional(),
  dbUser: z.string().max(80).optional(),
  dbHost: z.string().max(255).optional(),
  secretId: z.string().max(512).optional(),
  connect: z.object({ host: z.string(), port: z.number().int() }).optional(),
  connectCommand: z.string().max(2000).optional(),
});
export type GrantResources = z.output<typeof resourcesSchema>;

/**
 * The head of the request's audit chain, kept on the request itself so an append needs no
 * re-read: the last seq and hash, every step key in the chain (idempotency), and how many of
 * the oldest events were moved to the audit table (the rest travel inline with the request).
 */
export const auditHeadSchema = z.object({
  seq: z.number().int().min(0),
  hash: z.string().regex(/^[0-9a-f]{64}$/),
  keys: z.array(z.string()),
  archived: z.number().int().min(0).default(0),
});
export type AuditHead = z.output<typeof auditHeadSchema>;

/** One policy minute in real milliseconds: 60 000, except in tests and benchmarks. */
export const REAL_MINUTE_MS = 60_000;

export const revokeReasonSchema = z.enum(['expired', 'ended_by_requester', 'ended_by_approver', 'ended_by_operator', 'sweep']);
export type RevokeReason = z.output<typeof revokeReasonSchema>;

export const accessRequestSchema = z.object({
  id: z.string().regex(/^[0-9A-HJKMNP-TV-Z]{26}$/, 'a ULID'),
  requester: requesterSchema,
  target: targetSchema,
  profile: profileNameSchema,
  /** Privileges of the profile when the request was made (a later policy change does not alter a grant). */
  privileges: z.array(z.string()).min(1),
  durationMinutes: z.number().int().positive(),
  reason: z.string().min(10).max(2000),
  ticketUrl: z.url().max(2000).optional(),
  approvalsRequired: z.number().int().min(1).max(5),
  approvals: z.array(approvalSchema),
  denial: denialSchema.optional(),
  pendingExtension: extensionSchema.optional(),
  extensions: z.array(extensionRecordSchema).default([]),
  requestedAt: isoTime,
  /** Unreviewed past this instant: the sweep expires the request. */
  reviewExpiresAt: isoTime,
  decidedAt: isoTime.optional(),
  activeAt: isoTime.optional(),
  endsAt: isoTime.optional(),
  revokedAt: isoTime.optional(),
  revokeReason: revokeReasonSchema.optional(),
  cancelledBy: actorSchema.optional(),
  resources: resourcesSchema,
  state: z.enum(REQUEST_STATES),
  /** Incremented by every transition; the store writes conditionally on it. */
  version: z.number().int().min(1),
  updatedAt: isoTime,
  failureReason: z.string().max(2000).optional(),
  /**
   * Length of one policy minute for this request, in ms (absent = 60 000). Fixed when the request
   * is made, so every time the domain computes (review expiry, end, extension, warning) uses it.
   */
  minuteMs: z.number().int().min(100).max(REAL_MINUTE_MS).optional(),
  audit: auditHeadSchema.optional(),
});
export type AccessRequest = z.output<typeof accessRequestSchema>;

/** Parses a stored or received request; throws a zod error naming each bad field. */
export function parseAccessRequest(value: unknown): AccessRequest {
  return accessRequestSchema.parse(value);
}

/** Same person? Compares e-mail (case-insensitive) and Slack user id. */
export function sameActor(a: Actor | Requester, b: Actor | Requester): boolean {
  if (a.email && b.email && a.email.toLowerCase() === b.email.toLowerCase()) return true;
  if (a.slackUserId && b.slackUserId && a.slackUserId === b.slackUserId) return true;
  return false;
}

export function describeActor(a: Actor): string {
  if (a.policyRule) return `policy:${a.policyRule}`;
  return a.email ?? a.slackUserId ?? a.displayName ?? 'someone';
}

/** Milliseconds in one policy minute of this request. */
export function minuteOf(request: Pick<AccessRequest, 'minuteMs'>): number {
  return request.minuteMs ?? REAL_MINUTE_MS;
}

/** The secret store id of a grant's credentials (Terraform scopes IAM to `dbre/access/*`). */
export function grantSecretId(requestId: string): string {
  return `dbre/access/${requestId}`;
}
