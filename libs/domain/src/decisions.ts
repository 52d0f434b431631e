import { ulid } from 'ulid';
import { z } from 'zod';
import {
  databaseName,
  grantedMinutes,
  minuteOf,
  REAL_MINUTE_MS,
  profileNameSchema,
  requesterSchema,
  sameActor,
  type AccessRequest,
  type Actor,
  type Environment,
} from './access-request';
import { DomainError } from './errors';
import { allowsSystemDatabase, approversOf, findProfile, SYSTEM_DATABASE_PRIVILEGES, systemDatabaseOf, type AccessPolicy, type GrantablePrivilege } from './policy';

/** What a requester submits (Slack modal, REST). */
export const newAccessRequestInput = z.object({
  requester: requesterSchema,
  clusterId: z.string().regex(/^[a-z][a-z0-9-]{1,62}$/, 'a cluster id (lower-case letters, digits, dashes)'),
  database: databaseName,
  profile: profileNameSchema,
  /** Minutes; the environment's default when absent. */
  durationMinutes: z.number().int().positive().optional(),
  reason: z.string().trim().min(10, 'the reason must be at least 10 characters').max(2000),
  ticketUrl: z.url({ protocol: /^https?$/ }).max(2000).optional(),
  /** Scheduled start (ISO time with offset); absent: at approval. */
  startAt: z.iso.datetime({ offset: true, message: 'an ISO 8601 time with a zone, e.g. 2026-12-03T06:00:00Z' }).optional(),
});
export type NewAccessRequestInput = z.input<typeof newAccessRequestInput>;

export interface TargetCluster {
  id: string;
  environment: Environment;
}

export interface ValidatedRequest {
  requester: AccessRequest['requester'];
  clusterId: string;
  database: string;
  environment: Environment;
  profile: string;
  privileges: GrantablePrivilege[];
  durationMinutes: number;
  reason: string;
  ticketUrl?: string;
  startAt?: string;
  approvalsRequired: number;
}

export type Validation<T> = { ok: true; value: T } | { ok: false; problems: string[] };

/**
 * Checks a new request against the policy and the target cluster (undefined = unknown cluster).
 * Every problem is listed, in words the requester can act on.
 */
export function validateNewRequest(
  policy: AccessPolicy,
  input: unknown,
  cluster: TargetCluster | undefined,
  schedule: { now: Date; minuteMs: number } = { now: new Date(), minuteMs: REAL_MINUTE_MS },
): Validation<ValidatedRequest> {
  const parsed = newAccessRequestInput.safeParse(input);
  if (!parsed.success) {
    return { ok: false, problems: parsed.error.issues.map((i) => `${i.path.map(String).join('.') || 'request'}: ${i.message}`) };
  }
  const v = parsed.data;
  const problems: string[] = [];
  if (!cluster) problems.push(`cluster "${v.clusterId}" is not known to the platform`);
  else if (cluster.id !== v.clusterId) problems.push(`cluster "${v.clusterId}" does not match the inventory entry "${cluster.id}"`);
  const profile = findProfile(policy, v.profile);
  if (!profile) problems.push(`profile "${v.profile}" does not exist; choose one of: ${Object.keys(policy.profiles).join(', ')}`);
  if (!cluster || !profile) return { ok: false, problems };

  const env = policy.environments[cluster.environment];
  if (env.profiles && !env.profiles.includes(v.profile)) {
    problems.push(`profile "${v.profile}" is not allowed on ${cluster.environment} clusters; allowed: ${env.profiles.join(', ')}`);
  }
  const system = systemDatabaseOf(v.database);
  if (system && !allowsSystemDatabase(policy, cluster.environment, system, v.profile)) {
    problems.push(`${v.database === '*' ? 'every database (*)' : `the system schema "${v.database}"`} is not open to profile "${v.profile}" on ${cluster.environment} clusters; ask for an application database`);
  } else if (system && profile.privileges.some((p) => !SYSTEM_DATABASE_PRIVILEGES.includes(p))) {
    problems.push(`profile "${v.profile}" grants more than ${SYSTEM_DATABASE_PRIVILEGES.join(', ')}, which is all a system target may get`);
  }
  const duration = v.durationMinutes ?? env.defaultMinutes;
  if (duration > env.maxMinutes) {
    problems.push(`duration ${duration} min exceeds the ${cluster.environment} maximum of ${env.maxMinutes} min`);
  }
  const startAt = v.startAt === undefined ? undefined : new Date(v.startAt);
  if (startAt) {
    const latest = schedule.now.getTime() + policy.maxScheduleAheadMinutes * schedule.minuteMs;
    if (startAt.getTime() < schedule.now.getTime()) problems.push(`startAt ${v.startAt} is in the past; give a later time or leave it out to start at approval`);
    else if (startAt.getTime() > latest) problems.push(`startAt ${v.startAt} is more than ${policy.maxScheduleAheadMinutes} min ahead (the policy maximum); ask closer to the time`);
  }
  if (problems.length) return { ok: false, problems };
  return {
    ok: true,
    value: {
      requester: v.requester,
      clusterId: v.clusterId,
      database: v.database,
      environment: cluster.environment,
      profile: v.profile,
      privileges: profile.privileges,
      durationMinutes: duration,
      reason: v.reason,
      ...(v.ticketUrl ? { ticketUrl: v.ticketUrl } : {}),
      ...(startAt ? { startAt: startAt.toISOString() } : {}),
      approvalsRequired: env.approvalsRequired,
    },
  };
}

