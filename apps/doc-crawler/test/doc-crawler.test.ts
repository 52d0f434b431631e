import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import net from 'node:net';
import { join } from 'node:path';
import type { Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { createConnection, type Connection } from 'mysql2/promise';
import { createCrawlRunsRepo, paths, type CrawlRunsRepo } from '@dbre/docs';
import { createFolderSink, type ClusterTarget } from '@dbre/drivers';
import { closeRedis, closeWorker, createQueue, createRedis, enqueue, type TypedQueue } from '@dbre/queue';
import { apiClientsOf, createLifecycle, type HttpApp } from '@dbre/service-kit';
import { captureLogger, startTestDynamo, testServices, uniqueName, waitFor } from '@dbre/testing';
import { buildApp } from '../src/app';
import { createCrawlFlow, type CrawlFlow } from '../src/flow';
import { applySchedule, SCHEDULER_ID } from '../src/schedule';
import { createDocsWorkers } from '../src/workers';

const TOKEN = 'test-tool-token-000000000000000000';
const clients = apiClientsOf({ tests: { token: TOKEN, scopes: ['docs:crawl', 'docs:read'] } });
const AUTH = { authorization: `Bearer ${TOKEN}` };


/** The doc-crawler service: BullMQ flow on real Redis, crawl history in dynalite, real MariaDB. */
describe('doc-crawler service', () => {
  const db = uniqueName('docs_svc');
  const prefix = uniqueName('dcq');
  let mysql: Connection;
  let out: string;
  let dynamoHandle: Awaited<ReturnType<typeof startTestDynamo>>;
  let redis: Redis;
  let workerRedis: Redis;
  let runs: CrawlRunsRepo;
  let flow: CrawlFlow;
  let workers: Worker[];
  let app: HttpApp;
  let fleetQueue: TypedQueue<'docsFleet'>;
  const { logger } = captureLogger('doc-crawler');

  const base = (id: string, overrides: Partial<ClusterTarget> = {}): ClusterTarget => ({
    id,
    environment: 'stg',
    engine: 'mariadb',
    endpoint: { host: testServices.mysql.host, port: testServices.mysql.port },
    instances: [],
    admin: { user: testServices.mysql.user, password: testServices.mysql.password },
    ...overrides,
  });
  // A port nothing listens on: connection refused, a transient error the queue retries.
  let downPort = 1;
  const inventory = {
    list: async () => [
      base('stg-down', { endpoint: { host: '127.0.0.1', port: downPort } }),
      base('stg-good'),
      base('stg-twin'),
      base('stg-wrong', { admin: { user: testServices.mysql.user, password: 'definitely-wrong' } }),
    ],
    get: async (id: string) => (await inventory.list()).find((c) => c.id === id),
  };

  beforeAll(async () => {
    const probe = net.createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', () => r()));
    downPort = (probe.address() as net.AddressInfo).port;
    await new Promise((r) => probe.close(r));
    mysql = await createConnection({ ...testServices.mysql, multipleStatements: true });
    await mysql.query(`CREATE DATABASE \`${db}\`; CREATE TABLE \`${db}\`.items (id INT PRIMARY KEY, name VARCHAR(50) COMMENT '名前', parent_id INT NULL, FOREIGN KEY (parent_id) REFERENCES \`${db}\`.items (id)) COMMENT='品目';`);
    out = await mkdtemp(join(tmpdir(), 'doc-crawler-'));
    dynamoHandle = await startTestDynamo();
    redis = createRedis(testServices.redisUrl, 'producer');
    workerRedis = createRedis(testServices.redisUrl, 'worker');
    runs = createCrawlRunsRepo({ dynamo: dynamoHandle.dynamo });
    flow = createCrawlFlow({ connection: redis, prefix, inventory, runs });
    const sink = createFolderSink({ root: out });
    workers = createDocsWorkers({
      connection: workerRedis,
      prefix,
      logger,
      inventory,
      sink,
      runs,
      flow,
      settings: { concurrency: 2, clusterTimeoutMs: 30_000, attempts: 1, connectTimeoutMs: 3_000, includeSchema: (n) => n === db },
    });
    fleetQueue = createQueue('docsFleet', workerRedis, { prefix });
    app = await buildApp({ logger, lifecycle: createLifecycle(), redis, dynamo: dynamoHandle.dynamo, inventory, runs, flow, clients });
    await app.ready();
  });

  afterAll(async () => {
    // Each step even if an earlier one (or beforeAll) failed, so Jest can always exit.
    const steps: Array<() => Promise<unknown> | undefined> = [
      () => app?.close(),
      ...(workers ?? []).map((w) => () => closeWorker(w, 10_000)),
      () => flow?.close(),
      async () => {
        if (!workerRedis) return;
        for (const key of ['docsFleet', 'docsCluster'] as const) {
          const q = createQueue(key, workerRedis, { prefix });
          await q.obliterate({ force: true });
          await q.close();
        }
      },
      () => fleetQueue?.close(),
      () => (redis ? closeRedis(redis) : undefined),
      () => (workerRedis ? closeRedis(workerRedis) : undefined),
      () => dynamoHandle?.close(),
      async () => {
        await mysql?.query(`DROP DATABASE IF EXISTS \`${db}\``);
        await mysql?.end();
      },
      () => rm(out, { recursive: true, force: true }),
    ];
    for (const step of steps) {
      try {
        await step();
      } catch (err) {
        console.error('cleanup step failed:', err);
      }
    }
  });

  const runDone = (runId: string) =>
    waitFor(
      async () => {
        const res = await app.inject({ headers: AUTH, method: 'GET', url: `/v1/docs/crawls/${runId}` });
        const body = res.json();
        return body.status === 'done' ? body : undefined;
      },
      { timeoutMs: 40_000, intervalMs: 100, what: `run ${runId} done` },
    );

  it('crawls the fleet as a flow: a wrong password and an unreachable cluster fail alone, the others publish', async () => {
    const res = await app.inject({ headers: AUTH, method: 'POST', url: '/v1/docs/crawls', payload: {} });
    expect(res.statusCode).toBe(202);
    const { runId, clusterIds } = res.json();
    expect(clusterIds).toEqual(['stg-down', 'stg-good', 'stg-twin', 'stg-wrong']);
    expect(res.headers['location']).toBe(`/v1/docs/crawls/${runId}`);

    const run = await runDone(runId);
    expect(run).toMatchObject({ runId, trigger: 'api', failed: ['stg-down', 'stg-wrong'] });
    const byId = Object.fromEntries(run.clusters.map((c: { clusterId: string }) => [c.clusterId, c]));
    expect(byId['stg-good']).toMatchObject({ status: 'ok', changed: true, tables: 1, schemas: 1 });
    expect(byId['stg-twin']).toMatchObject({ status: 'ok' });
    // Wrong credentials are unrecoverable: one attempt, not the catalog's three.
    expect(byId['stg-wrong']).toMatchObject({ status: 'failed', code: 'CRAWL_ACCESS_DENIED', attempt: 1 });
    expect(byId['stg-wrong'].error).toMatch(/access denied/);
    // Unreachable is transient: retried by the queue (catalog: 3 attempts), then reported.
    expect(byId['stg-down']).toMatchObject({ status: 'failed', code: 'CRAWL_UNREACHABLE', attempt: 3 });

    const table = await readFile(join(out, paths.table('stg-good', db, 'items')), 'utf8');
    expect(table).toContain('> 品目');
    const index = await readFile(join(out, paths.fleetIndex), 'utf8');
    expect(index).toContain('| [`stg-good`](stg-good/README.md) | stg | mariadb |');
    expect(index).toMatch(/- `stg-wrong`: stg-wrong: access denied/);
    expect(index).toMatch(/- `stg-down`: stg-down: cannot reach the server \(ECONNREFUSED\)/);
    // Two clusters of the same environment on one server agree on every parameter.
    expect(await readFile(join(out, paths.environmentParameters('stg')), 'utf8')).toContain('All clusters agree on every variable');
  });

  it('crawls one cluster on request, keeps its history, and writes nothing when it did not change', async () => {
    const res = await app.inject({ headers: AUTH, method: 'POST', url: '/v1/docs/crawls', payload: { clusterId: 'stg-good' } });
    expect(res.statusCode).toBe(202);
    expect(res.json().clusterIds).toEqual(['stg-good']);
    const run = await runDone(res.json().runId);
    expect(run.failed).toEqual([]);
    expect(run.filesWritten).toBe(0);
    expect(run.clusters[0]).toMatchObject({ clusterId: 'stg-good', status: 'ok', changed: false, filesWritten: 0 });

    const history = await app.inject({ headers: AUTH, method: 'GET', url: '/v1/docs/clusters/stg-good/crawls' });
    expect(history.statusCode).toBe(200);
    expect(history.json().crawls.map((c: { status: string }) => c.status)).toEqual(['ok', 'ok']);
    expect(history.json().crawls[0].runId).toBe(res.json().runId); // newest first
    const list = await app.inject({ headers: AUTH, method: 'GET', url: '/v1/docs/crawls?limit=5' });
    expect(list.json().runs).toHaveLength(2);
    expect(list.json().runs[0].runId).toBe(res.json().runId);
  });

  it('runs one fleet crawl at a time: a second request or a cron tick while it runs joins it, and a later request starts a new one', async () => {
    const [first, second] = await Promise.all([
      app.inject({ headers: AUTH, method: 'POST', url: '/v1/docs/crawls', payload: {} }),
      app.inject({ headers: AUTH, method: 'POST', url: '/v1/docs/crawls', payload: {} }),
    ]);
    expect(first.statusCode).toBe(202);
    expect(second.statusCode).toBe(202);
    const runId = first.json().runId;
    expect(second.json().runId).toBe(runId);
    expect(second.json().clusterIds).toEqual(['stg-down', 'stg-good', 'stg-twin', 'stg-wrong']);
    // The cron tick while the run is still going (the down cluster is retried for seconds).
    const tick = await flow.startRun({ trigger: 'schedule' });
    expect(tick).toMatchObject({ runId, joined: true });

    const run = await runDone(runId);
    expect(run.trigger).toBe('api');
    // One flow, one crawl per cluster: the joined requests queued nothing.
    const fleetRuns = (await runs.listRuns(20)).filter((r) => r.clusterIds.length === 4 && r.requestedAt >= run.requestedAt);
    expect(fleetRuns.map((r) => r.runId)).toEqual([runId]);

    const next = await app.inject({ headers: AUTH, method: 'POST', url: '/v1/docs/crawls', payload: {} });
    expect(next.json().runId).not.toBe(runId);
    await runDone(next.json().runId);
  });

  it('answers 404 for an unknown cluster or run and 400 for a malformed request', async () => {
    const unknown = await app.inject({ headers: AUTH, method: 'POST', url: '/v1/docs/crawls', payload: { clusterId: 'prod-nowhere' } });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().code).toBe('CLUSTER_NOT_FOUND');
    expect((await app.inject({ headers: AUTH, method: 'GET', url: '/v1/docs/crawls/20260101T000000000Z-abc123' })).statusCode).toBe(404);
    expect((await app.inject({ headers: AUTH, method: 'POST', url: '/v1/docs/crawls', payload: { clusterId: '../etc' } })).statusCode).toBe(400);
    expect((await app.inject({ headers: AUTH, method: 'GET', url: '/v1/docs/clusters/nope-x/crawls' })).statusCode).toBe(404);
  });

  it('schedules the fleet crawl with a cron pattern and time zone (idempotently), and a tick starts a run', async () => {
    await applySchedule(fleetQueue, { enabled: true, pattern: '0 3 * * *', tz: 'Asia/Tokyo' });
    await applySchedule(fleetQueue, { enabled: true, pattern: '30 2 * * *', tz: 'Asia/Tokyo' });
    const schedulers = await fleetQueue.getJobSchedulers();
    expect(schedulers).toHaveLength(1);
    expect(schedulers[0]).toMatchObject({ key: SCHEDULER_ID, pattern: '30 2 * * *', tz: 'Asia/Tokyo' });
    await applySchedule(fleetQueue, { enabled: false, pattern: '30 2 * * *', tz: 'Asia/Tokyo' });
    expect(await fleetQueue.getJobSchedulers()).toHaveLength(0);

    // What the scheduler enqueues at each tick:
    await enqueue(fleetQueue, { trigger: 'schedule' });
    const scheduled = await waitFor(async () => (await runs.listRuns(10)).find((r) => r.trigger === 'schedule'), { timeoutMs: 20_000, what: 'scheduled run' });
    const done = await runDone(scheduled.runId);
    expect(done.clusterIds).toEqual(['stg-down', 'stg-good', 'stg-twin', 'stg-wrong']);
    expect(done.failed).toEqual(['stg-down', 'stg-wrong']);
  });
});
