import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import type { ApiClients } from './api-clients';
import { AppError } from './errors';

/**
 * What a route needs from its caller, declared on the route itself (`config: { guard }`) and
 * checked from `request.routeOptions.config` — never from the raw URL, which the router decodes
 * (`/%761/x` is routed to `/v1/x`). A route that declares nothing is refused: fail closed.
 */
export type RouteGuard =
  /** Anyone: probes, static assets. */
  | { kind: 'public' }
  /** A bearer token of a tool holding `scope` (API_TOKENS + API_SCOPES). */
  | { kind: 'bearer'; scope: string }
  /** A request signed by Slack (verified by libs/slack's inbound scope). */
  | { kind: 'slack' }
  /** The ops dashboard's own sign-in (basic or ALB OIDC). */
  | { kind: 'dashboard' };

export const guards = {
  public: { kind: 'public' } as RouteGuard,
  scope: (scope: string): RouteGuard => ({ kind: 'bearer', scope }),
  slack: { kind: 'slack' } as RouteGuard,
  dashboard: { kind: 'dashboard' } as RouteGuard,
};

declare module 'fastify' {
  interface FastifyContextConfig {
    guard?: RouteGuard;
  }
  interface FastifyRequest {
    /** The calling tool (bearer routes). */
    caller?: string;
  }
  interface FastifyInstance {
    /** Every route registered, with its guard: the security suite tries each one. */
    routeTable?: RegisteredRoute[];
  }
}

export interface RegisteredRoute {
  method: string;
  url: string;
  guard: RouteGuard | undefined;
}

/** Set by whatever authenticated the request (a symbol in the global registry: libs/slack sets it too). */
const AUTHENTICATED_BY = Symbol.for('dbre.authenticatedBy');
const PRINCIPAL = Symbol.for('dbre.principal');
type Marked = FastifyRequest & { [AUTHENTICATED_BY]?: RouteGuard['kind']; [PRINCIPAL]?: string };

/** Records what authenticated the request and who it is (rate limits and idempotency keys are per principal). */
export function markAuthenticated(request: FastifyRequest, by: Exclude<RouteGuard['kind'], 'public'>, principal?: string): void {
  (request as Marked)[AUTHENTICATED_BY] = by;
  (request as Marked)[PRINCIPAL] = `${by}:${principal ?? ''}`;
}

/** Who the request is from: `bearer:<tool>:<acting person>`, `slack:<user id>`, `dashboard:<user>`; the address when anonymous. */
export function principalOf(request: FastifyRequest): string {
  return (request as Marked)[PRINCIPAL] ?? `ip:${request.ip}`;
}

export function authenticatedBy(request: FastifyRequest): RouteGuard['kind'] | undefined {
  return (request as Marked)[AUTHENTICATED_BY];
}

export function guardOf(request: FastifyRequest): RouteGuard | undefined {
  return (request.routeOptions.config as { guard?: RouteGuard } | undefined)?.guard;
}

export interface RouteGuardOptions {
  /** The tools of this service; without it every bearer route is refused. */
  clients?: ApiClients | undefined;
  /** `/metrics`: public (default) or a token with scope `metrics`. */
  metrics?: 'public' | 'token' | undefined;
  /** `/docs`, `/openapi.json`: public (default) or a token with scope `api-docs`. */
  apiDocs?: 'public' | 'token' | undefined;
  /** The guard of routes that declare none (the dashboard's pages); unset: they are refused. */
  defaultGuard?: RouteGuard | undefined;
}

/** Guards of the routes the kit's own plugins register (they cannot take a route config). */
function pluginGuard(url: string, options: RouteGuardOptions): RouteGuard | undefined {
  if (url === '/metrics') return options.metrics === 'token' ? guards.scope('metrics') : guards.public;
  if (url === '/openapi.json' || url === '/docs' || url.startsWith('/docs/')) return options.apiDocs === 'token' ? guards.scope('api-docs') : guards.public;
  return undefined;
}

const refuse = (code: string, kind: 'unauthorized' | 'forbidden', message: string) => new AppError(code, kind, message);

/**
 * Installs the guard on an app, before any route is registered: an `onRoute` hook records each
 * route with its guard; an `onRequest` hook authenticates bearer routes; a `preHandler` hook
 * (after every scope's own checks, e.g. the Slack signature) refuses any route whose declared
 * guard was not satisfied — so a route is open only when it says `guards.public`.
 */
export function installRouteGuards(app: FastifyInstance, options: RouteGuardOptions): void {
  const table: RegisteredRoute[] = [];
  app.decorate('routeTable', table);
  app.addHook('onRoute', (route: RouteOptions) => {
    const config = (route.config ?? {}) as { guard?: RouteGuard };
    const guard = config.guard ?? pluginGuard(route.url, options) ?? options.defaultGuard;
    if (guard && !config.guard) route.config = { ...config, guard } as RouteOptions['config'];
    // Read when asked: scopes registered later (the Slack scope) set their guard in their own onRoute, after this one.
    for (const method of [route.method].flat()) {
      table.push({
        method,
        url: route.url,
        get guard() {
          return (route.config as { guard?: RouteGuard } | undefined)?.guard;
        },
      });
    }
  });

  app.addHook('onRequest', async (request) => {
    if (request.is404) return;
    const guard = guardOf(request);
    if (!guard) {
      request.log.error({ route: request.routeOptions.url, method: request.method }, 'route declares no guard: refused');
      throw refuse('ROUTE_NOT_GUARDED', 'forbidden', 'This route declares no access guard and is refused until it does.');
    }
    if (guard.kind !== 'bearer') return;
    const client = options.clients?.authenticate(request.headers.authorization);
    if (!client) throw refuse('AUTH_REQUIRED', 'unauthorized', 'A valid bearer token is required (Authorization: Bearer <token of your tool>).');
    request.caller = client.tool;
    if (!client.scopes.has(guard.scope)) {
      throw refuse('SCOPE_MISSING', 'forbidden', `The token of ${client.tool} does not hold the scope "${guard.scope}" this route needs (API_SCOPES).`);
    }
    const acting = request.headers['x-acting-user'];
    if (acting !== undefined) {
      const slackId = request.headers['x-acting-slack-id'];
      if (typeof acting !== 'string' || !client.mayActFor(acting.trim(), typeof slackId === 'string' ? slackId : undefined)) {
        throw refuse('ACT_FOR_REFUSED', 'forbidden', `${client.tool} may not act for ${typeof acting === 'string' ? acting.slice(0, 254) : 'that person'} (API_ACT_FOR).`);
      }
    }
    markAuthenticated(request, 'bearer', `${client.tool}:${typeof acting === 'string' ? acting.trim().toLowerCase() : ''}`);
  });

  app.addHook('preHandler', async (request: FastifyRequest, _reply: FastifyReply) => {
    if (request.is404) return;
    const guard = guardOf(request);
    if (guard?.kind === 'public') return;
    if (!guard || authenticatedBy(request) !== guard.kind) {
      throw refuse('AUTH_REQUIRED', 'unauthorized', 'This route needs authentication the request did not carry.');
    }
  });
}
