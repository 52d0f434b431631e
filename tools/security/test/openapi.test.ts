import { z } from 'zod';
import type { AccessRequest } from '@dbre/domain';
import { apiClientsOf, createHttpApp, guards, okResponse, problems } from '@dbre/service-kit';
import { captureLogger, checkOpenApiDocument, createOpenApiValidator, type OpenApiDocument } from '@dbre/testing';
import { ALICE, DAVE, startPlatform, tokenOf, type Platform } from './platform';

/**
 * The API documents (GET /docs/json of each REST service) say what the routes really answer:
 * every route documented (a new route without its schema fails here, named), and real answers
 * of the main routes validate against the document.
 */

const FULL = { authorization: `Bearer ${tokenOf('full')}` };
const REST_SERVICES = ['request-api', 'approval-api', 'schema-review', 'doc-crawler'] as const;

describe('the OpenAPI documents', () => {
  let platform: Platform;
  const docs = new Map<string, OpenApiDocument>();
  beforeAll(async () => {
    platform = await startPlatform();
    for (const s of platform.services) {
      const res = await s.app.inject({ url: '/docs/json' });
      if (res.statusCode === 200) docs.set(s.name, res.json() as OpenApiDocument);
    }
  }, 90_000);
  afterAll(() => platform?.close());

  const validator = (service: string) => {
    const doc = docs.get(service);
    if (!doc) throw new Error(`${service} serves no /docs/json`);
    return createOpenApiValidator(doc);
  };

  it('is served by every REST service, and by none of the workers or the dashboard (no REST routes)', () => {
    expect([...docs.keys()].sort()).toEqual([...REST_SERVICES].sort());
  });

  it.each(REST_SERVICES)('%s: every route has a summary, a 2xx schema with a valid example and problem+json errors with their codes', (service) => {
    const doc = docs.get(service) as OpenApiDocument;
    expect(Object.keys(doc.paths).length).toBeGreaterThan(0);
    // Slack's inbound routes, probes and the document itself are not part of the API.
    expect(Object.keys(doc.paths).filter((p) => !p.startsWith('/v1/'))).toEqual([]);
    expect(checkOpenApiDocument(doc)).toEqual([]);
  });

  it('documents the codes each route really returns, not only the shared ones', () => {
    const codesOf = (service: string, path: string, method: string, status: number) =>
      ((docs.get(service)?.paths[path]?.[method]?.responses?.[String(status)]?.content?.['application/problem+json']?.schema?.['properties'] as Record<string, { enum?: string[] }> | undefined)?.['code']?.enum ?? []);
    expect(codesOf('request-api', '/v1/access-requests', 'post', 400)).toEqual(expect.arrayContaining(['REQUEST_INVALID', 'DATABASE_NOT_FOUND', 'IDEMPOTENCY_KEY_INVALID']));
    expect(codesOf('request-api', '/v1/access-requests/{id}/end', 'post', 403)).toEqual(['END_NOT_ALLOWED', 'SCOPE_MISSING', 'ACT_FOR_REFUSED']);
    expect(codesOf('approval-api', '/v1/access-requests/{id}/approve', 'post', 409)).toEqual(expect.arrayContaining(['POLICY_ALREADY_APPROVED', 'POLICY_NOT_PENDING', 'IDEMPOTENCY_KEY_IN_FLIGHT']));
    expect(codesOf('schema-review', '/v1/reviews', 'post', 422)).toEqual(['REVIEW_CONTEXT_INCOMPLETE', 'REVIEW_NO_STATEMENTS', 'IDEMPOTENCY_KEY_REUSED']);
    expect(codesOf('doc-crawler', '/v1/docs/crawls/{runId}', 'get', 404)).toEqual(['CRAWL_RUN_NOT_FOUND']);
    // A read route has no rate limit and no idempotency key.
    expect(docs.get('doc-crawler')?.paths['/v1/docs/crawls/{runId}']?.['get']?.responses?.['429']).toBeUndefined();
  });

  it('request-api: a real create (201), follow, list, and refusals validate against the document', async () => {
    const api = platform.requestApi;
    const check = validator('request-api');
    const create = { clusterId: 'devdb', database: platform.database, profile: 'read', durationMinutes: 10, reason: 'investigate OPS-42 slow checkout' };
    const created = await api.inject({ method: 'POST', url: '/v1/access-requests', headers: { ...FULL, 'x-acting-user': DAVE }, payload: create });
    expect(created.statusCode).toBe(201);
    expect(check.checkAnswer('post', '/v1/access-requests', created)).toEqual([]);
    const id = (created.json() as AccessRequest).id;

    const followed = await api.inject({ url: `/v1/access-requests/${id}`, headers: FULL });
    expect(followed.statusCode).toBe(200);
    expect(check.checkAnswer('get', '/v1/access-requests/{id}', followed)).toEqual([]);
    const listed = await api.inject({ url: `/v1/access-requests?requester=${DAVE}&limit=5`, headers: FULL });
    expect(check.checkAnswer('get', '/v1/access-requests', listed)).toEqual([]);
    const outbox = await api.inject({ url: '/v1/outbox', headers: { ...FULL, 'x-acting-user': ALICE } });
    expect((outbox.json() as { items: unknown[] }).items.length).toBeGreaterThan(0); // ALICE was asked to review
    expect(check.checkAnswer('get', '/v1/outbox', outbox)).toEqual([]);

    const refusals = [
      ['post', '/v1/access-requests', await api.inject({ method: 'POST', url: '/v1/access-requests', headers: { ...FULL, 'x-acting-user': DAVE }, payload: { ...create, database: 'no_such_db' } })],
      ['post', '/v1/access-requests', await api.inject({ method: 'POST', url: '/v1/access-requests', headers: { ...FULL, 'x-acting-user': DAVE }, payload: { ...create, reason: 'short' } })],
      ['post', '/v1/access-requests', await api.inject({ method: 'POST', url: '/v1/access-requests', headers: { ...FULL, 'x-acting-user': DAVE, 'content-type': 'application/json' }, payload: '{"clusterId":' })],
      ['get', '/v1/access-requests', await api.inject({ url: '/v1/access-requests', headers: FULL })],
      ['get', '/v1/access-requests/{id}', await api.inject({ url: '/v1/access-requests/01ARZ3NDEKTSV4RRFFQ69G5FAV', headers: FULL })],
      ['post', '/v1/access-requests/{id}/cancel', await api.inject({ method: 'POST', url: `/v1/access-requests/${id}/cancel`, headers: { ...FULL, 'x-acting-user': ALICE } })],
      ['post', '/v1/access-requests/{id}/extend', await api.inject({ method: 'POST', url: `/v1/access-requests/${id}/extend`, headers: { ...FULL, 'x-acting-user': DAVE }, payload: { minutes: 10 } })],
      ['post', '/v1/access-requests/{id}/end', await api.inject({ method: 'POST', url: `/v1/access-requests/${id}/end`, headers: { 'x-acting-user': DAVE } })],
    ] as const;
    expect(refusals.map(([, , r]) => `${r.statusCode} ${(r.json() as { code: string }).code}`)).toEqual([
      '400 DATABASE_NOT_FOUND',
      '400 REQUEST_INVALID',
      '400 FST_ERR_CTP_INVALID_JSON_BODY',
      '400 LIST_FILTER_REQUIRED',
      '404 REQUEST_NOT_FOUND',
      '403 CANCEL_NOT_REQUESTER',
      '409 EXTENSION_NOT_ACTIVE',
      '401 AUTH_REQUIRED',
    ]);
    for (const [method, path, r] of refusals) expect(check.checkAnswer(method, path, r)).toEqual([]);
  });

  it('approval-api: a real approval and a refused one validate against the document', async () => {
    const create = { clusterId: 'devdb', database: platform.database, profile: 'read', durationMinutes: 10, reason: 'check the OPS-77 migration result' };
    const created = await platform.requestApi.inject({ method: 'POST', url: '/v1/access-requests', headers: { ...FULL, 'x-acting-user': DAVE }, payload: create });
    const id = (created.json() as AccessRequest).id;
    const check = validator('approval-api');
    const self = await platform.approvalApi.inject({ method: 'POST', url: `/v1/access-requests/${id}/approve`, headers: { ...FULL, 'x-acting-user': DAVE }, payload: {} });
    expect([self.statusCode, self.json().code]).toEqual([403, 'POLICY_SELF_APPROVAL']);
    expect(check.checkAnswer('post', '/v1/access-requests/{id}/approve', self)).toEqual([]);
    const approved = await platform.approvalApi.inject({ method: 'POST', url: `/v1/access-requests/${id}/approve`, headers: { ...FULL, 'x-acting-user': ALICE }, payload: { comment: 'fine for OPS-77' } });
    expect([approved.statusCode, (approved.json() as AccessRequest).state]).toEqual([200, 'approved']);
    expect(check.checkAnswer('post', '/v1/access-requests/{id}/approve', approved)).toEqual([]);
    const late = await platform.approvalApi.inject({ method: 'POST', url: `/v1/access-requests/${id}/deny`, headers: { ...FULL, 'x-acting-user': ALICE }, payload: { reason: 'changed my mind' } });
    expect([late.statusCode, late.json().code]).toEqual([409, 'ILLEGAL_TRANSITION']);
    expect(check.checkAnswer('post', '/v1/access-requests/{id}/deny', late)).toEqual([]);
  });

  it('schema-review: a real review and its refusals validate against the document', async () => {
    const check = validator('schema-review');
    const review = await platform.schemaReview.inject({ method: 'POST', url: '/v1/reviews', headers: FULL, payload: { sql: 'ALTER TABLE orders ADD COLUMN gift_note varchar(200);' } });
    expect(review.statusCode).toBe(200);
    expect((review.json() as { findings: unknown[] }).findings.length).toBeGreaterThan(0);
    expect(check.checkAnswer('post', '/v1/reviews', review)).toEqual([]);
    const rules = await platform.schemaReview.inject({ url: '/v1/rules', headers: FULL });
    expect(check.checkAnswer('get', '/v1/rules', rules)).toEqual([]);
    const refusals = [
      await platform.schemaReview.inject({ method: 'POST', url: '/v1/reviews', headers: FULL, payload: { sql: 'ALTER TABLE t ADD c int;', cluster: 'devdb' } }),
      await platform.schemaReview.inject({ method: 'POST', url: '/v1/reviews', headers: FULL, payload: { sql: '-- nothing here' } }),
      await platform.schemaReview.inject({ method: 'POST', url: '/v1/reviews', headers: FULL, payload: { sql: `-- ${'x'.repeat(20_001)}` } }),
      await platform.schemaReview.inject({ method: 'POST', url: '/v1/reviews', headers: { authorization: 'Bearer wrong' }, payload: { sql: 'SELECT 1' } }),
    ];
    expect(refusals.map((r) => `${r.statusCode} ${(r.json() as { code: string }).code}`)).toEqual(['422 REVIEW_CONTEXT_INCOMPLETE', '422 REVIEW_NO_STATEMENTS', '413 REVIEW_SQL_TOO_LARGE', '401 AUTH_REQUIRED']);
    for (const r of refusals) expect(check.checkAnswer('post', '/v1/reviews', r)).toEqual([]);
  });

  it('doc-crawler: real answers and refusals validate against the document', async () => {
    const check = validator('doc-crawler');
    const runs = await platform.docCrawler.inject({ url: '/v1/docs/crawls?limit=5', headers: FULL });
    expect(runs.statusCode).toBe(200);
    expect(check.checkAnswer('get', '/v1/docs/crawls', runs)).toEqual([]);
    const refusals = [
      ['get', '/v1/docs/crawls/{runId}', await platform.docCrawler.inject({ url: '/v1/docs/crawls/20261202T030000412Z-9f3a1c', headers: FULL })],
      ['get', '/v1/docs/clusters/{clusterId}/crawls', await platform.docCrawler.inject({ url: '/v1/docs/clusters/orders-prd/crawls', headers: FULL })],
      ['post', '/v1/docs/crawls', await platform.docCrawler.inject({ method: 'POST', url: '/v1/docs/crawls', headers: FULL, payload: { clusterId: 'orders-prd' } })],
      ['get', '/v1/docs/crawls', await platform.docCrawler.inject({ url: '/v1/docs/crawls?limit=1000', headers: FULL })],
    ] as const;
    expect(refusals.map(([, , r]) => `${r.statusCode} ${(r.json() as { code: string }).code}`)).toEqual(['404 CRAWL_RUN_NOT_FOUND', '404 CLUSTER_NOT_FOUND', '404 CLUSTER_NOT_FOUND', '400 REQUEST_INVALID']);
    for (const [method, path, r] of refusals) expect(check.checkAnswer(method, path, r)).toEqual([]);
  });
});

