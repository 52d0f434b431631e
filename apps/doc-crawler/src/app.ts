import type { Redis } from 'ioredis';
import type { CrawlRunsRepo } from '@dbre/docs';
import type { Inventory } from '@dbre/drivers';
import { type ApiClients, createHttpApp, type HttpApp, type HttpPolicy, type Lifecycle, type Logger, redisCheck } from '@dbre/service-kit';
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
  /** The calling tools: bearer tokens, scopes, whom each may act for. */
  clients: ApiClients;
  /** Who may read /metrics and /docs (default: anyone; main.ts passes httpAccess(config)). */
  httpAccess?: HttpPolicy;
}

export async function buildApp(deps: DocCrawlerDeps): Promise<HttpApp> {
  const app = await createHttpApp({
    name: 'doc-crawler',
    logger: deps.logger,
    lifecycle: deps.lifecycle,
    readiness: [redisCheck(deps.redis), dynamoCheck(deps.dynamo)],
    auth: { clients: deps.clients, metrics: deps.httpAccess?.metrics, apiDocs: deps.httpAccess?.apiDocs },
    rateLimit: { ...deps.httpAccess?.writeLimit, redis: deps.redis },
    idempotency: { redis: deps.redis },
    openapi: { title: 'dbre doc-crawler', description: 'Generated database documentation: start crawls, read their status and history.' },
  });
  registerRoutes(app, deps);
  return app;
}
