import type { Redis } from 'ioredis';
import { createHttpApp, redisCheck, type HttpApp, type Lifecycle, type Logger } from '@dbre/service-kit';
import { dynamoCheck, type Dynamo } from '@dbre/store';
import { registerRoutes } from './routes';

export interface OpsDashboardDeps {
  logger: Logger;
  lifecycle: Lifecycle;
  redis: Redis;
  dynamo: Dynamo;
}

export async function buildApp(deps: OpsDashboardDeps): Promise<HttpApp> {
  const app = await createHttpApp({
    name: 'ops-dashboard',
    logger: deps.logger,
    lifecycle: deps.lifecycle,
    readiness: [redisCheck(deps.redis), dynamoCheck(deps.dynamo)],
    openapi: { title: 'dbre ops-dashboard' },
  });
  registerRoutes(app, deps);
  return app;
}
