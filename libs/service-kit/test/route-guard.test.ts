import { z } from 'zod';
import { apiActForEnv, apiClientsOf, apiScopesEnv, apiTokensEnv, createApiClients, createHttpApp, guards, parseConfig, serviceEnv, apiClientsEnv, checkApiClients, ConfigError, type HttpApp } from '../src';
import { captureLogger } from '@dbre/testing';

const long = (c: string) => c.repeat(32);
const READER = long('r');
const WRITER = long('w');

async function appWith(options: { metrics?: 'public' | 'token' } = {}): Promise<HttpApp> {
  const clients = apiClientsOf(
    {
      reader: { token: READER, scopes: ['requests:read'] },
      writer: { token: WRITER, scopes: ['requests:create', 'metrics'], actFor: ['@example.com', 'group:dbre'] },
    },
    { groups: { dbre: ['ops@corp.test', 'U0SLACK'] } },
  );
  const app = await createHttpApp({ name: 't', logger: captureLogger().logger, auth: { clients, ...options } });
  app.get('/v1/things', { config: { guard: guards.scope('requests:read') } }, async (request) => ({ ok: true, caller: request.caller }));
  app.post('/v1/things', { config: { guard: guards.scope('requests:create') } }, async (request) => ({ ok: true, acting: request.headers['x-acting-user'] }));
  app.get('/v1/forgotten', async () => ({ leaked: true }));
  app.get('/open', { config: { guard: guards.public } }, async () => ({ open: true }));
  return app;
}

describe('route guards (declared on the route, never matched on the URL)', () => {
  let app: HttpApp;
  beforeAll(async () => {
    app = await appWith();
  });
  afterAll(() => app.close());

  // Finding 13.1: the router decodes %76 to "v"; a prefix test on request.url let this through.
  it('refuses a percent-encoded path to a protected route without a token', async () => {
    for (const url of ['/%761/things', '/v1/thing%73', '/%76%31/things']) {
      const res = await app.inject({ method: 'GET', url });
      expect(res.statusCode).toBe(401);
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect(res.json()).toMatchObject({ code: 'AUTH_REQUIRED' });
    }
    expect((await app.inject({ method: 'GET', url: '/%761/things', headers: { authorization: `Bearer ${READER}` } })).json()).toEqual({ ok: true, caller: 'reader' });
  });

  it('refuses a route that declares no guard, whatever the caller holds', async () => {
    const res = await app.inject({ method: 'GET', url: '/v1/forgotten', headers: { authorization: `Bearer ${READER}` } });
    expect(res.statusCode).toBe(403);
    expect(res.json()).toMatchObject({ code: 'ROUTE_NOT_GUARDED' });
    expect(app.routeTable?.find((r) => r.url === '/v1/forgotten')?.guard).toBeUndefined();
  });

  it('refuses a token that lacks the scope of the route, naming the scope', async () => {
    const res = await app.inject({ method: 'POST', url: '/v1/things', headers: { authorization: `Bearer ${READER}` }, payload: {} });
    expect(res.statusCode).toBe(403);
    expect(res.json()).toMatchObject({ code: 'SCOPE_MISSING', detail: expect.stringContaining('"requests:create"') });
  });

  it('lets a tool act only for the people API_ACT_FOR gives it', async () => {
    const as = (who: string, extra: Record<string, string> = {}) =>
      app.inject({ method: 'POST', url: '/v1/things', headers: { authorization: `Bearer ${WRITER}`, 'x-acting-user': who, ...extra }, payload: {} });
    expect((await as('dave@example.com')).statusCode).toBe(200);
    expect((await as('ops@corp.test')).statusCode).toBe(200);
    expect((await as('someone@corp.test', { 'x-acting-slack-id': 'U0SLACK' })).statusCode).toBe(200);
    const refused = await as('mallory@evil.test');
    expect(refused.statusCode).toBe(403);
    expect(refused.json()).toMatchObject({ code: 'ACT_FOR_REFUSED' });
    // A suffix that only looks like the domain is not the domain.
    expect((await as('mallory@evil-example.com')).statusCode).toBe(403);
  });

  it('refuses wrong, malformed and missing tokens alike', async () => {
    for (const authorization of [`Bearer ${READER}x`, READER, 'Bearer ', `Basic ${READER}`]) {
      expect((await app.inject({ method: 'GET', url: '/v1/things', headers: { authorization } })).statusCode).toBe(401);
    }
  });

  it('serves public routes, probes and (by default) /metrics without a token', async () => {
    expect((await app.inject('/open')).statusCode).toBe(200);
    expect((await app.inject('/healthz')).statusCode).toBe(200);
    expect((await app.inject('/metrics')).statusCode).toBe(200);
    expect((await app.inject('/nowhere')).statusCode).toBe(404);
  });

  it('protects /metrics with the metrics scope when configured so', async () => {
    const closed = await appWith({ metrics: 'token' });
    try {
      expect((await closed.inject('/metrics')).statusCode).toBe(401);
      expect((await closed.inject('/%6detrics')).statusCode).toBe(401);
      expect((await closed.inject({ url: '/metrics', headers: { authorization: `Bearer ${READER}` } })).statusCode).toBe(403);
      expect((await closed.inject({ url: '/metrics', headers: { authorization: `Bearer ${WRITER}` } })).statusCode).toBe(200);
    } finally {
      await closed.close();
    }
  });
});

describe('API_TOKENS, API_SCOPES, API_ACT_FOR', () => {
  const schema = z.object({ ...serviceEnv, ...apiClientsEnv }).superRefine(checkApiClients);

  it('parses tokens and refuses short tokens, bad names and duplicates', () => {
    const tokens = apiTokensEnv.parse(`slack=${long('a')}, ops-cli=${long('b')}`);
    expect([...tokens.keys()]).toEqual(['slack', 'ops-cli']);
    const bad = apiTokensEnv.safeParse(`slack=short,Bad Tool=${long('c')},slack=${long('d')}`);
    expect(bad.success).toBe(false);
    const messages = bad.error!.issues.map((i) => i.message).join('\n');
    expect(messages).toContain('the token of slack must be at least 24 characters');
    expect(messages).toContain('must be <tool>=<token>');
  });

  it('refuses unknown scopes and malformed people, naming them', () => {
    const scopes = apiScopesEnv.safeParse('cli=requests:read,requests:write');
    expect(scopes.error?.issues.map((i) => i.message)).toEqual([expect.stringContaining('unknown scope "requests:write"')]);
    const people = apiActForEnv.safeParse('cli=*;bot=not-an-email');
    expect(people.error?.issues.map((i) => i.message)).toEqual([expect.stringContaining('"not-an-email" is not *, group:<name>, @<domain> or an e-mail')]);
  });

  it('requires scopes for every token, and a token for every tool given scopes', () => {
    expect(() => parseConfig(schema, { API_TOKENS: `cli=${long('a')},bot=${long('b')}`, API_SCOPES: 'cli=requests:read;ghost=approve' })).toThrow(
      expect.objectContaining({
        problems: expect.arrayContaining([
          expect.stringContaining('tool bot has a token in API_TOKENS but no scopes'),
          expect.stringContaining('tool ghost has scopes but no token in API_TOKENS'),
        ]),
      }),
    );
  });

  it('refuses at start-up a group the access policy does not define', () => {
    const config = parseConfig(schema, { API_TOKENS: `cli=${long('a')}`, API_SCOPES: 'cli=requests:read', API_ACT_FOR: 'cli=group:nobody' });
    expect(() => createApiClients(config, { groups: { dbre: [] } })).toThrow(ConfigError);
  });
});
