import type { Actor } from '@dbre/domain';
import { AppError, statusByKind, type ErrorKind } from '@dbre/service-kit';

/**
 * One POST to a lifecycle API (request-api, approval-api) with this dashboard's bearer token and
 * the signed-in person as `X-Acting-User`: the API applies its own policy, transition and audit,
 * and its problem+json refusal comes back as a coded error the page can show.
 */
export async function callLifecycleApi(options: {
  api: string;
  url: string;
  token: string;
  by: Actor;
  body?: unknown;
  timeoutMs?: number;
  fetch?: typeof fetch;
}): Promise<void> {
  if (!options.by.email) {
    throw new AppError('ADMIN_EMAIL_REQUIRED', 'forbidden', 'Your dashboard user has no e-mail address; add `email` (an approver of the environment) to it in dashboard.users.');
  }
  let res: Response;
  try {
    res = await (options.fetch ?? fetch)(options.url, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${options.token}`,
        'x-acting-user': options.by.email,
        // Header values must be Latin-1; a Japanese display name stays out (the e-mail identifies the person).
        ...(options.by.displayName && /^[\x20-\x7e]{1,200}$/.test(options.by.displayName) ? { 'x-acting-name': options.by.displayName } : {}),
        ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
      signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
    });
  } catch (err) {
    throw new AppError(`${options.api.toUpperCase().replace('-', '_')}_UNREACHABLE`, 'unavailable', `${options.api} did not answer: ${(err as Error).message}`, { cause: err });
  }
  if (res.ok) return;
  const problem = (await res.json().catch(() => ({}))) as { code?: unknown; detail?: unknown };
  const detail = typeof problem.detail === 'string' ? problem.detail : `${options.api} answered ${res.status}`;
  // Our own token refused is our configuration's fault, not the person's.
  if (res.status === 401) throw new AppError(`${options.api.toUpperCase().replace('-', '_')}_TOKEN_REFUSED`, 'unavailable', `${options.api} refused the dashboard's token: ${detail}`);
  throw new AppError(typeof problem.code === 'string' ? problem.code : `${options.api.toUpperCase().replace('-', '_')}_ERROR`, kindOf(res.status), detail);
}

function kindOf(status: number): ErrorKind {
  const found = (Object.entries(statusByKind) as Array<[ErrorKind, number]>).find(([, s]) => s === status);
  return found ? found[0] : status >= 500 ? 'unavailable' : 'invalid';
}
