import type { RegisteredRoute } from '@dbre/service-kit';
import { lacking, startPlatform, tokenOf, type Platform } from './platform';

// Every registered route of every app (collected by service-kit's onRoute hook while each app's
// buildApp ran) is tried without credentials, with a wrong token, with a token lacking its scope
// and through path variants. A route added later without a guard makes this file fail.

const SAMPLE: Record<string, string> = {
  id: '01ARZ3NDEKTSV4RRFFQ69G5FAV',
  runId: '20260101T000000000Z-abc123',
  clusterId: 'devdb',
  '*': 'devdb/README.md',
};

/** A concrete path for a route pattern (`:id` → a ULID, `*` → a file). */
function concrete(url: string): string {
  return url
    .replace(/:([A-Za-z]+)(\([^)]*\))?/g, (_m, name: string) => SAMPLE[name] ?? 'x1')
    .replace(/\*$/, SAMPLE['*'] ?? 'x');
}

/** The same route spelled the ways a URL matcher might not foresee. */
function variants(path: string): string[] {
  const [first = '', ...rest] = path.slice(1).split('/');
  const tail = rest.length ? `/${rest.join('/')}` : '';
  const encodedFirst = `%${first.charCodeAt(0).toString(16)}${first.slice(1)}`;
  return [
    `/${encodedFirst}${tail}`,
    `/${first.slice(0, -1)}%${first.charCodeAt(first.length - 1).toString(16)}${tail}`,
    `/${path}`.replace('//', '//'),
    `/.${path}`,
    `/${first}/..${path}`,
    `${path}/`,
    path.toUpperCase(),
    `${path};jsessionid=x`,
    `${path}%2f`,
    `${path}?x=1`,
  ];
}

const BODY = { clusterId: 'devdb', database: 'demo', profile: 'read', reason: 'a reason of enough length', comment: 'ok', minutes: 5, sql: 'SELECT 1' };

describe('every route of every app is guarded', () => {
  let platform: Platform;
  beforeAll(async () => {
    platform = await startPlatform();
  }, 60_000);
  afterAll(() => platform?.close());

  const routes = () =>
    platform.services.flatMap((s) =>
      (s.app.routeTable ?? [])
        .filter((r) => r.method !== 'HEAD' && r.method !== 'OPTIONS')
        .map((r) => ({ service: s.name, app: s.app, route: r })),
    );
  const label = (s: string, r: RegisteredRoute) => `${s} ${r.method} ${r.url}`;

  it('collects the routes of all seven services, and each declares a guard', () => {
    const all = routes();
    expect(new Set(all.map((r) => r.service))).toEqual(new Set(['request-api', 'approval-api', 'schema-review', 'doc-crawler', 'provisioner', 'reaper', 'ops-dashboard']));
    const unguarded = all.filter((r) => !r.route.guard).map((r) => label(r.service, r.route));
    expect(unguarded).toEqual([]);
    // The public routes are exactly the probes, the metrics/docs served openly on loopback, and the dashboard's assets.
    const open = all.filter((r) => r.route.guard?.kind === 'public').map((r) => r.route.url);
    for (const url of open) expect(url).toMatch(/^(\/healthz|\/readyz|\/metrics|\/openapi\.json|\/docs.*|\/assets\/dashboard\.(css|js))$/);
    // The routes that matter are guarded as expected.
    const guardOf = (service: string, method: string, url: string) => all.find((r) => r.service === service && r.route.method === method && r.route.url === url)?.route.guard;
    expect(guardOf('request-api', 'POST', '/v1/outbox/:id/open')).toEqual({ kind: 'bearer', scope: 'outbox:open' });
    expect(guardOf('approval-api', 'POST', '/v1/access-requests/:id/approve')).toEqual({ kind: 'bearer', scope: 'approve' });
    expect(guardOf('schema-review', 'POST', '/v1/reviews')).toEqual({ kind: 'bearer', scope: 'reviews' });
    expect(guardOf('doc-crawler', 'POST', '/v1/docs/crawls')).toEqual({ kind: 'bearer', scope: 'docs:crawl' });
    expect(guardOf('request-api', 'POST', '/slack/interactions')).toEqual({ kind: 'slack' });
    expect(guardOf('ops-dashboard', 'POST', '/grants/:id/end')).toEqual({ kind: 'dashboard' });
  });

  it('refuses every non-public route without credentials, with a wrong token and with a token lacking its scope', async () => {
    const accepted: string[] = [];
    for (const { service, app, route } of routes()) {
      if (route.guard?.kind === 'public') continue;
      const url = concrete(route.url);
      const attempts: Array<[string, Record<string, string>]> = [
        ['no credentials', {}],
        ['a wrong token', { authorization: `Bearer ${'w'.repeat(40)}` }],
        ['a wrong basic password', { authorization: `Basic ${Buffer.from('admin:wrong').toString('base64')}` }],
      ];
      if (route.guard?.kind === 'bearer') attempts.push(['a token lacking the scope', { authorization: `Bearer ${lacking(route.guard.scope)}` }]);
      for (const [what, headers] of attempts) {
        const res = await app.inject({ method: route.method as 'GET', url, headers: { 'x-acting-user': 'dave@example.com', ...headers }, ...(route.method === 'GET' ? {} : { payload: BODY }) });
        if (res.statusCode < 400 || res.statusCode >= 500) accepted.push(`${label(service, route)} with ${what}: ${res.statusCode}`);
        else if (route.guard?.kind === 'bearer') expect([401, 403]).toContain(res.statusCode);
      }
    }
    expect(accepted).toEqual([]);
  }, 120_000);

  it('refuses every non-public route through path variants (encoded letters, //, /./, .., trailing slash, case, ;)', async () => {
    const accepted: string[] = [];
    for (const { service, app, route } of routes()) {
      if (route.guard?.kind === 'public') continue;
      for (const variant of variants(concrete(route.url))) {
        for (const headers of [{}, route.guard?.kind === 'bearer' ? { authorization: `Bearer ${lacking(route.guard.scope)}` } : {}]) {
          const res = await app.inject({ method: route.method as 'GET', url: variant, headers: { 'x-acting-user': 'dave@example.com', ...headers }, ...(route.method === 'GET' ? {} : { payload: BODY }) });
          if (res.statusCode < 400 || res.statusCode >= 500) accepted.push(`${label(service, route)} as ${variant}: ${res.statusCode}`);
        }
      }
    }
    expect(accepted).toEqual([]);
  }, 180_000);

  it('still serves a legitimate caller through the same router (the guard is not a URL filter)', async () => {
    const res = await platform.requestApi.inject({ method: 'GET', url: '/%761/access-requests?requester=dave@example.com', headers: { authorization: `Bearer ${tokenOf('full')}` } });
    expect(res.statusCode).toBe(200);
    expect((await platform.docCrawler.inject({ url: '/v1/docs/crawls', headers: { authorization: `Bearer ${tokenOf('full')}` } })).statusCode).toBe(200);
  });
});
