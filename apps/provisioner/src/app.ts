import type { Redis } from 'ioredis';
import { createHttpApp, redisCheck, type HttpApp, type Lifecycle, type Logger } from '@dbre/service-kit';
import { dynamoCheck, type Dynamo } from '@dbre/store';

export interface ProvisionerAppDeps {
  logger: Logger;
  lifecycle: Lifecycle;
  redis: Redis;
  dynamo: Dynamo;
}

/** The worker's small HTTP side: /healthz, /readyz, /metrics. */
export async function buildApp(deps: ProvisionerAppDeps): Promise<HttpApp> {
  return createHttpApp({
    name: 'provisioner',
    logger: deps.logger,
    lifecycle: deps.lifecycle,
    readiness: [redisCheck(deps.redis), dynamoCheck(deps.dynamo)],
  });
}
