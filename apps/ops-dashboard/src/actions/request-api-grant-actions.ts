import type { GrantActions } from './grant-actions';
import { callLifecycleApi } from './lifecycle-call';

/**
 * "End now" through request-api's own `POST /v1/access-requests/:id/end`, with this dashboard's
 * bearer token (tool `ops-dashboard`) and the admin as `X-Acting-User`. The lifecycle's rules
 * (only the requester or an approver of the environment may end a grant), its transition, its
 * audit event and its revoke job all stay in one place; the dashboard copies none of them.
 */
export function createRequestApiGrantActions(options: { baseUrl: string; token: string; timeoutMs?: number; fetch?: typeof fetch }): GrantActions {
  const base = options.baseUrl.replace(/\/+$/, '');
  return {
    endNow: (requestId, by) =>
      callLifecycleApi({ api: 'request-api', url: `${base}/v1/access-requests/${encodeURIComponent(requestId)}/end`, token: options.token, by, ...pick(options) }),
  };
}

function pick(o: { timeoutMs?: number; fetch?: typeof fetch }) {
  return { ...(o.timeoutMs ? { timeoutMs: o.timeoutMs } : {}), ...(o.fetch ? { fetch: o.fetch } : {}) };
}
