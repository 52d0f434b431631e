import type { RequestState } from './access-request';
import { verifyAuditEvents, type AuditEvent, type AuditKind } from './audit';

/**
 * The events a request's chain must hold once the request is in a state: one entry per step,
 * each a list of kinds any of which records it (a dropped or, when MySQL refused, a locked user).
 * Follows the state machine: revoked went through requested, approved, provisioning, active and
 * revoking; a failed request was approved first; denied, cancelled and expired left `requested`.
 */
export const CHAIN_REQUIREMENTS: Record<RequestState, ReadonlyArray<readonly AuditKind[]>> = {
  requested: [['requested']],
  approved: [['requested'], ['approved']],
  provisioning: [['requested'], ['approved'], ['provisioning_started']],
  active: [['requested'], ['approved'], ['provisioning_started'], ['user_created'], ['activated']],
  revoking: [['requested'], ['approved'], ['provisioning_started'], ['user_created'], ['activated'], ['revoke_started']],
  revoked: [['requested'], ['approved'], ['provisioning_started'], ['user_created'], ['activated'], ['revoke_started'], ['user_dropped', 'user_locked'], ['revoked']],
  denied: [['requested'], ['denied']],
  cancelled: [['requested'], ['cancelled']],
  expired: [['requested'], ['expired']],
  failed: [['requested'], ['approved'], ['failed']],
};

/** The state a chain's events say the request reached, from its latest state-changing event. */
const STATE_OF_KIND: Partial<Record<AuditKind, RequestState>> = {
  requested: 'requested',
  approved: 'approved',
  provisioning_started: 'provisioning',
  activated: 'active',
  revoke_started: 'revoking',
  revoked: 'revoked',
  denied: 'denied',
  cancelled: 'cancelled',
  expired: 'expired',
  failed: 'failed',
};

export type ChainCompleteness = { complete: true } | { complete: false; missing: string[]; problem: string };

export interface CompletenessContext {
  /** The request's stored state; inferred from the events when absent. */
  state?: RequestState;
  /** Approvals the request needed: that many `approved` events (extension approvals not counted). */
  approvalsRequired?: number;
}

type KindOnly = Pick<AuditEvent, 'kind'> & { data?: Record<string, unknown> };

/** Which state the events reach (undefined for a chain without a state-changing event). */
export function chainState(events: readonly KindOnly[]): RequestState | undefined {
  let state: RequestState | undefined;
  for (const e of events) state = STATE_OF_KIND[e.kind] ?? state;
  return state;
}

/**
 * Checks that the chain starts with `requested` and holds every event its state's path requires.
 * Names what is missing, so `expired` alone is "missing requested", not a valid chain.
 */
export function checkChainCompleteness(events: readonly KindOnly[], context: CompletenessContext = {}): ChainCompleteness {
  if (events.length === 0) return { complete: false, missing: ['requested'], problem: 'the chain is empty: it must start with requested' };
  const state = context.state ?? chainState(events) ?? 'requested';
  // An extension's approval is not the request's: it never stands for the `approved` step.
  const kinds = new Set(events.filter((e) => !(e.kind === 'approved' && e.data?.['extension'] === true)).map((e) => e.kind));
  const missing = CHAIN_REQUIREMENTS[state].filter((alternatives) => !alternatives.some((k) => kinds.has(k))).map((alternatives) => alternatives.join(' or '));
  if (context.approvalsRequired && context.approvalsRequired > 1 && CHAIN_REQUIREMENTS[state].some((a) => a.includes('approved')) && kinds.has('approved')) {
    const approvals = events.filter((e) => e.kind === 'approved' && e.data?.['extension'] !== true).length;
    // A policy rule approves alone, whatever the environment requires of people.
    const byPolicy = events.some((e) => e.kind === 'approved' && typeof e.data?.['policyRule'] === 'string');
    if (approvals < context.approvalsRequired && !byPolicy) missing.push(`approved (${approvals} of ${context.approvalsRequired})`);
  }
  const first = events[0]?.kind;
  const problems: string[] = [];
  if (first !== 'requested') problems.push(`the chain starts with ${first} instead of requested`);
  if (missing.length) problems.push(`the chain of ${/^[aeiou]/.test(state) ? 'an' : 'a'} ${state} request lacks ${missing.join(', ')}`);
  return problems.length ? { complete: false, missing, problem: problems.join('; ') } : { complete: true };
}

export type RequestChainVerification =
  | { ok: true; count: number; headHash: string }
  | { ok: false; count: number; brokenAt: { seq: number; key?: string }; problem: string }
  | { ok: false; count: number; headHash: string; incomplete: { missing: string[] }; problem: string };

/**
 * A request's chain: every link intact (verifyAuditEvents) and complete for its state. An intact
 * but incomplete chain is reported with what it lacks; this is what audit:verify, the dashboard
 * and the request API should show for a request.
 */
export function verifyRequestChain(events: readonly AuditEvent[], context: CompletenessContext = {}): RequestChainVerification {
  const integrity = verifyAuditEvents(events);
  if (!integrity.ok) return integrity;
  const completeness = checkChainCompleteness(events, context);
  if (completeness.complete) return integrity;
  return { ok: false, count: integrity.count, headHash: integrity.headHash, incomplete: { missing: completeness.missing }, problem: `incomplete chain: ${completeness.problem}` };
}
