import { ulid } from 'ulid';
import type { AccessRequest } from '@dbre/domain';
import { AppError, isCodedError, type Logger } from '@dbre/service-kit';
import type { AccessDecisions, Acting } from './decisions';
import type { AccessDeps } from './deps';

/** The most requests one batch decides (REST and Slack). */
export const BATCH_MAX_REQUESTS = 20;

export interface BatchDecisionInput {
  ids: string[];
  decision: 'approve' | 'deny';
  /** Required to deny; shown to each requester. */
  reason?: string | undefined;
  /** Approve for less than asked (each request: no longer than it asked). */
  durationMinutes?: number | undefined;
  comment?: string | undefined;
}

export type BatchOutcome =
  | { id: string; outcome: 'approved' | 'denied'; state: AccessRequest['state']; request: AccessRequest }
  /** Approved, but the request needs more approvals (prod). */
  | { id: string; outcome: 'approval_recorded'; state: AccessRequest['state']; approvals: number; required: number; request: AccessRequest }
  | { id: string; outcome: 'refused'; code: string; reason: string };

export interface BatchResult {
  batchId: string;
  change: string | undefined;
  outcomes: BatchOutcome[];
}

/** The change a request belongs to: its ticket, else its reason. */
export function changeOf(r: Pick<AccessRequest, 'ticketUrl' | 'reason'>): string {
  return r.ticketUrl ?? r.reason;
}

/**
 * Several pending requests of one change decided in one action. Each request is decided on its
 * own through the same approve/deny step (policy, self-approval, conditional write, its own audit
 * event carrying the batch id), so a refusal or a failure of one leaves the others as decided.
 */
export function createBatchDecisions(deps: Pick<AccessDeps, 'requests'> & { logger?: Logger }, decisions: Pick<AccessDecisions, 'approve' | 'deny'>) {
  return async function decideBatch(input: BatchDecisionInput, acting: Acting): Promise<BatchResult> {
    if (input.ids.length === 0) throw new AppError('BATCH_EMPTY', 'invalid', 'List at least one access request id to decide.');
    if (input.ids.length > BATCH_MAX_REQUESTS) throw new AppError('BATCH_TOO_LARGE', 'invalid', `A batch decides at most ${BATCH_MAX_REQUESTS} requests; ${input.ids.length} were listed.`);
    if (input.decision === 'deny' && !input.reason?.trim()) throw new AppError('DENIAL_REASON_REQUIRED', 'invalid', 'A denial needs a reason; every requester sees it.');
    const batchId = ulid();
    const seen = new Set<string>();
    const outcomes: BatchOutcome[] = [];
    let change: string | undefined;
    for (const id of input.ids) {
      const refuse = (code: string, reason: string) => void outcomes.push({ id, outcome: 'refused', code, reason });
      if (seen.has(id)) {
        refuse('BATCH_DUPLICATE', `Request ${id} is listed more than once; it was decided once.`);
        continue;
      }
      seen.add(id);
      try {
        const current = await deps.requests.get(id);
        if (!current) {
          refuse('REQUEST_NOT_FOUND', `There is no access request ${id}.`);
          continue;
        }
        // Active grants (extensions) are decided one by one: a batch takes requests waiting for approval.
        if (current.state !== 'requested') {
          refuse('POLICY_NOT_PENDING', `Request ${id} is ${current.state}; there is nothing to decide.`);
          continue;
        }
        change ??= changeOf(current);
        if (changeOf(current) !== change) {
          refuse('BATCH_OTHER_CHANGE', `Request ${id} is for another change (${current.ticketUrl ?? 'another reason'}); decide it on its own.`);
          continue;
        }
        if (input.decision === 'approve') {
          const { request, complete } = await decisions.approve(current, acting, { comment: input.comment, durationMinutes: input.durationMinutes, batchId });
          outcomes.push(complete ? { id, outcome: 'approved', state: request.state, request } : { id, outcome: 'approval_recorded', state: request.state, approvals: request.approvals.length, required: request.approvalsRequired, request });
        } else {
          const request = await decisions.deny(current, acting, input.reason ?? '', { batchId });
          outcomes.push({ id, outcome: 'denied', state: request.state, request });
        }
      } catch (err) {
        if (isCodedError(err) && err.kind !== 'internal' && err.kind !== 'unavailable') {
          refuse(err.code, err.message);
        } else {
          deps.logger?.error({ requestId: id, batchId, err }, 'batch decision failed for one request');
          refuse('DECISION_FAILED', `Request ${id} could not be decided right now; it is unchanged. Try it again.`);
        }
      }
    }
    return { batchId, change, outcomes };
  };
}

export type DecideBatch = ReturnType<typeof createBatchDecisions>;

/**
 * The pending requests sharing `request`'s ticket (itself included, oldest first, at most a
 * batch): what the approver message offers to approve at once. No ticket: only itself.
 */
export async function pendingOfChange(requests: Pick<AccessDeps['requests'], 'listByState'>, request: Pick<AccessRequest, 'id' | 'ticketUrl'>): Promise<string[]> {
  if (!request.ticketUrl) return [request.id];
  const ids: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await requests.listByState('requested', { limit: 100, ...(cursor ? { cursor } : {}) });
    for (const r of page.items) if (r.ticketUrl === request.ticketUrl && !ids.includes(r.id)) ids.push(r.id);
    cursor = page.cursor;
  } while (cursor && ids.length < BATCH_MAX_REQUESTS);
  if (!ids.includes(request.id)) ids.push(request.id);
  return ids.sort().slice(0, BATCH_MAX_REQUESTS);
}
