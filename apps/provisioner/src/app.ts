import type { Redis } from 'ioredis';
import { type ApiClients, createHttpApp, type HttpApp, type HttpPolicy, type Lifecycle, type Logger, redisCheck } from '@dbre/service-kit';
import { dynamoCheck, type Dynamo } from '@dbre/store';

export interface ProvisionerAppDeps {
  logger: Logger;
  lifecycle: Lifecycle;
  redis: Redis;
  dynamo: Dynamo;
  /** The calling tools (only needed when /metrics is protected). */
  clients?: ApiClients;
  /** Who may read /metrics (default: anyone; main.ts passes httpAccess(config)). */
  httpAccess?: HttpPolicy;
}

/** The worker's small HTTP side: /healthz, /readyz, /metrics. */
export async function buildApp(deps: ProvisionerAppDeps): Promise<HttpApp> {
  return createHttpApp({
    name: 'provisioner',
    logger: deps.logger,
    lifecycle: deps.lifecycle,
    readiness: [redisCheck(deps.redis), dynamoCheck(deps.dynamo)],
    auth: { clients: deps.clients, metrics: deps.httpAccess?.metrics, apiDocs: deps.httpAccess?.apiDocs },
  });
}
