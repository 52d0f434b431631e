import type { Actor } from '@dbre/domain';
import { callLifecycleApi } from './lifecycle-call';

/** Approve / deny from the dashboard: declared by the consumer, implemented by approval-api's REST. */
export interface DecisionActions {
  approve(requestId: string, by: Actor, comment?: string): Promise<void>;
  deny(requestId: string, by: Actor, reason: string): Promise<void>;
}

/**
 * Decisions through approval-api's own `POST /v1/access-requests/:id/approve|deny` with this
 * dashboard's token (tool `ops-dashboard` in approval-api's API_TOKENS) and the signed-in person
 * as acting user: the same policy (approver lists, never one's own request, two people in prod),
 * transitions, audit events and notifications as REST and Slack. The dashboard writes nothing.
 */
export function createApprovalApiDecisions(options: { baseUrl: string; token: string; timeoutMs?: number; fetch?: typeof fetch }): DecisionActions {
  const base = options.baseUrl.replace(/\/+$/, '');
  const extra = { ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}), ...(options.fetch ? { fetch: options.fetch } : {}) };
  const url = (id: string, what: 'approve' | 'deny') => `${base}/v1/access-requests/${encodeURIComponent(id)}/${what}`;
  return {
    approve: (id, by, comment) => callLifecycleApi({ api: 'approval-api', url: url(id, 'approve'), token: options.token, by, body: comment ? { comment } : {}, ...extra }),
    deny: (id, by, reason) => callLifecycleApi({ api: 'approval-api', url: url(id, 'deny'), token: options.token, by, body: { reason }, ...extra }),
  };
}
