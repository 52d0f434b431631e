import { createHmac, timingSafeEqual } from 'node:crypto';
import { AppError } from '@dbre/service-kit';

/**
 * Browsers send basic-auth credentials and ALB session cookies with cross-site posts, so every
 * state-changing form carries a token bound to the user: HMAC(secret, user, 6-hour window),
 * valid for the current and the previous window. Requests must also come from our own origin.
 */
const WINDOW_MS = 6 * 3600_000;

export interface Csrf {
  token(userId: string): string;
  /** Throws 403 unless the token is valid for the user and the request is same-origin. */
  check(userId: string, token: unknown, headers: Record<string, string | string[] | undefined>): void;
}

export function createCsrf(secret: string | Buffer, now: () => number = Date.now): Csrf {
  const sign = (userId: string, window: number) => createHmac('sha256', secret).update(`csrf\n${userId}\n${window}`).digest('base64url');
  return {
    token: (userId) => sign(userId, Math.floor(now() / WINDOW_MS)),
    check(userId, token, headers) {
      assertSameOrigin(headers);
      const window = Math.floor(now() / WINDOW_MS);
      const given = Buffer.from(typeof token === 'string' ? token : '');
      const ok = [window, window - 1].some((w) => {
        const expected = Buffer.from(sign(userId, w));
        return given.length === expected.length && timingSafeEqual(given, expected);
      });
      if (!ok) throw new AppError('CSRF_TOKEN_INVALID', 'forbidden', 'The form has expired or did not come from the dashboard; reload the page and try again.');
    },
  };
}

/**
 * The headers the origin check reads, with `host` as Fastify resolved it: the Host header, or
 * X-Forwarded-Host only when the request came through a configured proxy (TRUSTED_PROXIES).
 */
export function originHeaders(request: { headers: Record<string, string | string[] | undefined>; host: string }): Record<string, string | string[] | undefined> {
  return { ...request.headers, host: request.host };
}

/**
 * A state-changing request must say it comes from this origin: `Sec-Fetch-Site: same-origin`
 * or an `Origin` whose host is ours. Requests with neither (scripts) are refused as well.
 */
export function assertSameOrigin(headers: Record<string, string | string[] | undefined>): void {
  const site = headers['sec-fetch-site'];
  const origin = headers['origin'];
  // Only the Host header: a client-sent X-Forwarded-Host is never believed here (see originHeaders).
  const host = headers['host'];
  if (typeof site === 'string' && site !== 'same-origin' && site !== 'none') throw crossSite();
  if (typeof origin === 'string' && origin !== 'null') {
    let originHost: string;
    try {
      originHost = new URL(origin).host;
    } catch {
      throw crossSite();
    }
    if (typeof host !== 'string' || withoutDefaultPort(originHost) !== withoutDefaultPort(host)) throw crossSite();
    return;
  }
  if (typeof site !== 'string') throw crossSite();
}

const withoutDefaultPort = (host: string) => host.toLowerCase().replace(/:(80|443)$/, '');

const crossSite = () => new AppError('CROSS_SITE_REQUEST', 'forbidden', 'Changes are accepted only from the dashboard\'s own pages.');
