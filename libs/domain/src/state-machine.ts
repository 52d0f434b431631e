import {
  describeActor,
  minuteOf,
  sameActor,
  type AccessRequest,
  type Actor,
  type GrantResources,
  type RequestState,
  type RevokeReason,
} from './access-request';
import { DomainError } from './errors';

/**
 * Everything that can happen to a request. Policy checks (who may approve) live in
 * `canApprove`; the machine still refuses self-approval and double approval on its own.
 */
export type RequestEvent =
  /** An approver approves the request (state requested), or the pending extension (state active). */
  | { type: 'approve'; by: Actor }
  /** A rule of the policy's `autoApprove` approves the request at once (all approvals it needs). */
  | { type: 'auto_approve'; rule: string }
  /** An approver denies the request, or refuses the pending extension of an active grant. */
  | { type: 'deny'; by: Actor; reason: string }
  | { type: 'cancel'; by: Actor }
  /** Nobody reviewed it before `reviewExpiresAt`. */
  | { type: 'expire' }
  | { type: 'start_provisioning' }
  /** Provisioning records each resource as soon as it exists, so compensation and revoke find it. */
  | { type: 'record_resources'; resources: Partial<GrantResources> }
  | { type: 'activate' }
  /** Provisioning gave up (after compensation). */
  | { type: 'fail'; reason: string }
  | { type: 'request_extension'; by: Actor; minutes: number; reason?: string }
  | { type: 'start_revoke'; reason: RevokeReason; by?: Actor }
  | { type: 'complete_revoke' };

export type RequestEventType = RequestEvent['type'];

/** Which events each state accepts (guards may still refuse). */
export const ACCEPTED_EVENTS: Record<RequestState, readonly RequestEventType[]> = {
  requested: ['approve', 'auto_approve', 'deny', 'cancel', 'expire'],
  approved: ['start_provisioning', 'cancel', 'fail'],
  provisioning: ['record_resources', 'activate', 'fail'],
  active: ['request_extension', 'approve', 'deny', 'record_resources', 'start_revoke'],
  revoking: ['record_resources', 'complete_revoke'],
  revoked: [],
  denied: [],
  cancelled: [],
  expired: [],
  failed: [],
};

export function acceptsEvent(state: RequestState, type: RequestEventType): boolean {
  return ACCEPTED_EVENTS[state].includes(type);
}

/**
 * The one state machine (ARCHITECTURE.md): returns the next request (version + 1) or throws a
 * DomainError with a message for a person. Pure: `now` is the only clock.
 */
