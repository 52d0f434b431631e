import type { Redis } from 'ioredis';
import { createCrawlRunsRepo } from '@dbre/docs';
import { createStaticInventory } from '@dbre/drivers';
import { closeRedis, createRedis } from '@dbre/queue';
import { resolveConfig } from '@dbre/review';
import { apiClientsOf, createLifecycle, type HttpApp } from '@dbre/service-kit';
import { captureLogger, startTestDynamo, testServices, uniqueName } from '@dbre/testing';
import { startAccessStack } from './access-stack';
import { buildWorkerApp } from '@dbre/access';
import { buildApp as buildSchemaReview } from '../../apps/schema-review/src/app';
import { buildApp as buildDocCrawler } from '../../apps/doc-crawler/src/app';
import { createCrawlFlow } from '../../apps/doc-crawler/src/flow';
import { startHarness } from '../../apps/ops-dashboard/test/helpers';

// Each of the seven services' buildApp(deps), built with real Redis and dynalite, answers the
// probes an orchestrator sends: /healthz 200 and /readyz 200 naming what it checked.
async function probes(app: HttpApp): Promise<{ healthz: number; readyz: number; checks: string[] }> {
  const healthz = await app.inject('/healthz');
  const readyz = await app.inject('/readyz');
  return { healthz: healthz.statusCode, readyz: readyz.statusCode, checks: Object.keys((readyz.json() as { checks?: object }).checks ?? {}).sort() };
}

describe("every app's buildApp", () => {
  let redis: Redis;
  let store: Awaited<ReturnType<typeof startTestDynamo>>;
  const logger = captureLogger('every-app').logger;

  beforeAll(async () => {
    redis = createRedis(testServices.redisUrl, 'producer');
    store = await startTestDynamo();
  });
  afterAll(async () => {
    await closeRedis(redis);
    await store.close();
  });

  it('request-api and approval-api', async () => {
    const stack = await startAccessStack({ provisioner: false, reaper: false });
    try {
      expect(await probes(stack.requestApi)).toEqual({ healthz: 200, readyz: 200, checks: expect.arrayContaining(['dynamodb', 'redis']) });
      expect(await probes(stack.approvalApi)).toEqual({ healthz: 200, readyz: 200, checks: expect.arrayContaining(['dynamodb', 'redis']) });
    } finally {
      await stack.close();
    }
  }, 60_000);

  it('provisioner and reaper (the workers’ HTTP side)', async () => {
    for (const name of ['provisioner', 'reaper'] as const) {
      const app = await buildWorkerApp({ name, logger, lifecycle: createLifecycle(), redis, dynamo: store.dynamo });
      try {
        expect(await probes(app)).toEqual({ healthz: 200, readyz: 200, checks: ['dynamodb', 'redis'] });
      } finally {
        await app.close();
      }
    }
  });

  it('schema-review', async () => {
    const app = await buildSchemaReview({ logger, lifecycle: createLifecycle(), redis, dynamo: store.dynamo, review: { config: resolveConfig({}), snapshotDir: '/nonexistent', maxSqlBytes: 1024 }, clients: apiClientsOf({}) });
    try {
      expect(await probes(app)).toEqual({ healthz: 200, readyz: 200, checks: ['dynamodb', 'redis'] });
    } finally {
      await app.close();
    }
  });

  it('doc-crawler', async () => {
    const inventory = createStaticInventory([]);
    const runs = createCrawlRunsRepo({ dynamo: store.dynamo });
    const flow = createCrawlFlow({ connection: redis, prefix: uniqueName('every'), inventory, runs });
    const app = await buildDocCrawler({ logger, lifecycle: createLifecycle(), redis, dynamo: store.dynamo, inventory, runs, flow, clients: apiClientsOf({}) });
    try {
      expect(await probes(app)).toEqual({ healthz: 200, readyz: 200, checks: ['dynamodb', 'redis'] });
    } finally {
      await app.close();
      await flow.close();
    }
  });

  it('ops-dashboard', async () => {
    const harness = await startHarness();
    try {
      expect(await probes(harness.app)).toEqual({ healthz: 200, readyz: 200, checks: expect.arrayContaining(['dynamodb', 'redis']) });
    } finally {
      await harness.close();
    }
  });
});