describe('the OpenAPI check itself', () => {
  it('names each route that is not documented, and what it lacks', async () => {
    const app = await createHttpApp({ name: 't', logger: captureLogger().logger, openapi: { title: 't' } });
    app.get('/v1/bare', { config: { guard: guards.public }, schema: {} }, async () => ({ ok: true }));
    app.post(
      '/v1/wrong-example',
      {
        config: { guard: guards.scope('reviews') },
        schema: {
          summary: 'An example that contradicts its schema',
          body: z.object({ n: z.number() }),
          response: { 200: okResponse(z.object({ count: z.number().int() }), { description: 'a count', example: { count: 'three' as unknown as number } }), ...problems({ 404: { THING_NOT_FOUND: 'No thing 7.' } }) },
        },
      },
      async () => ({ count: 3 }),
    );
    await app.ready();
    const findings = checkOpenApiDocument((await app.inject({ url: '/docs/json' })).json() as OpenApiDocument);
    await app.close();
    expect(findings).toEqual([
      'GET /v1/bare: no summary (schema.summary)',
      'GET /v1/bare: no 2xx response with a schema and an example (schema.response: { 200: okResponse(schema, { description, example }) })',
      'POST /v1/wrong-example: request body application/json: no example (body: schema.meta({ examples: [...] }))',
      'POST /v1/wrong-example: 200 application/json: the example does not match the schema: /count must be integer {"type":"integer"}',
    ]);
  });

  it('refuses an answer the document does not describe', async () => {
    const app = await createHttpApp({ name: 't', logger: captureLogger().logger, openapi: { title: 't' } });
    app.get('/v1/thing', { config: { guard: guards.public }, schema: { summary: 'A thing', response: { 200: okResponse(z.object({ n: z.number() }), { description: 'the thing', example: { n: 1 } }) } } }, async (_request, reply) =>
      // A status the document does not list.
      reply.status(202 as 200).send({ n: 1 }),
    );
    await app.ready();
    const check = createOpenApiValidator((await app.inject({ url: '/docs/json' })).json() as OpenApiDocument);
    const answer = await app.inject({ url: '/v1/thing' });
    await app.close();
    expect(check.checkAnswer('get', '/v1/thing', answer)).toEqual(['GET /v1/thing: answered 202 application/json, which the document does not describe']);
    expect(check.checkAnswer('get', '/v1/thing', { statusCode: 200, headers: { 'content-type': 'application/json' }, body: '{"n":"one"}' })).toEqual(['GET /v1/thing 200: /n must be number {"type":"number"}']);
  });
});

