import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import { z } from 'zod';
import { AppError } from '@dbre/service-kit';
import { matchesPrincipal, type DashboardAccess } from './access-config';
import type { Authenticator, Identity } from './identity';

/**
 * Behind an ALB with OIDC authentication, the identity arrives in `x-amzn-oidc-data`: a JWT
 * signed with ES256 by the load balancer. Anyone who reaches the task directly can forge the
 * header, so the signature is checked against the ALB's public key, fetched by `kid` from the
 * regional endpoint (https://public-keys.auth.elb.<region>.amazonaws.com/<kid>), and the
 * `signer` must be our ALB's ARN. ALB pads its base64url segments; both forms are accepted.
 */
export interface AlbOidcOptions {
  /** Key URL template with `{kid}` (and optionally `{region}`). */
  keyUrl: string;
  region: string;
  /** The ALB ARN the token must name as `signer`. */
  expectedSigner: string;
  /** Optional `iss` the token must carry (the IdP issuer). */
  expectedIssuer?: string | undefined;
  access: DashboardAccess['oidc'];
  clockSkewSeconds?: number;
  fetchTimeoutMs?: number;
  now?: () => number;
  fetch?: typeof fetch;
}

const header = z.object({
  alg: z.string(),
  kid: z.string(),
  signer: z.string(),
  iss: z.string().optional(),
  exp: z.number().optional(),
});
const claims = z.object({
  sub: z.string().min(1).max(256),
  email: z.string().max(254).optional(),
  name: z.string().max(200).optional(),
  exp: z.number(),
  iss: z.string().optional(),
});

const KID = /^[A-Za-z0-9_-]{1,128}$/;
const SEGMENT = /^[A-Za-z0-9_-]+={0,2}$/;

function decodeJson(segment: string): unknown {
  return JSON.parse(Buffer.from(segment.replace(/=+$/, ''), 'base64url').toString('utf8'));
}

export function createAlbOidcAuthenticator(options: AlbOidcOptions): Authenticator {
  const now = options.now ?? Date.now;
  const doFetch = options.fetch ?? fetch;
  const skew = options.clockSkewSeconds ?? 60;
  const keys = new Map<string, Promise<KeyObject>>();

  const refuse = (message: string): never => {
    throw new AppError('OIDC_TOKEN_INVALID', 'unauthorized', message);
  };

  const keyFor = (kid: string): Promise<KeyObject> => {
    const cached = keys.get(kid);
    if (cached) return cached;
    const url = options.keyUrl.replaceAll('{region}', encodeURIComponent(options.region)).replaceAll('{kid}', encodeURIComponent(kid));
    const loading = (async () => {
      const res = await doFetch(url, { signal: AbortSignal.timeout(options.fetchTimeoutMs ?? 3000) });
      if (!res.ok) throw new Error(`the key endpoint answered ${res.status} for kid ${kid}`);
      const key = createPublicKey((await res.text()).trim());
      if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') throw new Error(`key ${kid} is not a P-256 EC key`);
      return key;
    })();
    // Failures are not cached: the next request retries the fetch.
    loading.catch(() => keys.delete(kid));
    if (keys.size > 100) keys.clear();
    keys.set(kid, loading);
    return loading;
  };

  return {
    mode: 'alb-oidc',
    async authenticate(headers) {
      const token = headers['x-amzn-oidc-data'];
      if (typeof token !== 'string' || token.length > 16_384) return refuse('No OIDC identity: reach the dashboard through its load balancer.');
      const parts = token.split('.');
      if (parts.length !== 3 || !parts.every((p) => SEGMENT.test(p))) return refuse('The OIDC token is malformed.');
      const [h, p, s] = parts as [string, string, string];
      let head: z.output<typeof header>;
      let body: z.output<typeof claims>;
      try {
        head = header.parse(decodeJson(h));
        body = claims.parse(decodeJson(p));
      } catch {
        return refuse('The OIDC token is malformed.');
      }
      if (head.alg !== 'ES256') return refuse(`The OIDC token uses ${head.alg}; only ES256 is accepted.`);
      if (!KID.test(head.kid)) return refuse('The OIDC token names an invalid key id.');
      if (head.signer !== options.expectedSigner) return refuse('The OIDC token was not signed by this load balancer.');
      let key: KeyObject;
      try {
        key = await keyFor(head.kid);
      } catch (err) {
        throw new AppError('OIDC_KEY_UNAVAILABLE', 'unavailable', `The load balancer's public key could not be fetched: ${(err as Error).message}`, { cause: err });
      }
      const signature = Buffer.from(s.replace(/=+$/, ''), 'base64url');
      const valid = signature.length === 64 && verify('sha256', Buffer.from(`${h}.${p}`, 'ascii'), { key, dsaEncoding: 'ieee-p1363' }, signature);
      if (!valid) return refuse('The OIDC token signature does not verify.');
      const nowSeconds = now() / 1000;
      const exp = Math.min(body.exp, head.exp ?? body.exp);
      if (exp + skew < nowSeconds) return refuse('The OIDC token has expired; reload the page to sign in again.');
      if (options.expectedIssuer && (head.iss ?? body.iss) !== options.expectedIssuer) return refuse('The OIDC token comes from another issuer.');

      const email = body.email?.toLowerCase();
      const who = email ?? body.sub;
      const role = matchesPrincipal(who, options.access.admins) ? 'admin' : matchesPrincipal(who, options.access.viewers) ? 'viewer' : undefined;
      if (!role) throw new AppError('DASHBOARD_NOT_ALLOWED', 'forbidden', `${who} is not allowed on the ops dashboard; ask the DBRE team to add you.`);
      const identity: Identity = { id: who, name: body.name ?? who, role, via: 'alb-oidc', ...(email ? { email } : {}) };
      return identity;
    },
  };
}
