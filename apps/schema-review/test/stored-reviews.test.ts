import { createServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { GetCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { createReviewStore } from '../src/review-store';
import { captureLogger, startTestDynamo } from '@dbre/testing';
import { apiClientsOf, createLifecycle, type HttpApp } from '@dbre/service-kit';
import { resolveConfig } from '@dbre/review';
import { createDynamo, tableName, type Dynamo } from '@dbre/store';
import { buildApp } from '../src/app';
import { STORE_LIMITS } from '../src/review-store';

const TOKEN = 'test-tool-token-000000000000000000';
const clients = apiClientsOf({ tests: { token: TOKEN, scopes: ['reviews'] } });
const AUTH = { authorization: `Bearer ${TOKEN}` };


jest.setTimeout(30_000);

describe('reviews are stored for the dashboard', () => {
  let db: Awaited<ReturnType<typeof startTestDynamo>>;
  let app: HttpApp;
  const log = captureLogger();

  beforeAll(async () => {
    db = await startTestDynamo();
    app = await buildApp({ clients, logger: log.logger, lifecycle: createLifecycle(), dynamo: db.dynamo, review: { config: resolveConfig({}), snapshotDir: '/nonexistent', maxSqlBytes: 200_000 } });
  });
  afterAll(async () => {
    await app.close();
    await db.close();
  });

  const scan = async (dynamo: Dynamo) => (await dynamo.doc.send(new ScanCommand({ TableName: tableName(dynamo.tablePrefix, 'reviews') }))).Items ?? [];

  it('stores each REST review once: ULID id, time, source, dialect, summary, findings, a short excerpt only', async () => {
    const secretish = `-- ${'x'.repeat(400)} end-of-text-marker\n`;
    const sql = `CREATE TABLE orders (a int);\n${secretish}TRUNCATE TABLE orders;`;
    const before = new Date().toISOString();
    const res = await app.inject({ method: 'POST', url: '/v1/reviews', headers: AUTH, payload: { sql, dialect: 'mysql57' } });
    const after = new Date().toISOString();
    expect(res.statusCode).toBe(200);
    const items = await scan(db.dynamo);
    expect(items).toHaveLength(1);
    const item = items[0]!;
    expect(item).toMatchObject({ source: 'rest', dialect: 'mysql57', verdict: 'fail', title: expect.stringContaining('CREATE TABLE orders'), summary: { statements: 2, errors: expect.any(Number) } });
    expect(item['id']).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
    // Stamped while the request was handled (ISO strings sort like the instants they name).
    expect([before, String(item['createdAt']), after].sort()).toEqual([before, String(item['createdAt']), after]);
    expect(item['findings']).toContainEqual(expect.objectContaining({ ruleId: 'safety-truncate', severity: 'error', line: 3 }));
    expect(String(item['excerpt']).length).toBeLessThanOrEqual(STORE_LIMITS.excerpt);
    expect(JSON.stringify(item)).not.toContain('end-of-text-marker');
    expect(item).not.toHaveProperty('sql');
  });

  it('caps the number of findings kept', async () => {
    const sql = Array.from({ length: 60 }, (_, i) => `CREATE TABLE t${i} (a float);`).join('\n');
    const res = await app.inject({ method: 'POST', url: '/v1/reviews', headers: AUTH, payload: { sql } });
    expect(res.statusCode).toBe(200);
    expect(res.json().findings.length).toBeGreaterThan(STORE_LIMITS.findings);
    const item = (await scan(db.dynamo)).find((i) => (i['summary'] as { statements: number }).statements === 60)!;
    expect(item['findings']).toHaveLength(STORE_LIMITS.findings);
    expect(item['findingsTruncated']).toBe(true);
    const got = await db.dynamo.doc.send(new GetCommand({ TableName: tableName(db.dynamo.tablePrefix, 'reviews'), Key: { id: item['id'] } }));
    expect(Buffer.byteLength(JSON.stringify(got.Item))).toBeLessThan(64 * 1024);
  });

  it('answers the review even when storing fails, and logs why', async () => {
    // A client whose table prefix names no table: PutItem fails with ResourceNotFoundException.
    const broken = createDynamo({ endpoint: db.endpoint, region: 'us-east-1', tablePrefix: 'missing-' });
    const other = captureLogger();
    const lonely = await buildApp({ clients, logger: other.logger, lifecycle: createLifecycle(), dynamo: broken, review: { config: resolveConfig({}), snapshotDir: '/nonexistent', maxSqlBytes: 200_000 } });
    try {
      const res = await lonely.inject({ method: 'POST', url: '/v1/reviews', headers: AUTH, payload: { sql: 'TRUNCATE TABLE t;' } });
      expect(res.statusCode).toBe(200);
      expect(res.json().summary.errors).toBeGreaterThan(0);
      expect(other.text()).toContain('could not store the review');
    } finally {
      await lonely.close();
      broken.close();
    }
  });

  it('gives up storing after its timeout when DynamoDB does not answer', async () => {
    // Accepts connections and never answers.
    const sockets: Socket[] = [];
    const silent = createServer((s) => void sockets.push(s));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const hung = createDynamo({ endpoint: `http://127.0.0.1:${(silent.address() as AddressInfo).port}`, region: 'us-east-1', tablePrefix: 'hung-' });
    const other = captureLogger();
    try {
      const result = (await app.inject({ method: 'POST', url: '/v1/reviews', headers: AUTH, payload: { sql: 'TRUNCATE TABLE t;' } })).json();
      const id = await createReviewStore({ dynamo: hung, logger: other.logger, timeoutMs: 300 }).save({ source: 'rest', sql: 'TRUNCATE TABLE t;', result, dialect: 'mysql80' });
      expect(id).toBeUndefined();
      expect(other.text()).toContain('could not store the review');
    } finally {
      hung.close();
      for (const s of sockets) s.destroy();
      await new Promise((r) => silent.close(r));
    }
  });
});
