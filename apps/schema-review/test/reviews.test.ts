import path from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { captureLogger } from '@dbre/testing';
import { apiClientsOf, createLifecycle, type HttpApp } from '@dbre/service-kit';
import { createMemoryAiCache, createOpenAiCompatibleProvider, resolveConfig } from '@dbre/review';
import { buildApp } from '../src/app';

const TOKEN = 'test-tool-token-000000000000000000';
const clients = apiClientsOf({ tests: { token: TOKEN, scopes: ['reviews'] } });
const AUTH = { authorization: `Bearer ${TOKEN}` };


const SNAPSHOTS = path.join(__dirname, '../../../libs/review/test/fixtures/snapshots');

/** A loopback stand-in of an OpenAI-compatible endpoint whose behaviour each test picks. */
async function startModelStandIn(): Promise<{ server: FastifyInstance; url: string; mode: { value: 'good' | 'malformed' | 'slow' | 'fence' }; calls: () => number }> {
  const server = Fastify({ forceCloseConnections: true });
  const mode = { value: 'good' as 'good' | 'malformed' | 'slow' | 'fence' };
  let calls = 0;
  server.post('/v1/chat/completions', async (request, reply) => {
    calls += 1;
    const body = request.body as { model: string; messages: Array<{ role: string; content: string }> };
    if (mode.value === 'slow') await new Promise((r) => setTimeout(r, 1500));
    const answer = { summary: 'Adds a column; safe online.', comments: [{ severity: 'info', line: 1, message: `Backfill in batches (${body.model}).`, suggestion: null }], disagreements: [] };
    const content = mode.value === 'malformed' ? 'Sure! Here is my review: the DDL looks fine.' : mode.value === 'fence' ? `\`\`\`json\n${JSON.stringify(answer)}\n\`\`\`` : JSON.stringify(answer);
    return reply.send({ choices: [{ message: { role: 'assistant', content } }] });
  });
  const url = await server.listen({ port: 0, host: '127.0.0.1' });
  return { server, url, mode, calls: () => calls };
}