export function transition(request: AccessRequest, event: RequestEvent, now: Date): AccessRequest {
  const at = now.toISOString();
  if (!acceptsEvent(request.state, event.type)) throw illegal(request, event);
  const next = (changes: Partial<AccessRequest>): AccessRequest => ({ ...request, ...changes, version: request.version + 1, updatedAt: at });

  switch (event.type) {
    case 'approve': {
      if (sameActor(event.by, request.requester)) {
        throw new DomainError('POLICY_SELF_APPROVAL', 'forbidden', 'You cannot approve your own request; another approver must do it.');
      }
      if (request.state === 'active') {
        const pending = request.pendingExtension;
        if (!pending) throw new DomainError('NO_PENDING_EXTENSION', 'conflict', `Request ${request.id} is active and has no extension waiting for approval.`);
        if (pending.approvals.some((a) => sameActor(a.by, event.by))) throw alreadyApproved(event.by, 'extension');
        const approvals = [...pending.approvals, { by: event.by, at }];
        if (approvals.length < request.approvalsRequired) return next({ pendingExtension: { ...pending, approvals } });
        const previousEndsAt = request.endsAt ?? at;
        const endsAt = new Date(Date.parse(previousEndsAt) + pending.minutes * minuteOf(request)).toISOString();
        const { pendingExtension: _drop, ...rest } = request;
        return {
          ...rest,
          endsAt,
          extensions: [...request.extensions, { minutes: pending.minutes, previousEndsAt, endsAt, approvals, at }],
          version: request.version + 1,
          updatedAt: at,
        };
      }
      if (request.approvals.some((a) => sameActor(a.by, event.by))) throw alreadyApproved(event.by, 'request');
      const approvals = [...request.approvals, { by: event.by, at }];
      if (approvals.length < request.approvalsRequired) return next({ approvals });
      return next({ approvals, state: 'approved', decidedAt: at });
    }
    case 'auto_approve': {
      if (!/^[a-z][a-z0-9-]{0,39}$/.test(event.rule)) throw new DomainError('AUTO_APPROVE_RULE_INVALID', 'invalid', `"${event.rule}" is not a policy rule id.`);
      return next({ approvals: [...request.approvals, { by: { policyRule: event.rule, displayName: `policy:${event.rule}` }, at }], state: 'approved', decidedAt: at });
    }
    case 'deny': {
      if (!event.reason.trim()) throw new DomainError('DENIAL_REASON_REQUIRED', 'invalid', 'A denial needs a reason.');
      if (sameActor(event.by, request.requester)) {
        throw new DomainError('POLICY_SELF_APPROVAL', 'forbidden', 'You cannot decide on your own request; cancel it instead.');
      }
      if (request.state === 'active') {
        if (!request.pendingExtension) throw new DomainError('NO_PENDING_EXTENSION', 'conflict', `Request ${request.id} is active; there is no extension to refuse.`);
        const { pendingExtension: _drop, ...rest } = request;
        return { ...rest, version: request.version + 1, updatedAt: at };
      }
      return next({ state: 'denied', decidedAt: at, denial: { by: event.by, at, reason: event.reason.trim() } });
    }
    case 'cancel':
      return next({ state: 'cancelled', cancelledBy: event.by });
    case 'expire':
      if (now.getTime() < Date.parse(request.reviewExpiresAt)) {
        throw new DomainError('NOT_EXPIRED', 'conflict', `Request ${request.id} may still be reviewed until ${request.reviewExpiresAt}.`);
      }
      return next({ state: 'expired' });
    case 'start_provisioning':
      return next({ state: 'provisioning' });
    case 'record_resources':
      return next({ resources: { ...request.resources, ...stripUndefined(event.resources) } });
    case 'activate': {
      if (!request.resources.dbUser) {
        throw new DomainError('RESOURCES_MISSING', 'conflict', `Request ${request.id} cannot become active before its database user is recorded.`);
      }
      return next({ state: 'active', activeAt: at, endsAt: new Date(now.getTime() + request.durationMinutes * minuteOf(request)).toISOString() });
    }
    case 'fail':
      return next({ state: 'failed', failureReason: event.reason.slice(0, 2000) || 'unknown failure' });
    case 'request_extension': {
      if (!sameActor(event.by, request.requester)) {
        throw new DomainError('EXTENSION_NOT_REQUESTER', 'forbidden', 'Only the requester can ask to extend their grant.');
      }
      if (!Number.isInteger(event.minutes) || event.minutes <= 0) {
        throw new DomainError('EXTENSION_INVALID', 'invalid', 'The extension must be a positive number of minutes.');
      }
      if (request.pendingExtension) {
        throw new DomainError('EXTENSION_PENDING', 'conflict', 'An extension is already waiting for approval.');
      }
      return next({
        pendingExtension: {
          requestedBy: event.by,
          requestedAt: at,
          minutes: event.minutes,
          ...(event.reason ? { reason: event.reason } : {}),
          approvals: [],
        },
      });
    }
    case 'start_revoke': {
      const { pendingExtension: _drop, ...rest } = request;
      return { ...rest, state: 'revoking', revokeReason: event.reason, version: request.version + 1, updatedAt: at };
    }
    case 'complete_revoke':
      return next({ state: 'revoked', revokedAt: at });
  }
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function alreadyApproved(by: Actor, what: 'request' | 'extension'): DomainError {
  return new DomainError('POLICY_ALREADY_APPROVED', 'conflict', `${describeActor(by)} has already approved this ${what}; it needs another approver.`);
}

const WORDS: Record<RequestEventType, string> = {
  approve: 'approved',
  auto_approve: 'approved by policy',
  deny: 'denied',
  cancel: 'cancelled',
  expire: 'expired',
  start_provisioning: 'provisioned',
  record_resources: 'given resources',
  activate: 'activated',
  fail: 'marked failed',
  request_extension: 'extended',
  start_revoke: 'ended',
  complete_revoke: 'revoked',
};

function illegal(request: AccessRequest, event: RequestEvent): DomainError {
  return new DomainError(
    'ILLEGAL_TRANSITION',
    'conflict',
    `Request ${request.id} is ${request.state}; it cannot be ${WORDS[event.type]} now.`,
    { details: { state: request.state, event: event.type } },
  );
}
