import { AppError, statusByKind, type ErrorKind } from '@dbre/service-kit';
import type { GrantActions } from './grant-actions';

/**
 * "End now" through request-api's own `POST /v1/access-requests/:id/end`, with this dashboard's
 * bearer token (tool `ops-dashboard`) and the admin as `X-Acting-User`. The lifecycle's rules
 * (only the requester or an approver of the environment may end a grant), its transition, its
 * audit event and its revoke job all stay in one place; the dashboard copies none of them.
 */
export function createRequestApiGrantActions(options: { baseUrl: string; token: string; timeoutMs?: number; fetch?: typeof fetch }): GrantActions {
  const doFetch = options.fetch ?? fetch;
  const base = options.baseUrl.replace(/\/+$/, '');
  return {
    async endNow(requestId, by) {
      if (!by.email) {
        throw new AppError('ADMIN_EMAIL_REQUIRED', 'forbidden', 'Your dashboard user has no e-mail address; add `email` (an approver of the environment) to it in dashboard.users.');
      }
      let res: Response;
      try {
        res = await doFetch(`${base}/v1/access-requests/${encodeURIComponent(requestId)}/end`, {
          method: 'POST',
          headers: {
            authorization: `Bearer ${options.token}`,
            'x-acting-user': by.email,
            // Header values must be Latin-1; a Japanese display name stays out (the e-mail identifies the person).
            ...(by.displayName && /^[\x20-\x7e]{1,200}$/.test(by.displayName) ? { 'x-acting-name': by.displayName } : {}),
          },
          signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
        });
      } catch (err) {
        throw new AppError('REQUEST_API_UNREACHABLE', 'unavailable', `request-api did not answer: ${(err as Error).message}`, { cause: err });
      }
      if (res.ok) return;
      const problem = (await res.json().catch(() => ({}))) as { code?: unknown; detail?: unknown };
      const kind = kindOf(res.status);
      const detail = typeof problem.detail === 'string' ? problem.detail : `request-api answered ${res.status}`;
      // Our own token refused is our configuration's fault, not the admin's.
      if (res.status === 401) throw new AppError('REQUEST_API_TOKEN_REFUSED', 'unavailable', `request-api refused the dashboard's token: ${detail}`);
      throw new AppError(typeof problem.code === 'string' ? problem.code : 'REQUEST_API_ERROR', kind, detail);
    },
  };
}

function kindOf(status: number): ErrorKind {
  const found = (Object.entries(statusByKind) as Array<[ErrorKind, number]>).find(([, s]) => s === status);
  return found ? found[0] : status >= 500 ? 'unavailable' : 'invalid';
}
