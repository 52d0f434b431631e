import type { Redis } from 'ioredis';
import type { AccessPolicy } from '@dbre/domain';
import type { Inventory, LocalOutbox, SecretStore } from '@dbre/drivers';
import type { GrantAdmin } from '@dbre/mysql';
import type { TypedQueue } from '@dbre/queue';
import { createHttpApp, redisCheck, requireBearer, type HttpApp, type Lifecycle, type Logger } from '@dbre/service-kit';
import { slackBridgeToken, type SlackKit } from '@dbre/slack';
import { dynamoCheck, type AuditLog, type Dynamo, type RequestRepository } from '@dbre/store';
import { registerRoutes } from './routes';
import type { DatabaseDirectory } from './slack/database-directory';
import { registerRequestSlackRoutes } from './slack/routes';

export interface RequestApiDeps {
  logger: Logger;
  lifecycle: Lifecycle;
  redis: Redis;
  dynamo: Dynamo;
  requests: RequestRepository;
  audit: AuditLog;
  policy: AccessPolicy;
  inventory: Inventory;
  /** Checks that the requested database exists on the cluster (GrantAdmin from @dbre/mysql). */
  databases: Pick<GrantAdmin, 'requireDatabase'>;
  outbox: LocalOutbox;
  queues: { revoke: TypedQueue<'revoke'> };
  /** Tool name -> bearer token. */
  tokens: ReadonlyMap<string, string>;
  /** One policy minute in ms (60 000 except in tests and the benchmark). */
  minuteMs: number;
  clock?: () => Date;
  /** Set when Slack is configured: /slack/commands and /slack/interactions are served. */
  slack?: SlackKit;
  /** Required with Slack: "Show credentials" reads the password from it when clicked. */
  secrets?: SecretStore;
  /** The request modal offers each cluster's documented databases (latest docs snapshot). */
  databaseDirectory?: DatabaseDirectory;
}

export async function buildApp(deps: RequestApiDeps): Promise<HttpApp> {
  const app = await createHttpApp({
    name: 'request-api',
    logger: deps.logger,
    lifecycle: deps.lifecycle,
    readiness: [redisCheck(deps.redis), dynamoCheck(deps.dynamo)],
    openapi: {
      title: 'dbre request-api',
      description: 'Ask for just-in-time database access, follow it, extend or end it, read your outbox. Bearer token per tool; the acting person in X-Acting-User.',
    },
  });
  requireBearer(app, deps.tokens);
  registerRoutes(app, deps);
  if (deps.slack) {
    if (!deps.secrets) throw new Error('Slack is configured but request-api has no secret store: "Show credentials" reads the password from it.');
    await registerRequestSlackRoutes(app, { kit: deps.slack, bridgeToken: slackBridgeToken(deps.tokens), policy: deps.policy, inventory: deps.inventory, secrets: deps.secrets, audit: deps.audit, databases: deps.databaseDirectory, logger: deps.logger });
  }
  return app;
}