describe('POST /v1/reviews', () => {
  let app: HttpApp;
  let model: Awaited<ReturnType<typeof startModelStandIn>>;

  beforeAll(async () => {
    model = await startModelStandIn();
    app = await buildApp({
      clients,
      logger: captureLogger().logger,
      lifecycle: createLifecycle(),
      review: {
        config: resolveConfig({}),
        snapshotDir: SNAPSHOTS,
        maxSqlBytes: 20_000,
        ai: { provider: createOpenAiCompatibleProvider({ baseUrl: `${model.url}/v1`, model: 'stand-in-1' }), cache: createMemoryAiCache(), timeoutMs: 500 },
      },
    });
  });
  afterAll(async () => {
    await app.close();
    await model.server.close();
  });

  it('returns findings with rule id, severity, line, column and fix, and a summary', async () => {
    const res = await app.inject({ method: 'POST', url: '/v1/reviews', headers: AUTH, payload: { sql: 'CREATE TABLE t (a int);\nTRUNCATE TABLE t;' } });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.summary).toMatchObject({ statements: 2, highest: 'error' });
    expect(body.findings).toContainEqual(expect.objectContaining({ ruleId: 'safety-truncate', severity: 'error', line: 2, column: 1, fix: expect.any(String) }));
    expect(body.context).toEqual({ status: 'not-requested' });
  });

  it('reviews against the live snapshot when cluster and schema are named', async () => {
    const res = await app.inject({ method: 'POST', url: '/v1/reviews', headers: AUTH, payload: { sql: 'ALTER TABLE orders CONVERT TO CHARACTER SET utf8mb4;\nALTER TABLE users ADD COLUMN email varchar(10) NULL;', cluster: 'shop-prod', schema: 'shop' } });
    const body = res.json();
    expect(body.context).toMatchObject({ status: 'found', cluster: 'shop-prod', schema: 'shop' });
    expect(body.findings.find((f: { ruleId: string }) => f.ruleId === 'context-large-table-rebuild').message).toContain('12 GB');
    expect(body.findings.map((f: { ruleId: string }) => f.ruleId)).toContain('context-column-exists');
  });

  it('says so when the snapshot is missing and still reviews the DDL', async () => {
    const res = await app.inject({ method: 'POST', url: '/v1/reviews', headers: AUTH, payload: { sql: 'TRUNCATE TABLE t', cluster: 'nowhere', schema: 'shop' } });
    const body = res.json();
    expect(body.context).toMatchObject({ status: 'missing', reason: expect.stringContaining('no doc-crawler snapshot') });
    expect(body.findings.map((f: { ruleId: string }) => f.ruleId)).toEqual(expect.arrayContaining(['context-no-snapshot', 'safety-truncate']));
  });

  it('refuses DDL over the size limit with a 413 that says what to do', async () => {
    const res = await app.inject({ method: 'POST', url: '/v1/reviews', headers: AUTH, payload: { sql: `SELECT '${'x'.repeat(25_000)}'` } });
    expect(res.statusCode).toBe(413);
    expect(res.json()).toMatchObject({ code: 'REVIEW_SQL_TOO_LARGE', detail: expect.stringContaining('at most 20000 bytes') });
    const huge = await app.inject({ method: 'POST', url: '/v1/reviews', headers: { ...AUTH, 'content-type': 'application/json' }, payload: JSON.stringify({ sql: 'x'.repeat(200_000) }) });
    expect(huge.statusCode).toBe(413);
  });

  it('answers 422 for text without statements and 400 for a missing sql field', async () => {
    expect((await app.inject({ method: 'POST', url: '/v1/reviews', headers: AUTH, payload: { sql: '-- only a comment\n' } })).statusCode).toBe(422);
    expect((await app.inject({ method: 'POST', url: '/v1/reviews', headers: AUTH, payload: { sql: 'SELECT 1', cluster: 'shop-prod' } })).json().code).toBe('REVIEW_CONTEXT_INCOMPLETE');
    expect((await app.inject({ method: 'POST', url: '/v1/reviews', headers: AUTH, payload: { dialect: 'mysql80' } })).statusCode).toBe(400);
  });

  it('adds an AI second opinion labelled as AI, cached on the second call', async () => {
    model.mode.value = 'good';
    const before = model.calls();
    const sql = "ALTER TABLE t ADD COLUMN ai_note varchar(10) NOT NULL DEFAULT '' COMMENT 'x'";
    const first = (await app.inject({ method: 'POST', url: '/v1/reviews', headers: AUTH, payload: { sql, ai: true } })).json();
    expect(first.ai).toMatchObject({ status: 'ok', label: 'AI', model: 'stand-in-1', cached: false, summary: 'Adds a column; safe online.' });
    const second = (await app.inject({ method: 'POST', url: '/v1/reviews', headers: AUTH, payload: { sql, ai: true } })).json();
    expect(second.ai).toMatchObject({ status: 'ok', cached: true });
    expect(model.calls() - before).toBe(1);
  });

  it('retries a malformed answer once, then reports AI unavailable while the rules still answer', async () => {
    model.mode.value = 'malformed';
    const before = model.calls();
    const body = (await app.inject({ method: 'POST', url: '/v1/reviews', headers: AUTH, payload: { sql: 'TRUNCATE TABLE malformed_case', ai: true } })).json();
    expect(model.calls() - before).toBe(2);
    expect(body.ai).toMatchObject({ status: 'unavailable', label: 'AI', reason: expect.stringContaining('after one retry') });
    expect(body.findings.map((f: { ruleId: string }) => f.ruleId)).toContain('safety-truncate');
  });

  it('gives up on a slow model after the timeout', async () => {
    model.mode.value = 'slow';
    const body = (await app.inject({ method: 'POST', url: '/v1/reviews', headers: AUTH, payload: { sql: 'TRUNCATE TABLE slow_case', ai: true } })).json();
    expect(body.ai).toMatchObject({ status: 'unavailable', reason: expect.stringContaining('within 500 ms') });
  });

  it('accepts an answer wrapped in a ```json fence', async () => {
    model.mode.value = 'fence';
    const body = (await app.inject({ method: 'POST', url: '/v1/reviews', headers: AUTH, payload: { sql: 'TRUNCATE TABLE fence_case', ai: true } })).json();
    expect(body.ai).toMatchObject({ status: 'ok', label: 'AI' });
  });

  it('lists the rules', async () => {
    const res = await app.inject({ url: '/v1/rules', headers: AUTH });
    expect(res.json().rules.length).toBeGreaterThanOrEqual(40);
  });
});
