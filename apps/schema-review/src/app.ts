import type { Redis } from 'ioredis';
import { createHttpApp, redisCheck, type HttpApp, type Lifecycle, type Logger } from '@dbre/service-kit';
import { dynamoCheck, type Dynamo } from '@dbre/store';
import { registerRoutes } from './routes';

export interface SchemaReviewDeps {
  logger: Logger;
  lifecycle: Lifecycle;
  redis: Redis;
  dynamo: Dynamo;
}

export async function buildApp(deps: SchemaReviewDeps): Promise<HttpApp> {
  const app = await createHttpApp({
    name: 'schema-review',
    logger: deps.logger,
    lifecycle: deps.lifecycle,
    readiness: [redisCheck(deps.redis), dynamoCheck(deps.dynamo)],
    openapi: { title: 'dbre schema-review' },
  });
  registerRoutes(app, deps);
  return app;
}
