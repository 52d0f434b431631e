import { createHmac, randomBytes } from 'node:crypto';
import { AppError } from '@dbre/service-kit';
import type { DashboardUser } from './access-config';
import type { Authenticator, Identity } from './identity';
import { constantTimeEqual, hashPassword, verifyPassword } from './password-hash';

export const BASIC_CHALLENGE = 'Basic realm="dbre ops-dashboard", charset="UTF-8"';

/**
 * Local users from the platform file. Every attempt costs the same (an unknown user is checked
 * against a dummy hash); successful checks are remembered for a minute under an HMAC of the
 * header, because the queue board polls its API every few seconds and scrypt is slow on purpose.
 */
export async function createBasicAuthenticator(options: {
  users: readonly DashboardUser[];
  env: Record<string, string | undefined>;
  cacheTtlMs?: number;
  clock?: () => number;
}): Promise<Authenticator> {
  const clock = options.clock ?? Date.now;
  const ttl = options.cacheTtlMs ?? 60_000;
  const cacheKey = randomBytes(32);
  const cache = new Map<string, { identity: Identity; until: number }>();
  const dummyHash = await hashPassword(randomBytes(16).toString('hex'), { N: 16384 });
  const users = new Map(options.users.map((u) => [u.name, u]));

  const refuse = (message: string): never => {
    throw new AppError('AUTH_REQUIRED', 'unauthorized', message);
  };

  return {
    mode: 'basic',
    async authenticate(headers) {
      const header = headers['authorization'];
      if (typeof header !== 'string' || !/^Basic [A-Za-z0-9+/=]+$/.test(header)) return refuse('Sign in with your dashboard user and password.');
      const key = createHmac('sha256', cacheKey).update(header).digest('base64url');
      const hit = cache.get(key);
      if (hit && hit.until > clock()) return hit.identity;

      const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      const name = colon >= 0 ? decoded.slice(0, colon) : decoded;
      const password = colon >= 0 ? decoded.slice(colon + 1) : '';
      const user = users.get(name);
      let ok = false;
      if (user?.passwordHash) ok = await verifyPassword(password, user.passwordHash);
      else if (user?.passwordEnv) {
        const expected = options.env[user.passwordEnv];
        // An unset variable never matches, not even an empty password.
        ok = expected !== undefined && expected !== '' && constantTimeEqual(password, expected);
      } else await verifyPassword(password, dummyHash);
      if (!ok || !user) return refuse('Unknown user or wrong password.');

      const identity: Identity = { id: user.name, name: user.displayName ?? user.name, role: user.role, via: 'basic', ...(user.email ? { email: user.email } : {}) };
      if (cache.size > 1000) cache.clear();
      cache.set(key, { identity, until: clock() + ttl });
      return identity;
    },
  };
}