describe('who may read the API documents', () => {
  it('with API_DOCS_ACCESS=token: no token 401, a token without api-docs 403, however the path is spelled', async () => {
    const clients = apiClientsOf({
      reader: { token: tokenOf('reader'), scopes: ['api-docs'] },
      other: { token: tokenOf('other'), scopes: ['reviews'] },
    });
    const app = await createHttpApp({ name: 't', logger: captureLogger().logger, openapi: { title: 't' }, auth: { clients, apiDocs: 'token' } });
    app.get('/v1/thing', { config: { guard: guards.scope('reviews') }, schema: { summary: 'A thing', response: { 200: okResponse(z.object({ n: z.number() }), { description: 'the thing', example: { n: 1 } }) } } }, async () => ({ n: 1 }));
    await app.ready();
    try {
      const as = (who?: string) => (who ? { authorization: `Bearer ${tokenOf(who)}` } : {});
      for (const url of ['/docs/json', '/openapi.json', '/docs', '/%64ocs/json', '/docs/static/index.html']) {
        const anonymous = await app.inject({ url });
        expect([url, anonymous.statusCode, anonymous.json().code]).toEqual([url, 401, 'AUTH_REQUIRED']);
        const other = await app.inject({ url, headers: as('other') });
        expect([url, other.statusCode, other.json().code]).toEqual([url, 403, 'SCOPE_MISSING']);
      }
      const reader = await app.inject({ url: '/docs/json', headers: as('reader') });
      expect(reader.statusCode).toBe(200);
      expect(Object.keys((reader.json() as OpenApiDocument).paths)).toEqual(['/v1/thing']);
    } finally {
      await app.close();
    }
  });
});
