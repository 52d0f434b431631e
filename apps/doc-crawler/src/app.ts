import type { Redis } from 'ioredis';
import type { CrawlRunsRepo } from '@dbre/docs';
import type { Inventory } from '@dbre/drivers';
import { createHttpApp, redisCheck, type HttpApp, type Lifecycle, type Logger } from '@dbre/service-kit';
import { dynamoCheck, type Dynamo } from '@dbre/store';
import type { CrawlFlow } from './flow';
import { registerRoutes } from './routes';

export interface DocCrawlerDeps {
  logger: Logger;
  lifecycle: Lifecycle;
  redis: Redis;
  dynamo: Dynamo;
  inventory: Inventory;
  runs: CrawlRunsRepo;
  flow: CrawlFlow;
}

export async function buildApp(deps: DocCrawlerDeps): Promise<HttpApp> {
  const app = await createHttpApp({
    name: 'doc-crawler',
    logger: deps.logger,
    lifecycle: deps.lifecycle,
    readiness: [redisCheck(deps.redis), dynamoCheck(deps.dynamo)],
    openapi: { title: 'dbre doc-crawler', description: 'Generated database documentation: start crawls, read their status and history.' },
  });
  registerRoutes(app, deps);
  return app;
}