/** Builds a new request in state `requested`, or throws REQUEST_INVALID listing every problem. */
export function createAccessRequest(
  policy: AccessPolicy,
  input: unknown,
  cluster: TargetCluster | undefined,
  now: Date,
  id: string = ulid(now.getTime()),
  options: { minuteMs?: number } = {},
): AccessRequest {
  const minuteMs = options.minuteMs ?? REAL_MINUTE_MS;
  const result = validateNewRequest(policy, input, cluster, { now, minuteMs });
  if (!result.ok) {
    throw new DomainError('REQUEST_INVALID', 'invalid', `The request cannot be accepted:\n- ${result.problems.join('\n- ')}`, {
      details: { problems: result.problems },
    });
  }
  const v = result.value;
  const at = now.toISOString();
  return {
    id,
    requester: v.requester,
    target: { clusterId: v.clusterId, database: v.database, environment: v.environment },
    profile: v.profile,
    privileges: v.privileges,
    durationMinutes: v.durationMinutes,
    reason: v.reason,
    ...(v.ticketUrl ? { ticketUrl: v.ticketUrl } : {}),
    ...(v.startAt ? { startAt: v.startAt } : {}),
    approvalsRequired: v.approvalsRequired,
    approvals: [],
    extensions: [],
    requestedAt: at,
    // A scheduled request may be reviewed until its start; not approved by then, it expires.
    reviewExpiresAt: v.startAt ?? new Date(now.getTime() + policy.reviewExpiryMinutes * minuteMs).toISOString(),
    ...(minuteMs !== REAL_MINUTE_MS ? { minuteMs } : {}),
    resources: {},
    state: 'requested',
    version: 1,
    updatedAt: at,
  };
}

export type Decision = { allowed: true } | { allowed: false; code: string; reason: string };

/** Is `actor` listed (directly or through a group) as an approver for `env`? */
export function isApprover(policy: AccessPolicy, env: Environment, actor: Actor): boolean {
  const allowed = approversOf(policy, env);
  return [actor.email, actor.slackUserId].some((id) => id !== undefined && allowed.includes(id.toLowerCase()));
}

/**
 * May `approver` approve `request` now (or its pending extension when active)? The requester
 * never may, whatever the lists say. Reasons are meant for the person clicking.
 */
export function canApprove(policy: AccessPolicy, request: AccessRequest, approver: Actor): Decision {
  if (!approver.email && !approver.slackUserId) return deny('POLICY_UNKNOWN_APPROVER', 'The approver could not be identified.');
  if (sameActor(approver, request.requester)) {
    return deny('POLICY_SELF_APPROVAL', 'You cannot approve your own request; another approver must do it.');
  }
  const env = request.target.environment;
  if (!isApprover(policy, env, approver)) {
    return deny('POLICY_NOT_APPROVER', `You are not an approver for ${env} clusters.`);
  }
  const pending = request.state === 'active' ? request.pendingExtension : undefined;
  if (request.state !== 'requested' && !pending) {
    return deny('POLICY_NOT_PENDING', `Request ${request.id} is ${request.state}; there is nothing to approve.`);
  }
  const approvals = pending ? pending.approvals : request.approvals;
  if (approvals.some((a) => sameActor(a.by, approver))) {
    return deny('POLICY_ALREADY_APPROVED', `You have already approved this ${pending ? 'extension' : 'request'}; it needs another approver.`);
  }
  return { allowed: true };
}

/** May `actor` deny (or, when active, refuse the pending extension of) the request? */
export function canDeny(policy: AccessPolicy, request: AccessRequest, actor: Actor): Decision {
  if (sameActor(actor, request.requester)) return deny('POLICY_SELF_APPROVAL', 'You cannot decide on your own request; cancel it instead.');
  if (!isApprover(policy, request.target.environment, actor)) {
    return deny('POLICY_NOT_APPROVER', `You are not an approver for ${request.target.environment} clusters.`);
  }
  return { allowed: true };
}

/** An extension may not push the grant past the environment's maximum total duration. */
export function validateExtension(policy: AccessPolicy, request: AccessRequest, minutes: number): Decision {
  const env = policy.environments[request.target.environment];
  if (request.state !== 'active') return deny('EXTENSION_NOT_ACTIVE', `Only an active grant can be extended; this one is ${request.state}.`);
  if (!Number.isInteger(minutes) || minutes <= 0) return deny('EXTENSION_INVALID', 'The extension must be a positive number of minutes.');
  const granted = grantedMinutes(request) + request.extensions.reduce((s, e) => s + e.minutes, 0);
  if (granted + minutes > env.maxMinutes) {
    return deny('EXTENSION_TOO_LONG', `Extending by ${minutes} min would make ${granted + minutes} min in total, over the ${request.target.environment} maximum of ${env.maxMinutes} min.`);
  }
  return { allowed: true };
}

/** When the warning before the end is due (undefined until the grant has an end). */
export function warnAt(policy: AccessPolicy, request: AccessRequest): Date | undefined {
  if (!request.endsAt) return undefined;
  return new Date(Date.parse(request.endsAt) - policy.warnBeforeMinutes * minuteOf(request));
}

function deny(code: string, reason: string): Decision {
  return { allowed: false, code, reason };
}
