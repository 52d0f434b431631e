import { captureLogger } from '@dbre/testing';
import { apiClientsOf, createLifecycle, type HttpApp } from '@dbre/service-kit';
import { createReviewPool, resolveConfig, type ReviewPool } from '@dbre/review';
import { buildApp } from '../src/app';

// Pool workers load the parser from TypeScript sources through tsx: slow on a busy machine.
jest.setTimeout(300_000);

const TOKEN = 'pool-test-token-0123456789abcdef';
const clients = apiClientsOf({ tests: { token: TOKEN, scopes: ['reviews'] } });

/** 400 nested CASE expressions (12 KB): ANTLR needs tens of seconds for it. */
const nestedCase = `SELECT ${'CASE WHEN a = 1 THEN '.repeat(400)}1${' END'.repeat(400)} FROM t`;

describe('POST /v1/reviews through the worker pool', () => {
  let app: HttpApp;
  let pool: ReviewPool;

  beforeAll(async () => {
    pool = createReviewPool({ threads: 1, statementBudgetMs: 3_000 });
    app = await buildApp({ logger: captureLogger().logger, lifecycle: createLifecycle(), clients, review: { config: resolveConfig({}), maxSqlBytes: 100_000, pool } });
  });
  afterAll(async () => {
    await app.close();
    await pool.close();
  });

  it('answers /healthz while a slow statement is reviewed, and reports that statement as over budget', async () => {
    const review = app.inject({ method: 'POST', url: '/v1/reviews', headers: { authorization: `Bearer ${TOKEN}` }, payload: { sql: `${nestedCase};\nDROP TABLE users;` } });
    const health = app.inject({ method: 'GET', url: '/healthz' });
    const first = await Promise.race([health.then(() => 'healthz'), review.then(() => 'review')]);
    expect(first).toBe('healthz');
    expect((await health).statusCode).toBe(200);
    const res = await review;
    expect(res.statusCode).toBe(200);
    const body = res.json() as { findings: Array<{ ruleId: string; line: number }>; server: { version: string } };
    expect(body.findings.filter((f) => f.ruleId === 'parse-time-budget').map((f) => f.line)).toEqual([1]);
    expect(body.findings.filter((f) => f.ruleId === 'safety-drop-table').map((f) => f.line)).toEqual([2]);
    expect(body.server).toEqual({ dialect: 'mysql80', version: '8.0.32', source: 'config' });
  });
});
