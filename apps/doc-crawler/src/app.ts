import type { Redis } from 'ioredis';
import { createHttpApp, redisCheck, type HttpApp, type Lifecycle, type Logger } from '@dbre/service-kit';
import { dynamoCheck, type Dynamo } from '@dbre/store';
import { registerRoutes } from './routes';

export interface DocCrawlerDeps {
  logger: Logger;
  lifecycle: Lifecycle;
  redis: Redis;
  dynamo: Dynamo;
}

export async function buildApp(deps: DocCrawlerDeps): Promise<HttpApp> {
  const app = await createHttpApp({
    name: 'doc-crawler',
    logger: deps.logger,
    lifecycle: deps.lifecycle,
    readiness: [redisCheck(deps.redis), dynamoCheck(deps.dynamo)],
    openapi: { title: 'dbre doc-crawler' },
  });
  registerRoutes(app, deps);
  return app;
}
