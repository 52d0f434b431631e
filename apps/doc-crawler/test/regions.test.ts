import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { createCrawlRunsRepo, type CrawlRunsRepo } from '@dbre/docs';
import { createFolderSink, type ClusterTarget } from '@dbre/drivers';
import { closeRedis, closeWorker, createRedis } from '@dbre/queue';
import { Queue } from 'bullmq';
import { captureLogger, startTestDynamo, testServices, uniqueName, waitFor } from '@dbre/testing';
import { createCrawlFlow, type CrawlFlow } from '../src/flow';
import { crawlQueueName, crawlQueueNames } from '../src/regions';
import { createDocsWorkers } from '../src/workers';

describe('crawl queue names', () => {
  it('one queue per routed region, the default queue for the rest', () => {
    expect(crawlQueueName('eu-west-1', ['eu-west-1', 'ap-northeast-1'])).toBe('docs-cluster-eu-west-1');
    expect(crawlQueueName('us-east-1', ['eu-west-1'])).toBe('docs-cluster');
    expect(crawlQueueName(undefined, ['eu-west-1'])).toBe('docs-cluster');
    expect(crawlQueueNames(['eu-west-1', 'ap-northeast-1', 'eu-west-1'])).toEqual(['docs-cluster', 'docs-cluster-ap-northeast-1', 'docs-cluster-eu-west-1']);
  });
});

/**
 * Two regions: Tokyo's clusters accept connections and never answer (a region in trouble), Ireland's
 * answer. Each region has its own queue and one worker slot: Ireland is documented while Tokyo's
 * crawls still hang, and the run finishes once Tokyo's fail.
 */
describe('doc-crawler per region', () => {
  const prefix = uniqueName('dcr');
  const { logger } = captureLogger('doc-crawler');
  const sockets = new Set<net.Socket>();
  let hang: net.Server;
  let hangPort = 1;
  let out: string;
  let dynamoHandle: Awaited<ReturnType<typeof startTestDynamo>>;
  let redis: Redis;
  let workerRedis: Redis;
  let runs: CrawlRunsRepo;
  let flow: CrawlFlow;
  let workers: Worker[] = [];

  const cluster = (id: string, region: string, port: number): ClusterTarget => ({
    id,
    environment: 'stg',
    engine: 'mariadb',
    endpoint: { host: '127.0.0.1', port },
    instances: [],
    admin: { user: testServices.mysql.user, password: testServices.mysql.password },
    placement: { region, securityGroupIds: [], availabilityZones: [] },
  });
  const fleet = () => [cluster('tokyo-a', 'ap-northeast-1', hangPort), cluster('tokyo-b', 'ap-northeast-1', hangPort), cluster('dublin', 'eu-west-1', testServices.mysql.port)];
  const inventory = { list: async () => fleet(), get: async (id: string) => fleet().find((c) => c.id === id) };

  beforeAll(async () => {
    hang = net.createServer((s) => {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => undefined);
    });
    await new Promise<void>((r) => hang.listen(0, '127.0.0.1', () => r()));
    hangPort = (hang.address() as net.AddressInfo).port;
    out = await mkdtemp(join(tmpdir(), 'doc-crawler-regions-'));
    dynamoHandle = await startTestDynamo();
    redis = createRedis(testServices.redisUrl, 'producer');
    workerRedis = createRedis(testServices.redisUrl, 'worker');
    runs = createCrawlRunsRepo({ dynamo: dynamoHandle.dynamo });
    const regions = ['eu-west-1', 'ap-northeast-1'];
    flow = createCrawlFlow({ connection: redis, prefix, inventory, runs, regions });
    workers = createDocsWorkers({
      connection: workerRedis,
      prefix,
      logger,
      inventory,
      sink: createFolderSink({ root: out }),
      runs,
      flow,
      regions,
      settings: { concurrency: 1, clusterTimeoutMs: 120_000, attempts: 1, connectTimeoutMs: 100_000, includeSchema: () => false },
    });
  });

  afterAll(async () => {
    for (const s of sockets) s.destroy();
    if (hang.listening) await new Promise((r) => hang.close(r));
    for (const w of workers) await closeWorker(w, 10_000).catch(() => undefined);
    await flow?.close();
    for (const name of ['docs-fleet', ...crawlQueueNames(['eu-west-1', 'ap-northeast-1'])]) {
      const q = new Queue(name, { connection: workerRedis, prefix });
      await q.obliterate({ force: true }).catch(() => undefined);
      await q.close();
    }
    await closeRedis(redis);
    await closeRedis(workerRedis);
    await dynamoHandle.close();
    await rm(out, { recursive: true, force: true });
  });

  it("documents a region while another region's crawls hang, each on its own queue", async () => {
    const started = await flow.startRun({ trigger: 'api' });
    expect(started.clusterIds).toEqual(['tokyo-a', 'tokyo-b', 'dublin']);
    // Queued behind two hanging Tokyo crawls on one shared slot, Dublin would wait; on its own queue it does not.
    const byId = async () => Object.fromEntries(((await runs.getRun(started.runId))?.clusters ?? []).map((c) => [c.clusterId, c.status]));
    await waitFor(async () => (await byId())['dublin'] === 'ok', { timeoutMs: 30_000, what: 'dublin documented' });
    expect((await byId())['tokyo-a']).toBe('running');
    expect(await waitFor(async () => (sockets.size >= 1 ? sockets.size : undefined), { what: 'a tokyo crawl connected' })).toBe(1); // one slot in Tokyo
    const jobIds = async (name: string) => (await new Queue(name, { connection: redis, prefix }).getJobs(['active', 'waiting', 'completed', 'failed', 'delayed'])).map((j) => j.id).sort();
    expect(await jobIds('docs-cluster-eu-west-1')).toEqual([`crawl-${started.runId}-dublin`]);
    expect(await jobIds('docs-cluster-ap-northeast-1')).toEqual([`crawl-${started.runId}-tokyo-a`, `crawl-${started.runId}-tokyo-b`]);
    expect(await jobIds('docs-cluster')).toEqual([]);

    // Tokyo goes down for good: its crawls fail (after their retries) and the run finishes.
    const closed = new Promise((r) => hang.close(r));
    for (const s of sockets) s.destroy();
    await closed;
    const run = await waitFor(async () => {
      const r = await runs.getRun(started.runId);
      return r?.status === 'done' ? r : undefined;
    }, { timeoutMs: 60_000, intervalMs: 200, what: 'the run done' });
    expect(run.failed).toEqual(['tokyo-a', 'tokyo-b']);
  }, 90_000);
});
