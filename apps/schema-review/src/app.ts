import type { Redis } from 'ioredis';
import { type ApiClients, createHttpApp, type HttpApp, type HttpPolicy, type Lifecycle, type Logger, type ReadinessCheck, redisCheck } from '@dbre/service-kit';
import { dynamoCheck, type Dynamo } from '@dbre/store';
import type { AiCache, AiProvider, ReviewConfig, ReviewPool, SnapshotReader } from '@dbre/review';
import { createReviewStore } from './review-store';
import { registerRoutes } from './routes';
import { registerReviewSlackRoutes, type ReviewSlack } from './slack/routes';

export interface SchemaReviewDeps {
  logger: Logger;
  lifecycle: Lifecycle;
  /** Only for readiness: the reviewer itself needs neither. */
  redis?: Redis;
  dynamo?: Dynamo;
  review: {
    config: ReviewConfig;
    /** Where the doc-crawler snapshots are read: a reader (the DocSink, preferred) or a folder `<dir>/<cluster>/schema.json`. */
    readSnapshot?: SnapshotReader;
    snapshotDir?: string;
    maxSqlBytes: number;
    ai?: { provider: AiProvider; cache: AiCache; timeoutMs: number };
    /** Parses in worker threads with a per-statement time budget (main.ts always sets it); without it reviews run in-process. */
    pool?: ReviewPool;
  };
  /** Set when Slack is configured: /slack/reviews/commands and /slack/reviews/interactions are served. */
  slack?: ReviewSlack;
  /** The calling tools: bearer tokens, scopes, whom each may act for. */
  clients: ApiClients;
  /** Who may read /metrics and /docs (default: anyone; main.ts passes httpAccess(config)). */
  httpAccess?: HttpPolicy;
}

export async function buildApp(deps: SchemaReviewDeps): Promise<HttpApp> {
  const readiness: ReadinessCheck[] = [];
  if (deps.redis) readiness.push(redisCheck(deps.redis));
  if (deps.dynamo) readiness.push(dynamoCheck(deps.dynamo));
  const app = await createHttpApp({
    name: 'schema-review',
    logger: deps.logger,
    lifecycle: deps.lifecycle,
    readiness,
    auth: { clients: deps.clients, metrics: deps.httpAccess?.metrics, apiDocs: deps.httpAccess?.apiDocs },
    rateLimit: { ...deps.httpAccess?.writeLimit, redis: deps.redis },
    idempotency: { redis: deps.redis },
    // JSON escaping can grow the text (\n, \", \u....): leave room above the SQL limit so an
    // over-long DDL gets the route's own clear 413 rather than the generic body-limit one.
    bodyLimit: deps.review.maxSqlBytes * 2 + 64 * 1024,
    openapi: { title: 'dbre schema-review', description: 'MySQL DDL review: rules, online DDL verdicts, live context, optional AI second opinion' },
  });
  // Reviews are stored for the dashboard when a DynamoDB client is given (one PutItem each).
  const store = deps.dynamo ? createReviewStore({ dynamo: deps.dynamo, logger: deps.logger }) : undefined;
  registerRoutes(app, { ...deps, store });
  if (deps.slack) await registerReviewSlackRoutes(app, { slack: deps.slack, review: deps.review, store, logger: deps.logger });
  return app;
}
